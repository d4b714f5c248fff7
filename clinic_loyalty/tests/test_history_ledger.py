"""Issue 26 item 10: Odoo's loyalty history of a clinic card is its points ledger, line for
line (what the patient reads on the portal); a stock programme's card keeps Odoo's history."""


from freezegun import freeze_time

from odoo.tests import HttpCase, new_test_user, tagged

from .common import ClinicBonusCommon
from .test_pos_loyalty import PosClinicCommon


class HistoryIsLedger:
    def assertHistoryIsLedger(self, card):
        card = card.sudo()
        card.invalidate_recordset()
        ledger = card.clinic_ledger_ids.sorted("id")
        history = self.env["loyalty.history"].sudo().search([("card_id", "=", card.id)], order="id")
        self.assertEqual(
            [(line.issued, line.used) for line in history],
            [(max(line.points, 0.0), max(-line.points, 0.0)) for line in ledger],
            "one history line per ledger line, with its figures",
        )
        self.assertAlmostEqual(sum(history.mapped("issued")) - sum(history.mapped("used")), card.points)
        self.assertAlmostEqual(sum(ledger.mapped("points")), card.points)
        self.assertTrue(all(history.mapped("description")))
        return history


@tagged("post_install", "-at_install")
class TestSaleHistoryIsLedger(HistoryIsLedger, ClinicBonusCommon):
    def test_an_order_earning_at_payment_spending_and_cancelled_is_its_ledger(self):
        self.program.clinic_earn_trigger = "paid"
        massage = self._service("Massage", 1100.0, self.categ_cosmetics)
        self._give(500)
        order = self._order([(self.service, 1), (massage, 2)])
        self._use_points(order, 200)
        order.action_confirm()
        self.assertHistoryIsLedger(self.card)
        self._pay_in_full(order)
        history = self.assertHistoryIsLedger(self.card)
        earn = order.clinic_ledger_ids.filtered(lambda line: line.kind == "earn")
        self.assertEqual(earn.points, 420, "10% of 4400 - 200 paid")
        self.assertEqual(history.filtered(lambda line: line.issued == 420).order_id, order.id)
        self.assertEqual(self.card.points, 720)
        self.assertEqual(len(history), 3, "opening, spend, earn: no line from the order's quote")

        order._action_cancel()
        history = self.assertHistoryIsLedger(self.card)
        self.assertEqual(len(history), 5, "the order's lines stay; the reversals add theirs")
        self.assertEqual(self.card.points, 500)

    def test_welcome_expiry_and_adjustment_are_history_lines(self):
        with freeze_time("2026-01-15"):
            self.card._clinic_post("earn", 100, "Order S003")
            self.card._clinic_post("spend", -40, "Order S004")
        with freeze_time("2027-01-16"):
            self.assertEqual(self.env["loyalty.card"]._cron_clinic_expire_lots(), 1)
        history = self.assertHistoryIsLedger(self.card)
        self.assertEqual((history[-1].issued, history[-1].used), (0, 60))
        self.assertIn("expired", history[-1].description.lower())
        self.card.action_clinic_adjust(15, "Goodwill")
        history = self.assertHistoryIsLedger(self.card)
        self.assertEqual(history[-1].description, "Goodwill")

        # A new patient's welcome bonus is on their card's history too.
        self.program.clinic_welcome_points = 50
        newcomer = self._patient("Boris Ivanov", "+7 912 000 1122")
        card = newcomer.clinic_card_ids
        self.assertTrue(card.clinic_ledger_ids)
        self.assertHistoryIsLedger(card)

    def test_a_stock_programme_card_keeps_odoos_history(self):
        stock = self.env["loyalty.program"].create(
            {
                "name": "Stock Loyalty",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
            }
        )
        other = self._patient("Stock Customer")
        order = self._order([(self.service, 1)], partner=other)
        order._update_programs_and_rewards()
        order.action_confirm()
        card = self.env["loyalty.card"].search([("program_id", "=", stock.id), ("partner_id", "=", other.id)])
        history = self.env["loyalty.history"].search([("card_id", "=", card.id)])
        self.assertEqual((history.issued, history.used, history.order_id), (2200, 0, order.id))
        self.assertEqual(card.points, 2200)
        order._action_cancel()
        self.assertFalse(history.exists(), "as in stock, a cancelled order's history goes")


@tagged("post_install", "-at_install")
class TestPosHistoryIsLedger(HistoryIsLedger, PosClinicCommon):
    def test_a_pos_order_spending_points_and_its_refund_are_the_ledger(self):
        self.card._clinic_post("earn", 300, "Opening")
        order = self._sync(self._order_data([(self.massage, 2), self._reward_line(200, claimed=50)]))
        # The browser then sends its own figures for the history: ignored for a clinic card.
        order.add_loyalty_history_lines([{"card_id": str(self.card.id), "won": 1000, "spent": 50}], [])
        history = self.assertHistoryIsLedger(self.card)
        self.assertEqual(history.filtered("order_id").mapped("used"), [200, 0])
        massage_line = order.lines.filtered(lambda line: line.product_id == self.massage)
        points_line = order.lines.filtered("reward_id")
        refund_data = self.create_ui_order_data(
            [{"product": self.massage, "quantity": -1, "refunded_orderline_id": massage_line.id}],
            customer=self.patient,
        )
        refund_data["lines"].append(
            (0, 0, {"product_id": points_line.product_id.id, "qty": -0.5, "price_unit": -200, "price_subtotal": 100,
                    "price_subtotal_incl": 100, "tax_ids": [(6, 0, [])], "refunded_orderline_id": points_line.id})
        )  # fmt: skip
        refund_data.update({"amount_total": -1000, "amount_paid": -1000})
        refund_data["payment_ids"][0][2]["amount"] = -1000
        self._sync(refund_data)
        history = self.assertHistoryIsLedger(self.card)
        self.assertEqual(len(history), 5, "opening, spend, earn and the refund's two reversals")
        self.assertEqual(self.card.points, 300)


@tagged("post_install", "-at_install")
class TestPortalHistoryIsLedger(HttpCase):
    def test_the_portal_history_shows_the_ledger_figures(self):
        env = self.env(su=True)
        program = env["loyalty.program"].create(
            {
                "name": "Clinic Portal Bonus",
                "program_type": "loyalty",
                "company_id": env.company.id,
                "clinic_bonus": True,
                "clinic_earn_rate": 10,
                "clinic_welcome_points": 50,
            }
        )
        env.company.clinic_loyalty_program_id = program
        patient = env["res.partner"].create({"name": "Portal Patient", "is_patient": True})
        card = patient.clinic_card_ids
        card._clinic_post("earn", 1770, "Order S00026")
        card._clinic_post("spend", -125, "Order S00027")
        new_test_user(env, login="clinic_history_portal", groups="base.group_portal", partner_id=patient.id)
        self.authenticate("clinic_history_portal", "clinic_history_portal")
        response = self.url_open(f"/my/loyalty_card/{card.id}/history")
        self.assertEqual(response.status_code, 200)
        welcome = card.clinic_ledger_ids.filtered(lambda line: line.points == 50)
        self.assertTrue(welcome, "the welcome bonus")
        for text in ("Order S00026", "Order S00027", welcome.reason, "1,770 points", "125 points", "50 points"):
            self.assertIn(text, response.text)
        self.assertEqual(response.text.count("<tr>"), 3, "one row per ledger line")

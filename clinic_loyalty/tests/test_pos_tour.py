from unittest.mock import patch

from odoo import api
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from ..models.loyalty_card import ean13_check_digit
from ..tools.guard import server_write


@tagged("post_install", "-at_install")
class TestPosLoyaltyTours(TestPointOfSaleHttpCommon):
    """The cashier's loyalty flow in the POS, in headless Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The cashier works at the clinic's front desk (Loyalty User): patients' cards are
        # read by that group only.
        cls.pos_user.groups_id |= cls.env.ref("clinic_loyalty.group_clinic_loyalty_user")
        # Only the clinic's programme runs in this shop.
        cls.env["loyalty.program"].search([]).write({"active": False})
        company = cls.main_pos_config.company_id
        company.country_id = cls.env.ref("base.ru")
        # The test environment's user is an accountant: configure as the superuser.
        cls.program = (
            cls.env["loyalty.program"]
            .sudo()
            .create(
                {
                    "name": "Clinic Bonus",
                    "program_type": "loyalty",
                    "applies_on": "both",
                    "trigger": "auto",
                    "company_id": company.id,
                    "pos_ok": True,
                    "clinic_bonus": True,
                    "clinic_max_redeem_percent": 50,
                    "clinic_points_validity_months": 12,
                    "clinic_tier_ids": [(0, 0, {"name": "Bronze", "threshold": 0, "earn_rate": 10})],
                    "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                    "reward_ids": [
                        (
                            0,
                            0,
                            {
                                "reward_type": "discount",
                                "discount_mode": "per_point",
                                "discount": 1,
                                "required_points": 1,
                                "description": "Pay with points",
                            },
                        )
                    ],
                }
            )
        )
        company.clinic_loyalty_program_id = cls.program
        cls.product = cls.env["product.product"].create(
            {
                "name": "Clinic Consultation",
                "type": "service",
                "list_price": 2200.0,
                "available_in_pos": True,
                "taxes_id": [(5, 0, 0)],
            }
        )
        cls.massage = cls.env["product.product"].create(
            {
                "name": "Clinic Massage",
                "type": "service",
                "list_price": 1100.0,
                "available_in_pos": True,
                "taxes_id": [(5, 0, 0)],
            }
        )
        cls.patient = (
            cls.env["res.partner"]
            .sudo()
            .create(
                {
                    "name": "Clinic Tour Patient",
                    "phone": "+7 912 555 11 22",
                    "is_patient": True,
                    "company_id": company.id,
                }
            )
        )
        cls.card = cls.patient.clinic_card_ids.sudo()
        body = "044000000001"
        # A known number for the tour to scan; card numbers are the server's to give.
        server_write(cls.card).code = body + ean13_check_digit(body)
        cls.card._clinic_post("earn", 500, "Opening balance")

    def test_scan_card_redeem_pay_and_read_the_receipt(self):
        self.assertEqual(self.card.code, "0440000000011")
        self.start_pos_tour("clinic_loyalty_pos_scan_redeem_pay")
        self.card.invalidate_recordset()
        order = self.env["pos.order"].search([("partner_id", "=", self.patient.id)])
        self.assertEqual(order.amount_total, 1700)
        self.assertEqual(
            sorted(order.sudo().clinic_ledger_ids.mapped(lambda line: (line.kind, line.points))),
            [("earn", 170), ("spend", -500)],
        )
        self.assertEqual(self.card.points, 170)

    def test_find_the_patient_by_phone_in_any_format_with_the_card_discount(self):
        self.program.clinic_tier_ids.sudo().discount_percent = 5
        self.start_pos_tour("clinic_loyalty_pos_phone_search")

    def test_two_patients_searched_in_a_row_never_show_the_first_match(self):
        self.env["res.partner"].sudo().create(
            {
                "name": "Clinic Second Patient",
                "phone": "+7 903 111 22 33",
                "is_patient": True,
                "company_id": self.main_pos_config.company_id.id,
            }
        )
        self.start_pos_tour("clinic_loyalty_pos_two_searches_in_a_row")

    def test_a_replayed_order_earns_once_and_a_refund_reverses(self):
        self.start_pos_tour("clinic_loyalty_pos_replay_and_refund")
        self.card.invalidate_recordset()
        sale, refund = self.env["pos.order"].search([("partner_id", "=", self.patient.id)], order="id")
        self.assertEqual(len(sale.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "earn")), 1)
        self.assertEqual(refund.amount_total, -1100)
        self.assertEqual(self.card.points, 500 + 220 - 110)
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))

    def test_a_refund_returns_the_items_share_of_the_points(self):
        self.start_pos_tour("clinic_loyalty_pos_refund_with_points")
        sale, refund = self.env["pos.order"].search([("partner_id", "=", self.patient.id)], order="id")
        self.assertEqual(refund.amount_total, -850)
        reversals = sale.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "reversal")
        self.assertEqual(sorted(reversals.mapped("points")), [-85, 250])
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 335)

    def test_a_refund_reverses_what_its_line_did(self):
        """Issue 24: refunding the lab test (0 %) of a massage and lab test paid partly with
        points gives back the lab test's share of the points and takes back nothing earned."""
        lab = self.env["product.category"].sudo().create({"name": "Clinic Lab"})
        self.program.sudo().clinic_category_rate_ids = [(0, 0, {"categ_id": lab.id, "rate": 0})]
        self.env["product.product"].sudo().create(
            {"name": "Clinic Lab Test", "type": "service", "list_price": 1100.0, "available_in_pos": True,
             "categ_id": lab.id, "taxes_id": [(5, 0, 0)]}
        )  # fmt: skip
        self.start_pos_tour("clinic_loyalty_pos_refund_by_line")
        sale, refund = self.env["pos.order"].search([("partner_id", "=", self.patient.id)], order="id")
        self.assertEqual(refund.amount_total, -850)
        reversals = sale.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "reversal")
        # The lab test's points come back; it earned nothing, so it takes back no points,
        # only the 850 of money it counted towards tiers. The massage keeps its 85.
        self.assertEqual(sorted(reversals.mapped(lambda line: (line.points, line.amount))), [(0, -850), (250, 0)])
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 335)

    def test_offline_orders_sync_after_the_server_corrects_one(self):
        self.start_pos_tour("clinic_loyalty_pos_offline_orders_sync_after_a_correction")
        orders = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)], order="id"
        )
        self.assertEqual(orders.mapped("state"), ["paid", "paid", "paid"], "every paid order is saved")
        first, second, _third = orders.sudo()
        self.assertEqual(
            sorted(first.clinic_ledger_ids.mapped(lambda line: (line.kind, line.points))),
            [("earn", 170), ("spend", -500)],
        )
        # The second order claimed 500 points the card no longer held: the server took the 170
        # the first order had earned, never below zero, and asked a manager to settle the rest.
        self.assertEqual(
            sorted(second.clinic_ledger_ids.mapped(lambda line: (line.kind, line.points))),
            [("earn", 170), ("spend", -170)],
        )
        self.assertEqual(second.lines.filtered("reward_id").points_cost, 170, "the line says what was taken")
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 170)
        self.assertIn(second.pos_reference.split()[-1], self.card.activity_ids.summary)

    def test_a_refund_keeps_back_the_value_of_earned_points_already_spent(self):
        self.card._clinic_post("spend", -500, "Spent before the tour")
        self.start_pos_tour("clinic_loyalty_pos_refund_keeps_back_spent_points")
        first, _second, refund = self.env["pos.order"].search([("partner_id", "=", self.patient.id)], order="id")
        self.assertEqual(refund.amount_total, -1078)
        reversal = first.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "reversal")
        self.assertEqual((reversal.points, reversal.amount), (-88, -1100))
        self.assertIn("22 points already spent, deducted from the money refunded", reversal.reason)
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 0)
        self.assertFalse(self.card.activity_ids, "nothing left for a manager to settle")

    def _household_with_member(self, **plan_vals):
        """The tour patient's Family Card household and a member whose card is 0440000000028."""
        fillings = self.env["product.category"].create({"name": "Tour Fillings"})
        self.env["product.product"].create(
            {
                "name": "Clinic Filling",
                "type": "service",
                "list_price": 400.0,
                "available_in_pos": True,
                "taxes_id": [(5, 0, 0)],
                "categ_id": fillings.id,
            }
        )
        fee = self.env["product.product"].create({"name": "Family Card Fee", "list_price": 199})
        plan = (
            self.env["clinic.loyalty.membership.plan"]
            .sudo()
            .create(
                {
                    "name": "Family Card",
                    "product_id": fee.id,
                    "member_discount_percent": 10,
                    "company_id": self.main_pos_config.company_id.id,
                    "voucher_ids": [(0, 0, {"name": "Filling voucher", "amount": 200, "categ_ids": fillings.ids})],
                    **plan_vals,
                }
            )
        )
        # The desk sold it today, in the desk's time zone (the POS user is in New York: from
        # midnight UTC to 5 a.m. the test user's today is the desk's tomorrow).
        household = (
            self.env["clinic.loyalty.household"]
            .sudo()
            .with_context(tz=self.pos_user.tz)
            ._clinic_sell_membership(self.patient, plan, 199, "test:family", "Test")
        )
        household.name = "Clinic Tour Family"
        member = (
            self.env["res.partner"]
            .sudo()
            .create(
                {"name": "Clinic Tour Member", "is_patient": True, "company_id": self.main_pos_config.company_id.id}
            )
        )
        household.action_clinic_add_members(member.ids)
        body = "044000000002"
        server_write(member.clinic_card_ids.sudo()).code = body + ean13_check_digit(body)
        return household, member

    def test_a_member_uses_no_more_than_the_monthly_limit(self):
        _household, member = self._household_with_member(member_spend_limit=100)
        self.start_pos_tour("clinic_loyalty_pos_member_limit_before_payment")
        order = self.env["pos.order"].search([("partner_id", "=", member.id)])
        self.assertEqual(order.amount_total, 1980 - 100, "the member discount, then 100 points")
        self.assertEqual(order.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "spend").points, -100)
        self.assertFalse(self.card.activity_ids, "nothing over the rules")

    def test_points_spent_elsewhere_meanwhile_are_refused_before_payment(self):
        check_points = self.registry["pos.order"].clinic_check_points
        card = self.card

        @api.model
        def another_desk_spends_then_check(records, *args):
            # After the cashier applied the points, before the payment, another desk spends 400.
            card.with_env(records.env).sudo()._clinic_post_once(
                "spend", -400, "Another desk", source_key="test:another-desk"
            )
            return check_points(records, *args)

        with patch.object(self.registry["pos.order"], "clinic_check_points", another_desk_spends_then_check):
            self.start_pos_tour("clinic_loyalty_pos_points_refused_before_payment")
        self.assertFalse(self.env["pos.order"].search([("state", "=", "paid")]))
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 100)

    def test_a_household_member_pays_with_the_household_points(self):
        household, member = self._household_with_member()
        self.start_pos_tour("clinic_loyalty_pos_member_pays_with_household_points")

        self.card.invalidate_recordset()
        order = self.env["pos.order"].search([("partner_id", "=", member.id)])
        lines = order.sudo().clinic_ledger_ids
        self.assertEqual(
            sorted(lines.mapped(lambda line: (line.kind, line.points, line.card_id.id, line.patient_id.id))),
            [("earn", 166, self.card.id, member.id), ("spend", -500, self.card.id, member.id)],
        )
        self.assertEqual(self.card.points, 166)
        uses = household.sudo().voucher_use_ids
        self.assertEqual(
            sorted(uses.mapped(lambda use: (use.voucher_id.name or "", use.voucher_amount, use.discount_amount))),
            [("", 0, 220), ("Filling voucher", 200, 20)],
        )
        self.assertFalse(member.clinic_card_ids.sudo().clinic_ledger_ids)
        self.assertEqual(order.lines.filtered("reward_id").coupon_id, self.card, "paid from the household card")

    def _whitening(self):
        """A 250 service with 15% tax on top (287.50)."""
        tax = (
            self.env["account.tax"]
            .sudo()
            .create(
                {
                    "name": "Clinic VAT 15%",
                    "amount": 15,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_excluded",
                    "company_id": self.main_pos_config.company_id.id,
                }
            )
        )
        return self.env["product.product"].create(
            {
                "name": "Clinic Whitening",
                "type": "service",
                "list_price": 250.0,
                "available_in_pos": True,
                "taxes_id": [(6, 0, tax.ids)],
            }
        )

    def test_points_pay_a_taxed_service_up_to_the_exact_share(self):
        """A 250 service with 15% tax on top (287.50): the programme lets points pay 50%,
        143.75 with the tax, in whole points as the programme rounds them: 143 points pay
        143.00; the browser applies exactly that and the server posts it."""
        self._whitening()
        self.start_pos_tour("clinic_loyalty_pos_points_on_a_taxed_service")
        self.card.invalidate_recordset()
        order = self.env["pos.order"].search([("partner_id", "=", self.patient.id)])
        self.assertEqual(order.amount_total, 144.51)
        spent = order.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "spend")
        self.assertEqual(spent.points, -143)
        self.assertFalse(self.card.activity_ids, "nothing over the rules")

    def test_the_front_desk_in_russian(self):
        """The whole desk flow with the POS in Russian: phone typed another way, the panel's
        figures with Russian plurals, points up to the exact share of a taxed service, and
        a receipt whose loyalty lines are the server's, with the reasons in Russian."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.pos_user.lang = "ru_RU"
        self._whitening()
        self.start_pos_tour("clinic_loyalty_pos_front_desk_in_russian", login="pos_user")
        order = self.env["pos.order"].search([("partner_id", "=", self.patient.id)])
        self.assertEqual(order.amount_total, 144.51)
        lines = order.sudo().clinic_ledger_ids.sorted("id")
        self.assertEqual(lines.mapped("kind"), ["spend", "earn"])
        self.assertEqual(lines.mapped("points"), [-143, 14])
        self.assertTrue(lines[0].reason.startswith("Paid on order"), "searchable in English")
        self.assertTrue(lines[0].with_context(lang="ru_RU").reason_display.startswith("Оплата заказа"))

"""Refunding a package: the unused part by the package's rule, by credit note or at the
Point of Sale, once; the points the package earned taken back; sessions used since the
amount was computed are never paid back."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .test_package_sale import PackageSaleCase


@tagged("post_install", "-at_install")
class TestPackageRefund(PackageSaleCase, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls._setup_package(cls.company)
        # 10 sessions for 9000, each listed at 1000.
        cls.course = (
            cls.env["product.product"]
            .sudo()
            .create(
                {
                    "name": "Ten massages",
                    "type": "service",
                    "list_price": 9000,
                    "taxes_id": [],
                    "available_in_pos": True,
                    "is_clinic_package": True,
                    "clinic_package_line_ids": [(0, 0, {"service_id": cls.massage.id, "sessions": 10})],
                }
            )
        )
        cls._setup_clinic_program(cls.company)
        cls.env.user.sudo().groups_id = [(4, cls.env.ref("clinic_loyalty.group_clinic_loyalty_manager").id)]

    def _sell_by_sales_order(self):
        package = self._sell_package(self.course, invoice=True)
        return package.sale_line_id.order_id, package

    def _use(self, package, sessions):
        return self._use_package(package, [(self.massage, sessions)])

    def test_the_unused_part_under_each_rule(self):
        _sale, package = self._sell_by_sales_order()
        self._use(package, 3)
        self.assertEqual(package.sessions_left, 7)
        # 9000 x 7000 / 10000 of list price left.
        self.assertEqual(package._clinic_refund_amount(), 6300)
        package.refund_rule = "list_price"
        # 9000 less 3 x 1000 used.
        self.assertEqual(package._clinic_refund_amount(), 6000)
        self._use(package, 7)
        self.assertEqual(package._clinic_refund_amount(), 0, "never below zero")
        package.refund_rule = "none"
        self.assertEqual(package._clinic_refund_amount(), 0)

    def test_sessions_weigh_their_list_price(self):
        # The test package: 10 massages at 1000 and 3 acupunctures at 800 for 9000.
        package = self._sell_package()
        self._use_package(package, [(self.acupuncture, 2)])
        # Left: 10 x 1000 + 1 x 800 = 10800 of 12400 listed: 9000 x 10800 / 12400 = 7838.71.
        self.assertEqual(package._clinic_refund_amount(), 7838.71)

    def test_a_credit_note_refunds_the_unused_part_and_the_points_the_package_earned(self):
        _sale, package = self._sell_by_sales_order()
        self.assertEqual(self.card.points, 900, "10% of 9000")
        self._use(package, 3)
        action = package.action_clinic_refund()
        refund = self.env["account.move"].browse(action["res_id"])
        self.assertEqual((refund.move_type, refund.state, refund.amount_total), ("out_refund", "draft", 6300))
        self.assertEqual(package.state, "active", "the package closes when the credit note is posted")
        refund.action_post()
        self.assertEqual((package.state, package.refund_amount, package.refund_move_id), ("refunded", 6300, refund))
        self.card.invalidate_recordset(["points"])
        self.assertEqual(self.card.points, 0, "all 900 points the package earned are taken back")
        self.assertEqual(package._clinic_refund_amount(), 0)
        with self.assertRaisesRegex(UserError, "is closed already"):
            package.action_clinic_refund()
        # The package is closed for good: its credit note is not reset to reopen it.
        with self.assertRaisesRegex(UserError, "cannot be reset to draft or cancelled"):
            refund.button_draft()
        with self.assertRaisesRegex(UserError, "cannot be reset to draft or cancelled"):
            refund.button_cancel()
        self.card.invalidate_recordset(["points"])
        self.assertEqual((package.state, self.card.points), ("refunded", 0))
        visit = self.env["sale.order"].create(
            {
                "partner_id": self.patient.id,
                "order_line": [(0, 0, {"product_id": self.massage.id, "clinic_package_id": package.id})],
            }
        )
        with self.assertRaisesRegex(UserError, "was refunded"):
            visit.action_confirm()

    def test_odoos_reverse_of_the_invoice_that_sold_a_package_refunds_it(self):
        sale, package = self._sell_by_sales_order()
        invoice = sale.invoice_ids
        self.assertEqual(self.card.points, 900)
        used, unused = self._sell_by_sales_order()[1], package
        self._use(used, 3)
        refund = used.sale_line_id.order_id.invoice_ids._reverse_moves()
        with self.assertRaisesRegex(UserError, r"unused part is worth \$\s6,300.00 today, not \$\s9,000.00"):
            refund.action_post()
        refund = invoice._reverse_moves()
        refund.action_post()
        self.assertEqual((unused.state, unused.refund_amount, unused.refund_move_id), ("refunded", 9000, refund))
        self.card.invalidate_recordset(["points"])
        self.assertEqual(self.card.points, 900, "the unused package's 900 points are taken back")

    def test_a_credit_note_pays_no_more_than_the_unused_part_when_posted(self):
        sale, package = self._sell_by_sales_order()
        refund = self.env["account.move"].browse(package.action_clinic_refund()["res_id"])
        self.assertEqual(refund.amount_total, 9000, "nothing used: the price paid")
        self._use(package, 1)
        with self.assertRaisesRegex(UserError, r"worth \$\s8,100.00 today, not \$\s9,000.00"):
            refund.action_post()
        self.assertEqual(package.state, "active")
        # Reversing the whole invoice does not refund a used package as new: the same figure.
        invoice = sale.invoice_ids
        reversal = invoice._reverse_moves()
        with self.assertRaisesRegex(UserError, r"worth \$\s8,100.00 today, not \$\s9,000.00"):
            reversal.action_post()

    def test_only_a_loyalty_manager_refunds_and_a_pos_package_is_refunded_at_the_pos(self):
        _sale, package = self._sell_by_sales_order()
        desk = new_test_user(
            self.env, login="desk_refund", groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user"
        )
        with self.assertRaises(AccessError):
            package.with_user(desk).action_clinic_refund()
        package.sudo().write({"sale_line_id": False, "origin": "Shop/0001"})
        with self.assertRaisesRegex(UserError, "refund it there"):
            package.action_clinic_refund()

    # At the Point of Sale ---------------------------------------------------------------

    def _sync(self, data):
        return self.env["pos.order"].browse(self.env["pos.order"].sync_from_ui([data])["pos.order"][0]["id"])

    def _pos_refund(self, order, price_unit):
        """The refund screen's order for the package line, paying back ``price_unit``."""
        data = self.create_ui_order_data(
            [{"product": self.course, "quantity": -1, "refunded_orderline_id": order.lines.id}], customer=self.patient
        )
        data["lines"][0][2].update(
            price_unit=price_unit, price_subtotal=-price_unit, price_subtotal_incl=-price_unit, price_type="manual"
        )
        data.update(amount_total=-price_unit, amount_paid=-price_unit, amount_tax=0)
        data["payment_ids"][0][2]["amount"] = -price_unit
        return self._sync(data)

    def test_a_pos_refund_pays_back_the_quoted_unused_part_once(self):
        self.open_new_session()
        order = self._sync(self.create_ui_order_data([(self.course, 1)], customer=self.patient))
        package = self.env["clinic.package"].sudo().search([("pos_line_id", "in", order.lines.ids)])
        self.assertEqual(self.card.points, 900)
        self._use(package, 3)
        quote = self.env["pos.order"].clinic_package_refund_quote(order.id, {str(order.lines.id): 1})
        self.assertEqual(len(quote["lines"]), 1)
        self.assertEqual((quote["lines"][0]["amount"], quote["lines"][0]["price_unit"]), (6300, 6300))
        self.assertIn(package.code, quote["lines"][0]["name"])
        refund = self._pos_refund(order, quote["lines"][0]["price_unit"])
        self.assertEqual(refund.amount_total, -6300)
        self.assertEqual(
            (package.state, package.refund_amount, package.refund_pos_line_id), ("refunded", 6300, refund.lines)
        )
        self.card.invalidate_recordset(["points"])
        self.assertEqual(self.card.points, 0, "the 900 points the package earned are taken back")
        self.assertNotIn("A loyalty manager decides", " ".join(refund.message_ids.mapped("body")))
        refund._clinic_post_loyalty()
        self.assertEqual(package.refund_amount, 6300, "a replayed sync refunds nothing more")

    def test_a_pos_refund_marked_for_invoicing_is_saved_and_invoiced(self):
        self.open_new_session()
        order = self._sync(self.create_ui_order_data([(self.course, 1)], customer=self.patient))
        package = self.env["clinic.package"].sudo().search([("pos_line_id", "in", order.lines.ids)])
        self._use(package, 3)
        data = self.create_ui_order_data(
            [{"product": self.course, "quantity": -1, "refunded_orderline_id": order.lines.id}],
            customer=self.patient,
            is_invoiced=True,
        )
        data["lines"][0][2].update(
            price_unit=6300, price_subtotal=-6300, price_subtotal_incl=-6300, price_type="manual"
        )
        data.update(amount_total=-6300, amount_paid=-6300, amount_tax=0)
        data["payment_ids"][0][2]["amount"] = -6300
        refund = self._sync(data)
        self.assertEqual(refund.state, "invoiced")
        self.assertEqual(refund.account_move.move_type, "out_refund")
        self.assertEqual(refund.account_move.state, "posted")
        self.assertEqual((package.state, package.refund_amount), ("refunded", 6300))

    def test_a_pos_refund_at_the_full_price_is_kept_and_told_to_a_manager(self):
        self.open_new_session()
        order = self._sync(self.create_ui_order_data([(self.course, 1)], customer=self.patient))
        package = self.env["clinic.package"].sudo().search([("pos_line_id", "in", order.lines.ids)])
        self._use(package, 3)
        # Refunded offline, at the price paid.
        refund = self._pos_refund(order, 9000)
        self.assertEqual(refund.state, "paid")
        self.assertEqual((package.state, package.refund_amount), ("refunded", 6300))
        body = " ".join(refund.message_ids.mapped("body"))
        self.assertIn("the refund pays back", body)
        self.assertIn("A loyalty manager decides", body)

    def test_the_patient_and_the_card_open_their_packages(self):
        _sale, package = self._sell_by_sales_order()
        self.assertEqual((self.patient.clinic_package_count, self.card.clinic_package_count), (1, 1))
        action = self.card.action_clinic_open_packages()
        self.assertEqual(self.env["clinic.package"].search(action["domain"]), package)
        package.sudo().state = "used"
        self.env.invalidate_all()
        self.assertEqual(self.card.clinic_package_count, 0, "active packages are counted")

    def test_a_pos_refund_to_someone_else_closes_no_package(self):
        self.open_new_session()
        order = self._sync(self.create_ui_order_data([(self.course, 1)], customer=self.patient))
        package = self.env["clinic.package"].sudo().search([("pos_line_id", "in", order.lines.ids)])
        accomplice = self.env["res.partner"].create({"name": "Accomplice"})
        data = self.create_ui_order_data(
            [{"product": self.course, "quantity": -1, "refunded_orderline_id": order.lines.id}], customer=accomplice
        )
        refund = self._sync(data)
        self.assertEqual(refund.state, "paid", "the paid refund is kept")
        self.assertEqual(package.state, "active", "the patient's package is not theirs to refund")
        self.assertIn("0 of 1 packages refunded", " ".join(refund.message_ids.mapped("body")))

"""Deferred revenue of packages: the sale is a liability, each session recognises its share,
expiry and refund what is left; the entries add up to the price, and the liability account's
balance is the packages' outstanding liability."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .test_package_sale import PackageSaleCase


@tagged("post_install", "-at_install")
class TestPackageDeferredRevenue(PackageSaleCase, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.env.user.sudo().groups_id = [(4, cls.env.ref("clinic_loyalty.group_clinic_loyalty_manager").id)]
        cls._setup_package(cls.company)
        cls.liability = cls.env["account.account"].create(
            {"name": "Prepaid treatment packages", "code": "PKG100", "account_type": "liability_current"}
        )
        cls.company.write(
            {
                "clinic_package_deferred_revenue": True,
                "clinic_package_deferred_account_id": cls.liability.id,
                "clinic_package_revenue_journal_id": cls.company_data["default_journal_misc"].id,
            }
        )
        # 10 sessions for 9000, each listed at 1000.
        cls.course = cls.env["product.product"].create(
            {
                "name": "Ten massages",
                "type": "service",
                "list_price": 9000,
                "taxes_id": [],
                "is_clinic_package": True,
                "clinic_package_refund_rule": "list_price",
                "clinic_package_line_ids": [(0, 0, {"service_id": cls.massage.id, "sessions": 10})],
            }
        )

    def _liability(self):
        """The liability account's balance (credit less debit), posted entries only."""
        lines = self.env["account.move.line"].search(
            [("account_id", "=", self.liability.id), ("parent_state", "=", "posted")]
        )
        return round(sum(lines.mapped("credit")) - sum(lines.mapped("debit")), 2)

    def _recognised(self, package):
        return [round(move.amount_total, 2) for move in package.revenue_move_ids.sorted("id")]

    def test_each_session_recognises_its_share_and_the_sum_is_the_price(self):
        package = self._sell_package(self.course, invoice=True)
        self.assertEqual((package.deferred, package.deferred_amount, package.deferred_balance), (True, 9000, 9000))
        self.assertEqual(self._liability(), 9000, "the invoice booked the package to the liability")
        self._use_package(package, [(self.massage, 3)])
        self.assertEqual(self._recognised(package), [900, 900, 900], "9000 x 1000 / 10000 a session")
        self.assertEqual((package.deferred_balance, self._liability()), (6300, 6300))
        revenue = package.revenue_move_ids[0].line_ids.filtered(lambda line: line.credit)
        self.assertEqual(revenue.account_id, self.massage.product_tmpl_id._get_product_accounts()["income"])
        self._use_package(package, [(self.massage, 7)])
        self.assertEqual(sum(self._recognised(package)), 9000)
        self.assertEqual((package.deferred_balance, self._liability()), (0, 0))

    def test_sessions_weigh_their_list_price_and_the_last_takes_the_rest(self):
        # 10 massages at 1000 and 3 acupunctures at 800 for 9000: 725.81 and 580.65 a session.
        package = self._sell_package(invoice=True)
        self._use_package(package, [(self.massage, 10), (self.acupuncture, 3)])
        amounts = self._recognised(package)
        self.assertEqual(amounts[:10], [725.81] * 10)
        # 9000 - 10 x 725.81 - 2 x 580.65 = 580.60 for the last session.
        self.assertEqual(amounts[10:], [580.65, 580.65, 580.60])
        self.assertEqual(round(sum(amounts), 2), 9000)
        self.assertEqual((package.deferred_balance, self._liability()), (0, 0))

    def test_a_session_given_back_goes_back_to_the_liability(self):
        package = self._sell_package(self.course, invoice=True)
        visit = self._use_package(package, [(self.massage, 2)])
        self.assertEqual(self._liability(), 7200)
        visit._action_cancel()
        self.assertEqual((package.deferred_balance, package.deferred_recognised, self._liability()), (9000, 0, 9000))
        self.assertEqual(len(package.revenue_move_ids), 4, "two entries and their reversals")

    def test_expiry_recognises_the_rest_unless_the_company_keeps_it(self):
        package = self._sell_package(self.course, invoice=True)
        self._use_package(package, [(self.massage, 2)])
        package.date_end = fields.Date.today() - relativedelta(days=1)
        self.env["clinic.package"]._cron_clinic_expire_packages()
        self.assertEqual(package.state, "expired")
        self.assertEqual(self._recognised(package), [900, 900, 7200])
        self.assertEqual((package.deferred_balance, self._liability()), (0, 0))

        self.company.clinic_package_recognise_expiry = False
        kept = self._sell_package(self.course, invoice=True)
        kept.date_end = fields.Date.today() - relativedelta(days=1)
        self.env["clinic.package"]._cron_clinic_expire_packages()
        self.assertEqual((kept.state, kept.deferred_balance, self._liability()), ("expired", 9000, 9000))

    def test_a_refund_takes_its_part_out_of_the_liability_and_the_rest_is_recognised(self):
        package = self._sell_package(self.course, invoice=True)
        self._use_package(package, [(self.massage, 3)])
        # By list price: 9000 - 3 x 1000 = 6000 refunded; 6300 was still deferred.
        refund = self.env["account.move"].browse(package.action_clinic_refund()["res_id"])
        refund.action_post()
        self.assertEqual((package.state, package.refund_amount), ("refunded", 6000))
        self.assertEqual(self._recognised(package), [900, 900, 900, 300])
        self.assertEqual((package.deferred_refunded, package.deferred_balance, self._liability()), (6000, 0, 0))

    def test_the_report_ties_to_the_liability_account(self):
        first, second = self._sell_package(self.course, invoice=True), self._sell_package(invoice=True)
        self._use_package(first, [(self.massage, 4)])
        self._use_package(second, [(self.acupuncture, 1)])
        packages = self.env["clinic.package"].search([("deferred", "=", True)])
        self.assertEqual(packages, first | second)
        # 9000 - 4 x 900 and 9000 - 580.65.
        self.assertEqual(sorted(packages.mapped("deferred_balance")), [5400, 8419.35])
        self.assertAlmostEqual(sum(packages.mapped("deferred_balance")), self._liability(), places=2)

    def test_without_the_option_a_package_sale_is_revenue(self):
        self.company.clinic_package_deferred_revenue = False
        package = self._sell_package(self.course, invoice=True)
        self._use_package(package, [(self.massage, 1)])
        self.assertEqual(
            (package.deferred, package.deferred_amount, package.revenue_move_ids),
            (False, 0, package.revenue_move_ids.browse()),
        )
        self.assertEqual(self._liability(), 0)

    def test_a_package_sold_at_the_pos_is_booked_to_the_liability_when_the_session_closes(self):
        self.course.available_in_pos = True
        self.open_new_session()
        data = self.create_ui_order_data([(self.course, 1)], customer=self.patient)
        order = self.env["pos.order"].browse(self.env["pos.order"].sync_from_ui([data])["pos.order"][0]["id"])
        package = self.env["clinic.package"].sudo().search([("pos_line_id", "in", order.lines.ids)])
        self.assertEqual((package.deferred_amount, self._liability()), (9000, 0), "booked when the session closes")
        self._use_package(package, [(self.massage, 1)])
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self.pos_session.state, "closed")
        self.assertEqual((package.deferred_balance, self._liability()), (8100, 8100))

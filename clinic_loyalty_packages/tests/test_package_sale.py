"""Selling a package product gives the patient one package per unit, once."""

from datetime import date

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.clinic_loyalty.tests.common import RpcCallMixin
from odoo.addons.point_of_sale.tests.common import TestPoSCommon


class PackageSaleCase:
    @classmethod
    def _setup_package(cls, company):
        # The orders of these tests sell packages, some with a discount typed by hand: the
        # clinic's loyalty manager confirms them (a salesperson is refused, see test_sale_rights).
        cls.env.user.sudo().groups_id |= cls.env.ref("clinic_loyalty.group_clinic_loyalty_manager")
        Product = cls.env["product.product"].sudo()
        cls.massage = Product.create({"name": "Massage 60", "type": "service", "list_price": 1000, "taxes_id": []})
        cls.acupuncture = Product.create({"name": "Acupuncture", "type": "service", "list_price": 800, "taxes_id": []})
        cls.package_product = Product.create(
            {
                "name": "Massage course",
                "type": "service",
                "list_price": 9000,
                "taxes_id": [],
                "available_in_pos": True,
                "is_clinic_package": True,
                "clinic_package_validity": 180,
                "clinic_package_validity_unit": "days",
                "clinic_package_household_shared": True,
                "clinic_package_line_ids": [
                    (0, 0, {"service_id": cls.massage.id, "sessions": 10}),
                    (0, 0, {"service_id": cls.acupuncture.id, "sessions": 3}),
                ],
            }
        )
        cls.patient = cls.env["res.partner"].sudo().create({"name": "Package Patient", "is_patient": True})

    @classmethod
    def _setup_clinic_program(cls, company, **vals):
        """The company's clinic programme (10% cashback, 1 point pays 1) and the test
        patient's card in it."""
        cls.program = (
            cls.env["loyalty.program"]
            .sudo()
            .create(
                {
                    "name": "Clinic Bonus",
                    "program_type": "loyalty",
                    "company_id": company.id,
                    "clinic_bonus": True,
                    "clinic_earn_trigger": "confirm",
                    "clinic_earn_rate": 10,
                    "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                    "reward_ids": [(0, 0, {"reward_type": "discount", "discount_mode": "per_point", "discount": 1})],
                    **vals,
                }
            )
        )
        company.clinic_loyalty_program_id = cls.program
        cls.patient.sudo().action_clinic_enrol()
        cls.card = cls.patient.sudo().clinic_card_ids

    @classmethod
    def _sell_package(cls, product=None, invoice=False):
        """A sales order of one package (``product``, the test package by default) to the
        patient, confirmed (and invoiced); return the package it gave."""
        sale = cls.env["sale.order"].create(
            {"partner_id": cls.patient.id, "order_line": [(0, 0, {"product_id": (product or cls.package_product).id})]}
        )
        sale.action_confirm()
        if invoice:
            sale._create_invoices().action_post()
        return cls.env["clinic.package"].sudo().search([("sale_line_id", "in", sale.order_line.ids)])

    @classmethod
    def _use_package(cls, package, lines):
        """A visit of the patient whose ``lines`` [(service, quantity)] the package pays, confirmed."""
        visit = cls.env["sale.order"].create(
            {
                "partner_id": cls.patient.id,
                "order_line": [
                    (0, 0, {"product_id": service.id, "product_uom_qty": qty, "clinic_package_id": package.id})
                    for service, qty in lines
                ],
            }
        )
        visit.action_confirm()
        return visit

    def _packages(self):
        return self.env["clinic.package"].sudo().search([("partner_id", "=", self.patient.id)], order="id")


@tagged("post_install", "-at_install")
class TestPackageSaleOrder(PackageSaleCase, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls._setup_package(cls.company)

    def _order(self, quantity=2, discount=0):
        return self.env["sale.order"].create(
            {
                "partner_id": self.patient.id,
                "order_line": [
                    (0, 0, {"product_id": self.package_product.id, "product_uom_qty": quantity, "discount": discount}),
                    (0, 0, {"product_id": self.massage.id, "product_uom_qty": 1}),
                ],
            }
        )

    def test_a_confirmed_order_gives_one_package_per_unit_with_its_sessions(self):
        order = self._order(quantity=2, discount=10)
        order.action_confirm()
        packages = self._packages()
        self.assertEqual(len(packages), 2, "a line of quantity 2 gives two packages")
        day = fields.Date.context_today(order, order.date_order)
        for package in packages:
            self.assertEqual(package.state, "active")
            # 2 x 9000 less 10% = 16200 for the line: 8100 each.
            self.assertEqual(package.price_paid, 8100)
            self.assertEqual((package.date_start, package.date_end), (day, day + relativedelta(days=179)))
            self.assertTrue(package.household_shared)
            self.assertEqual(package.origin, order.name)
            self.assertEqual(package.date_sold, day)
            self.assertEqual(
                sorted((c.service_id.name, c.sessions, c.sessions_left, c.list_price) for c in package.counter_ids),
                [("Acupuncture", 3, 3, 800), ("Massage 60", 10, 10, 1000)],
            )
            self.assertEqual((package.sessions_total, package.sessions_left), (13, 13))
        self.assertEqual(len(set(packages.mapped("code"))), 2)
        self.assertEqual(self.patient.sudo().clinic_package_count, 2)

    def test_cancelling_and_confirming_again_gives_back_the_same_packages(self):
        order = self._order(quantity=1)
        order.action_confirm()
        package = self._packages()
        order._action_cancel()
        self.assertEqual(package.state, "cancelled")
        order.action_draft()
        order.action_confirm()
        self.assertEqual(self._packages(), package, "no second package for the same unit")
        self.assertEqual(package.state, "active")
        # Selling the same unit again is refused by the database itself.
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["clinic.package"].sudo().create(
                {**package.copy_data()[0], "source_key": package.source_key, "counter_ids": []}
            )

    def test_an_order_whose_package_was_used_cannot_be_cancelled(self):
        order = self._order(quantity=1)
        order.action_confirm()
        self._packages().counter_ids[0].sudo().sessions_used = 1
        with self.assertRaisesRegex(UserError, "refund their unused part"):
            order._action_cancel()

    def test_a_pos_order_gives_its_packages_once_even_synced_again(self):
        self.open_new_session()
        data = self.create_ui_order_data([(self.package_product, 1)], customer=self.patient)
        order = self.env["pos.order"].browse(self.env["pos.order"].sync_from_ui([data])["pos.order"][0]["id"])
        self.assertEqual(order.state, "paid")
        package = self._packages()
        self.assertEqual((len(package), package.price_paid, package.pos_line_id), (1, 9000, order.lines))
        # The browser sends the order again (retry, offline queue): nothing more.
        self.env["pos.order"].sync_from_ui([data])
        order._clinic_post_loyalty()
        self.assertEqual(self._packages(), package)

    def test_a_pos_order_without_patient_is_kept_and_says_why_no_package(self):
        self.open_new_session()
        data = self.create_ui_order_data([(self.package_product, 1)])
        order = self.env["pos.order"].browse(self.env["pos.order"].sync_from_ui([data])["pos.order"][0]["id"])
        self.assertEqual(order.state, "paid")
        self.assertFalse(self.env["clinic.package"].sudo().search([("pos_line_id", "in", order.lines.ids)]))
        self.assertIn("choose the patient before the payment", order.message_ids[:1].body)


@tagged("post_install", "-at_install")
class TestPackageRpcBoundary(RpcCallMixin, PackageSaleCase, HttpCase):
    """Over JSON-RPC a package is read-only: its counters, dates, owner and price stay what
    the sale made them, whoever asks and with whatever context."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_package(cls.env.company)
        cls.cashier = new_test_user(
            cls.env,
            login="package_cashier",
            groups="base.group_user,point_of_sale.group_pos_user,clinic_loyalty.group_clinic_loyalty_user",
        )
        cls.manager = new_test_user(
            cls.env, login="package_manager", groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager"
        )
        cls.salesman = new_test_user(cls.env, login="package_salesman", groups="sales_team.group_sale_salesman")
        other = cls.env["res.company"].create({"name": "Other Clinic"})
        cls.other_user = new_test_user(
            cls.env,
            login="package_other",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=other.id,
            company_ids=[other.id],
        )
        cls.portal = new_test_user(cls.env, login="package_portal", groups="base.group_portal")
        order = cls.env["sale.order"].create(
            {"partner_id": cls.patient.id, "order_line": [(0, 0, {"product_id": cls.package_product.id})]}
        )
        order.action_confirm()
        cls.package = cls.env["clinic.package"].sudo().search([("partner_id", "=", cls.patient.id)])

    def _rpc(self, user, model, method, *args, **kwargs):
        """(result, error name) of the call over JSON-RPC as ``user``."""
        return super()._rpc(user, model, method, *args, **kwargs)[:2]

    def test_nobody_changes_a_package_over_rpc(self):
        stranger = self.env["res.partner"].create({"name": "Stranger"})
        before = self.package.read(["partner_id", "date_end", "sessions_left", "price_paid", "state"])
        counter = self.package.counter_ids[0]
        attempts = [
            ("clinic.package", "write", [self.package.ids, {"partner_id": stranger.id}]),
            ("clinic.package", "write", [self.package.ids, {"date_end": str(date(2099, 1, 1))}]),
            ("clinic.package", "write", [self.package.ids, {"state": "active", "price_paid": 1}]),
            (
                "clinic.package",
                "create",
                [
                    {
                        "name": "Forged",
                        "partner_id": stranger.id,
                        "company_id": self.package.company_id.id,
                        "product_id": self.package_product.id,
                        "date_start": "2026-01-01",
                        "date_end": "2099-01-01",
                        "source_key": "forged",
                        "counter_ids": [(0, 0, {"service_id": self.massage.id, "sessions": 99})],
                    }
                ],
            ),
            ("clinic.package", "unlink", [self.package.ids]),
            ("clinic.package.counter", "write", [counter.ids, {"sessions_used": 0, "sessions": 99}]),
            ("clinic.package.counter", "unlink", [counter.ids]),
            # Nor forge or undo a visit that used a session.
            (
                "clinic.package.use",
                "create",
                [{"counter_id": counter.id, "partner_id": stranger.id, "key": "forged", "restored": True}],
            ),
        ]
        for user in (self.cashier, self.manager, self.salesman, self.portal, self.other_user):
            for model, method, args in attempts:
                with self.subTest(user=user.login, model=model, method=method):
                    result, error = self._rpc(user, model, method, *args, context={"clinic_server_write": True})
                    self.assertEqual(error, "odoo.exceptions.AccessError", (result, error))
        self.package.invalidate_recordset()
        self.assertEqual(self.package.read(["partner_id", "date_end", "sessions_left", "price_paid", "state"]), before)

    def test_the_front_desk_reads_its_company_packages_only(self):
        result, error = self._rpc(self.cashier, "clinic.package", "search_read", [], ["sessions_left"])
        self.assertIsNone(error)
        self.assertIn({"id": self.package.id, "sessions_left": 13}, result)
        for user in (self.other_user, self.salesman, self.portal):
            with self.subTest(user=user.login):
                result, error = self._rpc(user, "clinic.package", "search_read", [], ["sessions_left"])
                self.assertTrue(error or self.package.id not in [r["id"] for r in result], (result, error))

    def test_only_the_front_desk_of_the_company_reads_a_patients_packages_at_the_pos(self):
        result, error = self._rpc(self.cashier, "clinic.package", "clinic_pos_packages", self.patient.id)
        self.assertIsNone(error)
        self.assertEqual([p["code"] for p in result], [self.package.code])
        for user in (self.salesman, self.portal):
            with self.subTest(user=user.login):
                result, error = self._rpc(user, "clinic.package", "clinic_pos_packages", self.patient.id)
                self.assertEqual(error, "odoo.exceptions.AccessError", result)
        result, error = self._rpc(self.other_user, "clinic.package", "clinic_pos_packages", self.patient.id)
        self.assertFalse(result, "another company's front desk sees none of this company's packages")

    def test_a_salesperson_without_clinic_rights_cannot_spend_a_patients_sessions(self):
        salesman_order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create({"partner_id": self.patient.id, "order_line": [(0, 0, {"product_id": self.massage.id})]})
        )
        line = salesman_order.order_line
        result, error = self._rpc(
            self.salesman, "sale.order.line", "write", line.ids, {"clinic_package_id": self.package.id}
        )
        # A salesperson reads no patient's packages: naming one on a line is refused there.
        self.assertEqual(error, "odoo.exceptions.AccessError", result)
        self.assertFalse(line.clinic_package_id)
        # Written by the system anyway, confirming is refused.
        line.sudo().clinic_package_id = self.package
        result, error = self._rpc(self.salesman, "sale.order", "action_confirm", salesman_order.ids)
        self.assertEqual(error, "odoo.exceptions.AccessError", result)
        result, error = self._rpc(self.salesman, "sale.order", "action_clinic_use_packages", salesman_order.ids)
        self.assertEqual(error, "odoo.exceptions.AccessError", result)
        self.assertEqual(salesman_order.state, "draft")
        self.assertEqual(self.package.sessions_left, 13)

    def test_only_the_front_desk_checks_package_lines_before_payment(self):
        lines = [{"product_id": self.massage.id, "qty": 1, "package_code": self.package.code}]
        result, error = self._rpc(self.cashier, "pos.order", "clinic_check_packages", self.patient.id, lines)
        self.assertEqual((result, error), ({"problems": []}, None))
        for user in (self.salesman, self.portal):
            with self.subTest(user=user.login):
                result, error = self._rpc(user, "pos.order", "clinic_check_packages", self.patient.id, lines)
                self.assertEqual(error, "odoo.exceptions.AccessError", result)
        result, error = self._rpc(self.other_user, "pos.order", "clinic_check_packages", self.patient.id, lines)
        self.assertIn("cannot pay this line", (result or {}).get("problems", [""])[0], "not in that user's company")

    def test_only_a_loyalty_manager_refunds_a_package_and_nobody_raises_its_amount(self):
        # Invoiced, so a credit note can be made for it.
        self.package.sale_line_id.order_id._create_invoices().action_post()
        refunds = self.env["account.move"].search_count([("move_type", "=", "out_refund")])
        for user in (self.cashier, self.salesman, self.portal, self.other_user):
            with self.subTest(user=user.login):
                result, error = self._rpc(user, "clinic.package", "action_clinic_refund", self.package.ids)
                self.assertEqual(error, "odoo.exceptions.AccessError", result)
        self.assertEqual(self.env["account.move"].search_count([("move_type", "=", "out_refund")]), refunds)
        # A credit note naming the package for more than its unused part is refused when
        # posted, whoever made it and however (here the administrator, over RPC).
        manager = self.manager
        # With invoicing and sales rights: Odoo (sale_stock) reads the refunded order's lines to post.
        manager.sudo().groups_id = [
            (4, self.env.ref("account.group_account_invoice").id),
            (4, self.env.ref("sales_team.group_sale_salesman_all_leads").id),
        ]
        result, error = self._rpc(manager, "clinic.package", "action_clinic_refund", self.package.ids)
        self.assertIsNone(error, result)
        refund = self.env["account.move"].browse(result["res_id"])
        self.assertEqual(refund.amount_total, 9000)
        line = refund.invoice_line_ids
        result, error = self._rpc(manager, "account.move.line", "write", line.ids, {"price_unit": 12000})
        self.assertIsNone(error, "the accountant edits a draft credit note; posting is where it is checked")
        result, error = self._rpc(manager, "account.move", "action_post", refund.ids)
        refund.invalidate_recordset()
        self.assertEqual(error, "odoo.exceptions.UserError", result)
        self.assertEqual((refund.state, self.package.state), ("draft", "active"))
        # At the package's amount, the same user posts it: the package closes.
        result, error = self._rpc(manager, "account.move.line", "write", line.ids, {"price_unit": 9000})
        result, error = self._rpc(manager, "account.move", "action_post", refund.ids)
        self.assertIsNone(error, result)
        self.package.invalidate_recordset()
        self.assertEqual((refund.state, self.package.state, self.package.refund_amount), ("posted", "refunded", 9000))

    def _accountant(self):
        return new_test_user(
            self.env,
            login="package_accountant",
            groups="base.group_user,account.group_account_invoice,sales_team.group_sale_salesman_all_leads",
        )

    def _credit_note(self, user, lines):
        """A credit note of the patient against the package's invoice, made by ``user`` over RPC."""
        invoice = self.package.sale_line_id.invoice_lines.move_id.filtered(lambda m: m.move_type == "out_invoice")
        result, error = self._rpc(
            user,
            "account.move",
            "create",
            {
                "move_type": "out_refund",
                "partner_id": self.patient.id,
                "reversed_entry_id": invoice.id,
                "invoice_line_ids": [(0, 0, line) for line in lines],
            },
        )
        self.assertIsNone(error, result)
        return self.env["account.move"].browse(result)

    def test_an_accountant_never_refunds_a_package_twice_or_below_nothing(self):
        self.package.sale_line_id.order_id._create_invoices().action_post()
        accountant = self._accountant()
        package_line = {
            "product_id": self.package_product.id,
            "quantity": 1,
            "price_unit": 9000,
            "tax_ids": [(6, 0, [])],
            "sale_line_ids": [(6, 0, self.package.sale_line_id.ids)],
            "clinic_package_id": self.package.id,
        }
        attempts = {
            "the same package on two lines": [package_line, package_line],
            "a negative refund (with a service line paying it)": [
                {**package_line, "price_unit": -5000},
                {"product_id": self.massage.id, "quantity": 1, "price_unit": 5000, "tax_ids": [(6, 0, [])]},
            ],
            "two packages' worth on one line": [{**package_line, "quantity": 2}],
            "a package product not naming its package": [
                {"product_id": self.package_product.id, "quantity": 1, "price_unit": 9000, "tax_ids": [(6, 0, [])]}
            ],
        }
        for label, lines in attempts.items():
            with self.subTest(label):
                refund = self._credit_note(accountant, lines)
                result, error = self._rpc(accountant, "account.move", "action_post", refund.ids)
                self.assertEqual(error, "odoo.exceptions.UserError", result)
                refund.invalidate_recordset()
                self.assertEqual(refund.state, "draft")
        # Two credit notes posted in one call: the package is refunded once.
        first, second = self._credit_note(accountant, [package_line]), self._credit_note(accountant, [package_line])
        result, error = self._rpc(accountant, "account.move", "action_post", (first | second).ids)
        self.assertEqual(error, "odoo.exceptions.UserError", result)
        self.package.invalidate_recordset()
        self.assertEqual(self.package.state, "active")
        self.assertEqual((first | second).mapped("state"), ["draft", "draft"])
        # The manager's Refund, clicked twice, gives the one draft credit note.
        self.manager.sudo().groups_id = [(4, self.env.ref("account.group_account_invoice").id)]
        one, _error = self._rpc(self.manager, "clinic.package", "action_clinic_refund", self.package.ids)
        two, _error = self._rpc(self.manager, "clinic.package", "action_clinic_refund", self.package.ids)
        self.assertEqual(one["res_id"], two["res_id"])

    def test_a_manager_of_another_company_makes_no_credit_note_for_its_packages(self):
        self.package.sale_line_id.order_id._create_invoices().action_post()
        other = self.other_user.company_id
        manager = new_test_user(
            self.env,
            login="package_other_manager",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager,account.group_account_invoice",
            company_id=other.id,
            company_ids=[other.id],
        )
        refunds = self.env["account.move"].search_count([("move_type", "=", "out_refund")])
        result, error = self._rpc(manager, "clinic.package", "action_clinic_refund", self.package.ids)
        self.assertEqual(error, "odoo.exceptions.AccessError", result)
        self.assertEqual(self.env["account.move"].search_count([("move_type", "=", "out_refund")]), refunds)

    def test_a_confirmed_visit_keeps_what_its_package_paid(self):
        visit = self.env["sale.order"].create(
            {
                "partner_id": self.patient.id,
                "user_id": self.salesman.id,
                "order_line": [(0, 0, {"product_id": self.massage.id, "clinic_package_id": self.package.id})],
            }
        )
        visit.action_confirm()
        line = visit.order_line
        self.assertEqual(self.package.sessions_left, 12)
        for vals in ({"product_uom_qty": 10}, {"product_id": self.acupuncture.id}, {"discount": 0}):
            with self.subTest(vals=vals):
                result, error = self._rpc(self.salesman, "sale.order.line", "write", line.ids, vals)
                self.assertEqual(error, "odoo.exceptions.UserError", result)
        self.assertEqual((line.product_uom_qty, line.product_id, line.discount), (1, self.massage, 100))
        # Nor does a salesperson without the clinic's rights give the session back by cancelling.
        result, error = self._rpc(
            self.salesman, "sale.order", "action_cancel", visit.ids, context={"disable_cancel_warning": True}
        )
        self.assertEqual(error, "odoo.exceptions.AccessError", result)
        self.assertEqual((visit.state, self.package.sessions_left), ("sale", 12))

    def test_a_dozen_of_a_service_is_twelve_sessions(self):
        visit = self.env["sale.order"].create(
            {
                "partner_id": self.patient.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.massage.id,
                            "product_uom": self.env.ref("uom.product_uom_dozen").id,
                            "product_uom_qty": 1,
                            "clinic_package_id": self.package.id,
                        },
                    )
                ],
            }
        )
        with self.assertRaisesRegex(UserError, "has 10 Massage 60 sessions left, not 12"):
            visit.action_confirm()
        self.assertEqual(self.package.sessions_left, 13)

    def test_no_package_line_is_added_to_a_confirmed_order(self):
        visit = self.env["sale.order"].create(
            {
                "partner_id": self.patient.id,
                "user_id": self.salesman.id,
                "order_line": [(0, 0, {"product_id": self.acupuncture.id})],
            }
        )
        visit.action_confirm()
        package_line = {"product_id": self.massage.id, "product_uom_qty": 4, "clinic_package_id": self.package.id}
        for user in (self.salesman, self.cashier):
            with self.subTest(user=user.login):
                result, error = self._rpc(
                    user, "sale.order", "write", visit.ids, {"order_line": [(0, 0, package_line)]}
                )
                # The salesperson may edit the order but reads no patient's package; the cashier
                # may not edit another's confirmed order: both refused by access.
                self.assertEqual(error, "odoo.exceptions.AccessError", result)
                result, error = self._rpc(user, "sale.order.line", "create", {**package_line, "order_id": visit.id})
                self.assertIn(error, ("odoo.exceptions.UserError", "odoo.exceptions.AccessError"), result)
        self.assertEqual((len(visit.order_line), self.package.sessions_left), (1, 13))

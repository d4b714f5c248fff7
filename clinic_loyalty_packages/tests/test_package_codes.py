"""Package codes tell nothing, and selling a package is the front desk's (issue 25).

A code is what the desk types to use a package: it is random (one code says nothing of the
next), and a code lookup answers only for the patient of the order: another patient's code
answers as an unknown code does, without the owner's name. Selling a package, at any price,
needs the clinic's Loyalty User group; below its price, the loyalty manager's.
"""

import re

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.clinic_loyalty.tests.common import RpcCallMixin

from .test_package_sale import PackageSaleCase

ACCESS = "odoo.exceptions.AccessError"
CODE = re.compile(r"^PK-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


@tagged("post_install", "-at_install")
class TestPackageCodes(PackageSaleCase, RpcCallMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(su=True)
        cls._setup_package(cls.env.company)
        cls.package, cls.second = cls._sell_package() | cls._sell_package()
        cls.stranger = cls.env["res.partner"].create({"name": "Another Patient", "is_patient": True})

        def user(login, groups):
            return new_test_user(cls.env, login=login, groups=f"base.group_user,{groups}")

        cls.cashier = user("codes_cashier", "clinic_loyalty.group_clinic_loyalty_user")
        cls.pos_user = user("codes_pos", "point_of_sale.group_pos_user")
        cls.salesperson = user("codes_salesperson", "sales_team.group_sale_salesman")

    def _check(self, user, partner, code):
        lines = [{"product_id": self.massage.id, "qty": 1, "package_code": code}]
        return self._rpc(user, "pos.order", "clinic_check_packages", partner.id, lines)

    def test_codes_are_random_readable_and_unique(self):
        codes = (self.package | self.second).mapped("code")
        for code in codes:
            self.assertRegex(code, CODE)
        self.assertEqual(len(set(codes)), 2)
        # Drawn, not counted: the two codes of one patient's two sales share no running number.
        self.assertNotEqual(codes[0][:-1], codes[1][:-1])
        fresh = self.env["clinic.package"]._clinic_new_codes(50)
        self.assertEqual(len(set(fresh)), 50)
        self.assertFalse(set(fresh) & set(codes))

    def test_a_code_lookup_answers_only_for_the_patient_of_the_order(self):
        code = self.package.code
        for user in (self.cashier,):
            with self.subTest(user=user.login):
                # The patient's own code pays the line.
                self.assertEqual(self._check(user, self.patient, code), ({"problems": []}, None, None))
                # Another patient's code: the same answer as a code nobody has, no owner named.
                result, error, _text = self._check(user, self.stranger, code)
                unknown, _error, _text = self._check(user, self.stranger, "PK-2222-2222-2222")
                self.assertIsNone(error)
                self.assertEqual(
                    result["problems"], [p.replace("PK-2222-2222-2222", code) for p in unknown["problems"]]
                )
                self.assertNotIn(self.patient.name, str(result))
                # Typed in lower case, the patient's own code still pays.
                self.assertEqual(self._check(user, self.patient, code.lower())[0], {"problems": []})
        # A cashier outside the clinic's group (POS only) reads no patient's packages: the
        # patient's own code answers as an unknown one, at the till, without an error.
        own, error, _text = self._check(self.pos_user, self.patient, code)
        unknown, _error, _text = self._check(self.pos_user, self.patient, "PK-2222-2222-2222")
        self.assertIsNone(error)
        self.assertEqual(own["problems"], [p.replace("PK-2222-2222-2222", code) for p in unknown["problems"]])
        self.assertNotIn(self.patient.name, str(own))
        # A salesperson outside the clinic asks nothing, and learns no owner from the refusal.
        result, error, text = self._check(self.salesperson, self.stranger, code)
        self.assertEqual(error, ACCESS, result)
        self.assertNotIn(self.patient.name, text)

    # Selling packages ----------------------------------------------------------------------

    def test_a_salesperson_does_not_sell_a_package_at_any_price(self):
        before = self.env["clinic.package"].search_count([])
        for price in (1.0, 9000.0):
            with self.subTest(price=price):
                order_id, error, text = self._rpc(
                    self.salesperson, "sale.order", "create",
                    [{"partner_id": self.patient.id,
                      "order_line": [(0, 0, {"product_id": self.package_product.id, "price_unit": price})]}],
                )  # fmt: skip
                self.assertIsNone(error, text)
                _result, error, text = self._rpc(self.salesperson, "sale.order", "action_confirm", order_id)
                self.assertEqual(error, ACCESS)
                self.assertIn("Only the clinic's front desk confirms", text)
                self.assertEqual(self.env["sale.order"].browse(order_id).state, "draft")
        # The desk sells it at its price, not at 1.
        cheap, _error, _text = self._rpc(
            self.cashier, "sale.order", "create",
            [{"partner_id": self.patient.id,
              "order_line": [(0, 0, {"product_id": self.package_product.id, "price_unit": 1.0})]}],
        )  # fmt: skip
        _result, error, text = self._rpc(self.cashier, "sale.order", "action_confirm", cheap)
        self.assertEqual(error, ACCESS)
        self.assertIn("sold below its price", text)
        self.assertEqual(self.env["clinic.package"].search_count([]), before)
        order, _error, _text = self._rpc(
            self.cashier, "sale.order", "create",
            [{"partner_id": self.patient.id, "order_line": [(0, 0, {"product_id": self.package_product.id})]}],
        )  # fmt: skip
        _result, error, text = self._rpc(self.cashier, "sale.order", "action_confirm", order)
        self.assertIsNone(error, text)
        self.assertEqual(self.env["clinic.package"].search_count([]), before + 1)


@tagged("post_install", "-at_install")
class TestPackageOfAnotherCompany(PackageSaleCase, RpcCallMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = env = cls.env(su=True)
        cls._setup_package(env.company)
        cls.company_b = env["res.company"].create({"name": "Review Clinic B", "country_id": env.ref("base.ru").id})
        patient_b = env["res.partner"].create({"name": "Patient Of B", "company_id": cls.company_b.id})
        sale = env["sale.order"].with_company(cls.company_b).create(
            {"partner_id": patient_b.id, "company_id": cls.company_b.id,
             "order_line": [(0, 0, {"product_id": cls.package_product.id})]}
        )  # fmt: skip
        sale.action_confirm()
        cls.package_b = env["clinic.package"].search([("sale_line_id", "in", sale.order_line.ids)])
        cls.cashier = new_test_user(
            env, login="rvp_cashier", groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user,"
            "sales_team.group_sale_salesman", company_id=env.company.id, company_ids=[(6, 0, env.company.ids)],
        )  # fmt: skip

    def test_another_companys_package_code_in_the_refusal(self):
        self.assertTrue(self.package_b, "setup: company B sold a package")
        _r, error, _m = self._rpc(self.cashier, "clinic.package", "read", self.package_b.ids, ["code"])
        self.assertTrue(error, "setup: the cashier of A cannot read B's package")
        order, error, message = self._rpc(
            self.cashier, "sale.order", "create",
            [{"partner_id": self.patient.id,
              "order_line": [(0, 0, {"product_id": self.massage.id, "clinic_package_id": self.package_b.id})]}],
        )  # fmt: skip
        texts = [message or ""]
        if not error:
            _r, error, message = self._rpc(self.cashier, "sale.order", "action_confirm", order)
            texts.append(message or "")
            line, _e, _m = self._rpc(
                self.cashier, "sale.order.line", "search_read", [("order_id", "in", order)], ["clinic_package_id"]
            )
            texts.append(str(line))
        for text in texts:
            self.assertNotIn(self.package_b.code, text, "the refusal (or the line) names B's package code")

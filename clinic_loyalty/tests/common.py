import json
from contextlib import contextmanager

from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class ExactQueryCount:
    """Odoo's assertQueryCount fails on more queries and only logs fewer: these budgets
    fail both ways, so a saving updates the figure and the figure stays the truth."""

    @contextmanager
    def assertExactQueryCount(self, queries):
        self.env.user.login  # noqa: B018 (read by assertQueryCount before it counts)
        self.env.flush_all()
        self.env.cr.flush()
        count0 = self.cr.sql_log_count
        with self.assertQueryCount(queries):
            yield
        self.assertEqual(self.cr.sql_log_count - count0, queries, "Query count less than expected")


def clinic_program_vals(name, company, **extra):
    """A clinic programme as the RPC tests set it up: 10 % earned per currency unit paid,
    pay with points (1 point = 1 unit) up to half the order, on sales orders and at the POS."""
    return {
        "name": name,
        "program_type": "loyalty",
        "applies_on": "both",
        "trigger": "auto",
        "company_id": company.id,
        "clinic_bonus": True,
        "clinic_earn_rate": 10,
        "clinic_max_redeem_percent": 50,
        "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
        "reward_ids": [
            (0, 0, {"reward_type": "discount", "discount_mode": "per_point", "discount": 1, "required_points": 1})
        ],
        **extra,
    }


class RpcCallMixin:
    """For HttpCase tests: call a model's method over JSON-RPC as a given user, as a browser
    or a script would, with any arguments and context."""

    def _rpc(self, user, model, method, *args, context=None, **kwargs):
        """Call ``model.method`` as ``user`` (password = login): (result, error name, error message)."""
        if getattr(self, "_logged_in", None) != user.login:
            self.authenticate(user.login, user.login)
            self._logged_in = user.login
        params = {
            "model": model,
            "method": method,
            "args": list(args),
            "kwargs": {**kwargs, "context": {"lang": "en_US", **(context or {})}},
        }
        body = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        ).json()
        if "error" in body:
            return None, body["error"]["data"]["name"], body["error"]["data"]["message"]
        return body.get("result"), None, None


class ClinicLoyaltyCommon(ExactQueryCount, BaseCommon):
    """A clinic in Russia with a patient loyalty programme, a cashier and a manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.country_id = cls.env.ref("base.ru")
        cls.country_ru = cls.env.ref("base.ru")
        cls.country_cn = cls.env.ref("base.cn")
        cls.country_us = cls.env.ref("base.us")
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Test Bonus Card",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "company_id": cls.company.id,
                # The company's patient programme is a clinic programme: its cards are clinic cards.
                "clinic_bonus": True,
                # These tests mean earning at confirmation (a new programme waits for payment).
                "clinic_earn_trigger": "confirm",
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 0.1})],
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount_mode": "per_point", "discount": 1})],
            }
        )
        cls.company.clinic_loyalty_program_id = cls.program
        cls.cashier = new_test_user(
            cls.env,
            login="clinic_cashier",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=cls.company.id,
        )
        cls.manager = new_test_user(
            cls.env,
            login="clinic_manager",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
            company_id=cls.company.id,
        )

    @classmethod
    def _patient(cls, name, phone=None, country=None, **vals):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "phone": phone,
                "country_id": (country or cls.country_ru).id,
                "is_patient": True,
                **vals,
            }
        )


class ClinicBonusCommon(ClinicLoyaltyCommon):
    """The test programme as a clinic bonus programme (10% back, points valid 12 months), with
    services in two categories and a helper that sells them on sales orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.write(
            {
                "clinic_bonus": True,
                "clinic_earn_rate": 10.0,
                "clinic_points_validity_months": 12,
                "clinic_notify_email": True,
                "clinic_notify_sms": True,
            }
        )
        cls.points_reward = cls.program.reward_ids
        Category = cls.env["product.category"]
        cls.categ_dental = Category.create({"name": "Dental"})
        cls.categ_implants = Category.create({"name": "Implants", "parent_id": cls.categ_dental.id})
        cls.categ_cosmetics = Category.create({"name": "Cosmetics"})
        cls.service = cls._service("Consultation", 2200.0, cls.categ_dental)
        cls.patient = cls._patient("Anna Petrova", "+7 912 345 6789", email="anna@example.com")
        cls.card = cls.patient.clinic_card_ids

    @classmethod
    def _service(cls, name, price, categ):
        return cls.env["product.product"].create(
            {"name": name, "type": "service", "list_price": price, "categ_id": categ.id, "taxes_id": [(5, 0, 0)]}
        )

    @classmethod
    def _order(cls, lines, partner=None):
        """A quotation for ``partner`` (default: the patient); ``lines`` are (product, qty[, price])."""
        return cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.patient).id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": line[0].id,
                            "product_uom_qty": line[1],
                            **({"price_unit": line[2]} if len(line) > 2 else {}),
                        },
                    )
                    for line in lines
                ],
            }
        )

    def _pay_in_full(self, order):
        """Invoice the confirmed ``order`` and register its payment: the patient has paid."""
        invoice = order._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        return invoice

    def _use_points(self, order, points=0.0):
        """Pay part of ``order`` with points, as the salesperson does with the reward button."""
        order.clinic_points_to_use = points
        order._update_programs_and_rewards()
        result = order._apply_program_reward(self.points_reward, self.card)
        self.assertFalse(result.get("error"), result)
        return order.order_line.filtered("reward_id")

    def _give(self, points, **kwargs):
        return self.card._clinic_post("earn", points, "Opening", **kwargs)


class IntegrityCheckCase:
    """Run the integrity check as a manager, read what it reported, corrupt stored figures."""

    def _run_check(self, user=None):
        Check = self.env["clinic.loyalty.integrity.check"].with_user(user or self.manager)
        action = Check.action_clinic_run_check()
        return Check.sudo().browse(action["res_id"])

    def _reported(self, check):
        return {(problem.kind, problem.res_model, problem.res_id) for problem in check.problem_ids}

    def _todo(self, check):
        return check.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.env.ref("mail.mail_activity_data_todo")
        )

    def _corrupt(self, query, *params):
        """Write behind the ORM's back, as a bug or a hand-made SQL fix would."""
        self.env.flush_all()
        self.env.cr.execute(query, params or None)
        self.env.invalidate_all()

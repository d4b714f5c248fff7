from odoo.tests import Form, new_test_user, tagged

from ..hooks import post_init_hook
from .common import ClinicLoyaltyCommon


@tagged("post_install", "-at_install")
class TestStockProgrammes(ClinicLoyaltyCommon):
    """Programmes that are not the clinic's behave as in stock Odoo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plain = cls.env["loyalty.program"].create(
            {"name": "Pharmacy points", "program_type": "loyalty", "company_id": cls.company.id}
        )
        cls.customer = cls.env["res.partner"].create({"name": "Pharmacy Customer"})
        cls.plain_card = cls.env["loyalty.card"].create(
            {"program_id": cls.plain.id, "partner_id": cls.customer.id, "points": 10}
        )

    def test_points_of_a_plain_loyalty_card_are_written_as_in_stock(self):
        self.plain_card.points = 50
        self.assertEqual(self.plain_card.points, 50)
        # Stock Odoo lets a card of its own programmes go below zero; a clinic card never does.
        self.plain_card.points = -5
        self.assertEqual(self.plain_card.points, -5)
        self.assertFalse(self.plain_card.clinic_ledger_ids, "no clinic ledger for other programmes")

    def test_points_of_a_plain_card_are_tracked_in_its_chatter_as_in_stock(self):
        # BaseCommon turns tracking off for speed; a running Odoo has it on.
        card = self.plain_card.with_context(tracking_disable=False, mail_notrack=False)
        self.env.cr.precommit.run()  # the card was created earlier, as if committed then
        card.points = 42
        self.env.flush_all()
        self.env.cr.precommit.run()
        messages = self.env["mail.message"].search([("model", "=", "loyalty.card"), ("res_id", "=", card.id)])
        tracked = messages.tracking_value_ids.filtered(lambda value: value.field_id.name == "points")
        self.assertEqual((tracked.old_value_float, tracked.new_value_float), (10, 42))

    def test_a_plain_card_keeps_stocks_when_reaching_messages(self):
        template = self.env["mail.template"].create(
            {
                "name": "Pharmacy milestone",
                "model_id": self.env["ir.model"]._get_id("loyalty.card"),
                "subject": "40 points reached",
                "body_html": "<p>40 points reached</p>",
                "email_to": "pharmacy@example.com",
            }
        )
        self.env["loyalty.mail"].create(
            {"program_id": self.plain.id, "trigger": "points_reach", "points": 40, "mail_template_id": template.id}
        )
        self.customer.email = "pharmacy@example.com"
        self.plain_card.points = 50
        mail = self.env["mail.mail"].search([("subject", "=", "40 points reached")])
        self.assertEqual(len(mail), 1, "stock's 'when reaching' message")

    def test_the_balance_screen_keeps_stock_rights_for_other_programmes(self):
        salesman = new_test_user(
            self.env, login="pharmacy_salesman", groups="base.group_user,sales_team.group_sale_salesman"
        )
        with Form(
            self.env["loyalty.card.update.balance"].with_user(salesman).with_context(default_card_id=self.plain_card.id)
        ) as form:
            form.new_balance = 25
            form.description = "Correction at the counter"
        form.record.action_update_card_point()
        self.assertEqual(self.plain_card.points, 25)
        self.assertFalse(self.plain_card.clinic_ledger_ids)

    def test_the_install_hook_opens_ledgers_for_clinic_cards_only(self):
        patient_card = self._patient("Hook Patient").clinic_card_ids
        self.env.cr.execute("UPDATE loyalty_card SET points = 42 WHERE id = %s", [patient_card.id])
        self.env.invalidate_all()
        post_init_hook(self.env)
        self.assertEqual(patient_card.clinic_ledger_ids.points, 42)
        self.assertFalse(self.plain_card.clinic_ledger_ids)

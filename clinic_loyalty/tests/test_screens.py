from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestClinicScreens(ClinicBonusCommon):
    """The clinic's menus show the clinic programme; the Patients list says where each
    patient stands."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A shop's promotion next to the clinic programme, with a card of the same patient.
        cls.promotion = cls.env["loyalty.program"].create({"name": "Shop Points", "program_type": "loyalty"})
        cls.shop_card = cls.env["loyalty.card"].create(
            {"program_id": cls.promotion.id, "partner_id": cls.patient.id, "points": 40}
        )
        cls.program.clinic_tier_ids = [(0, 0, {"name": "Bronze", "threshold": 0, "earn_rate": 3})]

    def _records(self, xmlid, user=None):
        action = self.env.ref(xmlid)
        env = self.env(user=user) if user else self.env
        domain = safe_eval(action.domain or "[]")
        return env[action.res_model].search(domain)

    def test_clinic_menus_show_the_clinic_programme_only(self):
        cards = self._records("clinic_loyalty.loyalty_card_action_clinic", self.cashier)
        self.assertIn(self.card, cards)
        self.assertNotIn(self.shop_card, cards)
        self.assertEqual(set(cards.program_id.mapped("clinic_bonus")), {True})
        programmes = self._records("clinic_loyalty.loyalty_program_action_clinic", self.manager)
        self.assertIn(self.program, programmes)
        self.assertNotIn(self.promotion, programmes)
        self.assertEqual(set(programmes.mapped("clinic_bonus")), {True})
        # New programmes made there are the clinic's.
        context = safe_eval(self.env.ref("clinic_loyalty.loyalty_program_action_clinic").context)
        self.assertTrue(context["default_clinic_bonus"])
        self._give(120)
        ledger = self._records("clinic_loyalty.clinic_loyalty_ledger_action", self.cashier)
        self.assertIn(self.card, ledger.card_id)
        self.assertEqual(set(ledger.program_id.mapped("clinic_bonus")), {True})
        # Odoo's own menus still list the promotion.
        stock = self._records("loyalty.loyalty_program_discount_loyalty_action", self.manager)
        self.assertIn(self.promotion, stock)

    def test_patients_list_shows_card_balance_and_tier(self):
        self._give(120)
        patients = self.env.ref("clinic_loyalty.res_partner_action_patients")
        arch = self.env["res.partner"].with_user(self.cashier).get_views([(patients.view_id.id, "list")])
        fields_shown = arch["views"]["list"]["arch"]
        for field in ("clinic_card_code", "clinic_points", "clinic_tier_id"):
            self.assertIn(f'name="{field}"', fields_shown)
        row = self.patient.with_user(self.cashier).read(["clinic_card_code", "clinic_points", "clinic_tier_id"])[0]
        self.assertEqual(row["clinic_card_code"], self.card.code)
        self.assertEqual(row["clinic_points"], 120, "the clinic card's balance, not the shop card's 40")
        self.assertEqual(row["clinic_tier_id"][1], "Bronze")

    def test_the_programme_form_hides_odoos_earning_rules_for_clinic_rates(self):
        arch = self.env["loyalty.program"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertRegex(arch, r'name="rule_ids"[^>]*invisible="clinic_bonus"')
        self.assertIn("not by earning rules", arch)

    def test_the_menu_fits_with_five_entries_at_the_top(self):
        root = self.env.ref("clinic_loyalty.clinic_loyalty_menu_root").with_context(lang="en_US")
        self.assertEqual(
            root.child_id.sorted("sequence").mapped("name"),
            ["Patients", "Loyalty Cards", "Households", "Reporting", "Configuration"],
        )
        reports = self.env.ref("clinic_loyalty.clinic_loyalty_menu_reports").with_context(lang="en_US")
        # Reports of the other clinic addons come after these (Patients' Packages).
        self.assertEqual(
            reports.child_id.sorted("sequence").mapped("name")[:3],
            ["Points Ledger", "Tier Changes", "Expiry Reminders"],
        )

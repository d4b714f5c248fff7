"""One truth per screen (issue 26, items 8 and 10): a household's members change only
through the checked path, and a clinic card shows its ledger, not Odoo's history lines."""

from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestScreensIssue26(ClinicBonusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        product = cls.env["product.product"].create(
            {"name": "Family Card", "type": "service", "list_price": 199.0, "taxes_id": [(5, 0, 0)]}
        )
        cls.plan = cls.env["clinic.loyalty.membership.plan"].create(
            {"name": "Family Card", "product_id": product.id, "member_limit": 8, "validity_months": 12}
        )
        cls.other_holder = cls._patient("Ivan Other", "+7 912 100 0011")
        Household = cls.env["clinic.loyalty.household"].sudo()
        cls.active = Household._clinic_sell_membership(cls.patient, cls.plan, 199.0, "test-issue26-1", "T1")
        cls.member = cls._patient("Maria Member", "+7 912 100 0012")
        cls.active._clinic_add_members(cls.member)
        cls.other = cls.env["clinic.loyalty.household"].create(
            {"name": "Other family", "holder_id": cls.other_holder.id}
        )

    def _form(self, model):
        return etree.fromstring(self.env[model].get_views([(False, "form")])["views"]["form"]["arch"])

    def test_the_household_form_lists_members_read_only_and_changes_them_through_the_wizard(self):
        form = self._form("clinic.loyalty.household")
        members = form.xpath("//field[@name='member_ids']")
        self.assertEqual([field.get("readonly") for field in members], ["1"])
        wizard = self.env.ref("clinic_loyalty.clinic_loyalty_household_member_action")
        self.assertTrue(form.xpath(f"//button[@name='{wizard.id}']"), "members change through the wizard")

    def test_moving_a_member_of_an_active_household_is_refused_on_every_path(self):
        self.assertEqual(self.active.state, "active")
        manager_other = self.other.with_user(self.manager)
        message = "is a member of the active household"
        with self.assertRaisesRegex(ValidationError, message):
            manager_other.action_clinic_add_members([self.member.id])
        # The same move written as the form's inline list would (a link command), over RPC.
        with self.assertRaisesRegex(ValidationError, message):
            manager_other.write({"member_ids": [(4, self.member.id)]})
        self.assertEqual(self.member.clinic_household_id, self.active)

    def test_a_clinic_card_shows_its_ledger_and_a_stock_card_odoo_history(self):
        form = self._form("loyalty.card")
        pages = {page.get("name"): page.get("invisible") for page in form.xpath("//notebook/page")}
        self.assertEqual(pages["odoo_history"], "clinic_bonus", "Odoo's history hidden on clinic cards")
        self.assertEqual(pages["clinic_ledger"], "not clinic_bonus", "the ledger on clinic cards only")
        self.assertEqual(pages["clinic_lots"], "not clinic_bonus")
        self.assertTrue(form.xpath("//field[@name='clinic_bonus']"))
        self.assertTrue(self.card.clinic_bonus)
        stock = self.env["loyalty.program"].create({"name": "Stock Loyalty", "program_type": "loyalty"})
        stock_card = self.env["loyalty.card"].create({"program_id": stock.id, "partner_id": self.patient.id})
        self.assertFalse(stock_card.clinic_bonus, "a stock programme's card keeps Odoo's Points History tab")
        # What the clinic card's tab shows adds up to its balance.
        self._give(120)
        self.card.invalidate_recordset()
        self.assertEqual(sum(self.card.clinic_ledger_ids.mapped("points")), self.card.points)
        self.assertTrue(self.card.clinic_ledger_ids)

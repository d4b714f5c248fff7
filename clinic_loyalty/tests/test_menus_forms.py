from lxml import etree

from odoo.tests import tagged

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestMenusAndPatientForm(ClinicBonusCommon):
    """Reporting in sections (the day's work, then reports; recomputing is configuration);
    a patient's form opens on the clinic tab and says when there is no grade yet."""

    def _children(self, xmlid):
        menu = self.env.ref(xmlid).with_context(lang="en_US")
        return menu.child_id.sorted("sequence").mapped("name")

    def test_reporting_is_grouped_into_daily_work_and_reports(self):
        self.assertEqual(self._children("clinic_loyalty.clinic_loyalty_menu_reporting"), ["Daily Work", "Reports"])
        self.assertEqual(
            self._children("clinic_loyalty.clinic_loyalty_menu_daily_work"), ["My Calls", "Call Campaigns", "Recalls"]
        )
        reports = self._children("clinic_loyalty.clinic_loyalty_menu_reports")
        for name in ("Points Ledger", "Tier Changes", "Programme Dashboard", "Programme Metrics", "Patients by Grade"):
            self.assertIn(name, reports)
        for name in ("Recompute Metrics", "My Calls", "Call Campaigns"):
            self.assertNotIn(name, reports)
        self.assertIn("Recompute Metrics", self._children("clinic_loyalty.clinic_loyalty_menu_configuration"))
        # The other clinic addons file their reports in the same section.
        packages = self.env.ref("clinic_loyalty_packages.clinic_package_menu", raise_if_not_found=False)
        if packages:
            self.assertEqual(packages.parent_id, self.env.ref("clinic_loyalty.clinic_loyalty_menu_reports"))
        referrals = self.env.ref("clinic_loyalty_referral.clinic_referral_menu_referrals", raise_if_not_found=False)
        if referrals:
            self.assertEqual(referrals.parent_id, self.env.ref("clinic_loyalty.clinic_loyalty_menu_reports"))
        # A section of the cashier shows only what they may open: no campaigns, no metrics.
        visible = self.env["ir.ui.menu"].with_user(self.cashier)._visible_menu_ids()
        self.assertIn(self.env.ref("clinic_loyalty.clinic_loyalty_campaign_call_menu").id, visible)
        self.assertNotIn(self.env.ref("clinic_loyalty.clinic_loyalty_campaign_menu").id, visible)

    def _form(self, user):
        arch = self.env["res.partner"].with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]
        return etree.fromstring(arch)

    def test_a_patients_form_opens_on_the_clinic_tab(self):
        form = self._form(self.cashier)
        (page,) = form.xpath("//page[@name='clinic_loyalty']")
        self.assertEqual(page.get("autofocus"), "autofocus")
        self.assertEqual(page.get("invisible"), "not is_patient", "other contacts open on their usual tab")
        # Any contact can still be made a patient, from the main part of the form.
        ticks = form.xpath("//field[@name='is_patient'][@invisible='is_patient']")
        self.assertEqual(len(ticks), 1)
        self.assertFalse(ticks[0].xpath("ancestor::page"))

    def test_a_new_patient_has_no_grade_yet_in_words(self):
        form = self._form(self.manager)
        (grade,) = form.xpath("//page[@name='clinic_loyalty']//field[@name='clinic_grade']")
        self.assertEqual(grade.get("invisible"), "not clinic_grade")
        (none,) = form.xpath("//div[@name='clinic_grade_none']")
        self.assertEqual(none.get("invisible"), "clinic_grade")
        self.assertIn("Not graded yet", none.text)
        new_patient = self._patient("Vera New", "+7 912 000 0099")
        self.assertFalse(new_patient.with_user(self.manager).clinic_grade)

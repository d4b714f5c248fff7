from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ClinicLoyaltyCommon


@tagged("post_install", "-at_install")
class TestPatientPhone(ClinicLoyaltyCommon):
    def assertStoredAs(self, typed, expected, country=None):
        patient = self._patient(f"Patient {typed}", typed, country=country)
        self.assertEqual(patient.phone, expected, f"{typed!r} should be stored as {expected}")
        return patient

    def test_russian_formats_are_stored_in_e164(self):
        for typed in ("8 (912) 777-66-55", "+7 912 777 6655", "89127776655", "+7(912)777-66-55"):
            self.assertStoredAs(typed, "+79127776655")

    def test_chinese_formats_are_stored_in_e164(self):
        for typed in ("138 0013 8000", "+86 138-0013-8000", "0086 13800138000"):
            self.assertStoredAs(typed, "+8613800138000", country=self.country_cn)

    def test_us_formats_are_stored_in_e164(self):
        for typed in ("(650) 253-0000", "650.253.0000", "+1 650 253 0000"):
            self.assertStoredAs(typed, "+16502530000", country=self.country_us)

    def test_international_numbers_ignore_the_patient_country(self):
        self.assertStoredAs("+44 20 7946 0958", "+442079460958")
        self.assertStoredAs("0044 20 7946 0958", "+442079460958", country=self.country_cn)

    def test_company_country_is_used_when_the_patient_has_none(self):
        patient = self.env["res.partner"].create(
            {"name": "No Country", "phone": "8 (903) 123-45-67", "is_patient": True}
        )
        self.assertFalse(patient.country_id)
        self.assertEqual(patient.phone, "+79031234567")

    def test_mobile_is_normalised_on_write(self):
        patient = self._patient("Rita Mobile")
        patient.mobile = "8 916 555 12 34"
        self.assertEqual(patient.mobile, "+79165551234")

    def test_invalid_number_is_refused_and_nothing_is_written(self):
        patient = self._patient("Ilya Invalid", "+7 912 777 66 55")
        with self.assertRaisesRegex(ValidationError, r"12345 is not a valid phone number for Ilya Invalid"):
            patient.write({"phone": "12345", "name": "Ilya Renamed"})
        self.assertEqual(patient.phone, "+79127776655")
        self.assertEqual(patient.name, "Ilya Invalid")

        with self.assertRaisesRegex(ValidationError, "is not a valid phone number"):
            self._patient("Bad Number", "+7 000")

    def test_becoming_a_patient_checks_the_existing_number(self):
        partner = self.env["res.partner"].create({"name": "Supplier Contact", "phone": "555-TEST"})
        self.assertEqual(partner.phone, "555-TEST", "non-patients keep their numbers as typed")
        with self.assertRaisesRegex(ValidationError, "555-TEST is not a valid phone number"):
            partner.write({"is_patient": True})

        partner.phone = "8 (912) 111-22-33"
        partner.write({"is_patient": True})
        self.assertEqual(partner.phone, "+79121112233")

    def test_duplicate_phone_is_flagged_on_both_patients(self):
        first = self._patient("Twin One", "8 (912) 777-66-55")
        second = self._patient("Twin Two", "+7 912 777 6655")
        other = self._patient("Someone Else", "+7 912 999 0000")

        self.assertEqual(first.clinic_duplicate_patient_ids, second)
        self.assertEqual(second.clinic_duplicate_patient_ids, first)
        self.assertFalse(other.clinic_duplicate_patient_ids)

        # The receptionist sees the warning while typing, before saving.
        with Form(self.env["res.partner"].with_context(default_is_patient=True)) as form:
            form.name = "Twin Three"
            form.country_id = self.country_ru
            form.phone = "+79127776655"
            self.assertEqual(form.clinic_duplicate_patient_ids[:], first | second)

    def test_search_by_phone_in_any_format(self):
        patient = self._patient("Searchable", "+7 912 777 6655")
        mobile_patient = self._patient("Mobile Only", mobile="8 903 765 43 21")
        Partner = self.env["res.partner"]

        for typed in ("8 (912) 777-66-55", "+7 912 777 6655", "89127776655"):
            self.assertEqual(Partner.search([("clinic_lookup", "=", typed)]), patient, typed)
            self.assertIn(patient, Partner.search([("display_name", "ilike", typed)]), typed)
            found = Partner.name_search(typed)
            self.assertIn(patient.id, [pid for pid, _name in found], typed)
        self.assertEqual(Partner.search([("clinic_lookup", "=", "+7 (903) 765-43-21")]), mobile_patient)
        self.assertFalse(Partner.search([("clinic_lookup", "=", "8 (912) 000-00-00")]))

    def test_enter_in_the_patients_search_finds_a_phone_or_a_card(self):
        """The search box's first choice (what Enter applies) finds the patient by phone in
        any format or by card number, as well as by name."""
        patient = self._patient("Enter Searchable", "+7 912 345 6789")
        arch = self.env["res.partner"].get_view(self.env.ref("base.view_res_partner_filter").id, "search")["arch"]
        name = etree.fromstring(arch).xpath("//field[@name='name']")[0]
        for typed in ("89123456789", "8 (912) 345-67-89", patient.clinic_card_code, "Enter Searchable"):
            domain = safe_eval(name.get("filter_domain"), {"self": typed})
            self.assertIn(patient, self.env["res.partner"].search(domain), typed)

    def test_search_by_card_number(self):
        patient = self._patient("Card Holder", "+7 912 222 3344")
        code = patient.clinic_card_code
        Partner = self.env["res.partner"]

        self.assertEqual(Partner.search([("clinic_lookup", "=", code)]), patient)
        self.assertEqual(Partner.search([("clinic_card_code", "=", code)]), patient)
        self.assertIn(patient.id, [pid for pid, _name in Partner.name_search(code)])

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.clinic_loyalty.tests.common import ClinicLoyaltyCommon
from odoo.addons.clinic_loyalty_referral.models.res_partner import CODE_ALPHABET, CODE_LENGTH


@tagged("post_install", "-at_install")
class TestReferralCode(ClinicLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.referrer = cls._patient("Referrer Patient", "+7 912 400 0001")

    def test_patients_get_a_unique_readable_code(self):
        patients = self.env["res.partner"].create([{"name": f"Patient {i}", "is_patient": True} for i in range(30)])
        codes = patients.mapped("referral_code")
        self.assertEqual(len(set(codes)), 30)
        for code in codes:
            self.assertEqual(len(code), CODE_LENGTH)
            self.assertTrue(set(code) <= set(CODE_ALPHABET), code)
        self.assertFalse(self.env["res.partner"].create({"name": "Supplier"}).referral_code)

    def test_code_is_found_however_it_is_typed(self):
        code = self.referrer.referral_code
        Partner = self.env["res.partner"]
        self.assertEqual(Partner._find_by_referral_code(f"  {code.lower()[:4]} {code.lower()[4:]} "), self.referrer)
        self.assertFalse(Partner._find_by_referral_code("NOPE0000"))
        self.assertFalse(Partner._find_by_referral_code(""))

    def test_referral_is_recorded_and_counted(self):
        newcomer = self._patient("Newcomer", "+7 912 400 0002", referred_by_id=self.referrer.id)
        self.assertEqual(newcomer.referred_by_id, self.referrer)
        self.assertEqual(self.referrer.referral_count, 1)

    def test_self_referral_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "a patient cannot refer themselves"):
            self.referrer.referred_by_id = self.referrer

    def test_referral_within_a_household_is_refused(self):
        relative = self._patient("Relative", "+7 912 400 0003")
        household = self.env["clinic.loyalty.household"].create(
            {"name": "Referrer family", "holder_id": self.referrer.id}
        )
        relative.clinic_household_id = household
        with self.assertRaisesRegex(ValidationError, "both belong to the household Referrer family"):
            relative.referred_by_id = self.referrer

    def test_referral_between_patients_sharing_a_phone_is_refused(self):
        same_phone = self._patient("Same Phone", "8 (912) 400-00-01")
        with self.assertRaisesRegex(ValidationError, "both have the same phone number"):
            same_phone.referred_by_id = self.referrer

    def test_a_patient_has_one_referrer(self):
        other = self._patient("Other Referrer", "+7 912 400 0004")
        newcomer = self._patient("Newcomer Two", "+7 912 400 0005", referred_by_id=self.referrer.id)
        with self.assertRaisesRegex(ValidationError, "was already referred by Referrer Patient"):
            newcomer.referred_by_id = other
        self.assertEqual(newcomer.referred_by_id, self.referrer)

    def test_patients_enrolled_before_install_received_a_code(self):
        # The demo clinic's patients exist before this module is installed.
        demo_patients = self.env["res.partner"].search([("is_patient", "=", True), ("id", "!=", self.referrer.id)])
        self.assertGreaterEqual(len(demo_patients), 20)
        self.assertTrue(all(demo_patients.mapped("referral_code")))

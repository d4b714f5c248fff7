from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReferralCommon


@tagged("post_install", "-at_install")
class TestReferralGuards(ReferralCommon):
    """Each impossible referral is refused with its reason, and nothing is written."""

    def assertRefused(self, message, newcomer=None, code=None):
        newcomer = newcomer or self.newcomer
        referrals = self.env["clinic.referral"].sudo().search_count([])
        with self.assertRaisesRegex(UserError, message):
            self._refer(newcomer, code=code)
        self.assertEqual(self.env["clinic.referral"].sudo().search_count([]), referrals)
        self.assertEqual(self._balances(), (0, 0))

    def test_an_unknown_code(self):
        self.assertRefused("There is no referral code NOPE2345. Check it with the patient.", code="nope 2345")

    def test_an_inactive_or_expired_code(self):
        poster = self.env["clinic.referrer"].create({"name": "Winter poster", "kind": "channel"})
        poster.date_end = fields.Date.today() - timedelta(days=1)
        self.assertRefused(f"Referral code {poster.code} expired on", code=poster.code)
        poster.write({"date_end": False, "active": False})
        self.assertRefused("no longer in use: Winter poster no longer refers patients", code=poster.code)

    def test_a_referrer_of_another_company(self):
        other = self.env["res.company"].create({"name": "Other Clinic"})
        poster = self.env["clinic.referrer"].create({"name": "Their poster", "kind": "channel", "company_id": other.id})
        self.assertRefused("belongs to Other Clinic and cannot be used in", code=poster.code)

    def test_self_referral(self):
        self.assertRefused("Boris Referrer cannot use their own referral code", newcomer=self.referrer)

    def test_the_same_household(self):
        household = self.env["clinic.loyalty.household"].create(
            {"name": "Referrer family", "holder_id": self.referrer.id}
        )
        self.newcomer.clinic_household_id = household
        self.assertRefused("belong to the same household \\(Referrer family\\)")

    def test_the_same_phone_or_email(self):
        self.newcomer.phone = "8 (912) 400-00-01"
        self.assertRefused("has the same phone number as the referrer Boris Referrer")
        self.newcomer.write({"phone": "+7 912 400 0002", "email": " BORIS@example.com"})
        self.assertRefused("has the same email as the referrer Boris Referrer")

    def test_a_patient_already_referred(self):
        self._refer()
        other = self._patient("Other Referrer", "+7 912 400 0005")
        with self.assertRaisesRegex(UserError, "Vera Newcomer was already referred by Boris Referrer on"):
            self._refer(code=other.referral_code)

    def test_a_patient_with_paid_visits(self):
        self._visit(2200)
        self.newcomer_card._clinic_post("spend", -220, "Reset")
        self.assertRefused("Vera Newcomer already has paid visits: a referral counts only for a new patient")

    def test_a_contact_who_is_not_a_patient(self):
        contact = self.env["res.partner"].create({"name": "Just a contact"})
        with self.assertRaisesRegex(UserError, "is not enrolled as a patient"):
            self._refer(contact)

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ClinicLoyaltyCommon


@tagged("post_install", "-at_install")
class TestClinicLoyaltySecurity(ClinicLoyaltyCommon):
    def test_cashier_enrols_and_finds_patients_but_cannot_configure(self):
        Partner = self.env["res.partner"].with_user(self.cashier)
        patient = Partner.create({"name": "Front Desk Patient", "phone": "8 (912) 765-43-21", "is_patient": True})

        self.assertEqual(patient.phone, "+79127654321")
        card = patient.clinic_card_ids
        self.assertEqual(len(card), 1)
        self.assertEqual(Partner.search([("clinic_lookup", "=", "89127654321")]), patient)
        self.assertTrue(card.with_user(self.cashier).qr_code)

        with self.assertRaises(AccessError):
            self.program.with_user(self.cashier).write({"name": "Renamed by cashier"})
        with self.assertRaises(AccessError):
            self.env["loyalty.program"].with_user(self.cashier).create({"name": "Cashier programme"})
        with self.assertRaises(AccessError):
            self.env["clinic.loyalty.household"].with_user(self.cashier).create(
                {"name": "Cashier family", "holder_id": patient.id}
            )
        with self.assertRaises(AccessError):
            card.with_user(self.cashier).unlink()

    def test_manager_configures_programmes_and_households(self):
        program = (
            self.env["loyalty.program"]
            .with_user(self.manager)
            .create({"name": "Manager programme", "program_type": "loyalty"})
        )
        self.assertEqual(program.name, "Manager programme")
        patient = self._patient("Household Holder")
        household = (
            self.env["clinic.loyalty.household"]
            .with_user(self.manager)
            .create({"name": "Manager family", "holder_id": patient.id})
        )
        self.assertEqual(household.member_ids, patient)

    def test_companies_do_not_see_each_others_cards_and_households(self):
        company_b = self.env["res.company"].create({"name": "Clinic B", "country_id": self.country_cn.id})
        program_b = self.env["loyalty.program"].create(
            {"name": "Clinic B card", "program_type": "loyalty", "company_id": company_b.id}
        )
        company_b.clinic_loyalty_program_id = program_b
        patient_b = (
            self.env["res.partner"]
            .with_company(company_b)
            .create({"name": "Patient of B", "phone": "138 0013 8000", "is_patient": True, "company_id": company_b.id})
        )
        card_b = patient_b.clinic_card_ids
        self.assertEqual(card_b.program_id, program_b)
        self.assertEqual(patient_b.phone, "+8613800138000", "read in company B's country")
        household_b = self.env["clinic.loyalty.household"].create(
            {"name": "Family of B", "holder_id": patient_b.id, "company_id": company_b.id}
        )

        cashier_a = self.cashier
        Card = self.env["loyalty.card"].with_user(cashier_a)
        self.assertFalse(Card.search([("code", "=", card_b.code)]))
        self.assertFalse(self.env["res.partner"].with_user(cashier_a).search([("clinic_lookup", "=", card_b.code)]))
        self.assertFalse(
            self.env["clinic.loyalty.household"].with_user(cashier_a).search([("id", "=", household_b.id)])
        )

        cashier_b = new_test_user(
            self.env,
            login="clinic_cashier_b",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        self.assertEqual(self.env["loyalty.card"].with_user(cashier_b).search([("code", "=", card_b.code)]), card_b)
        self.assertEqual(self.env["clinic.loyalty.household"].with_user(cashier_b).search([]), household_b)

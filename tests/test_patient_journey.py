"""Cross-addon scenario: the front desk registers a family and a referred newcomer."""

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user


class TestPatientJourney(TransactionCase):
    # Odoo sets these on test classes of addons; this module lives outside any addon.
    test_tags = {"standard", "post_install"}
    test_module = "clinic_loyalty"
    test_class = "TestPatientJourney"
    test_sequence = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {
                "country_id": cls.env.ref("base.ru").id,
                "clinic_loyalty_program_id": cls.env["loyalty.program"]
                .create({"name": "Journey Card", "program_type": "loyalty"})
                .id,
            }
        )
        cls.receptionist = new_test_user(
            cls.env,
            login="journey_receptionist",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="journey_manager",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
        )

    def test_front_desk_registers_family_and_referred_newcomer(self):
        Partner = self.env["res.partner"].with_user(self.receptionist)

        mother = Partner.create({"name": "Mother Journey", "phone": "8 (916) 700-10-20", "is_patient": True})
        self.assertEqual(mother.phone, "+79167001020")
        self.assertEqual(len(mother.clinic_card_ids), 1)
        self.assertTrue(mother.referral_code)

        # The newcomer gives the mother's code, typed in lower case at the desk, when registered.
        friend = Partner.create(
            {
                "name": "Friend Journey",
                "phone": "+7 916 700 10 21",
                "is_patient": True,
                "clinic_referral_code_entry": mother.referral_code.lower(),
            }
        )
        self.assertEqual(friend.clinic_referred_by_id.partner_id, mother)
        self.assertEqual(friend.clinic_referral_id.state, "pending")
        self.env.invalidate_all()
        self.assertEqual(mother.referral_count, 1)
        self.assertEqual(Partner.search([("clinic_lookup", "=", "8 916 700 10 21")]), friend)
        self.assertNotEqual(friend.clinic_card_code, mother.clinic_card_code)

        # The manager makes a household; a family member cannot be recorded as referred by it.
        household = (
            self.env["clinic.loyalty.household"]
            .with_user(self.manager)
            .create({"name": "Journey family", "holder_id": mother.id})
        )
        son = Partner.create({"name": "Son Journey", "phone": "+7 916 700 10 22", "is_patient": True})
        # The receptionist adds the son: the mother receives a code by SMS and reads it out.
        desk_household = household.with_user(self.receptionist)
        desk_household.action_clinic_send_consent_code("add", [son.id])
        sms = self.env["sms.sms"].search([("partner_id", "=", mother.id)], order="id desc", limit=1)
        self.assertTrue(desk_household.action_clinic_confirm_consent_code(sms.body[:6])["done"])
        with self.assertRaisesRegex(UserError, "belong to the same household \\(Journey family\\)"):
            son.clinic_referral_code_entry = mother.referral_code
        self.assertEqual(household.member_ids, mother | son)

    def test_family_package_is_configured_on_a_clinic_service(self):
        massage = self.env["product.product"].create({"name": "Journey massage", "type": "service"})
        package = (
            self.env["product.template"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Journey course",
                    "type": "service",
                    "is_clinic_package": True,
                    "clinic_package_household_shared": True,
                    "clinic_package_line_ids": [(0, 0, {"service_id": massage.id, "sessions": 5})],
                }
            )
        )
        self.assertEqual(package.clinic_package_session_count, 5)
        self.assertEqual((package.clinic_package_validity, package.clinic_package_validity_unit), (12, "months"))

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ClinicLoyaltyCommon


@tagged("post_install", "-at_install")
class TestHousehold(ClinicLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.holder = cls._patient("Ivan Holder", "+7 912 100 0001")
        cls.spouse = cls._patient("Maria Spouse", "+7 912 100 0002")
        cls.household = cls.env["clinic.loyalty.household"].create(
            {"name": "Holder family", "holder_id": cls.holder.id}
        )

    def test_holder_is_a_member(self):
        self.assertEqual(self.household.member_ids, self.holder)
        self.assertEqual(self.household.member_count, 1)

    def test_members_join_and_leave_keeping_their_card(self):
        self.spouse.clinic_household_id = self.household
        self.assertEqual(self.household.member_ids, self.holder | self.spouse)
        card = self.spouse.clinic_card_ids

        self.spouse.clinic_household_id = False
        self.assertEqual(self.household.member_ids, self.holder)
        self.assertEqual(self.spouse.clinic_card_ids, card)

    def test_holder_cannot_leave_until_replaced(self):
        with self.assertRaisesRegex(ValidationError, "holds the household Holder family and cannot leave it"):
            self.holder.clinic_household_id = False

        self.spouse.clinic_household_id = self.household
        self.household.holder_id = self.spouse
        self.holder.clinic_household_id = False
        self.assertEqual(self.household.member_ids, self.spouse)

    def test_new_holder_joins_the_household(self):
        self.household.holder_id = self.spouse
        self.assertIn(self.spouse, self.household.member_ids)

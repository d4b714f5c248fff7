from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class ClinicLoyaltyCommon(BaseCommon):
    """A clinic in Russia with a patient loyalty programme, a cashier and a manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.country_id = cls.env.ref("base.ru")
        cls.country_ru = cls.env.ref("base.ru")
        cls.country_cn = cls.env.ref("base.cn")
        cls.country_us = cls.env.ref("base.us")
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Test Bonus Card",
                "program_type": "loyalty",
                "company_id": cls.company.id,
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 0.1})],
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount_mode": "per_point", "discount": 1})],
            }
        )
        cls.company.clinic_loyalty_program_id = cls.program
        cls.cashier = new_test_user(
            cls.env,
            login="clinic_cashier",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=cls.company.id,
        )
        cls.manager = new_test_user(
            cls.env,
            login="clinic_manager",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
            company_id=cls.company.id,
        )

    @classmethod
    def _patient(cls, name, phone=None, country=None, **vals):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "phone": phone,
                "country_id": (country or cls.country_ru).id,
                "is_patient": True,
                **vals,
            }
        )

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFindPatientTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        program = cls.env["loyalty.program"].create({"name": "Tour Card", "program_type": "loyalty"})
        ru = cls.env.ref("base.ru")
        # A clinic in Russia: numbers typed without a country code are read as Russian.
        cls.env.company.write({"clinic_loyalty_program_id": program.id, "country_id": ru.id})
        Partner = cls.env["res.partner"]
        cls.patient = Partner.create(
            {"name": "Tour Patient", "phone": "+7 912 555 44 33", "country_id": ru.id, "is_patient": True}
        )
        Partner.create(
            {"name": "Other Tour Patient", "phone": "+7 912 555 44 34", "country_id": ru.id, "is_patient": True}
        )
        new_test_user(
            cls.env,
            login="tour_receptionist",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user",
        )

    def test_receptionist_finds_patient_by_phone(self):
        self.start_tour("/odoo", "clinic_loyalty_find_patient_by_phone", login="tour_receptionist")
        self.assertEqual(self.patient.phone, "+79125554433")

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPatientFormTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        program = cls.env["loyalty.program"].create({"name": "Form Tour Card", "program_type": "loyalty"})
        cls.env.company.clinic_loyalty_program_id = program
        cls.env["res.partner"].create({"name": "Form Tour Patient", "is_patient": True})
        new_test_user(
            cls.env,
            login="form_tour_manager",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
        )

    def test_a_patient_opens_on_the_clinic_tab_and_reporting_has_sections(self):
        self.start_tour(
            "/odoo/action-clinic_loyalty.res_partner_action_patients",
            "clinic_loyalty_patient_form_and_menu",
            login="form_tour_manager",
        )

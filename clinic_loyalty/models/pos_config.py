from odoo import fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    clinic_new_customer_patient = fields.Boolean(
        string="New Customers Are Patients",
        default=True,
        help="A customer created at this point of sale is enrolled as a patient (card, phone in "
        "international form) when its company runs a clinic programme and the cashier works at "
        "the clinic's front desk.",
    )

    def _clinic_new_customer_is_patient(self):
        """Whether a customer the current user creates at this point of sale is a patient:
        decided here from the POS's setting, the company's programme and the user's rights,
        whatever the browser asks."""
        self.ensure_one()
        return bool(
            self.clinic_new_customer_patient
            and self.company_id.clinic_loyalty_program_id.clinic_bonus
            and self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user")
        )

from odoo import fields, models


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    clinic_package_count = fields.Integer(
        compute="_compute_clinic_package_count",
        string="Active Packages",
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )

    def _compute_clinic_package_count(self):
        # The holder's count, as the patient's form shows it.
        for card in self:
            card.clinic_package_count = card.partner_id.clinic_package_count

    def action_clinic_open_packages(self):
        """The card holder's treatment packages (the patient's form has the same button)."""
        self.ensure_one()
        return self.partner_id.action_clinic_open_packages()

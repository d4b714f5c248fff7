from odoo import fields, models


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    clinic_package_count = fields.Integer(
        compute="_compute_clinic_package_count",
        string="Active Packages",
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )

    def _compute_clinic_package_count(self):
        counts = dict(
            self.env["clinic.package"]._read_group(
                [("partner_id", "in", self.partner_id.ids), ("state", "=", "active")], ["partner_id"], ["__count"]
            )
        )
        for card in self:
            card.clinic_package_count = counts.get(card.partner_id, 0)

    def action_clinic_open_packages(self):
        """The card holder's treatment packages (the patient's form has the same button)."""
        self.ensure_one()
        return self.partner_id.action_clinic_open_packages()

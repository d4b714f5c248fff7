from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    clinic_package_count = fields.Integer(
        compute="_compute_clinic_package_count",
        string="Active Packages",
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )

    def _compute_clinic_package_count(self):
        counts = dict(
            self.env["clinic.package"]._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "active")], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.clinic_package_count = counts.get(partner, 0)

    def action_clinic_open_packages(self):
        """The patient's treatment packages: what is left of each, until when."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("clinic_loyalty_packages.clinic_package_action")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"search_default_active_packages": 1}
        return action

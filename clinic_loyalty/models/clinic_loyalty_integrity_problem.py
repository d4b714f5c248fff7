from odoo import fields, models


class ClinicLoyaltyIntegrityProblem(models.Model):
    """One record whose stored figures disagree with what they sum, found by an integrity check."""

    _name = "clinic.loyalty.integrity.problem"
    _description = "Loyalty Integrity Problem"
    _order = "check_id, id"

    check_id = fields.Many2one(
        comodel_name="clinic.loyalty.integrity.check",
        string="Check",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="check_id.company_id", store=True)
    # Each addon adds the kinds of its checks.
    kind = fields.Selection(selection=[("card", "Card balance")], required=True, readonly=True)
    res_model = fields.Char(string="Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", required=True, readonly=True)
    name = fields.Char(string="Record", required=True, readonly=True)
    detail = fields.Char(readonly=True, help="What disagrees, with the figures found.")

    def action_clinic_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

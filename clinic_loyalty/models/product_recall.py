from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    clinic_recall_days = fields.Integer(
        string="Recall After (days)",
        help="Days after a paid visit with this service when the patient is due to come back "
        "(e.g. cleaning 180, implant check 365). Empty: the category's delay; none: no recall.",
    )
    clinic_recall_points = fields.Float(
        string="Recall Reward (points)",
        help="Points the patient earns for paying this service again by the recall's due date plus the "
        "company's grace days. Empty: the category's reward.",
    )
    clinic_recall_delay = fields.Integer(
        string="Effective Recall Delay (days)",
        compute="_compute_clinic_recall_delay",
        store=True,
        help="The service's recall delay, else its category's (0: no recall).",
    )

    @api.depends("clinic_recall_days", "categ_id.clinic_recall_days")
    def _compute_clinic_recall_delay(self):
        for template in self:
            template.clinic_recall_delay = template.clinic_recall_days or template.categ_id.clinic_recall_days


class ProductCategory(models.Model):
    _inherit = "product.category"

    clinic_recall_days = fields.Integer(
        string="Recall After (days)",
        help="Recall delay of this category's services that set none themselves (this category only, "
        "not its subcategories).",
    )
    clinic_recall_points = fields.Float(
        string="Recall Reward (points)",
        help="Recall reward of this category's services that set none themselves.",
    )

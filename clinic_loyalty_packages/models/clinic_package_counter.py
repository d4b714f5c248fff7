from odoo import api, fields, models


class ClinicPackageCounter(models.Model):
    """Sessions of one service in a patient's package: how many were bought, how many used."""

    _name = "clinic.package.counter"
    _description = "Treatment Package Sessions"
    _order = "package_id, id"

    package_id = fields.Many2one(
        comodel_name="clinic.package", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="package_id.company_id", store=True)
    service_id = fields.Many2one(comodel_name="product.product", required=True, readonly=True)
    sessions = fields.Integer(required=True, readonly=True)
    list_price = fields.Float(
        string="List Price",
        digits="Product Price",
        readonly=True,
        help="The service's list price when the package was sold: what weighs each session in the "
        "refund of the unused part.",
    )
    use_ids = fields.One2many(
        comodel_name="clinic.package.use", inverse_name="counter_id", string="Visits", readonly=True
    )
    sessions_used = fields.Integer(compute="_compute_sessions_used", store=True)
    sessions_left = fields.Integer(compute="_compute_sessions_left", store=True)

    _sql_constraints = [
        ("sessions_used_range", "CHECK(sessions_used >= 0 AND sessions_used <= sessions)", "No session is left."),
    ]

    @api.depends("use_ids.restored")
    def _compute_sessions_used(self):
        for counter in self:
            counter.sessions_used = len(counter.use_ids.filtered(lambda use: not use.restored))

    @api.depends("sessions", "sessions_used")
    def _compute_sessions_left(self):
        for counter in self:
            counter.sessions_left = counter.sessions - counter.sessions_used

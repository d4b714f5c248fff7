from odoo import fields, models


class ClinicPackageUse(models.Model):
    """One session of a package used at a visit (a sales order line, a POS order line)."""

    _name = "clinic.package.use"
    _description = "Treatment Package Session Used"
    _order = "id desc"

    counter_id = fields.Many2one(
        comodel_name="clinic.package.counter",
        string="Sessions",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    package_id = fields.Many2one(related="counter_id.package_id", store=True, index=True)
    company_id = fields.Many2one(related="counter_id.company_id", store=True)
    service_id = fields.Many2one(related="counter_id.service_id", store=True)
    partner_id = fields.Many2one(comodel_name="res.partner", string="Patient", required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    origin = fields.Char(string="Visit", readonly=True)
    sale_line_id = fields.Many2one(comodel_name="sale.order.line", string="Sales Order Line", readonly=True)
    pos_line_id = fields.Many2one(comodel_name="pos.order.line", string="POS Order Line", readonly=True)
    restored = fields.Boolean(readonly=True, help="The session came back: the visit was cancelled or refunded.")
    revenue_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Revenue Entry",
        readonly=True,
        help="The entry recognising the session's revenue.",
    )
    revenue_amount = fields.Monetary(currency_field="currency_id", readonly=True)
    currency_id = fields.Many2one(related="counter_id.package_id.currency_id")
    # One use per document line (and confirmation round): a replayed sync uses nothing more.
    key = fields.Char(string="Visit Key", required=True, readonly=True)

    _sql_constraints = [("key_unique", "UNIQUE(key)", "This visit already used its session.")]

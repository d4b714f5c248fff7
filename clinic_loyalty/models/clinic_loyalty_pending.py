from odoo import fields, models

PENDING_STATES = [
    ("pending", "Pending"),
    ("credited", "Credited"),
    ("cancelled", "Cancelled"),
]


class ClinicLoyaltyPending(models.Model):
    """Points promised to a card but not on its balance yet: a welcome bonus or a newcomer's
    gift given to someone nobody has met (a public page, a portal sign-up).

    They wait for the patient's first paid visit: the order engine credits them when it posts
    a paid order's earning on the card (``clinic.loyalty.document._clinic_post_earning``), once,
    through the ledger with this record's own source key. Until then they cannot be spent.
    Rows are written by the server only (no access rights grant writing).
    """

    _name = "clinic.loyalty.pending"
    _description = "Pending Loyalty Points"
    _order = "date desc, id desc"
    _rec_name = "reason"

    card_id = fields.Many2one("loyalty.card", required=True, index=True, ondelete="restrict", readonly=True)
    partner_id = fields.Many2one(related="card_id.partner_id", store=True, string="Card Holder")
    program_id = fields.Many2one(related="card_id.program_id", store=True)
    company_id = fields.Many2one(related="card_id.company_id", store=True)
    points = fields.Float(required=True, readonly=True)
    reason = fields.Char(required=True, readonly=True, help="The reason in English, as it will be posted.")
    reason_data = fields.Json(readonly=True)
    source_key = fields.Char(
        required=True, readonly=True, help="The ledger line's source key once credited: credited once."
    )
    # The record the credited line belongs to (a referral reward): reversals of that record
    # find the line through the ledger's own relation.
    document_model = fields.Char(readonly=True)
    document_id = fields.Integer(readonly=True)
    state = fields.Selection(PENDING_STATES, required=True, default="pending", readonly=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    ledger_id = fields.Many2one("clinic.loyalty.ledger", string="Credited Line", readonly=True, ondelete="restrict")
    credited_origin = fields.Char(string="Credited by", readonly=True, help="The paid visit that credited them.")

    _sql_constraints = [
        ("source_key_unique", "UNIQUE(source_key)", "Points are promised once per event."),
    ]

    def _clinic_document(self):
        self.ensure_one()
        if not self.document_model:
            return None
        return self.env[self.document_model].sudo().browse(self.document_id).exists() or None

    def _clinic_credit(self, origin):
        """Post these pending points on their cards (the first paid visit ``origin``), once each."""
        for pending in self.filtered(lambda p: p.state == "pending"):
            document = pending._clinic_document()
            line = pending.card_id.sudo()._clinic_post(
                "earn",
                pending.points,
                pending.reason_data or pending.reason,
                source_key=pending.source_key,
                origin=origin,
                document=document,
            )
            pending.sudo().write({"state": "credited", "ledger_id": line.id, "credited_origin": origin})
            if document is not None and hasattr(document, "_clinic_pending_credited"):
                document._clinic_pending_credited(line)

    def _clinic_cancel(self):
        """Pending points that will never be credited (a refused referral)."""
        self.filtered(lambda p: p.state == "pending").sudo().write({"state": "cancelled"})

from odoo import api, fields, models


class ClinicLoyaltyReminder(models.Model):
    """Points of a card about to expire, told to the patient once per expiry date and delay.

    The record is what the reminder templates render (points, days left), and its UNIQUE key
    is what makes the scheduled action safe to run again: a lot group is reminded once.
    """

    _name = "clinic.loyalty.reminder"
    _inherit = ["clinic.loyalty.notification.mixin"]
    _description = "Loyalty Points Expiry Reminder"
    _clinic_mail_template = "clinic_loyalty.mail_template_points_expiring"
    _clinic_sms_template = "clinic_loyalty.sms_template_points_expiring"
    _order = "date desc, id desc"

    card_id = fields.Many2one(comodel_name="loyalty.card", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(related="card_id.partner_id", store=True, string="Patient")
    company_id = fields.Many2one(related="card_id.company_id", store=True)
    expiry_date = fields.Date(required=True, help="Last day on which the points can be used.")
    days = fields.Integer(string="Reminder Delay", required=True, help="The programme's delay this reminder answers.")
    days_left = fields.Integer(required=True, help="Days from the reminder to the expiry date.")
    points = fields.Float(required=True, help="Points that expire after the expiry date.")
    date = fields.Datetime(required=True, default=fields.Datetime.now, string="Sent on")
    sent_email = fields.Boolean(string="Email Sent", readonly=True)
    sent_sms = fields.Boolean(string="SMS Sent", readonly=True)

    _sql_constraints = [
        (
            "card_expiry_days_unique",
            "UNIQUE(card_id, expiry_date, days)",
            "Points expiring on one date are reminded once per delay.",
        ),
    ]

    points_display = fields.Char(string="Points Expiring", compute="_compute_points_display")

    @api.depends("points", "card_id.point_name")
    def _compute_points_display(self):
        for reminder in self:
            reminder.points_display = reminder.card_id._format_points(reminder.points) if reminder.card_id else ""

from odoo import api, fields, models
from odoo.tools import format_date


class ClinicPackageReminder(models.Model):
    """A patient told about a package: it expires soon, or one session is left.

    The record is what the reminder templates render; its UNIQUE key is what makes the
    scheduled action safe to run again: a package is reminded once of its expiry date and
    once of its last session. Sent through the loyalty notices (email and SMS as the
    programme enables them, only to patients who accept care reminders).
    """

    _name = "clinic.package.reminder"
    _inherit = ["clinic.loyalty.notification.mixin"]
    _description = "Treatment Package Reminder"
    _clinic_mail_template = "clinic_loyalty_packages.mail_template_package_reminder"
    _clinic_sms_template = "clinic_loyalty_packages.sms_template_package_reminder"
    _order = "date desc, id desc"

    package_id = fields.Many2one(comodel_name="clinic.package", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(related="package_id.partner_id", store=True, string="Patient")
    company_id = fields.Many2one(related="package_id.company_id", store=True)
    # The patient's clinic card: which channels the programme enables, whom to write to.
    card_id = fields.Many2one(comodel_name="loyalty.card", ondelete="set null")
    kind = fields.Selection(selection=[("expiry", "Expiry Soon"), ("last_session", "Last Session Left")], required=True)
    date_end = fields.Date(string="Valid Until", help="The package's last day when the reminder was sent.")
    sessions_left = fields.Integer()
    date = fields.Datetime(required=True, default=fields.Datetime.now, string="Sent on")
    sent_email = fields.Boolean(string="Email Sent", readonly=True)
    sent_sms = fields.Boolean(string="SMS Sent", readonly=True)
    # "<kind>:<package>[:<date_end>]": once per expiry date, once for the last session.
    key = fields.Char(required=True, readonly=True)
    text = fields.Char(compute="_compute_text", help="The reminder's sentence, in the patient's language.")

    _sql_constraints = [("key_unique", "UNIQUE(key)", "A package is reminded of this once.")]

    @api.depends("kind", "package_id", "date_end", "sessions_left")
    def _compute_text(self):
        for reminder in self:
            package = reminder.package_id
            if reminder.kind == "expiry":
                reminder.text = self.env._(
                    "%(package)s: %(left)s sessions left, valid until %(date)s.",
                    package=package.display_name,
                    left=reminder.sessions_left,
                    date=format_date(self.env, reminder.date_end),
                )
            else:
                reminder.text = self.env._(
                    "%(package)s: one session left. Book it, or ask the desk about a new package.",
                    package=package.display_name,
                )

    @api.model
    def _clinic_send(self, packages, kind):
        """Remind ``packages`` of ``kind`` (those reminded already are skipped); return the reminders."""
        today = fields.Date.context_today(self)
        vals_list = []
        for package in packages.sudo():
            if kind == "expiry" and not (package.date_end and package.date_end >= today):
                continue
            program = package.company_id.clinic_loyalty_program_id
            card = package.partner_id.clinic_card_ids.filtered(lambda c, p=program: c.active and c.program_id == p)[:1]
            vals_list.append(
                {
                    "package_id": package.id,
                    # Without a card the reminder is recorded, not sent (no channel to send it by).
                    "card_id": card.id,
                    "kind": kind,
                    "date_end": package.date_end,
                    "sessions_left": package.sessions_left,
                    "key": f"{kind}:{package.id}" + (f":{package.date_end}" if kind == "expiry" else ""),
                }
            )
        known = set(self.sudo().search([("key", "in", [vals["key"] for vals in vals_list])]).mapped("key"))
        reminders = self.sudo().create([vals for vals in vals_list if vals["key"] not in known])
        reminders._clinic_notify()
        return reminders

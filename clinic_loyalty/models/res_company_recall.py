from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    clinic_recall_lead_days = fields.Integer(
        string="Call Ahead (days)",
        default=14,
        help="A recall (and its call activity) is created this many days before the patient is due.",
    )
    clinic_recall_grace_days = fields.Integer(
        string="Recall Grace (days)",
        default=30,
        help="A patient who pays the service again up to this many days after the due date still earns "
        "the recall reward; recalls older than that are no longer created.",
    )
    clinic_recall_assignment = fields.Selection(
        selection=[("usual", "Patient's Usual Staff"), ("team", "Recall Team")],
        string="Recall Calls Go To",
        default="usual",
        required=True,
        help="Usual staff: the salesperson or cashier of the patient's last paid order (the recall team "
        "when they are not a user any more). Recall team: the team's users in turn.",
    )
    clinic_recall_user_ids = fields.Many2many(
        comodel_name="res.users",
        relation="res_company_clinic_recall_user_rel",
        column1="company_id",
        column2="user_id",
        string="Recall Team",
        domain="[('share', '=', False)]",
    )
    clinic_recall_turn = fields.Integer(default=0, help="Whose turn it is in the recall team (round robin).")
    clinic_recall_email = fields.Boolean(
        string="Email Recall Reminders",
        help="Email the patient when a recall is created (patients who accept care reminders only).",
    )
    clinic_recall_sms = fields.Boolean(
        string="SMS Recall Reminders",
        help="Text the patient when a recall is created (patients who accept care reminders only).",
    )
    clinic_messages_name_treatments = fields.Boolean(
        string="Name Treatments in Messages and Scripts",
        help="Off: recall reminders and call scripts never name the patient's treatment (a message may be "
        "read by someone else). On: they may name it.",
    )

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date
from odoo.tools.safe_eval import safe_eval

from ..tools.visits import visits_query

MANAGER_GROUP = "clinic_loyalty.group_clinic_loyalty_manager"
OUTCOMES = [
    ("reached", "Reached"),
    ("booked", "Booked"),
    ("not_interested", "Not Interested"),
    ("wrong_number", "Wrong Number"),
    ("call_back", "Call Back"),
]
# Placeholders a script may use; the one naming a treatment needs the company's permission.
TREATMENT_PLACEHOLDER = "{treatment}"


class ClinicLoyaltyCampaign(models.Model):
    """Calls to a group of patients: who, why, what to say, who calls, and what came of it."""

    _name = "clinic.loyalty.campaign"
    _inherit = ["mail.thread"]
    _description = "Call Campaign"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company, index=True
    )
    state = fields.Selection(
        selection=[("draft", "Draft"), ("running", "Running"), ("done", "Done")],
        default="draft",
        required=True,
        tracking=True,
    )
    purpose = fields.Selection(
        selection=[("care", "Care"), ("marketing", "Marketing")],
        default="care",
        required=True,
        help="Care: only patients who accept care reminders. Marketing: only patients who accept marketing.",
    )
    partner_domain = fields.Char(
        string="Patients",
        default="[('is_patient', '=', True)]",
        help="Which patients to call (e.g. a grade, an RFM segment, a tag, a city).",
    )
    grade = fields.Selection(
        selection="_selection_grade",
        help="Only patients of this grade (as last computed for the campaign's company).",
    )
    rfm_segment = fields.Selection(
        selection="_selection_rfm_segment",
        string="RFM Segment",
        help="Only patients of this RFM segment (as last computed for the campaign's company).",
    )
    use_recalls = fields.Boolean(
        string="Due Recalls Only",
        help="Only patients with a due recall (of the services below, if any).",
    )
    recall_product_ids = fields.Many2many(comodel_name="product.product", string="Recalled Services")
    script = fields.Text(
        help="What the caller says. Placeholders: {patient}, {last_visit}; {treatment} only when the company "
        "lets messages name treatments.",
    )
    user_ids = fields.Many2many(
        comodel_name="res.users",
        relation="clinic_loyalty_campaign_caller_rel",
        column1="campaign_id",
        column2="user_id",
        string="Callers",
        domain="[('share', '=', False)]",
    )
    conversion_days = fields.Integer(
        string="Conversion Window (days)",
        default=30,
        help="A call converts when the patient has a paid visit on the call's day or up to this many days after.",
    )
    call_ids = fields.One2many(comodel_name="clinic.loyalty.campaign.call", inverse_name="campaign_id", string="Calls")
    target_count = fields.Integer(
        string="Patients to Call",
        compute="_compute_target_count",
        help="Patients a launch would call now: the filter, grade, RFM segment, consent and recalls above, "
        "without those already called in this campaign.",
    )
    call_count = fields.Integer(string="Number of Calls", compute="_compute_progress")
    calls_done = fields.Integer(string="Calls Done", compute="_compute_progress")
    progress = fields.Float(compute="_compute_progress", help="Share of calls done (an outcome other than call back).")
    count_reached = fields.Integer(string="Reached", compute="_compute_progress")
    count_booked = fields.Integer(string="Booked", compute="_compute_progress")
    count_not_interested = fields.Integer(string="Not Interested", compute="_compute_progress")
    count_wrong_number = fields.Integer(string="Wrong Number", compute="_compute_progress")
    count_call_back = fields.Integer(string="Call Back", compute="_compute_progress")
    converted_count = fields.Integer(string="Converted", compute="_compute_progress")
    conversion_rate = fields.Float(
        compute="_compute_progress",
        help="Calls followed by a paid visit within the conversion window, out of the calls with an outcome.",
    )

    def _selection_grade(self):
        return self._clinic_partner_selection("clinic_grade")

    def _selection_rfm_segment(self):
        return self._clinic_partner_selection("clinic_rfm_segment")

    def _clinic_partner_selection(self, name):
        field = self.env["res.partner"]._fields.get(name)
        return field._description_selection(self.env) if field else []

    @api.depends(
        "partner_domain",
        "purpose",
        "grade",
        "rfm_segment",
        "use_recalls",
        "recall_product_ids",
        "company_id",
        "call_ids",
    )
    def _compute_target_count(self):
        # The launch's own selection, so the preview never promises calls the launch will not make.
        for campaign in self:
            try:
                partners = campaign._clinic_target_partners()
            except (AccessError, ValueError, SyntaxError, NameError, TypeError):
                # Another company's campaign, or a filter still being typed: nothing to preview.
                campaign.target_count = 0
                continue
            campaign.target_count = len(partners - campaign.call_ids.partner_id)

    @api.depends("call_ids.outcome", "call_ids.call_date", "conversion_days")
    def _compute_progress(self):
        converted = self._clinic_converted_call_ids()
        for campaign in self:
            calls = campaign.call_ids
            counts = defaultdict(int)
            for call in calls:
                counts[call.outcome] += 1
            logged = len(calls) - counts[False]
            done = logged - counts["call_back"]
            campaign.call_count = len(calls)
            campaign.calls_done = done
            campaign.progress = 100.0 * done / len(calls) if calls else 0.0
            for outcome, _label in OUTCOMES:
                campaign[f"count_{outcome}"] = counts[outcome]
            won = len(set(calls.ids) & converted)
            campaign.converted_count = won
            campaign.conversion_rate = 100.0 * won / logged if logged else 0.0

    @api.constrains("script", "company_id")
    def _check_script(self):
        for campaign in self:
            campaign._clinic_check_script_privacy()

    # Actions -------------------------------------------------------------------------

    def action_launch(self):
        """Create one call and one activity per targeted patient, spread over the callers;
        a patient already in the campaign is not called twice."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only loyalty managers launch call campaigns."))
        for campaign in self:
            if not campaign.user_ids:
                raise UserError(
                    self.env._("Campaign %(campaign)s has no callers: add at least one.", campaign=campaign.name)
                )
            campaign._clinic_check_script_privacy()
            campaign._clinic_launch()
        return True

    def action_done(self):
        self.check_access("write")
        self.write({"state": "done"})
        return True

    # Business methods ----------------------------------------------------------------

    def _clinic_check_script_privacy(self):
        """Refuse a script that names treatments unless the company allows it."""
        self.ensure_one()
        if not self.script or self.company_id.clinic_messages_name_treatments:
            return
        named = TREATMENT_PLACEHOLDER in self.script
        if not named:
            # A service with a recall cycle is a treatment: its name (in any language) stays out.
            self.env["product.template"].flush_model(["name", "clinic_recall_delay"])
            self.env.cr.execute(
                SQL(
                    """
                    SELECT 1 FROM product_template t
                     WHERE t.clinic_recall_delay > 0
                       AND EXISTS (SELECT 1 FROM jsonb_each_text(t.name) n
                                    WHERE length(n.value) > 2 AND strpos(lower(%s), lower(n.value)) > 0)
                     LIMIT 1
                    """,
                    self.script,
                )
            )
            named = bool(self.env.cr.fetchone())
        if named:
            raise ValidationError(
                self.env._(
                    "The script of campaign %(campaign)s names a treatment. Patients' treatments stay out of "
                    "scripts unless the company lets messages name treatments (Clinic Loyalty settings).",
                    campaign=self.name,
                )
            )

    def _clinic_target_partners(self):
        self.ensure_one()
        # The manager's domain is searched as the manager, within the campaign's company
        # (grades and RFM segments are per company) and its patients: never with the
        # system's eyes, which would reach another clinic's patients and their phones.
        if not self.company_id or self.company_id not in self.env.user.company_ids:
            raise AccessError(
                self.env._("Campaign %(campaign)s belongs to a company you do not work for.", campaign=self.name)
            )
        Partner = self.env["res.partner"].with_context(allowed_company_ids=self.company_id.ids, active_test=True)
        domain = safe_eval(self.partner_domain or "[]")
        consent = "clinic_consent_marketing" if self.purpose == "marketing" else "clinic_consent_reminders"
        domain = [
            *domain,
            (consent, "=", True),
            ("is_patient", "=", True),
            ("company_id", "in", [self.company_id.id, False]),
        ]
        if self.grade:
            domain.append(("clinic_grade", "=", self.grade))
        if self.rfm_segment:
            domain.append(("clinic_rfm_segment", "=", self.rfm_segment))
        if self.use_recalls:
            recall_domain = [("company_id", "=", self.company_id.id), ("state", "=", "due")]
            if self.recall_product_ids:
                recall_domain.append(("product_id", "in", self.recall_product_ids.ids))
            recalls = self.env["clinic.loyalty.recall"].sudo().search(recall_domain)
            domain.append(("id", "in", recalls.partner_id.ids))
        return Partner.search(domain, order="id")

    def _clinic_launch(self):
        self.ensure_one()
        already = set(self.call_ids.partner_id.ids)
        partners = self._clinic_target_partners().filtered(lambda p: p.id not in already)
        callers = self.user_ids.sorted("id")
        start = len(self.call_ids)
        calls = (
            self.env["clinic.loyalty.campaign.call"]
            .sudo()
            .create(
                [
                    {
                        "campaign_id": self.id,
                        "partner_id": partner.id,
                        "user_id": callers[(start + index) % len(callers)].id,
                    }
                    for index, partner in enumerate(partners)
                ]
            )
        )
        call_type = self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False)
        for call in calls:
            call.activity_id = call.activity_schedule(
                activity_type_id=call_type.id if call_type else False,
                summary=self.name,
                user_id=call.user_id.id,
            )
        self.sudo().state = "running"
        return calls

    def _clinic_converted_call_ids(self):
        """Ids of calls of these campaigns followed by a paid visit of the patient within the
        campaign's conversion window (the call's day included)."""
        campaigns = self.filtered("id")
        if not campaigns:
            return set()
        calls = campaigns.sudo().call_ids.filtered("call_date")
        if not calls:
            return set()
        # visits_query: a visit is a paid order net of refunds, as in every clinic figure.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT call.id
                  FROM clinic_loyalty_campaign_call call
                  JOIN clinic_loyalty_campaign campaign ON campaign.id = call.campaign_id
                 WHERE call.id = ANY(%(calls)s)
                   AND EXISTS (SELECT 1 FROM (%(visits)s) v
                                WHERE v.partner_id = call.partner_id AND v.company_id = call.company_id
                                  AND v.day >= (call.call_date)::date
                                  AND v.day <= (call.call_date)::date + campaign.conversion_days)
                """,
                calls=calls.ids,
                visits=visits_query(
                    company_ids=calls.company_id.ids,
                    date_from=min(calls.mapped("call_date")).date(),
                    partner_ids=calls.partner_id.ids,
                ),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}


class ClinicLoyaltyCampaignCall(models.Model):
    """One patient to call in a campaign, by one caller, and what came of it."""

    _name = "clinic.loyalty.campaign.call"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Campaign Call"
    _order = "campaign_id desc, id"
    _check_company_auto = True

    campaign_id = fields.Many2one(comodel_name="clinic.loyalty.campaign", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="campaign_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(comodel_name="res.partner", string="Patient", required=True, index=True)
    phone = fields.Char(related="partner_id.phone")
    mobile = fields.Char(related="partner_id.mobile")
    user_id = fields.Many2one(comodel_name="res.users", string="Caller", required=True, index=True)
    outcome = fields.Selection(selection=OUTCOMES, tracking=True)
    note = fields.Text()
    call_date = fields.Datetime(readonly=True, help="When the caller logged the outcome.")
    activity_id = fields.Many2one(comodel_name="mail.activity", string="Call Activity", ondelete="set null")
    script_display = fields.Text(string="Script", compute="_compute_script_display")
    converted = fields.Boolean(
        compute="_compute_converted", help="A paid visit followed within the campaign's conversion window."
    )

    _sql_constraints = [
        ("campaign_partner_unique", "UNIQUE(campaign_id, partner_id)", "A patient is called once per campaign."),
    ]

    # Callers may log what came of their own calls; everything else is the manager's.
    _caller_fields = frozenset({"outcome", "note"})

    @api.depends("campaign_id.name", "partner_id.name")
    def _compute_display_name(self):
        # The activity of a call is named after it: the campaign and the patient, not "model,id".
        for call in self:
            call.display_name = self.env._(
                "%(campaign)s: %(patient)s", campaign=call.campaign_id.name or "", patient=call.partner_id.name or ""
            )

    @api.depends("partner_id", "campaign_id.script")
    def _compute_script_display(self):
        for call in self:
            script = call.campaign_id.sudo().script or ""
            values = {"{patient}": call.partner_id.name or "", "{last_visit}": call._clinic_last_visit_text()}
            if call.company_id.clinic_messages_name_treatments:
                values[TREATMENT_PLACEHOLDER] = ", ".join(
                    self.env["clinic.loyalty.recall"]
                    .sudo()
                    .search([("partner_id", "=", call.partner_id.id), ("state", "=", "due")])
                    .product_id.mapped("display_name")
                )
            for placeholder, value in values.items():
                script = script.replace(placeholder, value)
            call.script_display = script

    def _compute_converted(self):
        converted = self.campaign_id._clinic_converted_call_ids()
        for call in self:
            call.converted = call.id in converted

    def _clinic_last_visit_text(self):
        self.ensure_one()
        if not self.partner_id.id or not self.company_id.id:
            return ""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT MAX(v.day) FROM (%s) v",
                visits_query(company_ids=[self.company_id.id], partner_ids=[self.partner_id.id]),
            )
        )
        day = self.env.cr.fetchone()[0]
        # In the caller's language, as they read it aloud.
        return format_date(self.env, day) if day else ""

    def write(self, vals):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            forbidden = set(vals) - self._caller_fields
            if forbidden:
                raise AccessError(self.env._("Callers log only the outcome and a note of their calls."))
            others = self.filtered(lambda call: call.user_id != self.env.user)
            if others:
                raise AccessError(
                    self.env._(
                        "The call to %(patient)s is %(caller)s's: only they or a loyalty manager log its outcome.",
                        patient=others[0].partner_id.name,
                        caller=others[0].user_id.name,
                    )
                )
        result = super().write(vals)
        if vals.get("outcome"):
            self._clinic_outcome_logged()
        return result

    # Actions (buttons of the call form, opened from the activity or the calls list) ----

    def action_reached(self):
        return self._clinic_log("reached")

    def action_booked(self):
        return self._clinic_log("booked")

    def action_not_interested(self):
        return self._clinic_log("not_interested")

    def action_wrong_number(self):
        return self._clinic_log("wrong_number")

    def action_call_back(self):
        return self._clinic_log("call_back")

    def _clinic_log(self, outcome):
        self.write({"outcome": outcome})
        return True

    def _clinic_outcome_logged(self):
        """Date the outcome; close the call's activity unless the patient asked to be called back."""
        calls = self.sudo()
        calls.write({"call_date": fields.Datetime.now()})
        finished = calls.filtered(lambda call: call.outcome != "call_back" and call.activity_id.exists())
        labels = dict(self._fields["outcome"]._description_selection(self.env))
        for call in finished:
            call.activity_id.action_feedback(feedback=labels[call.outcome])

import secrets
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, consteq
from odoo.tools.misc import hmac

# A code lives long enough to be read out at the desk, and five wrong guesses out of a
# million burn it; five codes an hour per household keep guessing by re-sending hopeless.
CODE_VALIDITY = timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODES_PER_HOUR = 5
# Days after a change of the holder's phone or email during which no code is sent to them.
CONTACT_QUARANTINE_DAYS = 7
HMAC_SCOPE = "clinic_loyalty.household_consent"


class ClinicLoyaltyHouseholdConsent(models.Model):
    """The holder's consent to one change of their household.

    The front desk cannot change a household on its own word: every member added or
    removed and every new holder needs either a one-time code sent to the holder (and read
    out by them at the desk) or a loyalty manager's approval. A request records exactly
    the change asked for; the code or the approval applies that change and nothing else,
    once. The desk has no access to this model: the code's hash, the attempts and the
    request are read and written only by the household's server methods.
    """

    _name = "clinic.loyalty.household.consent"
    _description = "Household Change Consent"
    _order = "id desc"

    household_id = fields.Many2one(
        comodel_name="clinic.loyalty.household",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="household_id.company_id", store=True, index=True)
    holder_id = fields.Many2one(
        comodel_name="res.partner",
        string="Holder",
        readonly=True,
        help="The holder asked to consent: the change is refused if the household has another holder by then.",
    )
    operation = fields.Selection(
        selection=[("add", "Add members"), ("remove", "Remove members"), ("holder", "Change the holder")],
        required=True,
        readonly=True,
    )
    partner_ids = fields.Many2many(comodel_name="res.partner", string="Patients", readonly=True)
    method = fields.Selection(
        selection=[("code", "Code sent to the holder"), ("manager", "Manager's approval")],
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        selection=[
            ("pending", "Pending"),
            ("done", "Applied"),
            ("burned", "Too many wrong codes"),
            ("cancelled", "Cancelled"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    channel = fields.Selection(selection=[("sms", "SMS"), ("email", "Email")], readonly=True)
    # Only a keyed hash: the code itself is never stored, and the hash cannot be tried
    # offline without the database secret.
    code_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    expires_at = fields.Datetime(readonly=True)
    attempts = fields.Integer(readonly=True)
    requested_by_id = fields.Many2one(
        comodel_name="res.users",
        string="Requested By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    decided_by_id = fields.Many2one(comodel_name="res.users", string="Approved or Refused By", readonly=True)

    # Requests -------------------------------------------------------------------------

    @api.model
    def _clinic_request(self, household, operation, partners, method):
        """A new request for ``operation`` on ``partners``; it replaces the household's pending ones.

        With ``method`` "code", the code goes to the holder at once. Returns the request.
        """
        Consent = self.sudo()
        if method == "code":
            self._clinic_check_code_rate(household)
            self._clinic_check_holder_contact(household)
        Consent.search([("household_id", "=", household.id), ("state", "=", "pending")]).write({"state": "cancelled"})
        consent = Consent.create(
            {
                "household_id": household.id,
                "holder_id": household.holder_id.id,
                "operation": operation,
                "partner_ids": [(6, 0, partners.ids)],
                "method": method,
            }
        )
        if method == "code":
            consent._clinic_send_code()
        return consent

    @api.model
    def _clinic_check_holder_contact(self, household):
        """The code goes where the holder has long been reached: a phone or email changed in
        the last days (at the desk, say, to a number the desk holds) receives no code."""
        holder = household.sudo().holder_id
        changed = holder.clinic_contact_changed_on
        if changed and changed > fields.Datetime.now() - timedelta(days=CONTACT_QUARANTINE_DAYS):
            raise UserError(
                self.env._(
                    "The phone or email of %(holder)s changed less than %(days)s days ago: no code is sent to it. "
                    "Ask a loyalty manager to approve the change.",
                    holder=holder.name,
                    days=CONTACT_QUARANTINE_DAYS,
                )
            )

    @api.model
    def _clinic_check_code_rate(self, household):
        since = fields.Datetime.now() - timedelta(hours=1)
        sent = self.sudo().search_count(
            [("household_id", "=", household.id), ("method", "=", "code"), ("create_date", ">=", since)]
        )
        if sent >= CODES_PER_HOUR:
            raise UserError(
                self.env._(
                    "%(count)s codes were sent to the holder of %(household)s in the last hour: wait, or ask a "
                    "loyalty manager to approve the change.",
                    count=sent,
                    household=household.name,
                )
            )

    @api.model
    def _clinic_live_code(self, household):
        """The household's pending code request, locked against a parallel guess; refused if
        there is none, or it has expired or been burned."""
        consent = self.sudo().search(
            [("household_id", "=", household.id), ("method", "=", "code")], order="id desc", limit=1
        )
        if consent:
            self.env.execute_query(
                SQL("SELECT id FROM clinic_loyalty_household_consent WHERE id = %s FOR UPDATE", consent.id)
            )
            consent.invalidate_recordset(["state", "attempts"])
        if not consent or consent.state != "pending" or consent.expires_at < fields.Datetime.now():
            raise UserError(
                self.env._(
                    "No valid code for %(household)s: the code was used, has expired or was typed wrong too "
                    "often. Send a new code to the holder.",
                    household=household.name,
                )
            )
        return consent

    # The code --------------------------------------------------------------------------

    def _clinic_hash(self, code):
        self.ensure_one()
        return hmac(self.env(su=True), HMAC_SCOPE, f"{self.id}:{code}")

    def _clinic_send_code(self):
        """Draw a code, keep its hash, and send it to the holder (SMS, or email without a phone)."""
        self.ensure_one()
        holder = self.holder_id
        code = f"{secrets.randbelow(10**6):06d}"
        channel = "sms" if holder._clinic_sms_number() else "email" if holder.email else None
        if not channel:
            raise UserError(
                self.env._(
                    "%(holder)s, the holder of %(household)s, has no phone or email to receive a code: ask a "
                    "loyalty manager to approve the change.",
                    holder=holder.name,
                    household=self.household_id.name,
                )
            )
        self.write(
            {
                "code_hash": self._clinic_hash(code),
                "expires_at": fields.Datetime.now() + CODE_VALIDITY,
                "channel": channel,
            }
        )
        body = self.with_context(lang=holder.lang or self.env.lang)._clinic_code_text(code)
        if channel == "sms":
            self._clinic_queue_sms(body)
        else:
            self._clinic_queue_email(body)

    def _clinic_code_text(self, code):
        """What the holder reads: the code and exactly the change it allows, so that consent is informed."""
        self.ensure_one()
        changes = {
            "add": self.env._("add %(patients)s to", patients=", ".join(self.partner_ids.mapped("name"))),
            "remove": self.env._("remove %(patients)s from", patients=", ".join(self.partner_ids.mapped("name"))),
            "holder": self.env._(
                "make %(patients)s the holder of", patients=", ".join(self.partner_ids.mapped("name"))
            ),
        }
        return self.env._(
            "%(code)s is your code to %(change)s your household %(household)s at %(clinic)s. Give it to the "
            "front desk only if you agree. It is valid for %(minutes)s minutes.",
            code=code,
            change=changes[self.operation],
            household=self.household_id.name,
            clinic=self.company_id.name,
            minutes=int(CODE_VALIDITY.total_seconds() // 60),
        )

    def _clinic_queue_sms(self, body):
        # sms.sms is readable by administrators only: the desk cannot read the code back.
        holder = self.holder_id
        self.env["sms.sms"].sudo().create(
            {"partner_id": holder.id, "number": holder._clinic_sms_number(), "body": body, "state": "outgoing"}
        )
        self._clinic_trigger("sms.ir_cron_sms_scheduler_action")

    def _clinic_queue_email(self, body):
        # Created as the system, authored by the clinic, on no document: its mail.message is
        # then readable by the holder only (Odoo lets a message's creator, author and
        # recipients read it, and the readers of its document).
        company = self.company_id
        self.env["mail.mail"].with_user(SUPERUSER_ID).create(
            {
                "subject": self.env._("Your household code"),
                "body_html": body,
                "author_id": company.partner_id.id,
                "email_from": company.email_formatted or company.partner_id.email_formatted or False,
                "recipient_ids": [(4, self.holder_id.id)],
                "auto_delete": True,
            }
        )
        self._clinic_trigger("mail.ir_cron_mail_scheduler_action")

    def _clinic_trigger(self, xmlid):
        cron = self.env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    def _clinic_try_code(self, code):
        """Whether ``code`` is this request's; a wrong one uses up an attempt, the last burns it."""
        self.ensure_one()
        if isinstance(code, str) and consteq(self.sudo().code_hash or "", self._clinic_hash(code.strip())):
            return True
        attempts = self.attempts + 1
        self.write({"attempts": attempts, "state": "burned" if attempts >= CODE_ATTEMPTS else "pending"})
        return False

    # Applying ---------------------------------------------------------------------------

    def _clinic_apply(self):
        """Make the change this request was consented to, once."""
        self.ensure_one()
        household = self.household_id.sudo()
        if household.holder_id != self.holder_id:
            raise UserError(
                self.env._(
                    "%(household)s has another holder since this change was asked: ask again.",
                    household=household.name,
                )
            )
        self.write({"state": "done"})
        if self.operation == "add":
            household._clinic_add_members(self.partner_ids)
        elif self.operation == "remove":
            household._clinic_remove_members(self.partner_ids)
        else:
            household._clinic_set_holder(self.partner_ids)

    def action_approve(self):
        """A loyalty manager approves the desk's requests: each change is made as asked."""
        self._clinic_check_manager()
        for consent in self.sudo():
            consent._clinic_check_pending()
            consent._clinic_apply()
            consent.decided_by_id = self.env.user
        return True

    def action_refuse(self):
        self._clinic_check_manager()
        for consent in self:
            consent._clinic_check_pending()
        self.sudo().write({"state": "cancelled", "decided_by_id": self.env.user.id})
        return True

    def _clinic_check_manager(self):
        # Managers only read requests (the record rules keep them to their companies);
        # the change itself is written by these methods.
        self.check_access("read")
        if not (self.env.su or self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager")):
            raise AccessError(self.env._("Only loyalty managers approve changes of households."))

    def _clinic_check_pending(self):
        self.ensure_one()
        if self.state != "pending" or self.method != "manager":
            raise UserError(
                self.env._(
                    "This request for %(household)s is no longer waiting for approval.",
                    household=self.household_id.name,
                )
            )

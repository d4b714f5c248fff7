import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.clinic_loyalty.tools.unverified import unverified

_logger = logging.getLogger(__name__)


class ClinicReferralLinkRequest(models.Model):
    """A visitor's form from the public referral page, waiting to be enrolled.

    The page only stores the form and answers: the same work and the same answer for a
    phone the clinic knows and a new one, so neither the text nor the time of the answer
    tells a stranger who is a patient. The scheduler then enrols newcomers (their bonuses
    wait for their first paid visit) and drops the forms of people the clinic knows.
    """

    _name = "clinic.referral.link.request"
    _description = "Referral Link Form"
    _order = "id"

    code = fields.Char(required=True, readonly=True)
    referrer_id = fields.Many2one("clinic.referrer", required=True, readonly=True, ondelete="cascade")
    name = fields.Char(required=True, readonly=True)
    phone = fields.Char(required=True, readonly=True, help="In E.164.")
    typed_phone = fields.Char(readonly=True)
    email = fields.Char(readonly=True)
    email_normalized = fields.Char(readonly=True)
    lang = fields.Char(readonly=True)

    @api.model
    def _clinic_submit(self, vals):
        """Keep the form; the scheduler enrols it soon (see the class)."""
        self.sudo().create(vals)
        self.env.ref("clinic_loyalty_referral.ir_cron_clinic_referral_link_requests").sudo()._trigger()

    @api.model
    def _cron_clinic_referral_link_requests(self, batch_size=100):
        """Enrol the waiting forms, a batch per call."""
        requests = self.sudo().search([], limit=batch_size)
        for request in requests:
            request._clinic_enrol()
        requests.unlink()
        if len(requests) == batch_size:
            self.env.ref("clinic_loyalty_referral.ir_cron_clinic_referral_link_requests")._trigger()
        return len(requests)

    def _clinic_known_partner(self):
        # Numbers of patients are stored in E.164; other contacts' numbers may be as typed.
        self.ensure_one()
        numbers = list({self.phone, self.typed_phone or self.phone})
        domain = ["|", ("phone", "in", numbers), ("mobile", "in", numbers)]
        if self.email_normalized:
            domain = ["|", ("email_normalized", "=", self.email_normalized), *domain]
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        return bool(Partner.search_count(domain, limit=1))

    def _clinic_enrol(self):
        """Enrol the visitor as a patient referred by the code, unless the clinic knows them
        already (the front desk applies the code at the visit); nothing if refused."""
        self.ensure_one()
        referrer = self.referrer_id
        if self._clinic_known_partner() or not referrer.active:
            return
        company = (referrer.company_id or self.env.company).sudo()
        env_vals = {"mail_create_nosubscribe": True}
        Partner = unverified(self.env["res.partner"].sudo().with_company(company).with_context(**env_vals))
        lang = self.lang if self.lang in dict(self.env["res.lang"].get_installed()) else False
        try:
            with self.env.cr.savepoint():
                # Only what the visitor typed: the front desk completes the record at the visit.
                newcomer = Partner.create(
                    {
                        "name": self.name,
                        "phone": self.phone,
                        "email": self.email or False,
                        "is_patient": True,
                        "company_id": referrer.company_id.id,
                        "country_id": company.country_id.id,
                        "lang": lang,
                    }
                )
                newcomer.message_post(
                    body=Markup("<p>%s</p>")
                    % self.env._(
                        "Asked to be contacted by the clinic, through referral link %(code)s.", code=self.code
                    ),
                    author_id=newcomer.id,
                    subtype_xmlid="mail.mt_note",
                )
                unverified(self.env["clinic.referral"].sudo().with_company(company))._clinic_record(
                    newcomer, self.code, "link", company
                )
        except UserError as error:
            _logger.info("Referral link %s: newcomer not enrolled: %s", self.code, error)

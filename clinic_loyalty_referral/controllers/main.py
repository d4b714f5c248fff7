import logging

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import email_normalize

from odoo.addons.auth_signup.controllers.main import AuthSignupHome
from odoo.addons.clinic_loyalty.tools.phone import to_e164
from odoo.addons.clinic_loyalty.tools.unverified import unverified

from ..report.clinic_referrer_report import referrer_public_name

_logger = logging.getLogger(__name__)

SESSION_KEY = "clinic_referral_code"
# The form is public: what it stores is bounded.
NAME_MAX = 100
PHONE_MAX = 40
EMAIL_MAX = 120


class ClinicReferralLink(http.Controller):
    """The page behind a referrer's link and QR code (``/r/<code>``): whoever opens it leaves
    a name and phone number and becomes a patient referred by that code, or signs up to the
    portal in the same session and is referred on sign-up.

    The page is public, so it gives nothing away: an unknown, ended or over-used code and a
    client over its limit get the same neutral page with the same status as a valid link;
    a known phone and a new one get the same answer after the same work (the form is
    queued, see ``clinic.referral.link.request``); the inviter is named as the referral
    programme allows, never by full name; and what a newcomer receives waits for their
    first paid visit.
    """

    # website=True marks a frontend page (language, portal layout) even without the website app.
    @http.route("/r/<string:code>", type="http", auth="public", methods=["GET"], website=True, sitemap=False)
    def clinic_referral_link(self, code, **kwargs):
        if not self._clinic_within_limit("address", self._clinic_client_address()):
            return self._clinic_render_neutral()
        referrer, typed = self._clinic_link_referrer(code)
        if not referrer:
            return self._clinic_render_neutral()
        request.session[SESSION_KEY] = typed
        return request.render("clinic_loyalty_referral.referral_link_page", self._clinic_link_values(referrer, typed))

    @http.route("/r/<string:code>/join", type="http", auth="public", methods=["POST"], website=True, sitemap=False)
    def clinic_referral_join(self, code, name="", phone="", email="", consent=None, **kwargs):
        if not self._clinic_within_limit("address", self._clinic_client_address()):
            return self._clinic_render_neutral()
        referrer, typed = self._clinic_link_referrer(code)
        if not referrer or not self._clinic_within_limit("code", typed):
            return self._clinic_render_neutral()
        company = self._clinic_link_company(referrer)
        form = {
            "name": " ".join((name or "").split())[:NAME_MAX],
            "phone": (phone or "").strip()[:PHONE_MAX],
            "email": (email or "").strip()[:EMAIL_MAX],
            "consent": bool(consent),
        }
        number = to_e164(form["phone"], company.country_id.code)
        email_normalized = email_normalize(form["email"]) if form["email"] else False
        error = self._clinic_form_error(form, number, email_normalized)
        if error:
            values = self._clinic_link_values(referrer, typed, form=form, error=error)
            return request.render("clinic_loyalty_referral.referral_link_page", values)
        # The same work whoever typed it: the form is kept, the scheduler enrols it.
        request.env["clinic.referral.link.request"]._clinic_submit(
            {
                "code": typed,
                "referrer_id": referrer.id,
                "name": form["name"],
                "phone": number,
                "typed_phone": form["phone"],
                "email": form["email"] or False,
                "email_normalized": email_normalized,
                "lang": request.env.lang,
            }
        )
        values = self._clinic_link_values(referrer, typed, name=form["name"])
        return request.render("clinic_loyalty_referral.referral_link_thanks", values)

    # Helpers ---------------------------------------------------------------------------

    def _clinic_client_address(self):
        return request.httprequest.remote_addr or ""

    def _clinic_within_limit(self, kind, key):
        """Count this request for ``key``; whether it stays within the configured limit."""
        return request.env["clinic.referral.link.attempt"].sudo()._clinic_hit(kind, key)

    def _clinic_link_referrer(self, code):
        """(referrer, code as typed) when ``code`` is in use today, else (empty, code), read as the system."""
        referrer, typed = request.env["clinic.referrer"].sudo()._clinic_find(code)
        if not referrer or not referrer.active or referrer._clinic_expired(fields.Date.context_today(referrer)):
            return referrer.browse(), typed
        return referrer, typed

    def _clinic_link_company(self, referrer):
        return (referrer.company_id or request.env.company).sudo()

    def _clinic_link_values(self, referrer, code, **values):
        company = self._clinic_link_company(referrer)
        program = request.env["clinic.referral.program"]._clinic_for(company)
        return {
            "code": code,
            "company": company,
            # The page's header shows the clinic of the referrer.
            "res_company": company,
            "inviter": referrer_public_name(referrer, program.inviter_display or "first_name"),
            "gift": self._clinic_gift_text(company),
            "signup_enabled": request.env["res.users"].sudo()._get_signup_invitation_scope() == "b2c",
            "form": {},
            "error": False,
            **values,
        }

    def _clinic_gift_text(self, company):
        """What the newcomer receives on a two-sided programme, as the page announces it."""
        program = request.env["clinic.referral.program"]._clinic_for(company)
        if program._clinic_rewards_off_reason() or program.sides != "two":
            return False
        if program.newcomer_gift == "coupon":
            return request.env._("A welcome coupon for your first visit awaits you.")
        if program.newcomer_points > 0 and company.clinic_loyalty_program_id.clinic_bonus:
            points = format(program.newcomer_points, "g")
            return request.env._(
                "%(points)s bonus points await you: they are credited at your first paid visit.", points=points
            )
        return False

    def _clinic_render_neutral(self):
        """The page of a link that offers nothing: the same status as a valid link's page."""
        return request.render(
            "clinic_loyalty_referral.referral_link_invalid", {"res_company": request.env.company.sudo()}
        )

    def _clinic_form_error(self, form, number, email_normalized):
        _ = request.env._
        if not form["name"]:
            return _("Please tell us your name.")
        if not form["phone"]:
            return _("Please give a phone number we can call you on.")
        if not number:
            return _("%(phone)s is not a phone number we can call. Type it with its country code.", phone=form["phone"])
        if form["email"] and not email_normalized:
            return _("%(email)s is not an email address.", email=form["email"])
        if not form["consent"]:
            return _("Tick the box to let the clinic contact you: without it we cannot call you back.")
        return False


class ClinicReferralSignup(AuthSignupHome):
    """A portal sign-up after opening a referral link is referred by that link's code."""

    def _signup_with_values(self, token, values):
        # With a token, an invited contact (who exists already) signs up or a user resets
        # their password: neither is a newcomer.
        code = not token and request.session.get(SESSION_KEY)
        super()._signup_with_values(token, values)
        if code:
            request.session.pop(SESSION_KEY, None)
            self._clinic_record_signup_referral(values.get("login"), code)

    def _clinic_record_signup_referral(self, login, code):
        """Refer the new user's contact by ``code``; a refused code never blocks the sign-up."""
        Users = request.env["res.users"].sudo()
        user = Users.search(Users._get_login_domain(login), order=Users._get_login_order(), limit=1)
        referrer, _typed = request.env["clinic.referrer"].sudo()._clinic_find(code)
        if not user or not referrer:
            _logger.info("Portal sign-up %s: referral code %s not found, not referred", login, code)
            return
        company = (referrer.company_id or user.company_id).sudo()
        partner = user.partner_id.sudo().with_company(company)
        try:
            with request.env.cr.savepoint():
                # A new portal user is someone the clinic has not met: their welcome bonus
                # and gift wait for their first paid visit.
                unverified(partner).write({"is_patient": True})
                unverified(request.env["clinic.referral"].sudo().with_company(company))._clinic_record(
                    partner, code, "signup", company
                )
        except UserError as error:
            _logger.info("Portal sign-up %s: referral code %s not recorded: %s", login, code, error)

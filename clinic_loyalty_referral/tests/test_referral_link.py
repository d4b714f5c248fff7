import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import config

from .common import ReferralCommon


@tagged("post_install", "-at_install")
class TestReferralLink(HttpCase, ReferralCommon):
    """The public page of a referral link, the portal sign-up it leads to, and the printed
    invitation that carries the link."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient_referrer = cls.referrer.clinic_referrer_id
        cls.code = cls.referrer.referral_code
        cls.channel = cls.env["clinic.referrer"].create(
            {"name": "Spring Health Fair", "kind": "channel", "company_id": cls.company.id}
        )

    def _open(self, code):
        return self.url_open(f"/r/{code}", timeout=60)

    def _csrf(self, response):
        return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)

    def _join(self, code=None, **form):
        """Open the link, then send its form (with consent unless told otherwise)."""
        code = code or self.code
        token = self._csrf(self._open(code))
        data = {"csrf_token": token, "name": "Galina Novak", "phone": "8 912 400 0077", "consent": "1", **form}
        return self.url_open(f"/r/{code}/join", data={k: v for k, v in data.items() if v is not None}, timeout=60)

    def _enrol_forms(self):
        """What the scheduler does after the page answered (see clinic.referral.link.request)."""
        return self.env["clinic.referral.link.request"]._cron_clinic_referral_link_requests()

    def _counts(self):
        Partner = self.env["res.partner"].with_context(active_test=False)
        return Partner.search_count([]), self.env["clinic.referral"].sudo().search_count([])

    # The page -------------------------------------------------------------------------

    def test_the_page_of_a_patients_code(self):
        response = self._open(self.code.lower())
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.code, response.text)
        self.assertIn("o_clinic_referral_form", response.text)
        self.assertIn(f'action="/r/{self.code}/join"', response.text)
        self.assertIn(self.company.name, response.text)
        # A patient invites by first name only.
        self.assertIn("<strong>Boris</strong> invites you to our clinic.", response.text)
        self.assertNotIn("Boris Referrer", response.text)
        self.assertIn("200 bonus points await you: they are credited at your first paid visit.", response.text)

    def test_the_page_of_a_channel(self):
        response = self._open(self.channel.code)
        self.assertEqual(response.status_code, 200)
        self.assertIn("<strong>Spring Health Fair</strong> invites you", response.text)
        self.assertIn("o_clinic_referral_form", response.text)

    def test_an_unknown_expired_or_inactive_code_shows_no_form(self):
        poster = self.env["clinic.referrer"].create({"name": "Winter poster", "kind": "channel"})
        poster.date_end = fields.Date.today() - timedelta(days=1)
        archived = self.env["clinic.referrer"].create({"name": "Old poster", "kind": "channel", "active": False})
        for code in ("NOPE2345", poster.code, archived.code):
            response = self._open(code)
            # The status of a valid link: the page is neutral, not an error.
            self.assertEqual(response.status_code, 200, code)
            self.assertIn("You are welcome at our clinic.", response.text)
            self.assertNotIn("o_clinic_referral_form", response.text)
            self.assertNotIn(code, response.text)
        partners, referrals = self._counts()
        token = self._csrf(self._open(self.code))
        response = self.url_open(
            "/r/NOPE2345/join",
            data={"csrf_token": token, "name": "X", "phone": "8 912 400 0078", "consent": "1"},
            timeout=60,
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("You are welcome at our clinic.", response.text)
        self._enrol_forms()
        self.assertEqual(self._counts(), (partners, referrals))

    # The form -------------------------------------------------------------------------

    def test_the_form_enrols_a_referred_patient_with_the_gift(self):
        partners, referrals = self._counts()
        response = self._join(email="Galina@Example.com")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you, Galina Novak! The clinic will contact you soon.", response.text)
        self.assertEqual(self._enrol_forms(), 1)
        self.assertEqual(self._counts(), (partners + 1, referrals + 1))
        newcomer = self.env["res.partner"].search([("phone", "=", "+79124000077")])
        self.assertRecordValues(
            newcomer,
            [{"name": "Galina Novak", "email": "Galina@Example.com", "is_patient": True, "mobile": False}],
        )
        referral = newcomer.clinic_referral_id
        self.assertRecordValues(
            referral,
            [
                {
                    "referrer_id": self.patient_referrer.id,
                    "source": "link",
                    "state": "pending",
                    "code_used": self.code,
                    "company_id": self.company.id,
                    "newcomer_reward": 200,
                }
            ],
        )
        # Nobody has met the newcomer yet: the gift waits for the first paid visit.
        self.assertEqual(newcomer.clinic_card_ids.points, 0)
        self.assertEqual(newcomer.clinic_card_ids.clinic_pending_points, 200)
        self.assertIn("Asked to be contacted by the clinic", newcomer.message_ids[:1].body)
        # The referrer is rewarded only at the newcomer's paid visit.
        self.assertEqual(self.referrer_card.points, 0)

    def test_a_known_phone_or_email_creates_nothing(self):
        for form in ({"phone": "8 (912) 400-00-02"}, {"phone": "8 912 400 0079", "email": "VERA@example.com"}):
            partners, referrals = self._counts()
            response = self._join(name="Vera N", **form)
            self.assertEqual(response.status_code, 200)
            # The same answer as for a newcomer: the page does not tell who is a patient.
            self.assertIn("Thank you, Vera N! The clinic will contact you soon.", response.text)
            self.assertIn("give the front desk your referral code", response.text)
            self._enrol_forms()
            self.assertEqual(self._counts(), (partners, referrals))
        self.assertFalse(self.newcomer.clinic_referral_id)

    def test_the_form_refuses_what_it_cannot_use(self):
        partners, referrals = self._counts()
        cases = [
            ({"phone": ""}, "Please give a phone number we can call you on."),
            ({"phone": "12"}, "12 is not a phone number we can call."),
            ({"name": "  "}, "Please tell us your name."),
            ({"email": "not-an-email"}, "not-an-email is not an email address."),
            ({"consent": None}, "Tick the box to let the clinic contact you"),
        ]
        for form, message in cases:
            response = self._join(**form)
            self.assertEqual(response.status_code, 200)
            self.assertIn(message, response.text)
            self.assertIn("o_clinic_referral_form", response.text)
        self.assertEqual(self._counts(), (partners, referrals))

    def test_the_form_needs_its_csrf_token(self):
        partners, referrals = self._counts()
        self._open(self.code)
        response = self.url_open(
            f"/r/{self.code}/join", data={"name": "Bot", "phone": "8 912 400 0080", "consent": "1"}, timeout=60
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._counts(), (partners, referrals))

    # Portal sign-up -------------------------------------------------------------------

    def _signup(self, login):
        self.env["ir.config_parameter"].sudo().set_param("auth_signup.invitation_scope", "b2c")
        token = self._csrf(self.url_open("/web/signup", timeout=60))
        password = "Referral-Signup-2026!"
        response = self.url_open(
            "/web/signup",
            data={
                "csrf_token": token,
                "login": login,
                "name": "Lena Signup",
                "password": password,
                "confirm_password": password,
            },
            timeout=60,
        )
        self.assertEqual(response.status_code, 200)
        user = self.env["res.users"].search([("login", "=", login)])
        self.assertTrue(user, "the sign-up created the user")
        return user.partner_id

    def test_a_signup_after_the_link_is_referred(self):
        self._open(self.channel.code)
        partner = self._signup("lena@example.com")
        self.assertTrue(partner.is_patient)
        self.assertRecordValues(
            partner.clinic_referral_id,
            [{"referrer_id": self.channel.id, "source": "signup", "state": "pending", "newcomer_reward": 200}],
        )

    def test_a_refused_code_never_blocks_the_signup(self):
        self._open(self.channel.code)
        self.channel.active = False
        partner = self._signup("lena@example.com")
        self.assertFalse(partner.is_patient)
        self.assertFalse(self.env["clinic.referral"].sudo().search([("newcomer_id", "=", partner.id)]))

    def test_a_signup_without_the_link_is_not_referred(self):
        partner = self._signup("lena@example.com")
        self.assertFalse(partner.is_patient)
        self.assertFalse(self.env["clinic.referral"].sudo().search([("newcomer_id", "=", partner.id)]))


@tagged("post_install", "-at_install")
class TestReferralInvitation(ReferralCommon):
    """The printed invitation (poster or card) of a referrer. Not an HttpCase: during one,
    the server ignores wkhtmltopdf's requests for the report's styles."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient_referrer = cls.referrer.clinic_referrer_id
        cls.channel = cls.env["clinic.referrer"].create(
            {"name": "Spring Health Fair", "kind": "channel", "company_id": cls.company.id}
        )

    def test_the_invitation_prints_one_page_per_referrer(self):
        # wkhtmltopdf loads the report's styles from this run's server (a random port), not
        # from web.base.url.
        self.env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{config['http_port']}")
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        report = "clinic_loyalty_referral.clinic_referrer_report_invitation"
        referrers = self.channel | self.patient_referrer
        pdf, kind = Report._render_qweb_pdf(report, res_ids=referrers.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertEqual(len(re.findall(rb"/Type\s*/Page\b", pdf)), 2)
        html = Report._render_qweb_html(report, referrers.ids)[0].decode()
        for referrer in referrers:
            self.assertIn(referrer.code, html)
            self.assertIn(referrer.share_url, html)
        self.assertIn("Spring Health Fair", html)
        self.assertIn("Boris", html)
        self.assertNotIn("Boris Referrer", html)

    def test_a_manager_prints_the_invitation(self):
        action = self.patient_referrer.with_user(self.manager).action_print_invitation()
        self.assertEqual(action["report_name"], "clinic_loyalty_referral.report_referrer_invitation")

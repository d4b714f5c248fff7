"""The public referral page gives nothing away (issue 25, item 5): tried as a public visitor
over HTTP, as a script would."""

import re

from odoo.tests import HttpCase, tagged

from ..models.clinic_referral_link_attempt import ADDRESS_LIMIT_PARAM, CODE_LIMIT_PARAM
from .common import ReferralCommon


@tagged("post_install", "-at_install")
class TestReferralPublicPage(HttpCase, ReferralCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.write({"clinic_welcome_points": 100, "clinic_earn_trigger": "confirm"})
        cls.code = cls.referrer.referral_code
        cls.channel = cls.env["clinic.referrer"].create(
            {"name": "Spring Health Fair", "kind": "channel", "company_id": cls.company.id}
        )
        cls.Request = cls.env["clinic.referral.link.request"]

    def _csrf(self):
        response = self.url_open(f"/r/{self.code}", timeout=60)
        return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)

    def _post(self, code, token, phone="8 912 400 0077", name="Galina Novak"):
        data = {"csrf_token": token, "name": name, "phone": phone, "consent": "1"}
        return self.url_open(f"/r/{code}/join", data=data, timeout=60)

    def _set_limits(self, address=1000, code=1000):
        set_param = self.env["ir.config_parameter"].sudo().set_param
        set_param(ADDRESS_LIMIT_PARAM, address)
        set_param(CODE_LIMIT_PARAM, code)

    def _newcomer(self, phone="+79124000077"):
        return self.env["res.partner"].search([("phone", "=", phone)])

    # Pending until the first paid visit -------------------------------------------------

    def test_the_gift_and_welcome_from_the_page_wait_for_the_first_paid_visit(self):
        self._post(self.code, self._csrf())
        self.Request._cron_clinic_referral_link_requests()
        newcomer = self._newcomer()
        card = newcomer.clinic_card_ids
        # Visible on the card, not spendable.
        self.assertEqual((card.points, card.clinic_pending_points), (0, 300))
        gift = newcomer.clinic_referral_id.reward_ids
        self.assertEqual(gift.state, "pending")
        order = self._visit(1000, partner=newcomer)
        card.invalidate_recordset()
        # Confirmed is not paid: the visit earns its 100, the gift and welcome wait.
        self.assertEqual((card.points, card.clinic_pending_points), (100, 300))
        self._pay_in_full(order)
        card.invalidate_recordset()
        # 100 welcome + 200 gift + 10% of 1000 earned; the referrer's 500 at the same visit.
        self.assertEqual((card.points, card.clinic_pending_points), (400, 0))
        self.assertEqual(gift.state, "posted")
        self.assertEqual(self.referrer_card.points, 500)
        credited = self.env["clinic.loyalty.ledger"].search([("card_id", "=", card.id), ("origin", "=", order.name)])
        self.assertEqual(sorted(credited.mapped("points")), [100, 100, 200])
        # Once: the next visit credits nothing more.
        self._visit(1000, partner=newcomer)
        card.invalidate_recordset()
        self.assertEqual(card.points, 500)

    def test_a_refused_referral_never_credits_its_pending_gift(self):
        self._post(self.code, self._csrf())
        self.Request._cron_clinic_referral_link_requests()
        newcomer = self._newcomer()
        card = newcomer.clinic_card_ids
        newcomer.clinic_referral_id._clinic_refuse("manager")
        self._pay_in_full(self._visit(1000, partner=newcomer))
        card.invalidate_recordset()
        # The welcome (100) and the visit's 100: the refused gift stays out.
        self.assertEqual((card.points, card.clinic_pending_points), (200, 0))

    def test_a_portal_signup_on_the_link_waits_for_the_first_paid_visit(self):
        self.env["ir.config_parameter"].sudo().set_param("auth_signup.invitation_scope", "b2c")
        self.url_open(f"/r/{self.channel.code}", timeout=60)
        page = self.url_open("/web/signup", timeout=60)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        password = "Referral-Signup-2026!"
        self.url_open(
            "/web/signup",
            data={
                "csrf_token": token,
                "login": "nina@example.com",
                "name": "Nina Signup",
                "password": password,
                "confirm_password": password,
            },
            timeout=60,
        )
        partner = self.env["res.users"].search([("login", "=", "nina@example.com")]).partner_id
        card = partner.clinic_card_ids
        self.assertEqual((card.points, card.clinic_pending_points), (0, 300))

    # Rate limits ----------------------------------------------------------------------

    def test_an_address_over_its_limit_gets_the_neutral_page(self):
        self._set_limits(address=3)
        token = self._csrf()  # 1
        self.assertIn("o_clinic_referral_form", self.url_open(f"/r/{self.code}", timeout=60).text)  # 2
        self.assertEqual(self._post(self.code, token).status_code, 200)  # 3
        self.assertEqual(len(self.Request.search([])), 1)
        for response in (self.url_open(f"/r/{self.code}", timeout=60), self._post(self.code, token, "8 912 400 0078")):
            self.assertEqual(response.status_code, 200)
            self.assertIn("You are welcome at our clinic.", response.text)
            self.assertNotIn("o_clinic_referral_form", response.text)
        self.assertEqual(len(self.Request.search([])), 1, "nothing kept over the limit")
        attempts = self.env["clinic.referral.link.attempt"].search([("kind", "=", "address")])
        self.assertEqual(attempts.count, 5)
        self.assertNotIn("127.0.0.1", attempts.key, "addresses are kept hashed")

    def test_a_code_over_its_limit_gets_the_neutral_page(self):
        self._set_limits(code=2)
        token = self._csrf()
        for phone in ("8 912 400 0081", "8 912 400 0082"):
            self.assertIn("The clinic will contact you soon.", self._post(self.code, token, phone).text)
        response = self._post(self.code, token, "8 912 400 0083")
        self.assertEqual(response.status_code, 200)
        self.assertIn("You are welcome at our clinic.", response.text)
        self.assertEqual(len(self.Request.search([])), 2)
        # Another code is counted apart.
        self.assertIn("The clinic will contact you soon.", self._post(self.channel.code, token, "8 912 400 0084").text)

    # Same answer, same work -----------------------------------------------------------

    def test_a_known_and_a_new_phone_get_the_same_answer_after_the_same_work(self):
        token = self._csrf()
        # A first form warms the server's caches: the two compared run alike.
        self._post(self.code, token, "8 912 400 0089", name="Vera N")
        answers, queries = [], []
        for phone in ("8 (912) 400-00-02", "8 912 400 0090"):  # the newcomer's phone, then a new one
            partners = self.env["res.partner"].search_count([])
            self.env.flush_all()
            before = self.cr.sql_log_count
            response = self._post(self.code, token, phone, name="Vera N")
            queries.append(self.cr.sql_log_count - before)
            # CSRF tokens carry the time they were made: the rest is compared.
            answers.append(re.sub(r"[0-9a-f]{40}o[0-9]+", "", response.text))
            self.assertEqual(self.env["res.partner"].search_count([]), partners, "nothing created while answering")
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(queries[0], queries[1])
        self.assertEqual(self.Request._cron_clinic_referral_link_requests(), 3)
        self.assertTrue(self._newcomer("+79124000090").clinic_referral_id)
        self.assertFalse(self.newcomer.clinic_referral_id, "the known patient is left to the front desk")

    # The inviter ----------------------------------------------------------------------

    def test_the_inviter_is_named_by_first_name_or_not_at_all(self):
        doctor = self.env["clinic.referrer"].create(
            {
                "name": "Olga Petrovna Ivanova",
                "kind": "staff",
                "user_id": self.cashier.id,
                "company_id": self.company.id,
            }
        )
        page = self.url_open(f"/r/{doctor.code}", timeout=60).text
        self.assertIn("<strong>Olga</strong> invites you", page)
        self.assertNotIn("Ivanova", page)
        self.referral_program.inviter_display = "channel"
        page = self.url_open(f"/r/{self.code}", timeout=60).text
        self.assertIn("You are invited to our clinic.", page)
        self.assertNotIn("Boris", page)
        self.assertIn("<strong>Spring Health Fair</strong> invites you", self.url_open(f"/r/{self.channel.code}").text)

    # No status oracle -----------------------------------------------------------------

    def test_an_unknown_code_answers_with_the_status_of_a_valid_one(self):
        # With a second language the page links to itself in it (/ru_RU/r/<code>): the
        # visitor's own address, which tells them nothing they did not type.
        self.env["res.lang"]._activate_lang("ru_RU")
        token = self._csrf()
        valid = self.url_open(f"/r/{self.code}", timeout=60)
        unknown = self.url_open("/r/ZZZZ9999", timeout=60)
        self.assertEqual((valid.status_code, unknown.status_code), (200, 200))
        page = re.sub(r'href="[^"]*/r/ZZZZ9999"', "", unknown.text)
        self.assertNotIn("ZZZZ9999", page)
        self.assertNotIn("not valid", unknown.text)
        response = self._post("ZZZZ9999", token)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.Request.search([]))

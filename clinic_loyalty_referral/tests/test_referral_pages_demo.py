"""The referral's printed invitation and public pages, as a new user meets them in the demo."""

import re

from lxml import html

from odoo.tests import HttpCase, tagged

from odoo.addons.clinic_loyalty.tools.phone import to_e164

from .common import ReferralCommon


@tagged("post_install", "-at_install")
class TestReferralPagesDemo(HttpCase, ReferralCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel = cls.env["clinic.referrer"].create(
            {"name": "Spring Health Fair", "kind": "channel", "company_id": cls.company.id}
        )

    def test_the_first_invitation_print_opens_no_layout_dialog(self):
        # A company whose document layout nobody chose yet, printed by an administrator.
        self.company.external_report_layout_id = False
        self.assertTrue(self.env.is_admin())
        action = self.channel.with_company(self.company).action_print_invitation()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], "clinic_loyalty_referral.report_referrer_invitation")

    def test_the_phone_placeholder_is_nobodys_number(self):
        page = self.url_open(f"/r/{self.channel.code}", timeout=60).text
        placeholder = re.search(r'name="phone"[^>]*placeholder="([^"]+)"', page, re.DOTALL)
        placeholder = placeholder or re.search(r'placeholder="([^"]+)"[^>]*name="phone"', page, re.DOTALL)
        number = to_e164(placeholder.group(1), "RU")
        self.assertTrue(number, "a valid example of a number")
        phones = self.env["res.partner"].with_context(active_test=False).search([("phone", "!=", False)])
        numbers = {to_e164(phone, "RU") for phone in phones.mapped("phone")}
        self.assertNotIn(number, numbers, "not a (demo) patient's real number")

    def test_a_long_name_wraps_on_the_thank_you_page(self):
        page = self.url_open(f"/r/{self.channel.code}", timeout=60).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        long_name = "Konstantinopolskaya" * 4  # one 76-letter word (the page keeps up to 100)
        response = self.url_open(
            f"/r/{self.channel.code}/join",
            data={"csrf_token": token, "name": long_name, "phone": "8 912 400 0099", "consent": "1"},
            timeout=60,
        )
        doc = html.fromstring(response.text)
        (thanks,) = doc.xpath("//p[contains(@class, 'o_clinic_referral_thanks')]")
        self.assertIn(long_name, thanks.text_content())
        self.assertIn("text-break", thanks.get("class").split(), "a word longer than the page breaks")
        (container,) = doc.xpath("//div[contains(@class, 'o_clinic_referral_link')]/div")
        self.assertIn("overflow-wrap: anywhere", container.get("style"))

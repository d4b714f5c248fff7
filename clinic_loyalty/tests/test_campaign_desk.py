from freezegun import freeze_time
from lxml import etree

from odoo.tests import HttpCase, new_test_user, tagged

from ..tools.guard import server_write
from .common import ClinicBonusCommon, RpcCallMixin

USER_GROUPS = "base.group_user,clinic_loyalty.group_clinic_loyalty_user"


@tagged("post_install", "-at_install")
class TestCampaignDesk(ClinicBonusCommon):
    """What callers and managers see of a call campaign: the script on every call, a readable
    activity, dates in the reader's language, a preview that counts whom the launch calls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.caller = new_test_user(cls.env, login="desk_caller", groups=USER_GROUPS)
        cls.maria = cls._patient("Maria Grade B", "+7 912 000 0012")
        cls.olga = cls._patient("Olga Grade C", "+7 912 000 0014")
        cls.everyone = cls.patient | cls.maria | cls.olga
        server_write(cls.maria).write({"clinic_grade": "B"})
        server_write(cls.olga).write({"clinic_grade": "C"})

    def _campaign(self, **vals):
        return (
            self.env["clinic.loyalty.campaign"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Grade B check-ups",
                    "partner_domain": f"[('id', 'in', {self.everyone.ids})]",
                    "user_ids": [(6, 0, [self.caller.id])],
                    "script": "Hello {patient}, your last visit was on {last_visit}.",
                    **vals,
                }
            )
        )

    def test_the_preview_counts_whom_the_launch_calls(self):
        campaign = self._campaign()
        self.assertEqual(campaign.target_count, 3)
        campaign.grade = "B"
        self.assertEqual(campaign.target_count, 1, "the grade narrows the preview as it narrows the launch")
        campaign.action_launch()
        self.assertEqual(len(campaign.call_ids), 1)
        self.assertEqual(campaign.call_ids.partner_id, self.maria)
        campaign.invalidate_recordset()
        self.assertEqual(campaign.target_count, 0, "nobody is called twice")
        # A filter still being typed previews nothing instead of failing.
        draft = self._campaign(partner_domain="[('id', 'in'")
        self.assertEqual(draft.target_count, 0)

    def test_launch_is_offered_only_to_a_draft_campaign(self):
        arch = self.env["clinic.loyalty.campaign"].with_user(self.manager).get_views([(False, "form")])
        form = etree.fromstring(arch["views"]["form"]["arch"])
        (launch,) = form.xpath("//button[@name='action_launch']")
        self.assertEqual(launch.get("invisible"), "state != 'draft'")

    def test_the_caller_reads_the_script_on_each_call_with_a_readable_activity(self):
        with freeze_time("2026-03-20"):
            self._order([(self.service, 1)], partner=self.maria).action_confirm()
        campaign = self._campaign(grade="B")
        campaign.action_launch()
        call = campaign.call_ids
        # The activity names the campaign and the patient, not "clinic.loyalty.campaign.call,1".
        self.assertEqual(call.display_name, "Grade B check-ups: Maria Grade B")
        self.assertEqual(call.activity_ids.res_name, "Grade B check-ups: Maria Grade B")
        # My Calls rows carry the script.
        action = self.env.ref("clinic_loyalty.clinic_loyalty_campaign_call_action")
        views = self.env["clinic.loyalty.campaign.call"].with_user(self.caller).get_views([(False, "list")])
        self.assertIn('name="script_display"', views["views"]["list"]["arch"])
        self.assertEqual(action.res_model, "clinic.loyalty.campaign.call")
        row = call.with_user(self.caller).read(["script_display"])[0]
        # The date in the caller's language, not ISO.
        self.assertEqual(row["script_display"], "Hello Maria Grade B, your last visit was on 03/20/2026.")
        self.env["res.lang"]._activate_lang("ru_RU")
        call.invalidate_recordset()
        script_ru = call.with_user(self.caller).with_context(lang="ru_RU").script_display
        self.assertEqual(script_ru, "Hello Maria Grade B, your last visit was on 20.03.2026.")


@tagged("post_install", "-at_install")
class TestCampaignPreviewRpc(RpcCallMixin, HttpCase):
    """The preview count over JSON-RPC: a cashier reads a count, never patients; a user
    without clinic groups reads nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(su=True)
        cls.manager = new_test_user(
            cls.env, login="preview_manager", groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager"
        )
        cls.cashier = new_test_user(
            cls.env,
            login="preview_cashier",
            groups="point_of_sale.group_pos_user,clinic_loyalty.group_clinic_loyalty_user",
        )
        cls.outsider = new_test_user(cls.env, login="preview_outsider", groups="base.group_user")
        cls.patients = cls.env["res.partner"].create(
            [{"name": f"Preview Patient {n}", "is_patient": True} for n in range(3)]
        )
        server_write(cls.patients[0]).write({"clinic_grade": "B"})
        cls.campaign = (
            cls.env["clinic.loyalty.campaign"]
            .with_user(cls.manager)
            .create(
                {
                    "name": "Preview campaign",
                    "grade": "B",
                    "partner_domain": f"[('id', 'in', {cls.patients.ids})]",
                    "user_ids": [(6, 0, [cls.manager.id])],
                }
            )
        )

    def test_the_preview_is_a_count_read_with_the_readers_rights(self):
        result, error, message = self._rpc(
            self.manager, "clinic.loyalty.campaign", "read", self.campaign.ids, ["target_count"]
        )
        self.assertIsNone(error, message)
        self.assertEqual(result[0]["target_count"], 1, "the grade counts, as at launch")
        result, error, message = self._rpc(
            self.cashier, "clinic.loyalty.campaign", "read", self.campaign.ids, ["target_count"]
        )
        self.assertIsNone(error, message)
        self.assertIn(result[0]["target_count"], (0, 1), "a number, no patient")
        _result, error, _message = self._rpc(
            self.outsider, "clinic.loyalty.campaign", "read", self.campaign.ids, ["target_count"]
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        # Reading launched nobody.
        self.assertFalse(self.campaign.call_ids)

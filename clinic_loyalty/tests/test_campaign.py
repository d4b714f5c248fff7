from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools.guard import server_write
from .common import ClinicBonusCommon, RpcCallMixin

USER_GROUPS = "base.group_user,clinic_loyalty.group_clinic_loyalty_user"


@tagged("post_install", "-at_install")
class TestCampaign(ClinicBonusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.caller_a = new_test_user(cls.env, login="caller_a", groups=USER_GROUPS)
        cls.caller_b = new_test_user(cls.env, login="caller_b", groups=USER_GROUPS)
        # Anna (cls.patient) accepts care reminders (the default) but not marketing.
        cls.maria = cls._patient("Maria Marketing", "+7 912 000 0002", clinic_consent_marketing=True)
        cls.denis = cls._patient("Denis Quiet", "+7 912 000 0003", clinic_consent_reminders=False)
        cls.olga = cls._patient("Olga Later", "+7 912 000 0004")
        cls.everyone = cls.patient | cls.maria | cls.denis | cls.olga
        cls.cleaning = cls._service("Hygiene Cleaning", 3000.0, cls.categ_dental)
        cls.cleaning.clinic_recall_days = 180

    def _campaign(self, purpose="care", **vals):
        return (
            self.env["clinic.loyalty.campaign"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Spring check-ups",
                    "purpose": purpose,
                    "partner_domain": f"[('id', 'in', {self.everyone.ids})]",
                    "user_ids": [(6, 0, [self.caller_a.id, self.caller_b.id])],
                    "script": "Hello {patient}, your last visit was on {last_visit}.",
                    **vals,
                }
            )
        )

    def test_consent_decides_who_is_called(self):
        marketing = self._campaign("marketing")
        marketing.action_launch()
        self.assertEqual(marketing.call_ids.partner_id, self.maria, "marketing: only consenting patients")
        care = self._campaign("care")
        care.action_launch()
        self.assertEqual(care.call_ids.partner_id, self.patient | self.maria | self.olga, "not Denis: no reminders")
        # Spread over the callers; each call is an activity of its caller.
        self.assertEqual(sorted(call.user_id.login for call in care.call_ids), ["caller_a", "caller_a", "caller_b"])
        for call in care.call_ids:
            self.assertEqual(call.activity_ids.user_id, call.user_id)
        # Launching again calls nobody twice.
        care.action_launch()
        self.assertEqual(len(care.call_ids), 3)
        self.assertEqual(care.state, "running")

    def test_grade_and_rfm_shortcuts(self):
        server_write(self.maria).write({"clinic_grade": "B", "clinic_rfm_segment": "champions"})
        server_write(self.olga).write({"clinic_grade": "B"})
        grade_b = self._campaign("care", grade="B")
        grade_b.action_launch()
        self.assertEqual(grade_b.call_ids.partner_id, self.maria | self.olga)
        champions = self._campaign("care", grade="B", rfm_segment="champions")
        champions.action_launch()
        self.assertEqual(champions.call_ids.partner_id, self.maria)

    def test_outcomes_progress_and_conversion(self):
        campaign = self._campaign("care", conversion_days=30)
        campaign.action_launch()
        calls = {call.partner_id: call for call in campaign.call_ids}
        for call in calls.values():
            call.user_id = self.caller_a
        with freeze_time("2026-03-01 10:00:00"):
            calls[self.patient].with_user(self.caller_a).action_reached()
            calls[self.maria].with_user(self.caller_a).action_not_interested()
            calls[self.olga].with_user(self.caller_a).action_call_back()
        self.assertFalse(calls[self.patient].activity_ids, "done: the activity is closed")
        self.assertTrue(calls[self.olga].activity_ids, "call back: the activity stays")
        # Anna pays on 20 March (19 days after the call, within 30): converted.
        with freeze_time("2026-03-20"):
            self._order([(self.service, 1)]).action_confirm()
        # Maria pays on 15 April (45 days after): not converted.
        with freeze_time("2026-04-15"):
            self._order([(self.service, 1)], partner=self.maria).action_confirm()
        campaign.invalidate_recordset()
        # 3 calls; done = reached + not interested = 2 (a call back is not done): 2 / 3 = 66.67 %.
        self.assertEqual((campaign.call_count, campaign.calls_done), (3, 2))
        self.assertAlmostEqual(campaign.progress, 200 / 3, places=2)
        self.assertEqual(
            (
                campaign.count_reached,
                campaign.count_booked,
                campaign.count_not_interested,
                campaign.count_wrong_number,
                campaign.count_call_back,
            ),
            (1, 0, 1, 0, 1),
        )
        # Converted: Anna only; out of 3 calls with an outcome: 1 / 3 = 33.33 %.
        self.assertEqual(campaign.converted_count, 1)
        self.assertAlmostEqual(campaign.conversion_rate, 100 / 3, places=2)
        self.assertTrue(calls[self.patient].converted)
        self.assertFalse(calls[self.maria].converted)
        # The script the caller reads: the patient's name and last visit, no treatment.
        self.assertEqual(calls[self.patient].script_display, "Hello Anna Petrova, your last visit was on 03/20/2026.")

    def test_script_never_names_treatments_unless_allowed(self):
        with self.assertRaisesRegex(ValidationError, "names a treatment"):
            self._campaign(script="Hello {patient}, time for your {treatment}!")
        with self.assertRaisesRegex(ValidationError, "names a treatment"):
            self._campaign(script="Hello {patient}, time for your hygiene cleaning!")
        self.company.clinic_messages_name_treatments = True
        campaign = self._campaign(script="Hello {patient}, time for your {treatment}!")
        self.assertTrue(campaign.script)

    def test_callers_log_only_their_own_calls(self):
        campaign = self._campaign("care")
        campaign.action_launch()
        mine = campaign.call_ids.filtered(lambda c: c.user_id == self.caller_a)[0]
        theirs = campaign.call_ids.filtered(lambda c: c.user_id == self.caller_b)[0]
        mine.with_user(self.caller_a).write({"outcome": "booked", "note": "Tuesday 10:00"})
        self.assertEqual(mine.outcome, "booked")
        with self.assertRaises(AccessError):
            theirs.with_user(self.caller_a).action_booked()
        with self.assertRaises(AccessError):
            mine.with_user(self.caller_a).write({"user_id": self.caller_b.id})
        self.assertFalse(theirs.outcome)
        with self.assertRaises(AccessError):
            campaign.with_user(self.cashier).action_launch()


@tagged("post_install", "-at_install")
class TestCampaignRpc(RpcCallMixin, HttpCase):
    """Over JSON-RPC, as a browser or a script would call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(su=True)
        cls.caller_a = new_test_user(cls.env, login="rpc_caller_a", groups=USER_GROUPS)
        cls.caller_b = new_test_user(cls.env, login="rpc_caller_b", groups=USER_GROUPS)
        cls.manager = new_test_user(
            cls.env, login="rpc_campaign_manager", groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager"
        )
        cls.patients = cls.env["res.partner"].create(
            [{"name": f"RPC Patient {n}", "is_patient": True} for n in range(2)]
        )
        cls.product = cls.env["product.product"].create({"name": "RPC Check-up", "type": "service"})
        cls.campaign = (
            cls.env["clinic.loyalty.campaign"]
            .with_user(cls.manager)
            .create(
                {
                    "name": "RPC campaign",
                    "partner_domain": f"[('id', 'in', {cls.patients.ids})]",
                    "user_ids": [(6, 0, [cls.caller_a.id, cls.caller_b.id])],
                }
            )
        )
        cls.campaign.with_user(cls.manager).action_launch()
        cls.theirs = cls.campaign.call_ids.filtered(lambda c: c.user_id == cls.caller_b)

    def test_a_caller_cannot_log_another_callers_call(self):
        _result, error, message = self._rpc(
            self.caller_a, "clinic.loyalty.campaign.call", "write", self.theirs.ids, {"outcome": "booked"}
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertIn("only they or a loyalty manager", message)
        _result, error, _message = self._rpc(
            self.caller_a, "clinic.loyalty.campaign.call", "action_booked", self.theirs.ids
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.theirs.invalidate_recordset()
        self.assertFalse(self.theirs.outcome)
        # Their own call, they may.
        _result, error, _message = self._rpc(
            self.caller_b, "clinic.loyalty.campaign.call", "action_booked", self.theirs.ids
        )
        self.assertFalse(error)
        self.theirs.invalidate_recordset()
        self.assertEqual(self.theirs.outcome, "booked")

    def test_a_cashier_cannot_launch_a_campaign_or_create_recalls(self):
        calls_before = len(self.campaign.call_ids)
        self.env["res.partner"].create({"name": "RPC Patient late", "is_patient": True})
        _result, error, message = self._rpc(
            self.caller_a, "clinic.loyalty.campaign", "action_launch", self.campaign.ids
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertIn("Only loyalty managers launch call campaigns.", message)
        self.campaign.invalidate_recordset()
        self.assertEqual(len(self.campaign.call_ids), calls_before)
        _result, error, _message = self._rpc(
            self.caller_a,
            "clinic.loyalty.recall",
            "create",
            {
                "partner_id": self.patients[0].id,
                "company_id": self.env.company.id,
                "product_id": self.product.id,
                "last_visit_date": "2026-01-01",
                "due_date": "2026-02-01",
            },
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertFalse(self.env["clinic.loyalty.recall"].search([("partner_id", "in", self.patients.ids)]))
        # The campaign's calls are created by launching only.
        _result, error, _message = self._rpc(
            self.caller_a,
            "clinic.loyalty.campaign.call",
            "create",
            {"campaign_id": self.campaign.id, "partner_id": self.patients[0].id, "user_id": self.caller_a.id},
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")

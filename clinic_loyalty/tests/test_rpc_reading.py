"""Who reads patients and who changes a clinic card's life, over JSON-RPC.

Being a clinic's patient is health data: clinic cards, their history, the patient flag and
the card-number lookup are for the clinic's groups (Loyalty User and Manager). A card's
archive, expiry and history are a manager's; a refusal never names a record the caller may
not read; a campaign reaches only its own company's patients, as its manager sees them.
"""

from datetime import date

from freezegun import freeze_time

from odoo.tests import HttpCase, new_test_user, tagged

from .common import RpcCallMixin

ACCESS = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestRpcReading(RpcCallMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = env = cls.env(su=True)
        cls.company = env.company
        cls.company.country_id = env.ref("base.ru")
        cls.program = env["loyalty.program"].create(
            {
                "name": "Reading Clinic Bonus",
                "program_type": "loyalty",
                "company_id": cls.company.id,
                "clinic_bonus": True,
                "clinic_earn_rate": 10,
                "clinic_birthday_points": 200,
            }
        )
        cls.company.clinic_loyalty_program_id = cls.program
        # A programme of Odoo's own (a gift card): everyone keeps stock access to it.
        cls.gift_program = env["loyalty.program"].create(
            {"name": "Reading Gift Cards", "program_type": "gift_card", "company_id": cls.company.id}
        )
        cls.patient = env["res.partner"].create(
            {"name": "Reading Patient", "phone": "+7 912 555 00 01", "is_patient": True,
             "clinic_consent_reminders": True}
        )  # fmt: skip
        cls.card = cls.patient.clinic_card_ids
        cls.card._clinic_post("earn", 300, "Opening")
        cls.gift_card = env["loyalty.card"].create(
            {"program_id": cls.gift_program.id, "partner_id": cls.patient.id, "points": 50}
        )
        cls.company_b = env["res.company"].create({"name": "Reading Clinic B", "country_id": env.ref("base.ru").id})
        cls.program_b = env["loyalty.program"].create(
            {"name": "Reading Clinic B Bonus", "program_type": "loyalty", "company_id": cls.company_b.id,
             "clinic_bonus": True}
        )  # fmt: skip
        cls.company_b.clinic_loyalty_program_id = cls.program_b
        cls.patient_b = (
            env["res.partner"]
            .with_company(cls.company_b)
            .create(
                {"name": "Reading Patient B", "phone": "+7 912 555 00 02", "is_patient": True,
                 "company_id": cls.company_b.id, "clinic_consent_reminders": True}
            )
        )  # fmt: skip

        def user(login, groups, **kwargs):
            return new_test_user(env, login=login, groups=groups, company_id=cls.company.id, **kwargs)

        cls.cashier = user("read_cashier", "base.group_user,clinic_loyalty.group_clinic_loyalty_user")
        cls.manager = user("read_manager", "base.group_user,clinic_loyalty.group_clinic_loyalty_manager")
        cls.salesperson = user("read_salesperson", "base.group_user,sales_team.group_sale_salesman")
        cls.pos_only = user("read_pos_only", "base.group_user,point_of_sale.group_pos_user")
        cls.accountant = user("read_accountant", "base.group_user,account.group_account_invoice")
        cls.portal = user("read_portal", "base.group_portal", partner_id=cls.patient.id, name=cls.patient.name)
        cls.desk_b = new_test_user(
            env,
            login="read_desk_b",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.outsiders = (cls.salesperson, cls.pos_only, cls.accountant)

    def _call(self, user, model, method, *args, **kwargs):
        result, error, message = self._rpc(user, model, method, *args, **kwargs)
        return result, error, message or ""

    def assertRefusedQuietly(self, user, model, method, *args, **kwargs):
        """Refused with an access error that names no clinic card."""
        result, error, message = self._call(user, model, method, *args, **kwargs)
        self.assertEqual(error, ACCESS, f"{user.login} {model}.{method}: {result}")
        for code in (self.card.code, self.patient_b.clinic_card_ids.code):
            self.assertNotIn(code, message, f"{user.login} {model}.{method} names a card")
        return message

    # Reading ---------------------------------------------------------------------------

    def test_outside_the_clinic_nobody_reads_clinic_cards_or_their_history(self):
        for user in self.outsiders:
            with self.subTest(user=user.login):
                cards, error, message = self._call(
                    user, "loyalty.card", "search_read", [("partner_id", "=", self.patient.id)], ["code", "points"]
                )
                if error:
                    # No right on loyalty cards at all (the accountant): refused, unnamed.
                    self.assertEqual(error, ACCESS)
                    self.assertNotIn(self.card.code, message)
                else:
                    # The patient's gift card (Odoo's programme) stays; the clinic card does not.
                    self.assertEqual([c["id"] for c in cards], self.gift_card.ids)
                    self.assertRefusedQuietly(user, "loyalty.card", "read", self.card.ids, ["points"])
                    history, error, _message = self._call(
                        user, "loyalty.history", "search_read", [("card_id", "=", self.card.id)], ["issued"]
                    )
                    self.assertFalse(history)
                # The patient flag and the card's figures on the partner are the clinic's.
                for field in ("is_patient", "clinic_card_code", "clinic_points", "clinic_birth_date"):
                    self.assertRefusedQuietly(user, "res.partner", "read", self.patient.ids, [field])
                self.assertRefusedQuietly(user, "res.partner", "search", [("is_patient", "=", True)])
                self.assertRefusedQuietly(user, "res.partner", "search", [("clinic_card_code", "ilike", "044")])
                # The card number finds nobody; a phone finds the contact as Odoo's search would,
                # patient or not.
                found, error, _message = self._call(
                    user, "res.partner", "search", [("clinic_lookup", "=", self.card.code)]
                )
                self.assertEqual((found, error), ([], None))
                found, error, _message = self._call(
                    user, "res.partner", "search", [("clinic_lookup", "=", "8 912 555-00-01")]
                )
                self.assertEqual((found, error), (self.patient.ids, None))
                # Odoo's count of a contact's cards leaves the clinic's out.
                counts, error, _message = self._call(
                    user, "res.partner", "read", self.patient.ids, ["loyalty_card_count", "clinic_hide_card_list"]
                )
                if not error:
                    self.assertEqual((counts[0]["loyalty_card_count"], counts[0]["clinic_hide_card_list"]), (1, False))
        # The clinic's desk reads them all.
        cards, error, _message = self._call(
            self.cashier, "loyalty.card", "search_read", [("partner_id", "=", self.patient.id)], ["code"]
        )
        self.assertEqual(sorted(c["id"] for c in cards), sorted((self.card | self.gift_card).ids))
        flags, error, _message = self._call(self.cashier, "res.partner", "read", self.patient.ids, ["is_patient"])
        self.assertTrue(flags[0]["is_patient"])
        found, error, _message = self._call(
            self.cashier, "res.partner", "search", [("clinic_lookup", "=", self.card.code)]
        )
        self.assertEqual(found, self.patient.ids)

    def test_refusals_name_no_card_the_caller_cannot_read(self):
        # Writing every clinic card's id range: before, the guard's text listed their numbers.
        ids = (self.card | self.patient_b.clinic_card_ids).ids
        for user in (*self.outsiders, self.portal, self.desk_b):
            with self.subTest(user=user.login):
                self.assertRefusedQuietly(user, "loyalty.card", "write", ids, {"points": 10})
                self.assertRefusedQuietly(user, "loyalty.card", "write", ids, {"active": False})
        self.assertTrue(self.card.active)
        self.assertEqual(self.card.points, 300)

    # A card's life ---------------------------------------------------------------------

    def test_archive_expiry_and_history_of_a_clinic_card_are_a_managers(self):
        for vals in ({"active": False}, {"expiration_date": "2020-01-01"},
                     {"history_ids": [(0, 0, {"description": "gift", "issued": 1000})]}):  # fmt: skip
            with self.subTest(vals=vals):
                _result, error, message = self._call(self.cashier, "loyalty.card", "write", self.card.ids, vals)
                self.assertEqual(error, ACCESS)
                self.assertIn("Only a loyalty manager", message)
        _result, error, _message = self._call(self.cashier, "loyalty.card", "action_archive", self.card.ids)
        self.assertEqual(error, ACCESS)
        _result, error, message = self._call(
            self.cashier, "loyalty.history", "create", {"card_id": self.card.id, "description": "x", "issued": 500}
        )
        self.assertEqual(error, ACCESS)
        self.assertIn("only a loyalty manager corrects it", message)
        self.assertTrue(self.card.active)
        self.assertFalse(self.card.expiration_date)
        self.assertEqual(self.card.history_ids.mapped("issued"), [300], "only the ledger's line (its opening)")
        # The desk keeps Odoo's rights on other programmes' cards.
        _result, error, _message = self._call(
            self.cashier, "loyalty.card", "write", self.gift_card.ids, {"expiration_date": "2030-01-01"}
        )
        self.assertIsNone(error)
        # The manager archives and reactivates.
        for method in ("action_archive", "action_unarchive"):
            _result, error, message = self._call(self.manager, "loyalty.card", method, self.card.ids)
            self.assertIsNone(error, message)
        self.assertTrue(self.card.active)

    def test_birthday_bonus_is_not_a_date_typed_today(self):
        with freeze_time("2026-07-14"):
            _result, error, _message = self._call(
                self.cashier, "res.partner", "write", self.patient.ids, {"clinic_birth_date": "1990-07-14"}
            )
            self.assertIsNone(error)
            # The date it was typed cannot be sent back in time.
            _result, error, message = self._call(
                self.cashier, "res.partner", "write", self.patient.ids, {"clinic_birth_date_set_on": "2000-01-01"}
            )
            self.assertEqual(error, ACCESS)
            self.assertEqual(self.patient.clinic_birth_date_set_on, date(2026, 7, 14))
            self.assertFalse(self.env["loyalty.card"]._cron_clinic_birthday_bonus())
        self.assertEqual(self.card.points, 300)
        with freeze_time("2027-07-14"):
            self.assertEqual(self.env["loyalty.card"]._cron_clinic_birthday_bonus(), self.card)

    # Campaigns -------------------------------------------------------------------------

    def test_a_campaign_reaches_its_own_companys_patients_only(self):
        # The manager of clinic A works for clinic B too, but launches A's campaign: the
        # domain is searched as the manager, within A, patients only.
        self.manager.write({"company_ids": [(4, self.company_b.id)]})
        colleague = self.env["res.partner"].create({"name": "Reading Supplier", "phone": "+7 912 555 00 03"})
        campaign = self.env["clinic.loyalty.campaign"].create(
            {
                "name": "Everyone",
                "purpose": "care",
                "company_id": self.company.id,
                "partner_domain": "[]",
                "user_ids": [(6, 0, self.cashier.ids)],
            }
        )
        result, error, message = self._call(self.manager, "clinic.loyalty.campaign", "action_launch", campaign.ids)
        self.assertIsNone(error, message)
        self.assertIn(self.patient, campaign.call_ids.partner_id)
        self.assertNotIn(self.patient_b, campaign.call_ids.partner_id)
        self.assertNotIn(colleague, campaign.call_ids.partner_id)

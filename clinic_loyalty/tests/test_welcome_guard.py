"""The welcome bonus reaches a patient once per programme, and waits for the first paid visit
when nobody at the clinic has met the patient (issue 25, item 2 and 5)."""

from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..tools.guard import server_write
from ..tools.unverified import unverified
from .common import ClinicBonusCommon, RpcCallMixin


class WelcomeCommon(ClinicBonusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.write({"clinic_welcome_points": 300, "clinic_earn_trigger": "confirm"})

    def _archive(self, card):
        server_write(card.sudo()).active = False

    def _welcome_lines(self, partner):
        return self.env["clinic.loyalty.ledger"].search(
            [("patient_id", "=", partner.id), ("reason", "=", "Welcome bonus")]
        )


@tagged("post_install", "-at_install")
class TestWelcomeGuard(WelcomeCommon):
    def test_archive_and_enrol_again_gives_no_second_welcome(self):
        patient = self._patient("Welcome Once", "+7 912 300 0101")
        first = patient.clinic_card_ids
        self.assertEqual(first.points, 300)
        for _round in range(3):
            self._archive(patient.with_context(active_test=False).clinic_card_ids.filtered("active"))
            patient.action_clinic_enrol()
        cards = patient.with_context(active_test=False).clinic_card_ids
        self.assertEqual(len(cards), 4, "each enrolment after an archive issues a new card")
        self.assertEqual(cards.mapped("points"), [300.0, 0.0, 0.0, 0.0])
        self.assertEqual(len(self._welcome_lines(patient)), 1)

    def test_a_welcome_posted_before_the_patient_key_counts(self):
        patient = self._patient("Welcome Legacy", "+7 912 300 0102")
        card = patient.clinic_card_ids
        # A line as posted before the key named the patient and programme.
        self.env.flush_all()
        self.env.cr.execute("UPDATE clinic_loyalty_ledger SET source_key = 'welcome' WHERE card_id = %s", [card.id])
        self._archive(card)
        patient.action_clinic_enrol()
        new_card = patient.clinic_card_ids.filtered("active")
        self.assertNotEqual(new_card, card)
        self.assertEqual(new_card.points, 0)

    def test_two_cards_of_a_patient_never_hold_two_welcomes(self):
        # The database refuses what two enrolments at the same time would both try.
        patient = self._patient("Welcome Race", "+7 912 300 0103")
        card = patient.clinic_card_ids
        self._archive(card)
        other = server_write(self.env["loyalty.card"].sudo()).create(
            {"program_id": self.program.id, "partner_id": patient.id, "points": 0}
        )
        self.assertEqual(other.points, 0, "the second card sees the first card's welcome")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            other._clinic_post("earn", 300, "Welcome bonus", source_key=card._clinic_welcome_key())

    def test_a_welcome_for_someone_not_met_waits_for_the_first_paid_visit(self):
        patient = unverified(self.env["res.partner"]).create(
            {"name": "Welcome Stranger", "phone": "+7 912 300 0104", "is_patient": True}
        )
        card = patient.clinic_card_ids
        self.assertEqual(card.points, 0)
        self.assertEqual(card.clinic_pending_points, 300)
        with self.assertRaisesRegex(UserError, "cannot be taken from it"):
            card._clinic_post("spend", -100, "Try")
        # A quotation is not a visit; enrolling again promises nothing more.
        order = self._order([(self.service, 1)], partner=patient)
        self.assertEqual(card.points, 0)
        patient.action_clinic_enrol()
        self.assertEqual(card.clinic_pending_points, 300)
        order.action_confirm()
        card.invalidate_recordset()
        # Confirmed is not paid: the order earns (the programme earns at confirmation), the
        # welcome waits for the money.
        self.assertEqual((card.points, card.clinic_pending_points), (220, 300))
        self._pay_in_full(order)
        card.invalidate_recordset()
        self.assertEqual(card.clinic_pending_points, 0)
        self.assertEqual(card.points, 300 + 220)
        credited = self._welcome_lines(patient)
        self.assertRecordValues(credited, [{"points": 300, "origin": order.name, "kind": "earn"}])
        # The next visit credits nothing again.
        self._order([(self.service, 1)], partner=patient).action_confirm()
        self.assertEqual(card.points, 300 + 440)
        self.assertEqual(len(self._welcome_lines(patient)), 1)

    def test_an_order_paid_nothing_credits_nothing(self):
        patient = unverified(self.env["res.partner"]).create(
            {"name": "Welcome Free", "phone": "+7 912 300 0105", "is_patient": True}
        )
        order = self._order([(self.service, 1, 0.0)], partner=patient)
        order.action_confirm()
        card = patient.clinic_card_ids
        self.assertEqual((card.points, card.clinic_pending_points), (0, 300))
        # Its invoice of 0 counts as paid in Odoo: still no money received, nothing credited.
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertEqual(invoice.payment_state, "paid")
        card.invalidate_recordset()
        self.assertEqual((card.points, card.clinic_pending_points), (0, 300))


@tagged("post_install", "-at_install")
class TestWelcomeGuardRpc(RpcCallMixin, HttpCase, WelcomeCommon):
    def test_a_cashier_enrolling_again_gives_no_second_welcome(self):
        patient = self._patient("Welcome Desk", "+7 912 300 0106")
        for _round in range(2):
            self._archive(patient.with_context(active_test=False).clinic_card_ids.filtered("active"))
            _result, error, message = self._rpc(self.cashier, "res.partner", "action_clinic_enrol", [patient.id])
            self.assertFalse(error, message)
        # The context a client may send does not matter.
        self._archive(patient.with_context(active_test=False).clinic_card_ids.filtered("active"))
        _result, error, message = self._rpc(
            self.cashier,
            "res.partner",
            "action_clinic_enrol",
            [patient.id],
            context={"clinic_server_write": True, "clinic_unverified_newcomer": False},
        )
        self.assertFalse(error, message)
        cards = patient.with_context(active_test=False).clinic_card_ids
        self.assertEqual(len(cards), 4)
        self.assertEqual(sum(cards.mapped("points")), 300)
        self.assertEqual(len(self._welcome_lines(patient)), 1)

    def test_a_cashier_enrolling_a_new_patient_gives_the_welcome_at_once(self):
        _result, error, message = self._rpc(
            self.cashier,
            "res.partner",
            "create",
            [{"name": "Welcome New", "phone": "+7 912 300 0107", "is_patient": True}],
        )
        self.assertFalse(error, message)
        patient = self.env["res.partner"].search([("name", "=", "Welcome New")])
        self.assertEqual(patient.clinic_card_ids.points, 300)
        self.assertEqual(patient.clinic_card_ids.clinic_pending_points, 0)

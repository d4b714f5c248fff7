"""Grades A-F and RFM scores computed set-based from paid visits, and who may change them.

The clinic of these tests is a company of its own, so the demo's orders and patients of the
main company do not enter its quintiles; the grading date is 30 June 2026 and the grade
period the 12 months up to it (1 July 2025 to 30 June 2026, both included).
"""

from datetime import date, datetime, time, timedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .common import ClinicLoyaltyCommon, RpcCallMixin

GRADING_DAY = date(2026, 6, 30)
SEGMENT_VALUES = {
    "clinic_grade": "A",
    "clinic_rfm_recency": 5,
    "clinic_rfm_code": "555",
    "clinic_rfm_segment": "champions",
}


@tagged("post_install", "-at_install")
class TestGrades(ClinicLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clinic = cls.env["res.company"].create(
            {"name": "Grading Clinic", "currency_id": cls.company.currency_id.id}
        )
        cls.env.user.company_ids |= cls.clinic
        cls.manager.company_ids |= cls.clinic
        cls.service = cls.env["product.product"].create(
            {"name": "Treatment", "type": "service", "list_price": 100.0, "taxes_id": [Command.clear()]}
        )

    def _patient_of(self, name, company=None):
        company = company or self.clinic
        return self.env["res.partner"].create({"name": name, "is_patient": True, "company_id": company.id})

    def _pay(self, partner, amount, day=GRADING_DAY, company=None):
        """A confirmed sales order of ``partner`` for ``amount`` on ``day``."""
        company = company or self.clinic
        order = (
            self.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "order_line": [Command.create({"product_id": self.service.id, "price_unit": amount})],
                }
            )
        )
        order.action_confirm()
        order.date_order = datetime.combine(day, time(10))
        return order

    def _grade(self, company=None, day=GRADING_DAY):
        return self.env["res.partner"]._clinic_compute_segments(companies=company or self.clinic, date=day)

    def _in(self, partner, company=None):
        """``partner`` as read in ``company`` (its figures are per company)."""
        return partner.with_company(company or self.clinic)

    def _history(self, partner, company=None):
        return (
            self.env["clinic.loyalty.grade.history"]
            .with_company(company or self.clinic)
            .search([("partner_id", "=", partner.id), ("company_id", "=", (company or self.clinic).id)])
        )

    def test_default_bands_created_for_a_company_without_them(self):
        bands = self.env["clinic.loyalty.grade.band"]._clinic_ensure_bands(self.clinic)
        self.assertEqual(
            {band.grade: band.min_amount for band in bands},
            {"A": 100000, "B": 50000, "C": 20000, "D": 5000, "E": 0},
        )
        # A second call finds them and adds nothing.
        self.assertEqual(self.env["clinic.loyalty.grade.band"]._clinic_ensure_bands(self.clinic), bands)

    def test_manager_opens_the_bands_of_a_new_company(self):
        Band = self.env["clinic.loyalty.grade.band"].with_user(self.manager).with_company(self.clinic)
        self.assertFalse(Band.search([("company_id", "=", self.clinic.id)]))
        action = Band.action_clinic_open_bands()
        self.assertEqual(action["res_model"], "clinic.loyalty.grade.band")
        bands = Band.search([("company_id", "=", self.clinic.id)])
        self.assertEqual(bands.mapped("grade"), ["A", "B", "C", "D", "E"])
        # The manager edits the amounts; the five bands stay (no adding or deleting).
        with self.assertRaises(AccessError):
            bands[:1].unlink()

    def test_grades_on_boundary_amounts(self):
        # Just below, at and just above each threshold: boundaries are inclusive.
        cases = [
            (1.0, "E"),
            (4999.99, "E"),
            (5000.0, "D"),
            (5000.01, "D"),
            (19999.99, "D"),
            (20000.0, "C"),
            (20000.01, "C"),
            (49999.99, "C"),
            (50000.0, "B"),
            (50000.01, "B"),
            (99999.99, "B"),
            (100000.0, "A"),
            (100000.01, "A"),
        ]
        patients = []
        for amount, grade in cases:
            patient = self._patient_of(f"Paid {amount}")
            self._pay(patient, amount)
            patients.append((patient, amount, grade))
        nobody = self._patient_of("Never paid")
        # Paid 13 months before the grading day: outside the 12-month period.
        old = self._patient_of("Paid long ago")
        self._pay(old, 200000, day=date(2025, 5, 30))
        # Two orders of one day are one visit, their amounts summed.
        twice = self._patient_of("Two orders one day")
        self._pay(twice, 30000, day=date(2026, 3, 1))
        self._pay(twice, 25000, day=date(2026, 3, 1))

        figures = self._grade()

        for patient, amount, grade in patients:
            self.assertEqual(self._in(patient).clinic_grade, grade, f"{amount} paid")
            self.assertAlmostEqual(self._in(patient).clinic_period_amount, amount, places=2)
            self.assertEqual(self._in(patient).clinic_period_visits, 1)
        self.assertEqual(self._in(nobody).clinic_grade, "F")
        self.assertEqual(self._in(nobody).clinic_rfm_segment, "inactive")
        self.assertEqual(self._in(old).clinic_grade, "F")
        self.assertEqual(self._in(old).clinic_last_visit_date, date(2025, 5, 30))
        self.assertEqual(
            (self._in(twice).clinic_grade, self._in(twice).clinic_period_visits, self._in(twice).clinic_period_amount),
            ("B", 1, 55000),
        )
        self.assertEqual(self._in(twice).clinic_segment_date, GRADING_DAY)
        self.assertEqual(figures["companies"], 1)

    def test_bands_edited_by_the_manager_apply_and_stay_ordered(self):
        patient = self._patient_of("Paid 45000")
        self._pay(patient, 45000)
        bands = self.env["clinic.loyalty.grade.band"]._clinic_ensure_bands(self.clinic)
        band_b = bands.filtered(lambda band: band.grade == "B")
        band_b.with_user(self.manager).with_company(self.clinic).min_amount = 40000
        self._grade()
        self.assertEqual(self._in(patient).clinic_grade, "B")
        with self.assertRaisesRegex(ValidationError, "must ask less for each grade"):
            band_b.min_amount = 150000

    def test_refund_moves_a_patient_down(self):
        # Credit notes need the main company's chart of accounts.
        company = self.company
        patient = self._patient_of("Refunded", company=company)
        self._pay(patient, 30000, day=date(2026, 2, 1), company=company)
        refunded = self._pay(patient, 25000, day=date(2026, 4, 1), company=company)
        self._grade(company=company)
        self.assertEqual(self._in(patient, company).clinic_grade, "B")  # 30000 + 25000 = 55000

        invoice = refunded._create_invoices()
        invoice.action_post()
        invoice._reverse_moves().action_post()
        figures = self._grade(company=company)

        # 55000 - 25000 = 30000: C, with one visit (the fully refunded order is none).
        patient = self._in(patient, company)
        self.assertEqual(
            (patient.clinic_grade, patient.clinic_period_amount, patient.clinic_period_visits), ("C", 30000, 1)
        )
        self.assertEqual(figures["changes"], 1)
        change = self._history(patient, company)[:1]
        self.assertEqual(
            (change.old_grade, change.new_grade, change.date, change.amount), ("B", "C", GRADING_DAY, 30000)
        )

    def test_history_written_once_per_change(self):
        patient = self._patient_of("Grows")
        never = self._patient_of("Never pays")
        self._pay(patient, 6000, day=date(2026, 1, 10))

        first = self._grade()
        # A day later nothing changed: no history, and no patient rewritten.
        second = self._grade(day=GRADING_DAY + timedelta(days=1))

        self.assertEqual(self._in(patient).clinic_grade, "D")
        self.assertFalse(self._history(patient), "a first grade is not a change")
        self.assertFalse(self._history(never))
        self.assertEqual(first["changes"], 0)
        self.assertEqual((second["updated"], second["changes"]), (0, 0))
        self.assertEqual(self._in(patient).clinic_segment_date, GRADING_DAY, "figures set on the first day")

        self._pay(patient, 20000, day=date(2026, 5, 10))
        self._grade()
        self._grade()
        history = self._history(patient)
        self.assertEqual(len(history), 1, "one change, recorded once though graded twice")
        self.assertEqual((history.old_grade, history.new_grade, history.amount), ("D", "C", 26000))

        # A year later without a visit the patient drops to F, once.
        later = date(2027, 6, 30)
        self._grade(day=later)
        self._grade(day=later)
        history = self._history(patient)
        self.assertEqual(history.mapped("new_grade"), ["F", "C"])
        self.assertEqual((history[0].old_grade, history[0].date), ("C", later))
        self.assertEqual(self._in(patient).clinic_rfm_segment, "inactive")
        self.assertFalse(self._in(patient).clinic_rfm_code)
        self.assertEqual(self._in(patient).clinic_rfm_recency, 0)

    def test_rfm_worked_example(self):
        """Ten patients, scored by NTILE(5) over the ten: two patients per quintile.

        ``(days since the last visit, visits, amount)`` per patient, D = 30 June 2026:

        ==== ====== ====== ========  ==  ==  ==  =====  ===============
        P     days  visits  amount    R   F   M  code   segment
        ==== ====== ====== ========  ==  ==  ==  =====  ===============
        P1       1      6   120000    5   5   5  555    champions
        P2       5      5    60000    5   5   5  555    champions
        P3      10      1     3000    4   1   2  412    promising
        P4      20      4    50000    4   4   4  444    champions
        P5      40      3    20000    3   3   3  333    loyal
        P6      60      1     5000    3   1   2  312    need_attention
        P7     100      2    10000    2   3   3  233    at_risk
        P8     150      1     1000    2   1   1  211    lost
        P9     200      3    30000    1   3   4  134    at_risk
        P10    300      1      100    1   1   1  111    lost
        ==== ====== ====== ========  ==  ==  ==  =====  ===============

        R: days sorted from most to least (300, 200 | 150, 100 | 60, 40 | 20, 10 | 5, 1)
        give quintiles 1 to 5, two patients each.
        M: amounts sorted upwards (100, 1000 | 3000, 5000 | 10000, 20000 | 30000, 50000 |
        60000, 120000) likewise.
        F, with ties: visits sorted upwards, equal counts by patient, are
        1 (P3, P6, P8, P10), 2 (P7), 3 (P5, P9), 4 (P4), 5 (P2), 6 (P1); NTILE(5) gives
        P3 1, P6 1, P8 2, P10 2, P7 3, P5 3, P9 4, P4 4, P2 5, P1 5. Equal counts share the
        lowest quintile among them: the four single visits score 1 (not 1, 1, 2, 2), and
        P5 and P9 (3 visits) score 3 (not 3 and 4). P7 (2 visits) keeps 3.
        Segments by R and F: champions R>=4 and F>=4; loyal R>=3 and F>=3; promising R>=4;
        need attention R=3; at risk F>=3; lost the rest.
        """
        table = [
            # days, visits, amount per visit, expected (R, F, M, code, segment, grade)
            (1, 6, 20000, (5, 5, 5, "555", "champions", "A")),
            (5, 5, 12000, (5, 5, 5, "555", "champions", "B")),
            (10, 1, 3000, (4, 1, 2, "412", "promising", "E")),
            (20, 4, 12500, (4, 4, 4, "444", "champions", "B")),
            (40, 3, None, (3, 3, 3, "333", "loyal", "C")),
            (60, 1, 5000, (3, 1, 2, "312", "need_attention", "D")),
            (100, 2, 5000, (2, 3, 3, "233", "at_risk", "D")),
            (150, 1, 1000, (2, 1, 1, "211", "lost", "E")),
            (200, 3, 10000, (1, 3, 4, "134", "at_risk", "C")),
            (300, 1, 100, (1, 1, 1, "111", "lost", "E")),
        ]
        patients = []
        for number, (days, visits, amount, expected) in enumerate(table, start=1):
            patient = self._patient_of(f"P{number}")
            last = GRADING_DAY - timedelta(days=days)
            # P5 pays 5000, 5000 and 10000 (20000 in all); the others the same each visit.
            amounts = [10000, 5000, 5000] if amount is None else [amount] * visits
            for week, paid in enumerate(amounts):
                self._pay(patient, paid, day=last - timedelta(weeks=week))
            patients.append((patient, expected))

        self._grade()

        for number, (patient, expected) in enumerate(patients, start=1):
            patient = self._in(patient)
            got = (
                patient.clinic_rfm_recency,
                patient.clinic_rfm_frequency,
                patient.clinic_rfm_monetary,
                patient.clinic_rfm_code,
                patient.clinic_rfm_segment,
                patient.clinic_grade,
            )
            self.assertEqual(got, expected, f"P{number}")
        # Filters and the kanban's grouping read the figures of the current company.
        Partner = self.env["res.partner"].with_company(self.clinic)
        champions = Partner.search([("clinic_rfm_segment", "=", "champions")])
        self.assertEqual(champions.mapped("name"), ["P1", "P2", "P4"])
        groups = dict(Partner._read_group([("company_id", "=", self.clinic.id)], ["clinic_grade"], ["__count"]))
        self.assertEqual(groups, {"A": 1, "B": 2, "C": 2, "D": 2, "E": 3})
        # The kanban shows a column for every grade, F included though empty.
        columns = Partner.web_read_group([("company_id", "=", self.clinic.id)], ["clinic_grade"], ["clinic_grade"])
        self.assertEqual(
            [(group["clinic_grade"], group["clinic_grade_count"]) for group in columns["groups"]],
            [("A", 1), ("B", 2), ("C", 2), ("D", 2), ("E", 3), ("F", 0)],
        )

    def test_a_patient_of_another_company_is_untouched(self):
        ours = self._patient_of("Ours")
        self._pay(ours, 60000)
        theirs = self._patient_of("Theirs", company=self.company)
        self._pay(theirs, 25000, company=self.company)

        self._grade()

        self.assertEqual(self._in(ours).clinic_grade, "B")
        self.assertFalse(self._in(theirs, self.company).clinic_grade)
        self.assertFalse(self._in(theirs).clinic_grade)
        self.assertFalse(self._history(theirs, self.company))
        # Each company grades on its own visits: the main company's run sees 25000 (C),
        # and leaves the Grading Clinic's figures as they were.
        self._grade(company=self.company)
        self.assertEqual(self._in(theirs, self.company).clinic_grade, "C")
        self.assertEqual(self._in(ours).clinic_grade, "B")
        self.assertFalse(self._in(ours, self.company).clinic_grade)

    def test_cron_grades_every_company(self):
        ours = self._patient_of("Ours")
        self._pay(ours, 60000, day=date.today())
        self.env["res.partner"]._cron_clinic_compute_segments()
        self.assertEqual(self._in(ours).clinic_grade, "B")

    def test_fields_refuse_client_writes(self):
        patient = self._patient_of("Patient")
        for values in SEGMENT_VALUES.items():
            with self.assertRaisesRegex(AccessError, "computed by the server"):
                patient.with_user(self.manager).write(dict([values]))
        with self.assertRaisesRegex(AccessError, "computed by the server"):
            self.env["res.partner"].with_user(self.manager).create({"name": "New", "clinic_grade": "A"})

    def test_query_count_does_not_depend_on_the_number_of_patients(self):
        for number in range(5):
            self._pay(self._patient_of(f"First {number}"), 1000 * (number + 1))
        self._grade()  # the bands are created on the first run
        with self.assertExactQueryCount(3):
            five = self._grade()["patients"]
        for number in range(45):
            self._pay(self._patient_of(f"More {number}"), 1000 * (number + 1))
        with self.assertExactQueryCount(3):
            fifty = self._grade()["patients"]
        self.assertEqual(fifty - five, 45)


@tagged("post_install", "-at_install")
class TestGradesRpc(RpcCallMixin, TestPointOfSaleHttpCommon):
    """Over JSON-RPC no one, not even a loyalty manager, sets a grade, a score or a change."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = env = cls.env(su=True)
        cls.company = cls.main_pos_config.company_id
        cls.patient = env["res.partner"].create({"name": "Graded Patient", "is_patient": True})
        env["res.partner"]._clinic_compute_segments(companies=cls.company)
        cls.cashier = new_test_user(
            env,
            login="grades_cashier",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=cls.company.id,
        )
        cls.manager = new_test_user(
            env,
            login="grades_manager",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
            company_id=cls.company.id,
        )

    def test_nobody_writes_grades_or_history_over_rpc(self):
        Partner = self.env["res.partner"]
        History = self.env["clinic.loyalty.grade.history"]
        before = self.patient.read(list(SEGMENT_VALUES))[0]
        # The server key is a Python object: a context value sent as JSON is not it.
        context = {"clinic_server_write": True}
        for user in (self.cashier, self.manager):
            # Both read the figures.
            result, error, _message = self._rpc(user, "res.partner", "read", [self.patient.id], ["clinic_grade"])
            self.assertIsNone(error)
            self.assertEqual(result[0]["clinic_grade"], "F")
            for field, value in SEGMENT_VALUES.items():
                _result, error, message = self._rpc(
                    user, "res.partner", "write", [self.patient.id], {field: value}, context=context
                )
                self.assertEqual(error, "odoo.exceptions.AccessError", f"{user.login} writes {field}")
                self.assertIn("computed by the server", message)
            _result, error, _message = self._rpc(
                user, "res.partner", "create", [{"name": "Self-graded", "clinic_grade": "A"}], context=context
            )
            self.assertEqual(error, "odoo.exceptions.AccessError")
            _result, error, _message = self._rpc(
                user,
                "clinic.loyalty.grade.history",
                "create",
                [
                    {
                        "partner_id": self.patient.id,
                        "company_id": self.company.id,
                        "new_grade": "A",
                        "date": "2026-01-01",
                    }
                ],
                context=context,
            )
            self.assertEqual(error, "odoo.exceptions.AccessError")
            # The computation itself is private: not callable over RPC.
            _result, error, _message = self._rpc(user, "res.partner", "_clinic_compute_segments")
            self.assertEqual(error, "odoo.exceptions.AccessError")
        self.patient.invalidate_recordset()
        self.assertEqual(self.patient.read(list(SEGMENT_VALUES))[0], before)
        self.assertFalse(Partner.search([("name", "=", "Self-graded")]))
        self.assertFalse(History.search([("partner_id", "=", self.patient.id)]))

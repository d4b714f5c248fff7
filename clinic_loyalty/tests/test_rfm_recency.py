"""RFM recency scores when many patients share their last day (issue 26, item 9): the
patients seen most recently score 5, whatever their number; equal days share one score."""

from datetime import datetime, time, timedelta
from itertools import pairwise

from odoo import Command
from odoo.tests import tagged

from .common import ClinicLoyaltyCommon
from .test_grades import GRADING_DAY


@tagged("post_install", "-at_install")
class TestRfmRecency(ClinicLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A company of its own: the demo's patients do not enter its quintiles.
        cls.clinic = cls.env["res.company"].create(
            {"name": "Recency Clinic", "currency_id": cls.company.currency_id.id}
        )
        cls.env.user.company_ids |= cls.clinic
        cls.service = cls.env["product.product"].create(
            {"name": "Treatment", "type": "service", "list_price": 100.0, "taxes_id": [Command.clear()]}
        )

    def _patient_of(self, name):
        return self.env["res.partner"].create({"name": name, "is_patient": True, "company_id": self.clinic.id})

    def _pay(self, partner, amount, day):
        order = (
            self.env["sale.order"]
            .with_company(self.clinic)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": self.clinic.id,
                    "order_line": [Command.create({"product_id": self.service.id, "price_unit": amount})],
                }
            )
        )
        order.action_confirm()
        order.date_order = datetime.combine(day, time(10))
        return order

    def _grade(self):
        return self.env["res.partner"]._clinic_compute_segments(companies=self.clinic, date=GRADING_DAY)

    def _in(self, partner):
        return partner.with_company(self.clinic)

    def _patients(self, days_list, amount=1000):
        patients = []
        for number, days in enumerate(days_list, start=1):
            patient = self._patient_of(f"R{number}")
            self._pay(patient, amount, day=GRADING_DAY - timedelta(days=days))
            patients.append(patient)
        return patients

    def _scores(self, patients):
        return [
            (
                self._in(p).clinic_rfm_recency,
                self._in(p).clinic_rfm_frequency,
                self._in(p).clinic_rfm_code,
                self._in(p).clinic_rfm_segment,
            )
            for p in patients
        ]

    def test_patients_who_paid_today_are_the_most_recent_not_lost(self):
        """Five of six patients paid on the grading day, one 100 days before.

        Ranked from the most recent: the five share rank 1, score 5 - 5 * 0 / 6 = 5; the
        sixth has rank 6, score 5 - (5 * 5) // 6 = 5 - 4 = 1. Each has one visit of 1000:
        F and M tie at the lowest score, 1. Segments: R >= 4, F < 3 is promising; R 1, F 1
        is lost. (Scored before from the least recent with ties at their lowest quintile,
        the five of today got NTILE positions 2..6 = quintiles 1..5, so 1: "lost".)
        """
        patients = self._patients([0, 0, 0, 0, 0, 100])
        self._grade()
        self.assertEqual(
            self._scores(patients),
            [(5, 1, "511", "promising")] * 5 + [(1, 1, "111", "lost")],
        )

    def test_equal_days_share_one_score_from_the_most_recent(self):
        """Ten patients, days since the last visit 0, 0, 0, 0, 3, 3, 30, 90, 200, 300.

        ===== ====== =========================== ==  ================
        days   rank  5 - (5 x (rank - 1)) // 10   R  segment (F = 1)
        ===== ====== =========================== ==  ================
        0        1   5 - 0                        5  promising
        3        5   5 - 20 // 10 = 5 - 2         3  need_attention
        30       7   5 - 30 // 10 = 5 - 3         2  lost
        90       8   5 - 35 // 10 = 5 - 3         2  lost
        200      9   5 - 40 // 10 = 5 - 4         1  lost
        300     10   5 - 45 // 10 = 5 - 4         1  lost
        ===== ====== =========================== ==  ================
        """
        patients = self._patients([0, 0, 0, 0, 3, 3, 30, 90, 200, 300])
        self._grade()
        self.assertEqual(
            [score[0] for score in self._scores(patients)],
            [5, 5, 5, 5, 3, 3, 2, 2, 1, 1],
        )
        self.assertEqual(
            [score[3] for score in self._scores(patients)],
            ["promising"] * 4 + ["need_attention"] * 2 + ["lost"] * 4,
        )
        # A more recent visit never scores less than an older one.
        days_list = [0, 0, 0, 0, 3, 3, 30, 90, 200, 300]
        pairs = sorted((days, score[0]) for days, score in zip(days_list, self._scores(patients), strict=True))
        for (_days, score), (_later_days, later_score) in pairwise(pairs):
            self.assertGreaterEqual(score, later_score)

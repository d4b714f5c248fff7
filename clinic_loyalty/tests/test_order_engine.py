from odoo.tests import tagged

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestOrderEngine(ClinicBonusCommon):
    """The engine on a document that is neither a sales nor a POS order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from odoo_test_helper import FakeModelLoader

        cls.loader = FakeModelLoader(cls.env, cls.__module__)
        cls.loader.backup_registry()
        from .fake_document import ClinicLoyaltyLedger, ClinicTestDocument

        cls.loader.update_registry((ClinicTestDocument, ClinicLoyaltyLedger))
        cls.program.clinic_max_redeem_percent = 50

    @classmethod
    def tearDownClass(cls):
        cls.loader.restore_registry()
        super().tearDownClass()

    def _document(self, amount, points=0.0, name="DOC/1"):
        return self.env["clinic.test.document"].create(
            {
                "name": name,
                "partner_id": self.patient.id,
                "categ_id": self.categ_dental.id,
                "amount": amount,
                "points_used": points,
                "paid_with_points": points,
            }
        )

    def _post(self, document):
        card = document._clinic_card()
        _points, _money, allowed, problems = document._clinic_spending_allowance(card)
        document._clinic_post_spending_points(card, allowed)
        document._clinic_post_earning(card)
        self.card.invalidate_recordset()
        return problems

    def test_a_document_earns_and_spends_through_the_engine_once(self):
        self._give(500)
        document = self._document(2200, points=200)
        self.assertEqual(self._post(document), [])
        # 200 spent; 10% of the 2000 paid with money earned.
        self.assertEqual(self.card.points, 500 - 200 + 200)
        lines = self.card.clinic_ledger_ids.filtered("clinic_test_document_id")
        self.assertEqual(sorted(lines.mapped(lambda line: (line.kind, line.points, line.amount))),
                         [("earn", 200, 2000), ("spend", -200, 0)])  # fmt: skip
        self.assertEqual(lines.patient_id, self.patient)
        self._post(document)
        self.assertEqual(self.card.points, 500, "posting the same document again changes nothing")

    def test_the_engine_reports_what_the_rules_refuse(self):
        self._give(2000)
        # 1500 with points on 2200 where 50% (1100) is allowed.
        points, money, allowed, problems = self._document(2200, points=1500)._clinic_spending_allowance(self.card)
        self.assertEqual((points, money, allowed), (1500, 1500, 1100))
        self.assertRegex(problems[0], r"more than the 50% of the order")

    def test_reversals_in_parts_add_up_to_the_document_and_happen_once(self):
        self._give(500)
        document = self._document(2200, points=200)
        self._post(document)
        refund = self._document(-1100, name="REFUND/1")
        document._clinic_reverse(0.5, "refund:1", "Half refunded", refund=refund)
        document._clinic_reverse(0.5, "refund:1", "Half refunded", refund=refund)
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 500 + 100 - 100)
        reversals = self.card.clinic_ledger_ids.filtered(lambda line: line.kind == "reversal")
        self.assertEqual(sorted(reversals.mapped("points")), [-100, 100])
        self.assertEqual(reversals.clinic_test_refund_id, refund)
        self.assertEqual(set(reversals.reversed_line_id.mapped("kind")), {"earn", "spend"})
        # Cancelling the rest reverses only what is left.
        document._clinic_reverse(1.0, "cancel", "Cancelled")
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 500)
        self.assertEqual(self.card.clinic_total_spend, 0)
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))

    def test_points_already_spent_are_not_taken_below_zero(self):
        document = self._document(2200)
        self._post(document)
        self.assertEqual(self.card.points, 220)
        self.card._clinic_post("spend", -200, "Spent on another visit")
        reversal = document._clinic_reverse(1.0, "cancel", "Cancelled")
        self.card.invalidate_recordset()
        self.assertEqual((self.card.points, reversal.points), (0, -20))
        self.assertIn("200 points already spent, not taken back", reversal.reason)

"""Money invariants over random sequences of POS sales, points payments, partial refunds and
replays, and of sales orders with credit notes posted, reset to draft and posted again
(property-based, ``hypothesis``).

The examples are derandomised, so a run is reproducible; ``CLINIC_HYPOTHESIS_EXAMPLES`` raises
their number (default 8, a few seconds each) for a longer search.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import Command
from odoo.tests import tagged
from odoo.tools import float_compare

from .common import ClinicBonusCommon
from .test_pos_loyalty import PosClinicCommon

EXAMPLES = int(os.environ.get("CLINIC_HYPOTHESIS_EXAMPLES", "8"))


class _Rollback(Exception):
    """Ends an example: everything it wrote is rolled back."""


# A sale: (product index, quantity) lines, the share of the order paid with points (0-40 %),
# then refunds: (line index, quantity) of that sale, and whether the sale is replayed.
LINE = st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=1, max_value=3))
SALE = st.fixed_dictionaries(
    {
        "lines": st.lists(LINE, min_size=1, max_size=4),
        "points_percent": st.sampled_from([0, 0, 10, 40]),
        "refunds": st.lists(
            st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=1, max_value=3)), max_size=3
        ),  # fmt: skip
        "replay": st.booleans(),
    }
)


class CardInvariants:
    """What must hold of the test card after every step, whatever happened."""

    def _check_card_invariants(self):
        """Balance = ledger sum = open lots, never negative; every order line's record gives
        back between nothing and what it did. Returns the card's (original) line records."""
        card = self.card
        card.invalidate_recordset()
        self.env["clinic.loyalty.ledger"].invalidate_model()
        ledger = card.clinic_ledger_ids
        self.assertAlmostEqual(card.points, sum(ledger.mapped("points")), places=2, msg="balance = ledger sum")
        open_lots = sum(line.remaining_points for line in ledger if line.remaining_points > 0)
        self.assertAlmostEqual(card.points, open_lots, places=2, msg="balance = open lots")
        self.assertGreaterEqual(float_compare(card.points, 0, precision_digits=2), 0, "never below zero")
        Record = self.env["clinic.loyalty.line.record"].sudo()
        records = Record.search([("card_id", "=", card.id), ("reversed_record_id", "=", False)])
        for record in records:
            reversals = Record.search([("reversed_record_id", "=", record.id)])
            back = -sum(reversals.mapped("points")) if record.kind == "earn" else sum(reversals.mapped("points"))
            self.assertLessEqual(back, abs(record.points) + 0.01, "a line never gives back more than it did")
            self.assertGreaterEqual(back, -0.01, "nor takes more than it gave")
            self.assertLessEqual(-sum(reversals.mapped("amount")), record.amount + 0.01)
        return records


@tagged("post_install", "-at_install")
class TestMoneyInvariants(CardInvariants, PosClinicCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        aesthetics = Category.create({"name": "Aesthetics (invariants)"})
        lab = Category.create({"name": "Lab (invariants)"})
        cls.program.sudo().clinic_category_rate_ids = [
            (0, 0, {"categ_id": aesthetics.id, "rate": 20}),
            (0, 0, {"categ_id": lab.id, "rate": 0}),
        ]
        tax = (
            cls.env["account.tax"]
            .sudo()
            .create(
                {"name": "VAT 20 % on top (invariants)", "amount": 20, "amount_type": "percent", "price_include": False}
            )
        )
        cls.products = [
            cls.create_product("Peel (inv)", aesthetics, 1000.0, tax_ids=[]),
            cls.create_product("Blood test (inv)", lab, 700.0, tax_ids=[]),
            cls.create_product("Laser (inv)", cls.categ_basic, 1500.0, tax_ids=tax.ids),
            cls.create_product("Consultation (inv)", cls.categ_basic, 2200.0, tax_ids=[]),
        ]
        cls.rates = {aesthetics.id: 20.0, lab.id: 0.0}

    def _check_invariants(self):
        # The order's points are rounded down; each line's share of them is in the
        # programme's points (whole points), so at most one step above its exact share.
        step = self.program._clinic_points_step()
        for record in self._check_card_invariants().filtered(lambda record: record.kind == "earn"):
            line = record.pos_line_id
            rate = self.rates.get(line.product_id.categ_id.id, self.program.clinic_earn_rate)
            self.assertLessEqual(record.points, record.amount * rate / 100 + step, "earned <= rate x paid")
            self.assertEqual(record.points, round(record.points), "whole points")
            self.assertLessEqual(record.amount, line._clinic_amount() + 0.01, "paid <= the line's amount")
        refunds = self.env["pos.order"].sudo().search([("lines.refunded_orderline_id", "!=", False)])
        self.assertFalse(
            refunds.clinic_ledger_ids.filtered(lambda line: line.kind == "earn"), "a refund is never a paid visit"
        )

    def _sale(self, sale):
        lines = [(self.products[index], qty) for index, qty in sale["lines"]]
        gross = sum(product.lst_price * qty for product, qty in lines)
        points = min(self.card.points, round(gross * sale["points_percent"] / 100))
        items = lines + ([self._reward_line(points)] if points >= 1 else [])
        data = self._order_data(items)
        order = self._sync(data)
        if sale["replay"]:
            self._sync(self._order_data(items) | {"uuid": data["uuid"], "name": data["name"]})
            order.action_pos_order_paid()
        self._check_invariants()
        product_lines = order.lines.filtered(lambda line: not line.reward_id)
        for index, qty in sale["refunds"]:
            line = product_lines[index % len(product_lines)]
            left = line.qty - line.refunded_qty
            if left <= 0:
                continue
            refund_data = self.create_ui_order_data(
                [{"product": line.product_id, "quantity": -min(qty, left), "refunded_orderline_id": line.id}],
                customer=self.patient,
            )
            self._sync(refund_data)
            self._check_invariants()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(sales=st.lists(SALE, min_size=1, max_size=3))
    def test_balances_lots_and_line_records_stay_true_over_random_sales_and_refunds(self, sales):
        try:
            with self.env.cr.savepoint():
                self.card._clinic_post("earn", 3000, "Opening")
                for sale in sales:
                    self._sale(sale)
                raise _Rollback
        except _Rollback:
            pass
        self.env.invalidate_all()


# A sales order: (product index, quantity) lines, the points it pays with, then credit notes:
# (line index, quantity credited), each possibly reset to draft and posted again.
CREDIT = st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=1, max_value=3), st.booleans())
SALE_ORDER = st.fixed_dictionaries(
    {
        "lines": st.lists(LINE, min_size=1, max_size=3),
        "points_percent": st.sampled_from([0, 0, 10, 40]),
        "credits": st.lists(CREDIT, max_size=2),
    }
)


@tagged("post_install", "-at_install")
class TestSaleMoneyInvariants(CardInvariants, ClinicBonusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        aesthetics = Category.create({"name": "Aesthetics (sale invariants)"})
        lab = Category.create({"name": "Lab (sale invariants)"})
        cls.program.write(
            {
                "clinic_max_redeem_percent": 50,
                "clinic_category_rate_ids": [
                    (0, 0, {"categ_id": aesthetics.id, "rate": 20}),
                    (0, 0, {"categ_id": lab.id, "rate": 0}),
                ],
            }
        )
        tax = cls.env["account.tax"].create(
            {"name": "VAT 20 % on top (sale invariants)", "amount": 20, "amount_type": "percent"}
        )
        cls.products = [
            cls._service("Peel (sale inv)", 1000.0, aesthetics),
            cls._service("Blood test (sale inv)", 700.0, lab),
            cls._service("Laser (sale inv)", 1500.0, cls.categ_dental),
            cls._service("Implant (sale inv)", 2200.0, cls.categ_implants),
        ]
        cls.products[2].taxes_id = tax

    def _check_invariants(self):
        for record in self._check_card_invariants().filtered(lambda record: record.kind == "earn"):
            self.assertLessEqual(record.points, record.amount * 0.2 + 0.01, "earned <= rate x paid")

    def _sale(self, sale):
        order = self._order([(self.products[index], qty) for index, qty in sale["lines"]])
        wanted = round(order.amount_total * sale["points_percent"] / 100)
        if wanted >= 1 and self.card.points >= 1:
            self._use_points(order, min(wanted, self.card.points))
        order.action_confirm()
        self._check_invariants()
        if not sale["credits"]:
            return
        invoice = order._create_invoices()
        invoice.action_post()
        product_lines = invoice.invoice_line_ids.filtered(lambda line: not line.sale_line_ids.reward_id)
        for index, qty, reset in sale["credits"]:
            line = product_lines[index % len(product_lines)]
            refund = invoice._reverse_moves()
            refund.write(
                {
                    "invoice_line_ids": [
                        Command.delete(other.id)
                        for other in refund.invoice_line_ids
                        if other.sale_line_ids != line.sale_line_ids or other.sale_line_ids.reward_id
                    ]
                }
            )
            refund.invoice_line_ids.quantity = min(qty, line.quantity)
            refund.action_post()
            self._check_invariants()
            if reset:
                refund.button_draft()
                self._check_invariants()
                refund.action_post()
                self._check_invariants()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(sales=st.lists(SALE_ORDER, min_size=1, max_size=2))
    def test_sales_orders_credit_notes_and_resets_keep_balances_and_line_records_true(self, sales):
        try:
            with self.env.cr.savepoint():
                self._give(3000)
                for sale in sales:
                    self._sale(sale)
                raise _Rollback
        except _Rollback:
            pass
        self.env.invalidate_all()

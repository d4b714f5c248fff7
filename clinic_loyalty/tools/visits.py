"""What segments and programme metrics count as a visit, in one SQL statement.

Definitions (the readme repeats them): a *visit* is a paid order net of refunds; the orders
of one patient on one day are one visit; a fully refunded order is no visit. Paid orders are
confirmed sales orders and paid POS orders; refunds are posted credit notes of a sales
order's lines and POS refund orders of its lines, counted against the order they refund
(not on the day of the refund). Amounts include taxes, as the patient paid them; a part
paid with points is a discount, not money paid. Days are UTC days of the order date.

Set-based on purpose: grades, RFM scores and metrics read 100,000 patients and a million
order lines in one pass, which the ORM cannot do in the time a manager waits.
"""

from odoo.tools import SQL

PAID_POS_STATES = ("paid", "done", "invoiced")


def visits_query(company_ids=None, date_from=None, date_to=None, partner_ids=None):
    """SQL selecting ``(partner_id, company_id, day, amount, orders)``: one row per visit.

    ``date_from`` / ``date_to`` (dates, both included) bound the visit's day; ``company_ids``
    and ``partner_ids`` (lists) restrict the companies and patients (None: all).
    """
    filters = [SQL("TRUE")]
    if company_ids is not None:
        filters.append(SQL("o.company_id = ANY(%s)", list(company_ids)))
    if partner_ids is not None:
        filters.append(SQL("o.partner_id = ANY(%s)", list(partner_ids)))
    if date_from:
        filters.append(SQL("o.day >= %s", date_from))
    if date_to:
        filters.append(SQL("o.day <= %s", date_to))
    return SQL(
        """
        SELECT o.partner_id, o.company_id, o.day, SUM(o.amount) AS amount, COUNT(*) AS orders
          FROM (
                SELECT p.partner_id, p.company_id, (p.date_order)::date AS day,
                       p.amount_total + COALESCE(refunds.amount, 0) AS amount
                  FROM pos_order p
             LEFT JOIN (
                        SELECT sold.order_id, SUM(refund_line.price_subtotal_incl) AS amount
                          FROM pos_order_line refund_line
                          JOIN pos_order refund ON refund.id = refund_line.order_id
                                               AND refund.state IN %(pos_states)s
                          JOIN pos_order_line sold ON sold.id = refund_line.refunded_orderline_id
                         GROUP BY sold.order_id
                       ) refunds ON refunds.order_id = p.id
                 WHERE p.state IN %(pos_states)s AND p.partner_id IS NOT NULL AND p.amount_total > 0
             UNION ALL
                SELECT s.partner_id, s.company_id, (s.date_order)::date AS day,
                       s.amount_total - COALESCE(credits.amount, 0) AS amount
                  FROM sale_order s
             LEFT JOIN (
                        SELECT sol.order_id, SUM(aml.price_total) AS amount
                          FROM sale_order_line_invoice_rel rel
                          JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                          JOIN account_move am ON am.id = aml.move_id
                                              AND am.move_type = 'out_refund' AND am.state = 'posted'
                          JOIN sale_order_line sol ON sol.id = rel.order_line_id
                         GROUP BY sol.order_id
                       ) credits ON credits.order_id = s.id
                 WHERE s.state = 'sale' AND s.partner_id IS NOT NULL
               ) o
         WHERE o.amount > 0.005 AND %(filters)s
         GROUP BY o.partner_id, o.company_id, o.day
        """,
        pos_states=PAID_POS_STATES,
        filters=SQL(" AND ").join(filters),
    )

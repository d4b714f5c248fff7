from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import reasons
from ..tools.visits import PAID_POS_STATES


class ClinicLoyaltyRecall(models.Model):
    """A patient due to come back for a service: one per patient, service and due date.

    The scheduled action creates recalls from paid visit lines (``_cron_clinic_create_recalls``);
    the UNIQUE key makes it safe to run again. Booking or paying the service closes the
    recall and its call activity (``_clinic_close_recalls``), and paying it within the
    window earns the recall reward once.
    """

    _name = "clinic.loyalty.recall"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Patient Recall"
    _order = "due_date, id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Patient", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True, ondelete="cascade")
    product_id = fields.Many2one(comodel_name="product.product", string="Service", required=True, ondelete="cascade")
    last_visit_date = fields.Date(string="Last Visit", required=True, help="Day the patient last paid the service.")
    due_date = fields.Date(required=True, index=True, help="Last visit plus the service's recall delay.")
    state = fields.Selection(
        selection=[("due", "Due"), ("done", "Done"), ("cancelled", "Cancelled")],
        default="due",
        required=True,
        index=True,
        tracking=True,
    )
    closed_by = fields.Selection(
        selection=[("booked", "Booked"), ("paid", "Paid")],
        readonly=True,
        help="How the patient came back: a quotation with the service, or the service paid.",
    )
    done_date = fields.Date(readonly=True)
    user_id = fields.Many2one(comodel_name="res.users", string="Assigned To", help="Who calls the patient.")
    activity_id = fields.Many2one(comodel_name="mail.activity", string="Call Activity", ondelete="set null")
    reward_line_id = fields.Many2one(
        comodel_name="clinic.loyalty.ledger", string="Reward", readonly=True, ondelete="set null"
    )
    sent_email = fields.Boolean(string="Email Sent", readonly=True)
    sent_sms = fields.Boolean(string="SMS Sent", readonly=True)

    _sql_constraints = [
        (
            "patient_service_due_unique",
            "UNIQUE(partner_id, company_id, product_id, due_date)",
            "A patient is recalled once per service and due date.",
        ),
    ]

    @api.depends("partner_id", "due_date")
    def _compute_display_name(self):
        # The service stays out of the name: it shows in activity lists and notifications.
        for recall in self:
            recall.display_name = self.env._(
                "Recall of %(patient)s due %(date)s",
                patient=recall.partner_id.name or "",
                date=fields.Date.to_string(recall.due_date) if recall.due_date else "",
            )

    # Actions -------------------------------------------------------------------------

    def action_cancel(self):
        """The manager drops recalls (the patient moved away, treated elsewhere)."""
        self.check_access("write")
        self.filtered(lambda r: r.state == "due")._clinic_close("cancelled")
        return True

    # Creation --------------------------------------------------------------------------

    @api.model
    def _clinic_recall_rows_query(self, today, limit):
        """Patients due for a recall: the last paid line of a service with a recall delay,
        net of refunds, whose due date minus the company's lead days has come and whose due
        date plus the grace days has not passed, and which has no recall for that due date.

        Set-based on purpose: one pass over the recent order lines (bounded by the longest
        delay), whatever the number of patients.
        """
        cr = self.env.cr
        cr.execute(SQL("SELECT COALESCE(MAX(clinic_recall_delay), 0) FROM product_template"))
        longest = cr.fetchone()[0]
        cr.execute(SQL("SELECT COALESCE(MAX(clinic_recall_grace_days), 0) FROM res_company"))
        oldest_day = today - timedelta(days=longest + max(cr.fetchone()[0], 0))
        return SQL(
            """
            WITH recall_products AS (
                SELECT p.id AS product_id, t.clinic_recall_delay AS delay
                  FROM product_product p
                  JOIN product_template t ON t.id = p.product_tmpl_id
                 WHERE t.clinic_recall_delay > 0
            ), paid_lines AS (
                SELECT s.partner_id, s.company_id, line.product_id, (s.date_order)::date AS day
                  FROM sale_order_line line
                  JOIN recall_products rp ON rp.product_id = line.product_id
                  JOIN sale_order s ON s.id = line.order_id
                 WHERE s.state = 'sale' AND s.partner_id IS NOT NULL AND line.product_uom_qty > 0
                   AND s.date_order >= %(oldest)s
                   AND line.product_uom_qty > COALESCE((
                        SELECT SUM(aml.quantity)
                          FROM sale_order_line_invoice_rel rel
                          JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                          JOIN account_move am ON am.id = aml.move_id
                                              AND am.move_type = 'out_refund' AND am.state = 'posted'
                         WHERE rel.order_line_id = line.id), 0)
             UNION ALL
                SELECT p.partner_id, p.company_id, line.product_id, (p.date_order)::date AS day
                  FROM pos_order_line line
                  JOIN recall_products rp ON rp.product_id = line.product_id
                  JOIN pos_order p ON p.id = line.order_id
                 WHERE p.state IN %(pos_states)s AND p.partner_id IS NOT NULL AND line.qty > 0
                   AND p.date_order >= %(oldest)s
                   AND line.qty + COALESCE((
                        SELECT SUM(refund.qty)
                          FROM pos_order_line refund
                          JOIN pos_order refund_order ON refund_order.id = refund.order_id
                                                     AND refund_order.state IN %(pos_states)s
                         WHERE refund.refunded_orderline_id = line.id), 0) > 0
            ), last_visits AS (
                SELECT partner_id, company_id, product_id, MAX(day) AS day
                  FROM paid_lines GROUP BY partner_id, company_id, product_id
            )
            SELECT v.partner_id, v.company_id, v.product_id, v.day, v.day + rp.delay AS due_date
              FROM last_visits v
              JOIN recall_products rp ON rp.product_id = v.product_id
              JOIN res_company company ON company.id = v.company_id
             WHERE v.day + rp.delay - COALESCE(company.clinic_recall_lead_days, 0) <= %(today)s
               AND v.day + rp.delay + COALESCE(company.clinic_recall_grace_days, 0) >= %(today)s
               AND NOT EXISTS (SELECT 1 FROM clinic_loyalty_recall r
                                WHERE r.partner_id = v.partner_id AND r.company_id = v.company_id
                                  AND r.product_id = v.product_id AND r.due_date = v.day + rp.delay)
          ORDER BY due_date, v.partner_id, v.product_id
             LIMIT %(limit)s
            """,
            oldest=oldest_day,
            pos_states=PAID_POS_STATES,
            today=today,
            limit=limit,
        )

    @api.model
    def _cron_clinic_create_recalls(self, batch_size=1000):
        """Create the recalls that have come due, their call activities and reminders.

        Idempotent: a (patient, service, due date) that has a recall is never chosen again,
        and the UNIQUE index refuses a second one even from a concurrent run. One batch per
        call; the scheduler calls again while patients remain.
        """
        self.env.flush_all()
        today = fields.Date.context_today(self)
        self.env.cr.execute(self._clinic_recall_rows_query(today, batch_size))
        rows = self.env.cr.fetchall()
        recalls = self.sudo().create(
            [
                {
                    "partner_id": partner_id,
                    "company_id": company_id,
                    "product_id": product_id,
                    "last_visit_date": day,
                    "due_date": due_date,
                }
                for partner_id, company_id, product_id, day, due_date in rows
            ]
        )
        consenting = recalls.filtered(lambda r: r.partner_id.sudo().clinic_consent_reminders)
        consenting._clinic_assign()
        consenting._clinic_schedule_calls()
        consenting._clinic_send_reminders()
        self.env["ir.cron"]._notify_progress(done=len(rows), remaining=1 if len(rows) >= batch_size else 0)
        return recalls

    def _clinic_usual_staff(self):
        """{(patient id, company id): user} of each patient's last paid order (sales or POS)."""
        partner_ids = list(set(self.partner_id.ids))
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (o.partner_id, o.company_id) o.partner_id, o.company_id, o.user_id
                  FROM (
                        SELECT partner_id, company_id, user_id, date_order FROM sale_order
                         WHERE state = 'sale' AND partner_id = ANY(%(partners)s) AND user_id IS NOT NULL
                     UNION ALL
                        SELECT partner_id, company_id, user_id, date_order FROM pos_order
                         WHERE state IN %(pos_states)s AND partner_id = ANY(%(partners)s) AND user_id IS NOT NULL
                       ) o
              ORDER BY o.partner_id, o.company_id, o.date_order DESC
                """,
                partners=partner_ids,
                pos_states=PAID_POS_STATES,
            )
        )
        users = {row[:2]: row[2] for row in self.env.cr.fetchall()}
        active = self.env["res.users"].sudo().browse(set(users.values())).filtered(lambda u: u.active and not u.share)
        return {key: self.env["res.users"].browse(uid) for key, uid in users.items() if uid in active.ids}

    def _clinic_assign(self):
        """The patient's usual staff, or the company's recall team in turn."""
        usual = self._clinic_usual_staff()
        for company, recalls in self.grouped("company_id").items():
            company = company.sudo()
            team = company.clinic_recall_user_ids.filtered(lambda u: u.active).sorted("id")
            turn = company.clinic_recall_turn
            for recall in recalls:
                user = (
                    usual.get((recall.partner_id.id, company.id))
                    if company.clinic_recall_assignment == "usual"
                    else None
                )
                if not user and team:
                    user = team[turn % len(team)]
                    turn += 1
                recall.user_id = user or self.env.user
            company.clinic_recall_turn = turn % len(team) if team else 0

    def _clinic_schedule_calls(self):
        activity_type = self.env.ref("clinic_loyalty.mail_activity_type_clinic_recall", raise_if_not_found=False)
        for recall in self:
            activity = recall.sudo().activity_schedule(
                activity_type_id=activity_type.id if activity_type else False,
                date_deadline=max(
                    recall.due_date - timedelta(days=recall.company_id.clinic_recall_lead_days),
                    fields.Date.context_today(self),
                ),
                summary=self.env._("Recall call"),
                user_id=recall.user_id.id,
            )
            recall.activity_id = activity

    def _clinic_send_reminders(self):
        """Email and SMS reminders (patients who accept care reminders, companies that send them)."""
        recipients = self.filtered(lambda r: r.partner_id.sudo().clinic_consent_reminders)
        by_email = recipients.filtered(lambda r: r.company_id.clinic_recall_email and r.partner_id.email)
        template = self.env.ref("clinic_loyalty.mail_template_clinic_recall", raise_if_not_found=False)
        if template and by_email:
            template.sudo().send_mail_batch(by_email.ids, force_send=False)
            by_email.write({"sent_email": True})
        by_sms = recipients.filtered(lambda r: r.company_id.clinic_recall_sms and r.partner_id._clinic_sms_number())
        sms_template = self.env.ref("clinic_loyalty.sms_template_clinic_recall", raise_if_not_found=False)
        if sms_template and by_sms:
            bodies = sms_template.sudo()._render_field("body", by_sms.ids, compute_lang=True)
            self.env["sms.sms"].sudo().create(
                [
                    {
                        "partner_id": r.partner_id.id,
                        "number": r.partner_id._clinic_sms_number(),
                        "body": bodies[r.id],
                        "state": "outgoing",
                    }
                    for r in by_sms
                ]
            )
            by_sms.write({"sent_sms": True})

    # Closing ---------------------------------------------------------------------------

    def _clinic_close(self, state, closed_by=False):
        for recall in self:
            vals = {"state": state, "done_date": fields.Date.context_today(self)}
            if closed_by:
                vals["closed_by"] = closed_by
            recall.write(vals)
        activities = self.activity_id.exists()
        if state == "done" and activities:
            activities.action_feedback(feedback=self.env._("The patient came back."))
        elif activities:
            activities.unlink()

    @api.model
    def _clinic_close_recalls(self, company, partner, products, document=None, paid=False, day=None):
        """Close ``partner``'s open recalls of ``products``: booked (a quotation) or paid.

        Paid within the window (by the due date plus the company's grace days, after the
        last visit) earns the service's recall reward once per recall (its source key).
        """
        # Read from the cache the order already loaded: no query for services without recall.
        products = products.filtered("clinic_recall_delay")
        if not partner or not products:
            return self.browse()
        Recall = self.sudo()
        # Paying a booked recall still earns its reward; a paid one is finished.
        open_domain = [("state", "=", "due")]
        if paid:
            open_domain = ["|", ("state", "=", "due"), "&", ("state", "=", "done"), ("closed_by", "=", "booked")]
        recalls = Recall.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "=", partner.id),
                ("product_id", "in", products.ids),
                *open_domain,
            ]
        )
        if not recalls:
            return recalls
        recalls.filtered(lambda r: r.state == "due")._clinic_close("done", "paid" if paid else "booked")
        if paid:
            recalls.filtered(lambda r: r.closed_by == "booked").write({"closed_by": "paid"})
            recalls._clinic_reward(document, day or fields.Date.context_today(self))
        return recalls

    def _clinic_reward(self, document, day):
        for recall in self:
            grace = recall.company_id.clinic_recall_grace_days
            if not recall.last_visit_date < day <= recall.due_date + timedelta(days=grace):
                continue
            template = recall.product_id.product_tmpl_id
            points = template.clinic_recall_points or template.categ_id.clinic_recall_points
            program = recall.company_id.clinic_loyalty_program_id
            if points <= 0 or not program.clinic_bonus:
                continue
            card = recall.partner_id._clinic_card_in(program)
            if not card:
                continue
            line, _created = card._clinic_post_once(
                "earn",
                points,
                # Rendered in each reader's language; it names no treatment.
                reasons.reason("recall_reward", date={"date": fields.Date.to_string(recall.due_date)}),
                source_key=f"recall:{recall.id}",
                origin=document._clinic_origin() if document else None,
                document=document,
            )
            recall.reward_line_id = line

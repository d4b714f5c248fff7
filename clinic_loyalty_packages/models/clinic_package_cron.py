"""Scheduled actions of treatment packages: expiry and reminders, in batches."""

from odoo import api, fields, models


class ClinicPackage(models.Model):
    _inherit = "clinic.package"

    @api.model
    def _cron_clinic_expire_packages(self, batch_size=1000):
        """Packages past their last day expire. A batch per call: the scheduler calls again
        while some remain (each call commits); an expired package is never chosen again."""
        today = fields.Date.context_today(self)
        expired = self.sudo().search([("state", "=", "active"), ("date_end", "<", today)], limit=batch_size)
        expired.write({"state": "expired"})
        for package in expired.filtered(lambda p: p.deferred and p.company_id.clinic_package_recognise_expiry):
            package._clinic_recognise(
                package.deferred_balance,
                self.env._("%(package)s expired: the rest recognised", package=package.display_name),
                today,
                package.product_id,
            )
        remaining = 1 if len(expired) >= batch_size else 0
        self.env["ir.cron"]._notify_progress(done=len(expired), remaining=remaining)
        return expired

    @api.model
    def _cron_clinic_package_reminders(self, batch_size=500):
        """Remind patients, once, that a package expires within its template's days, and
        that one session of it is left (when the template asks for it). The reminder's
        unique key makes a repeated run send nothing new; a batch per call."""
        today = fields.Date.context_today(self)
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT package.id, 'expiry'
              FROM clinic_package package
              JOIN product_product product ON product.id = package.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
             WHERE package.state = 'active' AND package.sessions_left > 0
               AND template.clinic_package_remind_days > 0
               AND package.date_end >= %(today)s
               AND package.date_end - %(today)s <= template.clinic_package_remind_days
               AND NOT EXISTS (SELECT 1 FROM clinic_package_reminder reminder
                                WHERE reminder.key = 'expiry:' || package.id || ':' || package.date_end::text)
             UNION ALL
            SELECT package.id, 'last_session'
              FROM clinic_package package
              JOIN product_product product ON product.id = package.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
             WHERE package.state = 'active' AND package.sessions_left = 1
               AND template.clinic_package_remind_last
               AND (package.date_end IS NULL OR package.date_end >= %(today)s)
               AND NOT EXISTS (SELECT 1 FROM clinic_package_reminder reminder
                                WHERE reminder.key = 'last_session:' || package.id)
             LIMIT %(limit)s
            """,
            {"today": today, "limit": batch_size},
        )
        rows = self.env.cr.fetchall()
        Reminder = self.env["clinic.package.reminder"]
        reminders = Reminder.browse()
        for kind in ("expiry", "last_session"):
            reminders |= Reminder._clinic_send(self.browse([row[0] for row in rows if row[1] == kind]), kind)
        self.env["ir.cron"]._notify_progress(done=len(rows), remaining=1 if len(rows) >= batch_size else 0)
        return reminders

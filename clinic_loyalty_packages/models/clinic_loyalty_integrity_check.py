from odoo import api, models
from odoo.tools import SQL


class ClinicLoyaltyIntegrityCheck(models.Model):
    _inherit = "clinic.loyalty.integrity.check"

    @api.model
    def _clinic_integrity_problems(self, company):
        return super()._clinic_integrity_problems(company) + self._clinic_package_problems(company)

    @api.model
    def _clinic_package_problems(self, company):
        """Package sessions whose stored count differs from the visits that used them (not given back)."""
        # One set-based query over the company's counters instead of reading every package.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT counter.id, counter.package_id, counter.sessions, counter.sessions_used,
                       counter.sessions_left, COUNT(visit.id) FILTER (WHERE NOT COALESCE(visit.restored, FALSE))
                  FROM clinic_package_counter counter
             LEFT JOIN clinic_package_use visit ON visit.counter_id = counter.id
                 WHERE counter.company_id = %(company)s
              GROUP BY counter.id
                HAVING counter.sessions_used <> COUNT(visit.id) FILTER (WHERE NOT COALESCE(visit.restored, FALSE))
                    OR counter.sessions_left <> counter.sessions
                       - COUNT(visit.id) FILTER (WHERE NOT COALESCE(visit.restored, FALSE))
              ORDER BY counter.id
                """,
                company=company.id,
            )
        )
        rows = self.env.cr.fetchall()
        counters = self.env["clinic.package.counter"].sudo().browse([row[0] for row in rows])
        services = {counter.id: counter.service_id.display_name for counter in counters}
        packages = {package.id: package.display_name for package in counters.package_id}
        return [
            {
                "kind": "package",
                "res_model": "clinic.package",
                "res_id": package_id,
                "name": packages[package_id],
                "detail_data": {
                    "msg": "package",
                    "args": {
                        "service": services[counter_id],
                        "used": used,
                        "left": left,
                        "sessions": sessions,
                        "visits": visits,
                    },
                },
            }
            for counter_id, package_id, sessions, used, left, visits in rows
        ]

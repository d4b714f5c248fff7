from odoo import api, models
from odoo.tools import SQL


class ClinicLoyaltyIntegrityCheck(models.Model):
    _inherit = "clinic.loyalty.integrity.check"

    @api.model
    def _clinic_integrity_problems(self, company):
        return super()._clinic_integrity_problems(company) + self._clinic_referral_problems(company)

    @api.model
    def _clinic_referral_problems(self, company):
        """Referrals rewarded twice: a second newcomer's gift, a second referrer's reward for
        the same order (one per order, fixed or a share), or a reward's points posted twice."""
        # Set-based: one query over the company's rewards and their ledger lines.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT referral_id, kind = 'gift', COUNT(*)
                  FROM clinic_referral_reward
                 WHERE company_id = %(company)s AND reversal_of_id IS NULL
                       -- A reward taken back whole (an order cancelled, then confirmed
                       -- again and rewarded anew) no longer counts.
                   AND state != 'reversed' AND ABS(net_amount) > 0.005
              GROUP BY referral_id, kind = 'gift', sale_order_id, pos_order_id
                HAVING COUNT(*) > 1
             UNION ALL
                SELECT reward.referral_id, NULL, COUNT(*)
                  FROM clinic_loyalty_ledger ledger
                  JOIN clinic_referral_reward reward ON reward.id = ledger.referral_reward_id
                 WHERE reward.company_id = %(company)s AND ledger.kind = 'earn'
              GROUP BY reward.id, reward.referral_id
                HAVING COUNT(*) > 1
              ORDER BY 1, 2
                """,
                company=company.id,
            )
        )
        rows = self.env.cr.fetchall()
        referrals = self.env["clinic.referral"].sudo().browse({row[0] for row in rows})
        names = {referral.id: referral.display_name for referral in referrals}
        problems = []
        for referral_id, gift, times in rows:
            if gift is None:
                key = "referral_posted"
            else:
                key = "referral_gift" if gift else "referral_order"
            problems.append(
                {
                    "kind": "referral",
                    "res_model": "clinic.referral",
                    "res_id": referral_id,
                    "name": names[referral_id],
                    "detail_data": {"msg": key, "args": {"times": times}},
                }
            )
        return problems

from odoo.addons.clinic_loyalty.tests.common import ClinicBonusCommon


class ReferralCommon(ClinicBonusCommon):
    """The bonus clinic with a two-sided referral programme: 200 points for the newcomer when
    the code is recorded, 500 points (or 300 of commission for staff and channels) for the
    referrer when the newcomer pays a first visit within 90 days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.referral_program = cls.env["clinic.referral.program"].create(
            {
                "company_id": cls.company.id,
                "sides": "two",
                "newcomer_gift": "points",
                "newcomer_points": 200,
                "referrer_reward": "fixed",
                "referrer_points": 500,
                "commission_amount": 300,
                "qualify_days": 90,
            }
        )
        cls.referrer = cls._patient("Boris Referrer", "+7 912 400 0001", email="boris@example.com")
        cls.referrer_card = cls.referrer.clinic_card_ids
        cls.newcomer = cls._patient("Vera Newcomer", "+7 912 400 0002", email="vera@example.com")
        cls.newcomer_card = cls.newcomer.clinic_card_ids

    def _refer(self, newcomer=None, code=None):
        return self.env["clinic.referral"]._clinic_record(
            newcomer or self.newcomer, code or self.referrer.referral_code, "desk"
        )

    def _visit(self, price, partner=None, qty=1):
        """A visit of ``partner`` (the newcomer) for ``qty`` consultations at ``price``, confirmed."""
        order = self._order([(self.service, qty, price)], partner=partner or self.newcomer)
        order.action_confirm()
        return order

    def _balances(self):
        (self.referrer_card | self.newcomer_card).invalidate_recordset(["points"])
        return self.referrer_card.points, self.newcomer_card.points

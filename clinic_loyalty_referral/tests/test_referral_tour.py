from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestReferralTour(TestPointOfSaleHttpCommon):
    """The cashier records a newcomer's referral code in the POS; the first visit rewards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test environment's user is an accountant: set the clinic up as the system.
        env = cls.env(su=True)
        env["loyalty.program"].search([]).write({"active": False})
        company = cls.main_pos_config.company_id
        company.country_id = env.ref("base.ru")
        program = env["loyalty.program"].create(
            {
                "name": "Clinic Bonus",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "company_id": company.id,
                "pos_ok": True,
                "clinic_bonus": True,
                "clinic_tier_ids": [(0, 0, {"name": "Bronze", "threshold": 0, "earn_rate": 10})],
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount_mode": "per_point", "discount": 1})],
            }
        )
        company.clinic_loyalty_program_id = program
        env["clinic.referral.program"].search([("company_id", "=", company.id)]).unlink()
        cls.referral_program = env["clinic.referral.program"].create(
            {
                "company_id": company.id,
                "sides": "two",
                "newcomer_gift": "points",
                "newcomer_points": 200,
                "referrer_reward": "fixed",
                "referrer_points": 500,
            }
        )
        env["product.product"].create(
            {
                "name": "Referral Tour Consultation",
                "type": "service",
                "list_price": 1000,
                "available_in_pos": True,
                "taxes_id": [],
            }
        )
        Partner = env["res.partner"]
        cls.referrer = Partner.create(
            {"name": "Referral Tour Referrer", "phone": "+7 912 555 33 02", "is_patient": True,
             "company_id": company.id}
        )  # fmt: skip
        cls.newcomer = Partner.create(
            {"name": "Referral Tour Newcomer", "phone": "+7 912 555 33 01", "is_patient": True,
             "company_id": company.id}
        )  # fmt: skip
        # Known codes for the tour to type and read; codes are otherwise drawn at random.
        cls.referrer.clinic_referrer_id.code_ids.write({"code": "FRIEND26"})
        cls.newcomer.clinic_referrer_id.code_ids.write({"code": "NEWBIE26"})
        # The POS cashier is the clinic's front desk: they record referral codes.
        cls.pos_user.groups_id += env.ref("clinic_loyalty.group_clinic_loyalty_user")

    def test_a_newcomer_enters_a_code_at_the_pos_and_their_first_visit_rewards_the_referrer(self):
        self.assertTrue(self.referrer.sudo().clinic_card_ids, "the referrer has a card")
        self.assertFalse(self.env["pos.order"].search_count([("partner_id", "=", self.newcomer.id)]))

        self.start_pos_tour("clinic_loyalty_referral_enter_code")

        self.env.invalidate_all()
        referral = self.env["clinic.referral"].sudo().search([("newcomer_id", "=", self.newcomer.id)])
        visit = self.env["pos.order"].search([("partner_id", "=", self.newcomer.id)])
        self.assertEqual(len(visit), 1)
        self.assertEqual(
            (referral.referrer_id.partner_id, referral.code_used, referral.source, referral.user_id),
            (self.referrer, "FRIEND26", "pos", self.pos_user),
        )
        self.assertEqual((referral.state, referral.pos_order_id), ("rewarded", visit))
        newcomer_card = self.newcomer.sudo().clinic_card_ids
        referrer_card = self.referrer.sudo().clinic_card_ids
        # The welcome gift, then 10% of the 1000 paid for the visit.
        self.assertEqual(newcomer_card.points, 200 + 100)
        self.assertEqual(
            sorted(newcomer_card.clinic_ledger_ids.mapped(lambda line: (line.kind, line.points))),
            [("earn", 100), ("earn", 200)],
        )
        self.assertEqual(referrer_card.points, 500)
        self.assertEqual(referral.referrer_reward, 500)
        self.assertEqual(referral.newcomer_reward, 200)
        self.assertEqual(self.referrer.referral_count, 1)

"""The demo clinic that setup/run opens: its company, money, Front Desk and patients.

These tests read the module's demo data (installed in the test database, as by setup/run).
"""

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged


class DemoClinicCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clinic = cls.env.ref("clinic_loyalty.res_company_clinic_demo")
        cls.program = cls.env.ref("clinic_loyalty.loyalty_program_clinic_bonus_demo")
        cls.front_desk = cls.env.ref("clinic_loyalty.pos_config_front_desk_demo")


@tagged("post_install", "-at_install")
class TestDemoClinic(DemoClinicCase):
    def test_the_clinic_counts_in_its_own_currency(self):
        rub = self.env.ref("base.RUB")
        self.assertEqual(self.clinic.currency_id, rub)
        self.assertEqual(self.clinic.clinic_loyalty_program_id, self.program)
        self.assertEqual(self.program.company_id, self.clinic)
        self.assertEqual(self.program.currency_id, rub)
        self.assertEqual(self.front_desk.currency_id, rub)
        self.assertEqual(self.front_desk.pricelist_id.currency_id, rub)
        plan = self.env.ref("clinic_loyalty.clinic_loyalty_membership_plan_family_dental_demo")
        self.assertEqual(plan.company_id, self.clinic)
        # Thresholds sized for roubles: Silver after about twenty consultations, not after one.
        consultation = self.env.ref("clinic_loyalty.product_consultation_gp_demo")
        tiers = self.program.clinic_tier_ids
        thresholds = dict(zip(tiers.mapped("name"), tiers.mapped("threshold"), strict=True))
        self.assertEqual(thresholds, {"Bronze": 0, "Silver": 50000, "Gold": 150000})
        self.assertEqual(consultation.list_price, 1500)
        self.assertGreaterEqual(thresholds["Silver"] / consultation.list_price, 20)
        orders = self.env["sale.order"].search([("company_id", "=", self.clinic.id)])
        self.assertTrue(orders)
        self.assertEqual(set(orders.currency_id.mapped("name")), {"RUB"})

    def test_the_front_desk_sells_clinic_categories_and_runs_the_clinic_programme_only(self):
        self.assertEqual(self.front_desk.company_id, self.clinic)
        self.assertTrue(self.front_desk.limit_categories)
        self.assertEqual(
            set(self.front_desk.iface_available_categ_ids.mapped("name")),
            {"Consultations", "Dental", "Massage", "Cosmetology", "Care Products", "Cards and Packages"},
        )
        self.assertFalse(self.front_desk.show_product_images, "clean text tiles")
        checkup = self.env.ref("clinic_loyalty.product_dental_checkup_demo")
        self.assertIn(checkup.pos_categ_ids, self.front_desk.iface_available_categ_ids)
        self.assertFalse(checkup.taxes_id)
        # A cashier of the clinic: the desk loads the clinic's programme, none of Odoo's demo promotions.
        cashier = new_test_user(
            self.env,
            login="demo_clinic_cashier",
            groups="point_of_sale.group_pos_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=self.clinic.id,
            company_ids=[self.clinic.id],
        )
        programs = self.front_desk.with_user(cashier).with_company(self.clinic)._get_program_ids()
        self.assertEqual(programs, self.program)
        others = self.env["loyalty.program"].search([("company_id", "!=", self.clinic.id)])
        self.assertTrue(others, "Odoo's demo programmes stay in Odoo's demo company")

    def test_demo_patients_have_birth_dates_households_and_tiers_from_their_visits(self):
        patients = self.env["res.partner"].search([("company_id", "=", self.clinic.id), ("is_patient", "=", True)])
        self.assertGreaterEqual(len(patients), 20)
        self.assertTrue(all(patients.mapped("clinic_birth_date")))
        cards = self.env["loyalty.card"].search([("program_id", "=", self.program.id)])
        self.assertEqual(cards.partner_id, patients, "each patient has a card (members spend the holder's)")

        olga = self.env.ref("clinic_loyalty.res_partner_olga_smirnova_demo")
        card = olga.clinic_card_ids
        orders = self.env["sale.order"].search([("partner_id", "=", olga.id), ("state", "=", "sale")])
        # Her spend is her two visits (92,500 + 59,000), which took her to Gold.
        self.assertEqual(card.clinic_qualifying_spend, sum(orders.mapped("amount_total")))
        self.assertEqual(card.clinic_qualifying_spend, 151500)
        self.assertEqual(card.clinic_tier_id.name, "Gold")
        history = card.clinic_tier_history_ids.sorted("id")
        self.assertEqual(
            [(h.old_tier_id.name, h.new_tier_id.name, h.direction, h.origin) for h in history],
            [
                (False, "Silver", "start", orders.sorted("id")[0].name),
                ("Silver", "Gold", "up", orders.sorted("id")[1].name),
            ],
        )
        # The Ivanovs share the holder's card: Maria's massages count towards it.
        ivan = self.env.ref("clinic_loyalty.res_partner_ivan_ivanov_demo")
        maria = self.env.ref("clinic_loyalty.res_partner_maria_ivanova_demo")
        household = ivan.clinic_household_id
        self.assertEqual(household.holder_id, ivan)
        self.assertIn(maria, household.member_ids)
        self.assertEqual(maria._clinic_card_in(self.program), ivan.clinic_card_ids)
        self.assertEqual(ivan.clinic_card_ids.clinic_tier_id.name, "Silver")
        # No patient is told of an "upgrade" from no tier.
        self.assertFalse(
            self.env["clinic.loyalty.tier.history"].search(
                [("company_id", "=", self.clinic.id), ("old_tier_id", "=", False), ("direction", "!=", "start")]
            )
        )


@tagged("post_install", "-at_install")
class TestDemoFrontDeskTour(HttpCase):
    def test_the_front_desk_sells_a_service_with_points_to_a_demo_patient(self):
        clinic = self.env.ref("clinic_loyalty.res_company_clinic_demo")
        front_desk = self.env.ref("clinic_loyalty.pos_config_front_desk_demo")
        olga = self.env.ref("clinic_loyalty.res_partner_olga_smirnova_demo")
        card = olga.clinic_card_ids
        self.assertEqual(card.points, 5825, "the demo's 100 welcome points and her visits' cashback")
        cashier = new_test_user(
            self.env,
            login="front_desk_cashier",
            password="front_desk_cashier",
            groups="point_of_sale.group_pos_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=clinic.id,
            company_ids=[clinic.id],
            tz="Europe/Moscow",
        )
        front_desk.with_user(cashier).open_ui()
        self.start_tour(f"/pos/ui?config_id={front_desk.id}", "clinic_loyalty_demo_front_desk", login=cashier.login)
        order = self.env["pos.order"].search([("config_id", "=", front_desk.id)], order="id desc", limit=1)
        # 2,000 less her 5% card discount, half of it in points; 7% (Gold) of the 950 paid in
        # money is 66.5, rounded down to whole points as the programme says.
        self.assertEqual((order.partner_id, order.state, order.amount_total), (olga, "paid", 950))
        lines = self.env["clinic.loyalty.ledger"].search([("pos_order_id", "=", order.id)])
        self.assertEqual(sorted(lines.mapped("points")), [-950, 66])
        self.assertEqual(card.points, 4941)

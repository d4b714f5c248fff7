"""The integrity check: a card whose balance differs from its ledger or its open lots is
reported, in a check kept per run and a manager's to-do; a sound clinic gets no to-do."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ClinicLoyaltyCommon, IntegrityCheckCase, clinic_program_vals


@tagged("post_install", "-at_install")
class TestIntegrityCheck(IntegrityCheckCase, ClinicLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls._patient("Integrity Patient", "+7 912 300 0271").clinic_card_ids
        cls.card._clinic_post("earn", 300, "Order S271", source_key="sale:271")
        cls.card._clinic_post("spend", -120, "Order S272", source_key="sale:272")
        cls.card._clinic_post("earn", 50, "Order S273", source_key="sale:273")
        cls.other_card = cls._patient("Sound Patient", "+7 912 300 0272").clinic_card_ids
        cls.other_card._clinic_post("earn", 80, "Order S274", source_key="sale:274")

    def test_a_sound_clinic_gets_a_check_without_problems_and_no_todo(self):
        self.assertEqual(self.card.points, 230)
        check = self._run_check()
        self.assertEqual(check.company_id, self.env.company)
        self.assertEqual(check.problem_count, 0, check.problem_ids.mapped("detail"))
        self.assertFalse(check.activity_ids)

    def test_a_card_whose_balance_differs_from_its_ledger_is_reported_in_a_todo(self):
        # The balance edited by hand, and a card code that would be markup if not escaped.
        self._corrupt("UPDATE loyalty_card SET points = points + 10, code = 'C<b>271' WHERE id = %s", self.card.id)
        check = self._run_check()
        self.assertEqual(self._reported(check), {("card", "loyalty.card", self.card.id)})
        self.assertEqual(check.problem_ids.name, "C<b>271")
        self.assertEqual(check.problem_ids.detail, "Balance 240.0, ledger 230.0, open lots 230.0")
        todo = self._todo(check)
        self.assertEqual(len(todo), 1)
        self.assertTrue(todo.user_id.has_group("clinic_loyalty.group_clinic_loyalty_manager"))
        self.assertIn(self.env.company, todo.user_id.company_ids)
        self.assertIn("C&lt;b&gt;271", todo.note)
        self.assertNotIn("<b>271", todo.note)
        self.assertIn("Balance 240.0, ledger 230.0, open lots 230.0", todo.note)
        self.assertEqual(todo.summary, "Loyalty integrity: 1 problem(s)")
        # The manager reads the check and closes the to-do (no write right on checks needed).
        todo.with_user(self.manager).action_done()
        self.assertFalse(check.activity_ids)

    def test_the_todo_speaks_the_managers_language_and_the_check_each_readers(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["loyalty.card"]._clinic_manager_of(self.env.company).lang = "ru_RU"
        self._corrupt("UPDATE loyalty_card SET points = points + 10 WHERE id = %s", self.card.id)
        check = self._run_check()
        todo = self._todo(check)
        self.assertEqual(todo.summary, "Целостность лояльности: проблем — 1")
        self.assertIn("Баланс 240.0, журнал 230.0, действующие партии 230.0", todo.note)
        self.assertEqual(
            check.problem_ids.with_context(lang="en_US").detail, "Balance 240.0, ledger 230.0, open lots 230.0"
        )
        self.assertEqual(
            check.problem_ids.with_context(lang="ru_RU").detail, "Баланс 240.0, журнал 230.0, действующие партии 230.0"
        )

    def test_lots_that_do_not_add_up_to_the_balance_are_reported(self):
        lot = self.card.clinic_ledger_ids.filtered(lambda line: line.kind == "earn" and line.points == 50)
        self._corrupt("UPDATE clinic_loyalty_ledger SET remaining_points = 0 WHERE id = %s", lot.id)
        check = self._run_check()
        self.assertEqual(self._reported(check), {("card", "loyalty.card", self.card.id)})
        self.assertEqual(check.problem_ids.detail, "Balance 230.0, ledger 230.0, open lots 180.0")

    def test_a_negative_balance_is_reported_even_when_the_ledger_says_so(self):
        self._corrupt(
            "UPDATE clinic_loyalty_ledger SET points = -80, remaining_points = 0 WHERE card_id = %s",
            self.other_card.id,
        )
        self._corrupt("UPDATE loyalty_card SET points = -80 WHERE id = %s", self.other_card.id)
        check = self._run_check()
        self.assertEqual(self._reported(check), {("card", "loyalty.card", self.other_card.id)})

    def test_only_a_loyalty_manager_runs_the_check(self):
        Check = self.env["clinic.loyalty.integrity.check"].sudo()
        before = Check.search_count([])
        with self.assertRaisesRegex(AccessError, "Only a loyalty manager can run the integrity check"):
            self._run_check(user=self.cashier)
        self.assertEqual(Check.search_count([]), before, "nothing was written")
        with self.assertRaises(AccessError):
            self.env["clinic.loyalty.integrity.check"].with_user(self.cashier).search([])

    def test_the_weekly_job_checks_each_company_with_a_clinic_programme(self):
        company_b = self.env["res.company"].create({"name": "Clinic B"})
        self.env["loyalty.program"].create(clinic_program_vals("Clinic B Bonus", company_b))
        Check = self.env["clinic.loyalty.integrity.check"].sudo()
        before = Check.search([])
        self._corrupt("UPDATE loyalty_card SET points = 1 WHERE id = %s", self.other_card.id)
        Check._cron_clinic_integrity_check()
        checks = Check.search([]) - before
        clinics = self.env["loyalty.program"].sudo().search([("clinic_bonus", "=", True)]).company_id | self.env[
            "res.company"
        ].sudo().search([("clinic_loyalty_program_id.clinic_bonus", "=", True)])
        self.assertEqual(checks.company_id, clinics)
        self.assertEqual(len(checks), len(clinics), "one check per company")
        self.assertIn(company_b, checks.company_id)
        by_company = {check.company_id: check for check in checks}
        self.assertEqual(by_company[self.env.company].problem_count, 1)
        self.assertEqual(len(self._todo(by_company[self.env.company])), 1)
        self.assertEqual(by_company[company_b].problem_count, 0)
        self.assertFalse(by_company[company_b].activity_ids)

    def test_a_clinic_programme_without_a_company_is_checked_for_the_clinics_using_it(self):
        """Review of issue 27: the company's programme may be shared (no company of its
        own): its cards are still checked, by the manager's run and by the weekly job."""
        self.program.company_id = False
        self._corrupt("UPDATE loyalty_card SET points = points + 10 WHERE id = %s", self.card.id)
        check = self._run_check()
        self.assertEqual(self._reported(check), {("card", "loyalty.card", self.card.id)})
        self.assertEqual(check.problem_ids.detail, "Balance 240.0, ledger 230.0, open lots 230.0")
        Check = self.env["clinic.loyalty.integrity.check"].sudo()
        before = Check.search([])
        Check._cron_clinic_integrity_check()
        weekly = (Check.search([]) - before).filtered(lambda c: c.company_id == self.env.company)
        self.assertEqual(len(weekly), 1)
        self.assertEqual(weekly.problem_count, 1)

    def test_managers_find_the_checks_under_configuration_and_cashiers_do_not(self):
        menu = self.env.ref("clinic_loyalty.clinic_loyalty_integrity_check_menu")
        self.assertEqual(menu.parent_id, self.env.ref("clinic_loyalty.clinic_loyalty_menu_configuration"))
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids())
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(self.cashier)._visible_menu_ids())
        views = (
            self.env["clinic.loyalty.integrity.check"]
            .with_user(self.manager)
            .get_views([(False, "list"), (False, "form")])
        )
        self.assertIn("action_clinic_run_check", views["views"]["list"]["arch"])
        self.assertIn("problem_ids", views["views"]["form"]["arch"])

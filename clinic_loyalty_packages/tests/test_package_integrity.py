"""The integrity check of packages: sessions whose stored count differs from the visits that
used them are reported; sessions given back by a cancelled visit are no problem."""

from odoo.tests import tagged

from odoo.addons.clinic_loyalty.tests.common import ClinicLoyaltyCommon, IntegrityCheckCase

from .test_package_sale import PackageSaleCase


@tagged("post_install", "-at_install")
class TestPackageIntegrity(IntegrityCheckCase, PackageSaleCase, ClinicLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_package(cls.company)
        cls._setup_clinic_program(cls.company)
        cls.package = cls._sell_package()
        cls.visit = cls._use_package(cls.package, [(cls.massage, 2), (cls.acupuncture, 1)])
        cls.massages = cls.package.counter_ids.filtered(lambda counter: counter.service_id == cls.massage)

    def test_used_and_given_back_sessions_are_no_problem(self):
        self.assertEqual((self.massages.sessions_used, self.massages.sessions_left), (2, 8))
        self.assertEqual(self._run_check().problem_count, 0)
        self.visit._action_cancel()
        self.assertEqual(self.massages.sessions_left, 10, "the visit gave its sessions back")
        check = self._run_check()
        self.assertEqual(check.problem_count, 0, check.problem_ids.mapped("detail"))

    def test_sessions_that_differ_from_their_visits_are_reported_in_the_todo(self):
        # A session taken by hand, with no visit behind it.
        self._corrupt(
            "UPDATE clinic_package_counter SET sessions_used = 3, sessions_left = 7 WHERE id = %s", self.massages.id
        )
        check = self._run_check()
        self.assertEqual(self._reported(check), {("package", "clinic.package", self.package.id)})
        self.assertEqual(check.problem_ids.name, self.package.display_name)
        self.assertEqual(check.problem_ids.detail, "Massage 60: 3 used and 7 left of 10; visits recorded: 2")
        todo = self._todo(check)
        self.assertEqual(len(todo), 1)
        self.assertIn("Package sessions", todo.note)
        self.assertIn("Massage 60: 3 used and 7 left of 10; visits recorded: 2", todo.note)

    def test_a_visit_given_back_without_its_session_is_reported(self):
        use = self.massages.use_ids[:1]
        self._corrupt("UPDATE clinic_package_use SET restored = TRUE WHERE id = %s", use.id)
        check = self._run_check()
        self.assertEqual(self._reported(check), {("package", "clinic.package", self.package.id)})
        self.assertEqual(check.problem_ids.detail, "Massage 60: 2 used and 8 left of 10; visits recorded: 1")

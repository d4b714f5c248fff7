"""Cross-addon: what the front desk only reads goes to a database replica.

The POS panel's reads (the card, the packages, the referrals of the selected patient) are
read-only methods (``@api.readonly``): with ``--db_replica_host`` Odoo serves them from the
replica, and here, as in Odoo's test mode, on a read-only transaction: a write would fail and
Odoo would retry it on the primary with a warning. Calls that move money or promise a figure
(order sync, the check before payment, the refund quote) stay on the primary.
"""

from odoo.tests import HttpCase, new_test_user

from odoo.addons.clinic_loyalty.tests.common import RpcCallMixin

READ_ONLY = [
    ("loyalty.card", "clinic_pos_card_info"),
    ("clinic.package", "clinic_pos_packages"),
    ("res.partner", "clinic_referral_info"),
]
PRIMARY = [
    ("pos.order", "sync_from_ui"),
    ("pos.order", "clinic_check_points"),
    ("pos.order", "clinic_check_packages"),
    ("pos.order", "clinic_package_refund_quote"),
]


class TestDeskReadsReadonly(RpcCallMixin, HttpCase):
    # Odoo sets these on test classes of addons; this module lives outside any addon.
    test_tags = {"standard", "post_install"}
    test_module = "clinic_loyalty"
    test_class = "TestDeskReadsReadonly"
    test_sequence = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The demo clinic: a patient of a household with a package, a card and a referral code.
        cls.clinic = cls.env.ref("clinic_loyalty.res_company_clinic_demo")
        package = cls.env["clinic.package"].search(
            [("company_id", "=", cls.clinic.id), ("state", "=", "active"), ("sessions_left", ">", 0)], limit=1
        )
        cls.patient = package.partner_id
        cls.cashier = new_test_user(
            cls.env,
            login="readonly_cashier",
            groups="base.group_user,point_of_sale.group_pos_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=cls.clinic.id,
            company_ids=[(6, 0, [cls.clinic.id])],
        )

    def test_the_desk_reads_are_read_only_and_write_nothing(self):
        self.assertTrue(self.patient, "the demo clinic has a patient with a package")
        for model, method in READ_ONLY:
            self.assertTrue(getattr(getattr(self.env.registry[model], method), "_readonly", False), method)
        for model, method in PRIMARY:
            self.assertFalse(getattr(getattr(self.env.registry[model], method), "_readonly", False), method)
        context = {"allowed_company_ids": [self.clinic.id]}
        # A write on the read-only transaction would be retried on the primary with a warning.
        with self.assertNoLogs("odoo.http", level="WARNING"):
            card, error, _message = self._rpc(
                self.cashier, "loyalty.card", "clinic_pos_card_info", self.patient.id, context=context
            )
            self.assertFalse(error)
            self.assertEqual(card["card_id"], self.patient._clinic_card_in(self.clinic.clinic_loyalty_program_id).id)
            packages, error, _message = self._rpc(
                self.cashier, "clinic.package", "clinic_pos_packages", self.patient.id, context=context
            )
            self.assertFalse(error)
            self.assertTrue(packages and packages[0]["counters"])
            referral, error, _message = self._rpc(
                self.cashier, "res.partner", "clinic_referral_info", [self.patient.id], context=context
            )
            self.assertFalse(error)
            self.assertIn("code", referral)

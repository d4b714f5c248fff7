from odoo.tests import tagged

from . import test_package_tour


@tagged("post_install", "-at_install")
class TestPackageDeskOffer(test_package_tour.TestPackageTour):
    """Issue 26, item 7: the desk proposes the patient's package for a service at full price."""

    # The inherited tours run in their own class.
    test_sell_a_package_then_pay_a_session_with_it = None
    test_refund_the_unused_part_of_a_package_at_the_pos = None

    def test_a_service_the_patient_has_a_package_for_is_offered_on_its_line(self):
        self.start_pos_tour("clinic_loyalty_packages_sell_then_redeem")
        self.start_pos_tour("clinic_loyalty_packages_offer_on_line")
        package = self.env["clinic.package"].sudo().search([("partner_id", "=", self.patient.id)])
        self.assertEqual(package.sessions_left, 9, "an open order takes no session before it is paid")

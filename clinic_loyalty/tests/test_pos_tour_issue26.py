from odoo.tests import tagged

from . import test_pos_tour


@tagged("post_install", "-at_install")
class TestPosToursIssue26(test_pos_tour.TestPosLoyaltyTours):
    """Issue 26 at the desk (items 5 and 16), in the browser."""

    # The inherited tours run in their own class.
    test_scan_card_redeem_pay_and_read_the_receipt = None
    test_find_the_patient_by_phone_in_any_format_with_the_card_discount = None
    test_two_patients_searched_in_a_row_never_show_the_first_match = None
    test_a_replayed_order_earns_once_and_a_refund_reverses = None
    test_a_refund_returns_the_items_share_of_the_points = None
    test_a_refund_reverses_what_its_line_did = None
    test_offline_orders_sync_after_the_server_corrects_one = None
    test_a_refund_keeps_back_the_value_of_earned_points_already_spent = None
    test_a_member_uses_no_more_than_the_monthly_limit = None
    test_points_spent_elsewhere_meanwhile_are_refused_before_payment = None
    test_a_household_member_pays_with_the_household_points = None
    test_points_pay_a_taxed_service_up_to_the_exact_share = None
    test_the_front_desk_in_russian = None

    def test_a_member_sees_their_own_card_next_to_the_family_card(self):
        _household, member = self._household_with_member()
        member.clinic_card_ids.sudo()._clinic_post("earn", 100, "Opening")
        self.card.sudo()._clinic_post("earn", 1186, "More")
        self.start_pos_tour("clinic_loyalty_pos_member_sees_own_card")

    def test_a_customer_created_at_the_clinic_desk_is_a_patient(self):
        self.start_pos_tour("clinic_loyalty_pos_new_customer_is_a_patient")
        partner = self.env["res.partner"].sudo().search([("name", "=", "Desk Newcomer")])
        self.assertTrue(partner.is_patient)
        self.assertEqual(partner.phone, "+79124445566")
        self.assertTrue(partner.clinic_card_ids)

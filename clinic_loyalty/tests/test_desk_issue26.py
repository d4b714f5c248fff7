"""Issue 26 at the front desk: points in the reader's format, new customers at a clinic POS,
the POS's customers of its own company, a member's own card."""

from odoo.tests import Form, new_test_user, tagged

from .test_pos_loyalty import PosClinicCommon


@tagged("post_install", "-at_install")
class TestDeskIssue26(PosClinicCommon):
    def test_points_are_written_with_the_readers_thousands_separator(self):
        card = self.card.with_context(lang="en_US")
        self.assertEqual(card._format_points(1500), "1,500 points")
        self.assertEqual(card._format_points(1), "1 point")
        self.assertEqual(card._format_points(4777.5), "4,777.50 points")
        self.card._clinic_post("earn", 5825, "Opening")
        info = self.env["pos.order"].with_user(self.cashier).with_context(lang="en_US")
        order = self._sync(self._order_data([(self.service, 1)]))
        figures = info.clinic_loyalty_receipt(order.id)
        self.assertEqual(figures["display"]["balance"], "6,045 points", "5,825 + 220 earned")

    def _new_customer(self, user, config, name, phone):
        form = Form(self.env["res.partner"].with_user(user).with_context(clinic_pos_config_id=config.id))
        form.name = name
        form.phone = phone
        return form.save().sudo()

    def test_a_customer_created_at_the_clinic_pos_is_a_patient_with_a_card(self):
        self.assertTrue(self.config.clinic_new_customer_patient, "on by default")
        partner = self._new_customer(self.cashier, self.config, "Desk Newcomer", "+7 912 444 55 66")
        self.assertTrue(partner.is_patient)
        self.assertEqual(partner.phone, "+79124445566", "the phone in international form, as our other paths")
        self.assertEqual(partner.clinic_card_ids.program_id, self.program, "the card our rules give")

    def test_the_setting_off_or_a_cashier_outside_the_clinic_creates_a_plain_customer(self):
        self.config.clinic_new_customer_patient = False
        partner = self._new_customer(self.cashier, self.config, "Plain Customer", "+7 912 444 55 67")
        self.assertFalse(partner.is_patient or partner.clinic_card_ids)
        self.config.clinic_new_customer_patient = True
        plain_cashier = new_test_user(
            self.env,
            login="plain_pos_cashier_26",
            groups="base.group_user,base.group_partner_manager,point_of_sale.group_pos_user",
            company_id=self.company.id,
        )
        partner = self._new_customer(plain_cashier, self.config, "Shop Customer", "+7 912 444 55 68")
        self.assertFalse(partner.is_patient or partner.clinic_card_ids, "no error, no patient: as in Odoo")

    def test_the_pos_loads_its_own_companys_contacts_and_shared_ones_only(self):
        other_company = self.env["res.company"].sudo().create({"name": "Other Clinic 26"})
        own = self.env["res.partner"].sudo().create({"name": "Own Company Patient", "company_id": self.company.id})
        shared = self.env["res.partner"].sudo().create({"name": "Shared Contact", "company_id": False})
        other = self.env["res.partner"].sudo().create({"name": "Other Company Contact", "company_id": other_company.id})
        # Partners of the orders a POS loads are loaded with it, whatever their company.
        data = {
            "pos.config": {"data": [{"id": self.config.id}]},
            "pos.order": {"data": [{"partner_id": partner.id} for partner in own | shared | other]},
        }
        Partner = self.env["res.partner"].with_user(self.cashier)
        loaded = self.env["res.partner"].search(Partner._load_pos_data_domain(data))
        self.assertIn(own, loaded)
        self.assertIn(shared, loaded)
        self.assertNotIn(other, loaded)
        fields_list = Partner._load_pos_data_fields(self.config.id)
        self.assertIn("company_id", fields_list, "the list filters what it finds later")

    def test_a_members_own_card_is_shown_next_to_the_family_card(self):
        fee = self.create_product("Family Card 26", self.categ_basic, 199.0, tax_ids=[])
        plan = (
            self.env["clinic.loyalty.membership.plan"]
            .sudo()
            .create({"name": "POS Family 26", "product_id": fee.id, "company_id": self.company.id})
        )
        household = (
            self.env["clinic.loyalty.household"]
            .sudo()
            ._clinic_sell_membership(self.patient, plan, 199, "test:pos-family-26", "Test")
        )
        member = self.env["res.partner"].sudo().create({"name": "POS Member 26", "is_patient": True})
        own_card = member.clinic_card_ids
        own_card._clinic_post("earn", 100, "Opening")
        household.action_clinic_add_members(member.ids)
        self.card._clinic_post("earn", 1686, "Opening")
        info = self.env["loyalty.card"].with_user(self.cashier).clinic_pos_card_info(member.id)
        self.assertEqual((info["card_id"], info["points"]), (self.card.id, 1686), "the desk uses the family card")
        self.assertEqual((info["own_code"], info["own_points"]), (own_card.code, 100))
        holder = self.env["loyalty.card"].with_user(self.cashier).clinic_pos_card_info(self.patient.id)
        self.assertEqual(holder["own_code"], "", "the holder's own card is the family card")

    def test_the_payback_bar_is_full_past_100_percent(self):
        arch = self.env.ref("clinic_loyalty.clinic_loyalty_household_view_form").arch
        self.assertIn("'overflow_class': 'bg-success'", arch, "Odoo's default overflow colour reads as empty")

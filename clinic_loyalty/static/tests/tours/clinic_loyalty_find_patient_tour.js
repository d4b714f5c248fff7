import {registry} from "@web/core/registry";

// The receptionist types a phone the way the patient says it, finds the patient,
// and sees the loyalty card number on the patient's form.
registry.category("web_tour.tours").add("clinic_loyalty_find_patient_by_phone", {
    url: "/odoo/action-clinic_loyalty.res_partner_action_patients",
    steps: () => [
        {
            content: "Type the phone as the patient dictates it",
            trigger: ".o_searchview_input",
            run: "edit 8 (912) 555-44-33",
        },
        {
            content: "Search it as a card number or phone",
            trigger: '.o_searchview_autocomplete .o_menu_item:contains("Card or Phone")',
            run: "click",
        },
        {
            content: "Only the tour patient is listed",
            trigger:
                '.o_list_renderer:has(.o_data_row:contains("Tour Patient")):not(:has(.o_data_row:contains("Other Tour Patient")))',
        },
        {
            content: "Open the patient",
            trigger: '.o_data_row .o_data_cell:contains("Tour Patient")',
            run: "click",
        },
        {
            content: "The card number is on the patient's form",
            trigger: ".o_form_view .oe_stat_button .o_stat_value:contains(044)",
        },
    ],
});

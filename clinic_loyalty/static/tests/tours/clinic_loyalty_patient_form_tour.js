import {registry} from "@web/core/registry";

// The manager opens Reporting and finds the day's work apart from the reports, then opens a
// new patient: the form shows the clinic tab first, and says the patient has no grade yet.
registry.category("web_tour.tours").add("clinic_loyalty_patient_form_and_menu", {
    url: "/odoo/action-clinic_loyalty.res_partner_action_patients",
    steps: () => [
        {
            content: "Open Reporting",
            trigger: "button[data-menu-xmlid='clinic_loyalty.clinic_loyalty_menu_reporting']",
            run: "click",
        },
        {
            content: "The day's work comes first, in its own section",
            trigger: ".dropdown-menu .dropdown-header:first:contains(Daily Work)",
        },
        {
            content: "My Calls is daily work; the reports follow in their section",
            trigger:
                ".dropdown-menu:has(.dropdown-header:contains(Reports)):has(.dropdown-item:contains(My Calls)):not(:has(.dropdown-item:contains(Recompute Metrics)))",
        },
        {
            content: "Close the menu",
            trigger: "button[data-menu-xmlid='clinic_loyalty.clinic_loyalty_menu_reporting']",
            run: "click",
        },
        {
            content: "Open the new patient",
            trigger: '.o_data_row .o_data_cell:contains("Form Tour Patient")',
            run: "click",
        },
        {
            content: "The form opens on the clinic tab",
            trigger: ".o_form_view .o_notebook .nav-link.active:contains(Clinic Loyalty)",
        },
        {
            content: "No grade yet, in words",
            trigger: ".o_form_view div[name='clinic_grade_none']:contains(Not graded yet):not(:contains(None))",
        },
    ],
});

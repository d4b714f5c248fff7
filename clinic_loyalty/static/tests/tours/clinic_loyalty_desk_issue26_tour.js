import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PosLoyalty from "@pos_loyalty/../tests/tours/utils/pos_loyalty_util";
import {scan_barcode} from "@point_of_sale/../tests/tours/utils/common";
import {registry} from "@web/core/registry";

// Card number of a member of the tour patient's household (see tests/test_pos_tour.py).
const MEMBER_CARD = "0440000000028";

function panelShows(selector, text) {
    return {
        content: `loyalty panel: ${selector} shows ${text}`,
        trigger: `.clinic-loyalty-panel ${selector}:contains("${text}")`,
    };
}

// A member pays and earns with the family card; their own card's points are shown too,
// and points read with the thousands separator.
registry.category("web_tour.tours").add("clinic_loyalty_pos_member_sees_own_card", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode(MEMBER_CARD),
            PosLoyalty.customerIs("Clinic Tour Member"),
            panelShows(".clinic-family-card", "Family card of Clinic Tour Patient"),
            panelShows(".clinic-balance", "1,686 points"),
            panelShows(".clinic-own-card", `Own card ${MEMBER_CARD}: 100 points`),
            panelShows(".clinic-own-card", "this visit uses the family card"),
        ].flat(),
});

// A customer created at the clinic's desk is a patient: the form comes with "Patient"
// ticked, and once saved the panel shows their new card.
registry.category("web_tour.tours").add("clinic_loyalty_pos_new_customer_is_a_patient", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "open the customer list",
                trigger: ".product-screen .set-partner",
                run: "click",
            },
            {
                content: "create a customer",
                trigger: ".modal button[title='Add a customer']",
                run: "click",
            },
            {
                content: "the clinic tab",
                trigger: ".modal .nav-link:contains('Clinic Loyalty')",
                run: "click",
            },
            {
                content: "the new customer is a patient by default",
                trigger: ".modal .o_field_widget[name='is_patient'] input:checked",
            },
            {
                content: "name",
                trigger: ".modal .o_field_widget[name='name'] input",
                run: "edit Desk Newcomer",
            },
            {
                content: "phone, typed as the patient says it",
                trigger: ".modal .o_field_widget[name='phone'] input",
                run: "edit +7 912 444 55 66",
            },
            {
                content: "save",
                trigger: ".modal .o_form_button_save",
                run: "click",
            },
            PosLoyalty.customerIs("Desk Newcomer"),
            {
                content: "the panel shows the new patient's card",
                trigger: ".clinic-loyalty-panel .clinic-card-code:not(:empty)",
            },
        ].flat(),
});

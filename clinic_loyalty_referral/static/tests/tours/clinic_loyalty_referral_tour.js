import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TextInputPopup from "@point_of_sale/../tests/tours/utils/text_input_popup_util";
import {elementDoesNotExist} from "@point_of_sale/../tests/tours/utils/common";
import {registry} from "@web/core/registry";

// Codes and phones of the tour's patients (see tests/test_referral_tour.py).
const REFERRER_CODE = "FRIEND26";
const NEWCOMER_CODE = "NEWBIE26";

function choosePatient(phone, name) {
    return [
        ProductScreen.clickPartnerButton(),
        ProductScreen.inputCustomerSearchbar(phone),
        ProductScreen.clickCustomer(name),
    ];
}

function panelShows(selector, text) {
    return {
        content: `loyalty panel: ${selector} shows ${text}`,
        trigger: `.clinic-loyalty-panel ${selector}:contains("${text}")`,
    };
}

function enterReferralCode(code) {
    return [
        {
            content: "the cashier enters the code the patient gave",
            trigger: ".clinic-loyalty-panel .clinic-referral-button",
            run: "click",
        },
        TextInputPopup.inputText(code),
        Dialog.confirm("Apply"),
    ];
}

// A newcomer gives the cashier the code a patient shared with them: a mistyped code is
// refused with the server's reason; the right one (typed as read aloud) gives the newcomer
// their welcome points at once. Their first paid visit rewards the referrer, whose panel
// then counts the patient they brought.
registry.category("web_tour.tours").add("clinic_loyalty_referral_enter_code", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ...choosePatient("8 912 555 33 01", "Referral Tour Newcomer"),
            panelShows(".clinic-referral-code", NEWCOMER_CODE),
            panelShows(".clinic-balance", "0"),
            ...enterReferralCode("NOPE2026"),
            {
                content: "the server's refusal is shown to the cashier",
                trigger:
                    ".modal .modal-body:contains('There is no referral code NOPE2026. Check it with the patient.')",
            },
            Dialog.confirm("Ok"),
            ...enterReferralCode("friend 26"),
            panelShows(".clinic-referred-by", "Referred by Referral Tour Referrer (Pending)"),
            panelShows(".clinic-balance", "200"),
            elementDoesNotExist(".clinic-loyalty-panel .clinic-referral-button"),
            ProductScreen.clickDisplayedProduct("Referral Tour Consultation"),
            ProductScreen.totalAmountIs("1,000.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.clickNextOrder(),

            // The referrer's panel: their code, the patient they brought, the reward.
            ...choosePatient("8 912 555 33 02", "Referral Tour Referrer"),
            panelShows(".clinic-referral-code", REFERRER_CODE),
            panelShows(".clinic-referral-count", "Patients brought: 1, qualified: 1"),
            panelShows(".clinic-balance", "500"),
            ...choosePatient("8 912 555 33 01", "Referral Tour Newcomer"),
            panelShows(".clinic-referred-by", "Referred by Referral Tour Referrer (Rewarded)"),
            // The gift and the 10% earned on the 1000 paid.
            panelShows(".clinic-balance", "300"),
        ].flat(),
});

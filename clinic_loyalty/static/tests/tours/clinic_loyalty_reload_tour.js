import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as PosLoyalty from "@pos_loyalty/../tests/tours/utils/pos_loyalty_util";
import {refresh} from "@point_of_sale/../tests/tours/utils/common";
import {registry} from "@web/core/registry";

function panelShows(selector, text) {
    return {
        content: `loyalty panel: ${selector} shows ${text}`,
        trigger: `.clinic-loyalty-panel ${selector}:contains("${text}")`,
    };
}

// The page is reloaded in the middle of an order: the patient, the card discount and the
// points line come back as they were, and the order is paid at the same total.
registry.category("web_tour.tours").add("clinic_loyalty_pos_reload_keeps_the_order", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.inputCustomerSearchbar("8 (912) 555-11-22"),
            ProductScreen.clickCustomer("Clinic Tour Patient"),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            panelShows(".clinic-discount", "5"),
            ProductScreen.clickDisplayedProduct("Clinic Consultation"),
            PosLoyalty.orderTotalIs("2,090.00"),
            panelShows(".clinic-usable-on-order", "500 points"),
            ...ProductScreen.clickControlButton("Reward"),
            {
                content: "rewards popup: pay with 500 points",
                trigger: `.selection-item:contains("Pay with points"):contains("500 points")`,
                run: "click",
            },
            PosLoyalty.hasRewardLine("Pay with points", "-500.00"),
            PosLoyalty.orderTotalIs("1,590.00"),
            refresh(),
            ProductScreen.isShown(),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            PosLoyalty.hasRewardLine("Pay with points", "-500.00"),
            PosLoyalty.orderTotalIs("1,590.00"),
            // The clinic data comes back with the order, from the server.
            panelShows(".clinic-balance", "500"),
            panelShows(".clinic-discount", "5"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.totalAmountContains("1,590.00"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

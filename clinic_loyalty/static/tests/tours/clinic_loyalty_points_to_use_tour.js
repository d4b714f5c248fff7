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

// The cashier types the points the patient wants to use, in the popup's own numpad.
function typePointsToUse(keys) {
    return [
        {
            content: "open 'Points to use'",
            trigger: ".clinic-loyalty-panel .clinic-points-to-use",
            run: "click",
        },
        ...keys.split("").map((key) => ({
            content: `points to use: type ${key}`,
            trigger: `.modal div.numpad button[value='${key}']`,
            run: "click",
        })),
        Dialog.confirm(),
    ];
}

// A patient with 500 points uses 200 of them, then 300; the line and the total follow,
// survive a reload, and the server takes 300 points.
registry.category("web_tour.tours").add("clinic_loyalty_pos_points_to_use", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.inputCustomerSearchbar("8 (912) 555-11-22"),
            ProductScreen.clickCustomer("Clinic Tour Patient"),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            ProductScreen.clickDisplayedProduct("Clinic Consultation"),
            PosLoyalty.orderTotalIs("2,090.00"),
            panelShows(".clinic-points-to-use", "as many as allowed"),
            panelShows(".clinic-usable-on-order", "500 points"),
            ...typePointsToUse("200"),
            panelShows(".clinic-points-to-use", "200 points"),
            ...ProductScreen.clickControlButton("Reward"),
            {
                content: "rewards popup: pay with points",
                trigger: `.selection-item:contains("Pay with points")`,
                run: "click",
            },
            PosLoyalty.hasRewardLine("Pay with points", "-200.00"),
            PosLoyalty.orderTotalIs("1,890.00"),
            // The patient changes their mind: 300 points.
            ...typePointsToUse("300"),
            PosLoyalty.hasRewardLine("Pay with points", "-300.00"),
            PosLoyalty.orderTotalIs("1,790.00"),
            refresh(),
            ProductScreen.isShown(),
            panelShows(".clinic-points-to-use", "300 points"),
            PosLoyalty.hasRewardLine("Pay with points", "-300.00"),
            PosLoyalty.orderTotalIs("1,790.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.totalAmountContains("1,790.00"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

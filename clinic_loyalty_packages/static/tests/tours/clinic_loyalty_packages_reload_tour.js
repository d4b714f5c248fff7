import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as PosLoyalty from "@pos_loyalty/../tests/tours/utils/pos_loyalty_util";
import {refresh} from "@point_of_sale/../tests/tours/utils/common";
import {registry} from "@web/core/registry";

// A session paid by a package is in the order when the page is reloaded: it comes back
// at zero price naming the package, and the panel reads the patient's packages again.
registry.category("web_tour.tours").add("clinic_loyalty_packages_reload_keeps_the_session", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            // The patient buys a massage course, then comes for the first massage.
            ProductScreen.clickDisplayedProduct("Tour Massage Course"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.inputCustomerSearchbar("8 912 555 77 88"),
            ProductScreen.clickCustomer("Package Tour Patient"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.clickNextOrder(),
            ProductScreen.clickPartnerButton(),
            ProductScreen.inputCustomerSearchbar("8 912 555 77 88"),
            ProductScreen.clickCustomer("Package Tour Patient"),
            {
                content: "pay a massage with the package",
                trigger: ".clinic-loyalty-panel .clinic-use-package",
                run: "click",
            },
            {
                content: "the line is the package's, at zero price",
                trigger:
                    ".orderline:contains('Tour Massage') .clinic-package-line:contains('Paid by package')",
            },
            ProductScreen.clickDisplayedProduct("Tour Cream"),
            ProductScreen.totalAmountIs("475.00"),
            refresh(),
            ProductScreen.isShown(),
            PosLoyalty.customerIs("Package Tour Patient"),
            {
                content: "after the reload: the line is still the package's",
                trigger:
                    ".orderline:contains('Tour Massage') .clinic-package-line:contains('Paid by package')",
            },
            ProductScreen.totalAmountIs("475.00"),
            {
                content: "after the reload: the panel counts the session this order takes",
                trigger:
                    ".clinic-loyalty-panel .clinic-package-counter:contains('Tour Massage: 9 of 10 left')",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";
import * as Order from "@point_of_sale/../tests/tours/utils/generic_components/order_widget_util";
import * as Numpad from "@point_of_sale/../tests/tours/utils/numpad_util";
import {inLeftSide} from "@point_of_sale/../tests/tours/utils/common";
import {closeTheRegister} from "@clinic_loyalty/../tests/tours/clinic_loyalty_receipt_money_tour";
import {registry} from "@web/core/registry";

function choosePatient() {
    return [
        ProductScreen.clickPartnerButton(),
        ProductScreen.inputCustomerSearchbar("8 912 555 77 88"),
        ProductScreen.clickCustomer("Package Tour Patient"),
    ];
}

function payByBank() {
    return [
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Bank"),
        PaymentScreen.clickValidate(),
        ReceiptScreen.isShown(),
    ];
}

// The front desk sells a massage course; at the next visit the patient's massage is paid
// by the package (a line at zero price naming it) and the receipt says what is left.
registry.category("web_tour.tours").add("clinic_loyalty_packages_sell_then_redeem", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickDisplayedProduct("Tour Massage Course"),
            ...choosePatient(),
            ...payByBank(),
            ReceiptScreen.clickNextOrder(),

            ...choosePatient(),
            {
                content: "the panel lists the package the patient just bought",
                trigger:
                    ".clinic-loyalty-panel .clinic-package-counter:contains('Tour Massage: 10 of 10 left')",
            },
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
            {
                content: "the panel counts the session this order takes",
                trigger:
                    ".clinic-loyalty-panel .clinic-package-counter:contains('Tour Massage: 9 of 10 left')",
            },
            ProductScreen.clickDisplayedProduct("Tour Cream"),
            ProductScreen.totalAmountIs("500.00"),
            ...payByBank(),
            {
                content: "receipt: what is left of the package",
                trigger:
                    ".receipt-screen .clinic-package-left:contains('Tour Massage: 9 of 10 left, valid until')",
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

// The patient stops the course after one massage: refunding the package pays back what its
// unused part is worth (9 of 10 sessions of 1000 each: 8100 of the 9000 paid), as the
// server computes it; the refund line is named for it.
function refundTheCourse() {
    return [
        ...ProductScreen.clickRefund(),
        TicketScreen.selectOrder("-0001"),
        inLeftSide([
            ...Order.hasLine({productName: "Tour Massage Course", withClass: ".selected"}),
            Numpad.click("1"),
        ]),
        TicketScreen.toRefundTextContains("To Refund: 1.00"),
        TicketScreen.confirmRefund(),
        ProductScreen.isShown(),
        {
            content: "the refund line pays back the unused part, named for it",
            trigger: ".orderline:contains('unused part of PK')",
        },
        ProductScreen.totalAmountIs("-8,100.00"),
    ];
}

registry.category("web_tour.tours").add("clinic_loyalty_packages_refund_unused_part", {
    steps: () =>
        [
            Chrome.startPoS(),
            ...refundTheCourse(),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
        ].flat(),
});

// Issue 26, item 2: the patient has a 3 % card discount by now. The refund line gets none:
// the screen, the receipt and the payment are the server's 8,100, and the register closes
// without an amount to balance.
registry.category("web_tour.tours").add("clinic_loyalty_packages_refund_with_a_card_discount", {
    steps: () =>
        [
            Chrome.startPoS(),
            ...refundTheCourse(),
            {
                content: "the panel has read the patient's 3 % card discount",
                trigger: ".clinic-loyalty-panel .clinic-discount:contains('3')",
            },
            {
                content: "the refund line carries no discount, the total stays the server's quote",
                trigger: ".orderline:contains('unused part of PK')",
                run: () => {
                    const order = window.posmodel.get_order();
                    // The desk applies the card discount again whenever a line is added or
                    // the card is read again: the refund line must stay out of it.
                    window.posmodel.clinicApplyCardDiscount(order);
                    const discounted = order.lines.filter((line) => line.get_discount());
                    if (discounted.length) {
                        throw new Error(`a refund line has a discount: ${discounted[0].get_discount()} %`);
                    }
                    if (Math.abs(order.get_total_with_tax() + 8100) > 0.001) {
                        throw new Error(`refund total ${order.get_total_with_tax()}, quoted -8100`);
                    }
                },
            },
            ...payByBank(),
            {
                content: "receipt: -8,100 paid back, no discount, no change",
                trigger: ".receipt-screen .pos-receipt .receipt-total:contains('-8,100.00')",
                run: () => {
                    const receipt = document.querySelector(".receipt-screen .pos-receipt");
                    if (/discount/i.test(receipt.textContent)) {
                        throw new Error(`receipt shows a discount: ${receipt.textContent}`);
                    }
                    const change = receipt.querySelector(".receipt-change");
                    if (change && Number.parseFloat(change.textContent.replace(/[^0-9.-]/g, ""))) {
                        throw new Error(`receipt gives change: ${change.textContent}`);
                    }
                },
            },
            ReceiptScreen.clickNextOrder(),
            ...closeTheRegister(),
        ].flat(),
});

// A later visit: the massage is rung up at full price while the patient has a package for
// it. The line says so and offers the package in one click; an order paid only by
// packages shows no "About 0 points after payment".
registry.category("web_tour.tours").add("clinic_loyalty_packages_offer_on_line", {
    steps: () =>
        [
            Chrome.startPoS(),
            ...choosePatient(),
            {
                content: "the panel has read the patient's package",
                trigger:
                    ".clinic-loyalty-panel .clinic-package-counter:contains('Tour Massage: 9 of 10 left')",
            },
            ProductScreen.clickDisplayedProduct("Tour Massage"),
            ProductScreen.totalAmountIs("1,000.00"),
            {
                content: "a paid line earns: the estimate is shown",
                trigger: ".clinic-loyalty-panel .clinic-estimate:contains('About 100 points')",
            },
            {
                content: "the full-price line offers the patient's package",
                trigger: ".orderline:contains('Tour Massage') .clinic-package-offer:contains('PK')",
                run: "click",
            },
            {
                content: "one click: the line is the package's",
                trigger:
                    ".orderline:contains('Tour Massage') .clinic-package-line:contains('Paid by package')",
            },
            ProductScreen.totalAmountIs("0.00"),
            {
                content: "no offer left on a line the package pays",
                trigger: ".orderline:contains('Tour Massage'):not(:has(.clinic-package-offer))",
            },
            {
                content: "let the server answer for the order as it stands",
                trigger: ".clinic-loyalty-panel",
                run: () => new Promise((resolve) => setTimeout(resolve, 1000)),
            },
            {
                content: "a package-only order shows no points estimate",
                trigger: ".clinic-loyalty-panel:not(:has(.clinic-estimate))",
            },
        ].flat(),
});

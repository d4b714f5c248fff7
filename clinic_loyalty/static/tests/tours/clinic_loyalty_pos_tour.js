import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";
import * as Order from "@point_of_sale/../tests/tours/utils/generic_components/order_widget_util";
import * as Numpad from "@point_of_sale/../tests/tours/utils/numpad_util";
import {inLeftSide} from "@point_of_sale/../tests/tours/utils/common";
import * as PosLoyalty from "@pos_loyalty/../tests/tours/utils/pos_loyalty_util";
import {scan_barcode} from "@point_of_sale/../tests/tours/utils/common";
import {registry} from "@web/core/registry";

// Card number of the tour patient (see tests/test_pos_tour.py).
const CARD = "0440000000011";
// Card number of a member of the tour patient's household.
const MEMBER_CARD = "0440000000028";

function panelShows(selector, text) {
    return {
        content: `loyalty panel: ${selector} shows ${text}`,
        trigger: `.clinic-loyalty-panel ${selector}:contains("${text}")`,
    };
}

function receiptShows(selector, text) {
    return {
        content: `receipt: ${selector} is ${text}`,
        trigger: `.receipt-screen .clinic-loyalty-receipt ${selector}:contains("${text}")`,
    };
}

// The rewards popup offers the points reward with the server's figures; choose it.
function rewardOffered(text, figure) {
    return [
        ...ProductScreen.clickControlButton("Reward"),
        {
            content: `rewards popup: ${text} ${figure}`,
            trigger: `.selection-item:contains("${text}"):contains("${figure}")`,
            run: "click",
        },
    ];
}

// Payment screen: the patient pays the rest by bank card; the receipt follows.
function payByBank() {
    return [
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Bank"),
        PaymentScreen.clickValidate(),
        ReceiptScreen.isShown(),
    ].flat();
}

// Ticket screen: return one of the massages of the session's first order.
function refundOneMassageOfTheFirstOrder() {
    return [
        ...ProductScreen.clickRefund(),
        TicketScreen.selectOrder("-0001"),
        inLeftSide([
            ...Order.hasLine({productName: "Clinic Massage", withClass: ".selected"}),
            Numpad.click("1"),
        ]),
        TicketScreen.toRefundTextContains("To Refund: 1.00"),
        TicketScreen.confirmRefund(),
        ProductScreen.isShown(),
    ];
}

// Ticket screen: return the line of ``productName`` of the session's first order.
function refundLineOfTheFirstOrder(productName) {
    return [
        ...ProductScreen.clickRefund(),
        TicketScreen.selectOrder("-0001"),
        inLeftSide([
            ...ProductScreen.clickLine(productName),
            Numpad.click("1"),
        ]),
        TicketScreen.toRefundTextContains("To Refund: 1.00"),
        TicketScreen.confirmRefund(),
        ProductScreen.isShown(),
    ];
}

// The front desk: scan the patient's card, use the points, pay, read the receipt.
registry.category("web_tour.tours").add("clinic_loyalty_pos_scan_redeem_pay", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickDisplayedProduct("Clinic Consultation"),
            scan_barcode(CARD),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            panelShows(".clinic-card-code", CARD),
            panelShows(".clinic-balance", "500"),
            panelShows(".clinic-tier", "Bronze"),
            panelShows(".clinic-expiring", "500"),
            // The server's figures for this order: the whole balance is usable (50% of 2200
            // is 1100), and paid in money it would earn 10%.
            panelShows(".clinic-usable-on-order", "500 points"),
            panelShows(".clinic-estimate", "About 220 points after payment"),
            ...rewardOffered("Pay with points: up to", "500 points"),
            PosLoyalty.hasRewardLine("Pay with points", "-500.00"),
            PosLoyalty.orderTotalIs("1,700.00"),
            // Paid 1700 in money: 170 points, on the panel and under the amount due.
            panelShows(".clinic-estimate", "About 170 points after payment"),
            ProductScreen.clickPayButton(),
            {
                content: "payment screen: the server's estimate under the amount due",
                trigger:
                    ".payment-screen .clinic-estimate:contains('About 170 points after payment')",
            },
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptShows(".clinic-spent", "500"),
            receiptShows(".clinic-earned", "170"),
            receiptShows(".clinic-balance", "170"),
            {
                content: "receipt: the expiry date in the cashier's format (not 2027-11-27)",
                trigger:
                    ".receipt-screen .clinic-loyalty-receipt div:contains('Expiring after'):contains('/')",
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

// The patient dictates the phone in the national format: the server's lookup finds them.
registry.category("web_tour.tours").add("clinic_loyalty_pos_phone_search", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            // Found as the number is typed: no "Search more".
            ProductScreen.inputCustomerSearchbar("8 (912) 555-11-22"),
            ProductScreen.clickCustomer("Clinic Tour Patient"),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            panelShows(".clinic-card-code", CARD),
            panelShows(".clinic-balance", "500"),
            // The tier's 5% card discount is on the patient's lines as they are added.
            panelShows(".clinic-discount", "5"),
            ProductScreen.clickDisplayedProduct("Clinic Consultation"),
            PosLoyalty.orderTotalIs("2,090.00"),
            {
                content: "the line says its discount in one message",
                trigger: ".orderline .clinic-line-discount:contains('With a 5% discount')",
            },
        ].flat(),
});

// A sale synced a second time (a retry, an offline queue) changes nothing; refunding one of
// the two massages takes back half of what the sale earned.
registry.category("web_tour.tours").add("clinic_loyalty_pos_replay_and_refund", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickDisplayedProduct("Clinic Massage"),
            ProductScreen.clickDisplayedProduct("Clinic Massage"),
            scan_barcode(CARD),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            ...payByBank(),
            receiptShows(".clinic-earned", "220"),
            receiptShows(".clinic-balance", "720"),
            {
                content: "the browser sends the same order to the server again",
                trigger: ".receipt-screen",
                run: async () => {
                    const pos = window.posmodel;
                    const order = pos.get_order();
                    await pos.data.call("pos.order", "sync_from_ui", [
                        [order.serialize({orm: true})],
                    ]);
                },
            },
            ReceiptScreen.clickNextOrder(),
            ...refundOneMassageOfTheFirstOrder(),
            ...payByBank(),
            receiptShows(".clinic-reversed", "-110"),
            receiptShows(".clinic-balance", "610"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

// A household member's card pays with the household's points, with the member discount.
registry.category("web_tour.tours").add("clinic_loyalty_pos_member_pays_with_household_points", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode(MEMBER_CARD),
            PosLoyalty.customerIs("Clinic Tour Member"),
            panelShows(".clinic-card-code", CARD),
            panelShows(".clinic-balance", "500"),
            panelShows(".clinic-household", "Clinic Tour Family"),
            panelShows(".clinic-family-card", "Family card of Clinic Tour Patient"),
            panelShows(".clinic-member-discount", "10"),
            panelShows(".clinic-vouchers", "Filling voucher ×1"),
            ProductScreen.clickDisplayedProduct("Clinic Consultation"),
            PosLoyalty.orderTotalIs("1,980.00"),
            // The filling voucher (200 off), then the 10% member discount: 180.
            ProductScreen.clickDisplayedProduct("Clinic Filling"),
            PosLoyalty.orderTotalIs("2,160.00"),
            PosLoyalty.claimReward("Pay with points"),
            PosLoyalty.hasRewardLine("Pay with points", "-500.00"),
            PosLoyalty.orderTotalIs("1,660.00"),
            ...payByBank(),
            receiptShows(".clinic-spent", "500"),
            receiptShows(".clinic-earned", "166"),
            receiptShows(".clinic-balance", "166"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

// Two massages paid partly with points; one is returned: the refund carries its share of
// the points discount (the server's figure), so 850 money and 250 points go back, not 1100.
registry.category("web_tour.tours").add("clinic_loyalty_pos_refund_with_points", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickDisplayedProduct("Clinic Massage"),
            ProductScreen.clickDisplayedProduct("Clinic Massage"),
            scan_barcode(CARD),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            PosLoyalty.claimReward("Pay with points"),
            PosLoyalty.hasRewardLine("Pay with points", "-500.00"),
            PosLoyalty.orderTotalIs("1,700.00"),
            ...payByBank(),
            receiptShows(".clinic-spent", "500"),
            receiptShows(".clinic-earned", "170"),
            ReceiptScreen.clickNextOrder(),
            ...refundOneMassageOfTheFirstOrder(),
            PosLoyalty.orderTotalIs("-850.00"),
            ...payByBank(),
            receiptShows(".clinic-reversed", "165"),
            receiptShows(".clinic-balance", "335"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

// A massage (10 %) and a lab test (0 %) paid partly with points; the lab test is returned:
// the refund screen adds the lab test's own share of the points (the server's figure for that
// line), and the receipt gives those points back and takes back none of the massage's.
registry.category("web_tour.tours").add("clinic_loyalty_pos_refund_by_line", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickDisplayedProduct("Clinic Massage"),
            ProductScreen.clickDisplayedProduct("Clinic Lab Test"),
            scan_barcode(CARD),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            PosLoyalty.claimReward("Pay with points"),
            PosLoyalty.hasRewardLine("Pay with points", "-500.00"),
            PosLoyalty.orderTotalIs("1,700.00"),
            ...payByBank(),
            receiptShows(".clinic-spent", "500"),
            receiptShows(".clinic-earned", "85"),
            ReceiptScreen.clickNextOrder(),
            ...refundLineOfTheFirstOrder("Clinic Lab Test"),
            PosLoyalty.orderTotalIs("-850.00"),
            ...payByBank(),
            receiptShows(".clinic-reversed", "250"),
            receiptShows(".clinic-balance", "335"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

// A household member whose plan allows 100 points a month: the points reward keeps to the
// 100 the server says the member may use, although the household card holds 500.
registry.category("web_tour.tours").add("clinic_loyalty_pos_member_limit_before_payment", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode(MEMBER_CARD),
            PosLoyalty.customerIs("Clinic Tour Member"),
            panelShows(".clinic-balance", "500"),
            ProductScreen.clickDisplayedProduct("Clinic Consultation"),
            PosLoyalty.claimReward("Pay with points"),
            PosLoyalty.hasRewardLine("Pay with points", "-100.00"),
            ...payByBank(),
            receiptShows(".clinic-spent", "100"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

// The patient's points are spent elsewhere after the cashier selected them: the server's
// check refuses the 500 points before the patient pays, with the reason.
registry.category("web_tour.tours").add("clinic_loyalty_pos_points_refused_before_payment", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode(CARD),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            ProductScreen.clickDisplayedProduct("Clinic Consultation"),
            PosLoyalty.claimReward("Pay with points"),
            PosLoyalty.hasRewardLine("Pay with points", "-500.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            {
                content: "the refusal says why, before the payment",
                trigger: ".modal:contains('Points cannot be used'):contains('has 100 Points')",
            },
            Dialog.confirm(),
            PaymentScreen.isShown(),
        ].flat(),
});

// Offline, Odoo's payment screen leaves the failed sync's ConnectionLostError as a rejected
// promise nobody handles (stock _finalizeValidation: the order waits in the queue), which the
// test browser reports as an error. While the tour is offline, that rejection is handled.
const stockReject = Promise.reject;
function rejectHandlingConnectionLost(reason) {
    const promise = stockReject.call(this, reason);
    if (String(reason?.message).includes("couldn't be established or was interrupted")) {
        promise.catch(() => {});
    }
    return promise;
}

function network(state) {
    return {
        content: `the terminal goes ${state}`,
        trigger: ".pos",
        run: () => {
            Promise.reject = state === "offline" ? rejectHandlingConnectionLost : stockReject;
            window.dispatchEvent(new Event(state));
        },
    };
}

// The connection drops after the patient was selected: two orders use the 500 points the
// server said were usable. When the terminal is back online, the next order syncs all three
// at once: the server takes what the balance allows from the second and saves every order.
registry
    .category("web_tour.tours")
    .add("clinic_loyalty_pos_offline_orders_sync_after_a_correction", {
        steps: () =>
            [
                Chrome.startPoS(),
                Dialog.confirm("Open Register"),
                scan_barcode(CARD),
                PosLoyalty.customerIs("Clinic Tour Patient"),
                panelShows(".clinic-balance", "500"),
                network("offline"),
                ProductScreen.clickDisplayedProduct("Clinic Consultation"),
                PosLoyalty.claimReward("Pay with points"),
                PosLoyalty.hasRewardLine("Pay with points", "-500.00"),
                ...payByBank(),
                ReceiptScreen.clickNextOrder(),
                ProductScreen.clickPartnerButton(),
                ProductScreen.clickCustomer("Clinic Tour Patient"),
                ProductScreen.clickDisplayedProduct("Clinic Consultation"),
                PosLoyalty.claimReward("Pay with points"),
                PosLoyalty.hasRewardLine("Pay with points", "-500.00"),
                ...payByBank(),
                ReceiptScreen.clickNextOrder(),
                network("online"),
                ProductScreen.clickDisplayedProduct("Clinic Massage"),
                ...payByBank(),
                {
                    content: "every order of the terminal is on the server",
                    trigger: ".receipt-screen",
                    run: () => {
                        const pending = window.posmodel.getPendingOrder().orderToCreate;
                        if (pending.length) {
                            throw new Error(`${pending.length} order(s) still wait to be synced`);
                        }
                    },
                },
                ReceiptScreen.clickNextOrder(),
            ].flat(),
    });

// Two massages earn 220 points; the patient spends them on the next visit. Returning one
// massage should take back 110 points the card no longer holds: the refund screen keeps
// their value back from the money returned, on a line the patient sees.
registry.category("web_tour.tours").add("clinic_loyalty_pos_refund_keeps_back_spent_points", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickDisplayedProduct("Clinic Massage"),
            ProductScreen.clickDisplayedProduct("Clinic Massage"),
            scan_barcode(CARD),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            ...payByBank(),
            receiptShows(".clinic-balance", "220"),
            ReceiptScreen.clickNextOrder(),
            ProductScreen.clickDisplayedProduct("Clinic Massage"),
            scan_barcode(CARD),
            PosLoyalty.claimReward("Pay with points"),
            PosLoyalty.hasRewardLine("Pay with points", "-220.00"),
            ...payByBank(),
            receiptShows(".clinic-balance", "88"),
            ReceiptScreen.clickNextOrder(),
            ...refundOneMassageOfTheFirstOrder(),
            inLeftSide(
                Order.hasLine({
                    productName: "22 Points already spent, kept back from the refund",
                    price: "22.00",
                })
            ),
            PosLoyalty.orderTotalIs("-1,078.00"),
            ...payByBank(),
            receiptShows(".clinic-reversed", "-88"),
            receiptShows(".clinic-balance", "0"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

// Points on a service taxed on top: they pay the programme's share with the tax (50% of
// 287.50), no more; the server accepts it as shown.
registry.category("web_tour.tours").add("clinic_loyalty_pos_points_on_a_taxed_service", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickDisplayedProduct("Clinic Whitening"),
            scan_barcode(CARD),
            PosLoyalty.customerIs("Clinic Tour Patient"),
            PosLoyalty.orderTotalIs("287.50"),
            // The popup offers the server's share in whole points (the programme rounds
            // points down to whole points): 143 of the 500 points pay 143.00 of 143.75.
            ...rewardOffered("Pay with points: up to", "143 points"),
            PosLoyalty.orderTotalIs("144.51"),
            ...payByBank(),
            receiptShows(".clinic-spent", "143 points"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

// Two patients looked up in a row by phone: the second search never shows the first match.
registry.category("web_tour.tours").add("clinic_loyalty_pos_two_searches_in_a_row", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.inputCustomerSearchbar("8 (912) 555-11-22"),
            {
                content: "the first patient is found by phone",
                trigger: ".modal .partner-list b:contains('Clinic Tour Patient')",
            },
            ProductScreen.inputCustomerSearchbar("+7 (903) 111-22-33"),
            {
                content: "the second patient is found, and only them",
                trigger:
                    ".modal .partner-list:has(b:contains('Clinic Second Patient')):not(:has(b:contains('Clinic Tour Patient')))",
            },
            ProductScreen.clickCustomer("Clinic Second Patient"),
            PosLoyalty.customerIs("Clinic Second Patient"),
        ].flat(),
});

// The front desk in Russian: the patient found by a phone typed another way, the panel's
// figures with Russian plurals, points up to the exact share of a taxed service (50% of
// 287.50), and a receipt whose loyalty lines are the server's, reasons in Russian.
registry.category("web_tour.tours").add("clinic_loyalty_pos_front_desk_in_russian", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm(),
            ProductScreen.clickDisplayedProduct("Clinic Whitening"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.inputCustomerSearchbar("8 912 555-11-22"),
            ProductScreen.clickCustomer("Clinic Tour Patient"),
            panelShows(".clinic-balance", "500 бонусов"),
            panelShows(".clinic-usable-on-order", "143 бонуса"),
            panelShows(".clinic-estimate", "Около 28 бонусов после оплаты"),
            ...ProductScreen.clickControlButtonMore().map((step) =>
                step.isActive?.includes("desktop")
                    ? {...step, trigger: ProductScreen.controlButtonTrigger("Действия")}
                    : step
            ),
            {
                content: "the Rewards button, in Russian",
                trigger: ProductScreen.controlButtonTrigger("Награды"),
                run: "click",
            },
            {
                content: "the points reward, named and priced in Russian",
                trigger:
                    '.selection-item:contains("Оплата бонусами: до"):contains("143 бонуса")',
                run: "click",
            },
            PosLoyalty.orderTotalIs("144,51"),
            panelShows(".clinic-estimate", "Около 14 бонусов после оплаты"),
            ProductScreen.clickPayButton(),
            {
                content: "payment screen: the estimate in Russian",
                trigger:
                    ".payment-screen .clinic-estimate:contains('Около 14 бонусов после оплаты')",
            },
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptShows(".clinic-spent", "143 бонуса"),
            receiptShows(".clinic-earned", "14 бонусов"),
            receiptShows(".clinic-balance", "371 бонус"),
            receiptShows(".clinic-reasons", "Оплата заказа"),
            receiptShows(".clinic-reasons", "Заказ"),
            {
                content: "receipt: no English loyalty words, and none of Odoo's own points figures",
                trigger:
                    ".receipt-screen .pos-receipt:not(:contains('points')):not(:contains('Paid on order')):not(:contains('Loyalty'))",
            },
        ].flat(),
});

// The demo clinic's Front Desk (setup/run): a demo patient found by phone pays half of a
// dental check-up with points; the receipt shows the server's figures.
registry.category("web_tour.tours").add("clinic_loyalty_demo_front_desk", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "the desk shows the clinic's categories, not Odoo's demo shop",
                trigger: ".category-list:contains('Dental'):not(:contains('Desks'))",
            },
            ProductScreen.clickDisplayedProduct("Dental check-up"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.inputCustomerSearchbar("8 903 123 45 67"),
            ProductScreen.clickCustomer("Olga Smirnova"),
            panelShows(".clinic-tier", "Gold"),
            panelShows(".clinic-balance", "5,825"),
            // Her spend gives her 5% off: the 2,000 ₽ check-up costs 1,900 ₽, half of it
            // may be paid with points.
            PosLoyalty.orderTotalIs("1,900.00"),
            panelShows(".clinic-usable-on-order", "950 points"),
            ...rewardOffered("Pay with points: up to", "950 points"),
            PosLoyalty.hasRewardLine("Pay with points", "-950.00"),
            PosLoyalty.orderTotalIs("950.00"),
            // Gold earns 7% of what is paid in money (66.5), rounded down to whole points.
            panelShows(".clinic-estimate", "About 66 points after payment"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Card"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptShows(".clinic-spent", "950"),
            receiptShows(".clinic-earned", "66"),
            receiptShows(".clinic-balance", "4,941"),
            {
                content: "receipt: none of Odoo's demo promotions on the clinic's desk",
                trigger: ".receipt-screen .pos-receipt:not(:contains('Loyalty Points'))",
            },
        ].flat(),
});

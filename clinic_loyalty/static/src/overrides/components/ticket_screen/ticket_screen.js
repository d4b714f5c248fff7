import {patch} from "@web/core/utils/patch";
import {TicketScreen} from "@point_of_sale/app/screens/ticket_screen/ticket_screen";

patch(TicketScreen.prototype, {
    /**
     * A refund of items an order paid partly with points returns their share of the points
     * discount too: the server says how much, so the money returned plus the points given
     * back are what the items cost, never more. Where the points the items earned have
     * already been spent, the server says what they are worth, and the refund keeps that
     * back from the money returned (one line the patient sees on the receipt).
     */
    async addAdditionalRefundInfo(order, destinationOrder) {
        await super.addAdditionalRefundInfo(...arguments);
        if (typeof order.id !== "number" || !order.get_partner()) {
            return;
        }
        const pointLines = order.lines.filter((line) => line.reward_id?.program_id?.clinic_bonus);
        const refunded = {};
        for (const line of destinationOrder.lines) {
            const original = line.refunded_orderline_id;
            if (original && pointLines.includes(original)) {
                return; // the cashier refunds the points line by hand: keep their choice
            }
            if (original && order.lines.includes(original)) {
                refunded[original.id] = (refunded[original.id] || 0) - line.qty;
            }
        }
        if (!Object.keys(refunded).length) {
            return;
        }
        let answer;
        try {
            answer = await this.pos.data.call("pos.order", "clinic_refund_reward_shares", [
                order.id,
                refunded,
            ]);
        } catch {
            return; // offline: the server settles the refund when it syncs
        }
        for (const share of answer.shares || []) {
            const pointLine = pointLines.find((line) => line.id === share.line_id);
            if (!pointLine) {
                continue;
            }
            // The server's figure as it is: a unit at the share's price, so the screen, the
            // receipt, the payment and the ledger read the same amount.
            this.pos.models["pos.order.line"].create({
                qty: -share.qty,
                price_unit: share.price_unit,
                product_id: pointLine.product_id,
                order_id: destinationOrder,
                tax_ids: pointLine.tax_ids.map((tax) => ["link", tax]),
                refunded_orderline_id: pointLine,
                price_type: "manual",
            });
        }
        const settle = answer.settle;
        if (settle && settle.amount > 0) {
            if (!this.pos.models["product.product"].get(settle.product_id)) {
                await this.pos.data.read("product.product", [settle.product_id]);
            }
            const product = this.pos.models["product.product"].get(settle.product_id);
            if (product) {
                const line = this.pos.models["pos.order.line"].create({
                    qty: 1,
                    price_unit: settle.amount,
                    product_id: product,
                    order_id: destinationOrder,
                    tax_ids: [],
                    price_type: "manual",
                });
                // Named for what it is on the screen and the receipt (set after the line's
                // own set-up, which names it after the product).
                line.full_product_name = settle.name;
            }
        }
    },
});

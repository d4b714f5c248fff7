import {patch} from "@web/core/utils/patch";
import {TicketScreen} from "@point_of_sale/app/screens/ticket_screen/ticket_screen";

patch(TicketScreen.prototype, {
    /**
     * A refund of items an order paid partly with points returns their share of the points
     * discount too: the server says how much, so the money returned plus the points given
     * back are what the items cost, never more.
     */
    async addAdditionalRefundInfo(order, destinationOrder) {
        await super.addAdditionalRefundInfo(...arguments);
        const pointLines = order.lines.filter((line) => line.reward_id?.program_id?.clinic_bonus);
        if (!pointLines.length || typeof order.id !== "number") {
            return;
        }
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
        const shares = await this.pos.data.call("pos.order", "clinic_refund_reward_shares", [
            order.id,
            refunded,
        ]);
        for (const share of shares) {
            const pointLine = pointLines.find((line) => line.id === share.line_id);
            if (!pointLine) {
                continue;
            }
            this.pos.models["pos.order.line"].create({
                qty: -share.qty,
                price_unit: pointLine.price_unit,
                product_id: pointLine.product_id,
                order_id: destinationOrder,
                tax_ids: pointLine.tax_ids.map((tax) => ["link", tax]),
                refunded_orderline_id: pointLine,
                price_type: "manual",
            });
        }
    },
});

import {patch} from "@web/core/utils/patch";
import {TicketScreen} from "@point_of_sale/app/screens/ticket_screen/ticket_screen";

patch(TicketScreen.prototype, {
    /**
     * Refunding a package gives back the unused part of it, by the rule it was sold under:
     * the server says how much, and the refund line pays back that amount, named for it.
     * Offline, the line keeps its price and the server tells a manager at synchronisation.
     */
    async addAdditionalRefundInfo(order, destinationOrder) {
        await super.addAdditionalRefundInfo(...arguments);
        if (typeof order.id !== "number") {
            return;
        }
        const refunded = {};
        const lines = destinationOrder.lines.filter(
            (line) =>
                line.refunded_orderline_id?.product_id?.clinic_is_package &&
                order.lines.includes(line.refunded_orderline_id)
        );
        for (const line of lines) {
            const original = line.refunded_orderline_id;
            refunded[original.id] = (refunded[original.id] || 0) - line.qty;
        }
        if (!lines.length) {
            return;
        }
        let answer;
        try {
            answer = await this.pos.data.call("pos.order", "clinic_package_refund_quote", [
                order.id,
                refunded,
            ]);
        } catch {
            return;
        }
        for (const quote of answer.lines || []) {
            for (const line of lines.filter((l) => l.refunded_orderline_id.id === quote.line_id)) {
                line.price_type = "manual";
                line.set_unit_price(quote.price_unit);
                line.set_discount(quote.discount || 0);
                line.full_product_name = quote.name;
            }
        }
    },
});

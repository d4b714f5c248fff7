import {patch} from "@web/core/utils/patch";
import {PaymentScreen} from "@point_of_sale/app/screens/payment_screen/payment_screen";

patch(PaymentScreen.prototype, {
    /**
     * Once the order is synced, the receipt shows the points the server posted: earned,
     * spent, the new balance and what expires next.
     */
    async _postPushOrderResolve(order, server_ids) {
        const result = await super._postPushOrderResolve(...arguments);
        if (order.get_partner() && order.id && typeof order.id === "number") {
            try {
                const figures = await this.pos.data.call("pos.order", "clinic_loyalty_receipt", [
                    order.id,
                ]);
                if (figures && figures.card_code) {
                    order.uiState.clinicReceipt = figures;
                }
            } catch {
                // Offline right after syncing: the receipt says the points come later.
                order.uiState.clinicReceipt = {pending: true};
            }
        }
        return result;
    },
});

import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";
import {AlertDialog} from "@web/core/confirmation_dialog/confirmation_dialog";
import {PaymentScreen} from "@point_of_sale/app/screens/payment_screen/payment_screen";

patch(PaymentScreen.prototype, {
    /**
     * Once the order is synced, the receipt shows the points the server posted: earned,
     * spent, the new balance and what expires next.
     */
    async _isOrderValid(isForceValidate) {
        if (!(await super._isOrderValid(...arguments))) {
            return false;
        }
        return await this.clinicCheckPoints(this.currentOrder);
    },
    /**
     * Before the patient pays: the server checks the points the order uses against the
     * balance, the programme's share and a member's monthly limit, with the rules it will
     * apply at synchronisation. A refusal is shown now; offline, the order goes on and the
     * server settles it when it arrives.
     */
    async clinicCheckPoints(order) {
        const partner = order.get_partner();
        const rewardLines = order.lines.filter((line) => line.reward_id?.program_id?.clinic_bonus);
        if (!partner || !rewardLines.length) {
            return true;
        }
        let answer;
        try {
            answer = await this.pos.data.call("pos.order", "clinic_check_points", [
                partner.id,
                order.lines
                    .filter((line) => !line.reward_id)
                    .map((line) => ({
                        product_id: line.product_id.id,
                        amount: line.get_price_with_tax(),
                    })),
                rewardLines.map((line) => ({
                    reward_id: line.reward_id.id,
                    amount: line.get_price_with_tax(),
                    points: line.points_cost,
                })),
            ]);
        } catch {
            return true;
        }
        if (answer?.problems?.length) {
            this.dialog.add(AlertDialog, {
                title: _t("Points cannot be used"),
                body: answer.problems.join("\n"),
            });
            return false;
        }
        return true;
    },
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

import {onMounted} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";
import {deserializeDate, formatDate} from "@web/core/l10n/dates";
import {AlertDialog} from "@web/core/confirmation_dialog/confirmation_dialog";
import {PaymentScreen} from "@point_of_sale/app/screens/payment_screen/payment_screen";
import {formatClinicEstimate} from "@clinic_loyalty/utils/points";

patch(PaymentScreen.prototype, {
    setup() {
        super.setup(...arguments);
        // The estimate under the amount due: what this order earns, from the server.
        onMounted(() => this.pos.clinicRefreshFigures(this.currentOrder).then(() => this.render()));
    },
    /**
     * Once the order is synced, the receipt shows the points the server posted: earned,
     * spent, the new balance and what expires next.
     */
    async _isOrderValid(isForceValidate) {
        if (!(await super._isOrderValid(...arguments))) {
            return false;
        }
        return (
            (await this.clinicCheckPoints(this.currentOrder)) &&
            (await this.clinicCheckRefund(this.currentOrder))
        );
    },
    /**
     * Before a refund is paid: the server checks that no refunded line pays back more
     * money than it was paid (a price changed by hand, a refund priced offline). Offline,
     * the refund goes on and the server tells a manager when it arrives.
     */
    async clinicCheckRefund(order) {
        const lines = order.lines
            .filter((line) => line.refunded_orderline_id?.id && !line.reward_id)
            .map((line) => ({
                refunded_line_id: line.refunded_orderline_id.id,
                qty: -line.get_quantity(),
                amount: -line.get_price_with_tax(),
            }));
        if (!lines.length) {
            return true;
        }
        let answer = undefined;
        try {
            answer = await this.pos.data.call("pos.order", "clinic_check_refund", [lines]);
        } catch {
            return true;
        }
        if (answer?.problems?.length) {
            this.dialog.add(AlertDialog, {
                title: _t("This refund pays back too much"),
                body: answer.problems.join("\n"),
            });
            return false;
        }
        return true;
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
        let answer = await this.pos.clinicRefreshFigures(order, {force: true});
        if (!answer || answer.offline) {
            answer = this.clinicCheckPointsOffline(partner, rewardLines);
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
    /** What the order will earn once paid, as the server computes it. */
    get clinicEstimateText() {
        const order = this.currentOrder;
        const info = order?.get_partner() && this.pos.clinicCardInfo[order.get_partner().id];
        const figures = order?.clinicFigures();
        if (!info?.card_id || figures?.estimate === undefined) {
            return "";
        }
        return formatClinicEstimate(figures.estimate, info);
    },
    /**
     * Offline, the order keeps to the usable points the server sent when the patient was
     * selected; the server settles the rest when the order syncs, without refusing it.
     */
    clinicCheckPointsOffline(partner, rewardLines) {
        const info = this.pos.clinicCardInfo[partner.id];
        const points = rewardLines.reduce((total, line) => total + (line.points_cost || 0), 0);
        if (info?.usable_points === undefined || points <= info.usable_points + 0.005) {
            return {problems: []};
        }
        return {
            problems: [
                _t("This order uses %(points)s points; %(usable)s are usable for this patient.", {
                    points: points,
                    usable: info.usable_points,
                }),
            ],
        };
    },
    async _postPushOrderResolve(order, server_ids) {
        const result = await super._postPushOrderResolve(...arguments);
        if (order.get_partner() && order.id && typeof order.id === "number") {
            try {
                const figures = await this.pos.data.call("pos.order", "clinic_loyalty_receipt", [
                    order.id,
                ]);
                if (figures && figures.card_code) {
                    if (figures.expiring_date) {
                        // In the cashier's date format, as the rest of the POS.
                        figures.expiring_date = formatDate(deserializeDate(figures.expiring_date));
                    }
                    order.uiState.clinicReceipt = figures;
                    // The panel shows the balance the server now holds.
                    await this.pos.clinicLoadCardInfo(order.get_partner(), {refresh: true});
                }
            } catch {
                // Offline right after syncing: the receipt says the points come later.
                order.uiState.clinicReceipt = {pending: true};
            }
        }
        return result;
    },
});

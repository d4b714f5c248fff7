import {patch} from "@web/core/utils/patch";
import {PosOrder} from "@point_of_sale/app/models/pos_order";

function isClinic(program) {
    return Boolean(program?.clinic_bonus);
}

patch(PosOrder.prototype, {
    /**
     * A clinic programme's points are computed by the server from the paid order: the
     * browser counts none, so no figure here can disagree with the ledger. The programme
     * stays applied (0 points) so the patient's card and its rewards are available.
     */
    pointsForPrograms(programs) {
        const result = super.pointsForPrograms(...arguments);
        for (const program of programs) {
            if (isClinic(program)) {
                result[program.id] = [{points: 0}];
            }
        }
        return result;
    },
    /**
     * The order as the server's validation reads it (pos.order.clinic_check_points): the
     * patient, the product lines and the reward lines, amounts taxes included.
     */
    clinicPayload() {
        const lines = this.get_orderlines();
        return [
            this.get_partner()?.id,
            lines
                .filter((line) => !line.reward_id && !line.combo_line_ids?.length)
                .map((line) => ({
                    product_id: line.product_id.id,
                    qty: line.get_quantity(),
                    amount: line.get_price_with_tax(),
                })),
            lines
                .filter((line) => line.reward_id)
                .map((line) => ({
                    reward_id: line.reward_id.id,
                    amount: line.get_price_with_tax(),
                    points: line.points_cost || 0,
                })),
        ];
    },
    /**
     * The server's figures (PosStore.clinicRefreshFigures) if they answer the order as it
     * stands now; with ``productsOnly``, if they answer its product lines (the share of
     * the order payable with points depends on those alone).
     */
    clinicFigures({productsOnly = false} = {}) {
        const figures = this.uiState?.clinicFigures;
        if (!figures || figures.offline) {
            return undefined;
        }
        const payload = this.clinicPayload();
        const fresh = productsOnly
            ? figures.productKey === JSON.stringify(payload[1])
            : figures.key === JSON.stringify(payload);
        return fresh ? figures : undefined;
    },
    /**
     * Paying with points stops at the programme's share of the order, taxes included, as
     * the server computes it (clinic_check_points, read before the rewards popup opens).
     * Odoo prices the reward's lines like the order's lines (before tax when taxes are
     * excluded), spread over the order's taxes in proportion: the share
     * is converted into that basis with the order's own ratio, and rounded down to the
     * currency, so the discount with its taxes is never more than the share.
     */
    _getRewardLineValuesDiscount(args) {
        const result = super._getRewardLineValuesDiscount(...arguments);
        const reward = args.reward;
        if (
            !Array.isArray(result) ||
            !isClinic(reward.program_id) ||
            reward.discount_mode !== "per_point"
        ) {
            return result;
        }
        const lines = this.get_orderlines().filter(
            (line) => !line.is_reward_line && line.get_quantity()
        );
        const gross = lines.reduce((total, line) => total + line.get_price_with_tax(), 0);
        const base = lines.reduce((total, line) => total + line.get_base_price(), 0);
        // The server's share for this order's lines; offline, the same rule computed here.
        const figures = this.clinicFigures({productsOnly: true});
        let cap = figures ? figures.cap : (gross * reward.program_id.clinic_max_redeem_percent) / 100;
        // The points the patient asked to use (PosStore panel), none: as many as allowed.
        // Whole points when the programme counts whole points (the server charges a
        // discount of 100.49 as 101 points).
        let asked = this.uiState?.clinicPointsToUse;
        if (asked > 0 && reward.program_id.clinic_rounding !== "none") {
            asked = Math.floor(asked + 1e-9);
        }
        if (asked > 0) {
            cap = Math.min(cap, asked * reward.discount);
        }
        const capBase = gross ? (cap * base) / gross : 0;
        const discount = -result.reduce(
            (total, vals) => total + vals.price_unit * (vals.qty || 1),
            0
        );
        if (discount > capBase && discount > 0) {
            const factor = capBase / discount;
            const scale = 10 ** this.currency.decimal_places;
            for (const vals of result) {
                vals.price_unit = -Math.floor(-vals.price_unit * factor * scale + 1e-6) / scale;
            }
            // What the points pay, taxes included, at the programme's value of a point (as
            // the server counts the points the discount costs).
            const paid = -result.reduce(
                (total, vals) => total + vals.price_unit * (vals.qty || 1),
                0
            );
            result[0].points_cost = base ? (paid * gross) / base / reward.discount : 0;
        }
        return result;
    },
    /**
     * A clinic card's points available for rewards never exceed what the server said the
     * patient may use (see PosStore.clinicSetUsablePoints).
     */
    _getRealCouponPoints(coupon_id) {
        const points = super._getRealCouponPoints(...arguments);
        const card = this.models["loyalty.card"].get(coupon_id);
        if (!isClinic(card?.program_id) || card.clinicUsablePoints === undefined) {
            return points;
        }
        // ``points`` is the card's balance less what this order's rewards already use.
        return Math.min(points, points - card.points + card.clinicUsablePoints);
    },
    getLoyaltyPoints() {
        // Odoo's receipt lines for clinic programmes would show the browser's figures: the
        // receipt shows the server's instead (clinicReceipt).
        return super.getLoyaltyPoints(...arguments).filter((stat) => !isClinic(stat.program));
    },
    export_for_printing() {
        const result = super.export_for_printing(...arguments);
        result.clinicReceipt = this.uiState.clinicReceipt || false;
        return result;
    },
});

import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";
import {SelectionPopup} from "@point_of_sale/app/utils/input_popups/selection_popup";
import {ControlButtons} from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import {formatClinicPoints} from "@clinic_loyalty/utils/points";

patch(ControlButtons.prototype, {
    /**
     * The rewards popup of a clinic patient says what paying with points will take, as
     * the server computes it for this order (balance, monthly limit, the programme's
     * share): "Pay with points: up to 143.75 with 143.75 points". The reward line keeps to the same
     * figure. Other programmes' rewards read as in Odoo.
     */
    async clickRewards() {
        const order = this.pos.get_order();
        const rewards = this.getPotentialRewards();
        if (!rewards.some(({reward}) => reward.program_id.clinic_bonus)) {
            return super.clickRewards(...arguments);
        }
        await this.pos.clinicRefreshFigures(order);
        const figures = order.clinicFigures({productsOnly: true});
        const info = this.pos.clinicCardInfo[order.get_partner()?.id];
        this.dialog.add(SelectionPopup, {
            title: _t("Available rewards"),
            list: rewards.map((reward) => ({
                id: reward.reward.id,
                label: reward.reward.program_id.name,
                description: this.clinicRewardDescription(reward.reward, figures, info),
                item: reward,
            })),
            getPayload: (selected) =>
                this._applyReward(selected.reward, selected.coupon_id, selected.potentialQty),
        });
    },
    clinicRewardDescription(reward, figures, info) {
        if (reward.program_id.clinic_bonus && reward.discount_mode === "per_point" && figures) {
            return _t("%(reward)s: up to %(amount)s with %(points)s", {
                reward: reward.description,
                amount: this.env.utils.formatCurrency(figures.usable_amount),
                points: formatClinicPoints(figures.usable_on_order, info),
            });
        }
        return _t('Add "%(reward)s"', {reward: reward.description});
    },
});

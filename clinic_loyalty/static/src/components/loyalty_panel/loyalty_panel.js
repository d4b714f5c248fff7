import {Component, useEffect} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {usePos} from "@point_of_sale/app/store/pos_hook";

/**
 * What the cashier sees of the selected patient's clinic card: card number, tier and
 * progress to the next tier, balance, points expiring next, card discount, household.
 */
export class ClinicLoyaltyPanel extends Component {
    static template = "clinic_loyalty.ClinicLoyaltyPanel";
    static props = {partner: Object};

    setup() {
        this.pos = usePos();
        useEffect(
            (partnerId) => {
                if (partnerId) {
                    this.pos.clinicLoadCardInfo(this.props.partner).then(() => this.render());
                }
            },
            () => [this.props.partner?.id]
        );
    }
    get info() {
        return this.pos.clinicCardInfo[this.props.partner.id];
    }
    get nextTierText() {
        return _t("%(amount)s more to reach %(tier)s", {
            amount: this.env.utils.formatCurrency(this.info.amount_to_next_tier),
            tier: this.info.next_tier,
        });
    }
    get expiringText() {
        return _t("%(points)s expire after %(date)s", {
            points: this.formatPoints(this.info.expiring_points),
            date: this.info.expiring_date,
        });
    }
    get householdText() {
        return _t("Household %(household)s, %(count)s members", {
            household: this.info.household,
            count: this.info.household_members,
        });
    }
    formatPoints(points) {
        const value = Number.isInteger(points) ? points : points.toFixed(2);
        return `${value} ${this.info.point_name || ""}`.trim();
    }
}

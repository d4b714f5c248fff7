import {Component, useEffect} from "@odoo/owl";
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
    formatPoints(points) {
        const value = Number.isInteger(points) ? points : points.toFixed(2);
        return `${value} ${this.info.point_name || ""}`.trim();
    }
}

import {Component, onWillRender, useEffect} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {deserializeDate, formatDate} from "@web/core/l10n/dates";
import {formatFloat} from "@web/core/utils/numbers";
import {usePos} from "@point_of_sale/app/store/pos_hook";
import {useService} from "@web/core/utils/hooks";
import {NumberPopup} from "@point_of_sale/app/utils/input_popups/number_popup";
import {formatClinicEstimate, formatClinicPoints} from "@clinic_loyalty/utils/points";

/**
 * What the cashier sees of the selected patient's clinic card: card number, tier and
 * progress to the next tier, balance, points expiring next, card discount, household;
 * and of the order, from the server: the points usable on it and what it will earn.
 */
export class ClinicLoyaltyPanel extends Component {
    static template = "clinic_loyalty.ClinicLoyaltyPanel";
    static props = {partner: Object};

    setup() {
        this.pos = usePos();
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        useEffect(
            (partnerId) => {
                if (partnerId) {
                    this.pos.clinicLoadCardInfo(this.props.partner).then(() => this.render());
                }
            },
            () => [this.props.partner?.id]
        );
        // The order's figures (usable on this order, estimate) follow its lines: asked from
        // the server a moment after the cashier stops changing the order.
        onWillRender(() => {
            this.orderKey = this.order ? JSON.stringify(this.order.clinicPayload()) : "";
        });
        useEffect(
            (orderKey, cardId) => {
                if (!orderKey || !cardId) {
                    return;
                }
                const order = this.order;
                const timeout = setTimeout(
                    () => this.pos.clinicRefreshFigures(order).then(() => this.render()),
                    250
                );
                return () => clearTimeout(timeout);
            },
            () => [this.orderKey, this.info?.card_id]
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
            date: formatDate(deserializeDate(this.info.expiring_date)),
        });
    }
    /** Points expiring within a month are a warning; later ones are information. */
    get expiringSoon() {
        const date = deserializeDate(this.info.expiring_date);
        return date.diffNow("days").days <= 30;
    }
    get householdText() {
        // The household's name says it is a family ("Ivanov family", "Семья Ивановых").
        return _t("%(household)s, %(count)s members", {
            household: this.info.household,
            count: this.info.household_members,
        });
    }
    get familyCardText() {
        return _t("Family card of %(holder)s", {holder: this.info.holder});
    }
    /** A member's own card, kept while the family card pays and earns at the desk. */
    get ownCardText() {
        return _t(
            "Own card %(code)s: %(points)s, kept on it; this visit uses the family card",
            {code: this.info.own_code, points: this.formatPoints(this.info.own_points)}
        );
    }
    get usableText() {
        return _t("Usable now: %(points)s", {points: this.formatPoints(this.info.usable_points)});
    }
    get vouchersText() {
        return _t("Vouchers left: %(vouchers)s", {
            vouchers: this.info.vouchers
                .filter((voucher) => voucher.left > 0)
                .map((voucher) => `${voucher.name} ×${voucher.left}`)
                .join(", "),
        });
    }
    get hasVouchersLeft() {
        return (this.info.vouchers || []).some((voucher) => voucher.left > 0);
    }
    formatPercent(value) {
        return formatFloat(value, {trailingZeros: false});
    }
    formatPoints(points) {
        return formatClinicPoints(points, this.info);
    }
    /** The server's figures for the order as it stands (none while they are asked). */
    get figures() {
        return this.order?.clinicFigures();
    }
    get order() {
        return this.pos.get_order();
    }
    get usableOnOrderText() {
        return _t("Usable on this order: %(points)s (%(amount)s)", {
            points: this.formatPoints(this.figures.usable_on_order),
            amount: this.env.utils.formatCurrency(this.figures.usable_amount),
        });
    }
    /** The estimate is shown for an order with lines, once the server has answered. */
    get showEstimate() {
        return Boolean(
            this.figures &&
                this.figures.estimate !== undefined &&
                this.order.get_orderlines().length
        );
    }
    get estimateText() {
        return formatClinicEstimate(this.figures.estimate, this.info);
    }
    /** "Points to use: all allowed" or "Points to use: 500 points". */
    get pointsToUseText() {
        const points = this.order.uiState.clinicPointsToUse;
        return points
            ? _t("Points to use: %(points)s", {points: this.formatPoints(points)})
            : _t("Points to use: as many as allowed");
    }
    /**
     * The patient says how many points to pay with (empty: as many as allowed). The points
     * line keeps to it; the server checks the points it costs before payment and when the
     * order syncs, as on sales orders (balance, monthly limit, the programme's share).
     */
    clinicAskPointsToUse() {
        const order = this.order;
        this.dialog.add(NumberPopup, {
            title: _t("Points to use"),
            subtitle: _t("Empty: as many as allowed"),
            getPayload: (value) => {
                const points = value === "" ? 0 : parseFloat(String(value).replace(",", "."));
                if (!(points >= 0)) {
                    this.notification.add(_t("Type a number of points, or nothing."), {
                        type: "warning",
                    });
                    return;
                }
                order.uiState.clinicPointsToUse = points || undefined;
                const usable = this.figures?.usable_on_order;
                if (points && usable !== undefined && points > usable) {
                    this.notification.add(
                        _t("%(points)s can be used on this order.", {
                            points: this.formatPoints(usable),
                        }),
                        {type: "warning"}
                    );
                }
                // The points line follows (pos_loyalty prices its reward lines again).
                this.pos.updateRewards();
                this.render();
            },
        });
    }
}

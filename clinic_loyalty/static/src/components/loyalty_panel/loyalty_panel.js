import {Component, useEffect} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {deserializeDate, formatDate} from "@web/core/l10n/dates";
import {formatFloat} from "@web/core/utils/numbers";
import {localization} from "@web/core/l10n/localization";
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
            date: formatDate(deserializeDate(this.info.expiring_date)),
        });
    }
    /** Points expiring within a month are a warning; later ones are information. */
    get expiringSoon() {
        const date = deserializeDate(this.info.expiring_date);
        return date.diffNow("days").days <= 30;
    }
    get householdText() {
        return _t("Household %(household)s, %(count)s members", {
            household: this.info.household,
            count: this.info.household_members,
        });
    }
    get familyCardText() {
        return _t("Family card of %(holder)s", {holder: this.info.holder});
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
        const value = Number.isInteger(points) ? String(points) : points.toFixed(2);
        if (!this.info.plural_points) {
            return `${value} ${this.info.point_name || ""}`.trim();
        }
        // The plural form the cashier's language needs (1 бонус, 2 бонуса, 5 бонусов): one
        // message per CLDR category, as the server formats them.
        const locale = (localization.code || "en_US").replace("_", "-");
        const category = new Intl.PluralRules(locale).select(Math.abs(Number(value)));
        const messages = {
            zero: _t("%(points)s points (plural form: zero)", {points: value}),
            one: _t("%(points)s point", {points: value}),
            two: _t("%(points)s points (plural form: two)", {points: value}),
            few: _t("%(points)s points (plural form: few)", {points: value}),
            many: _t("%(points)s points (plural form: many)", {points: value}),
            other: _t("%(points)s points", {points: value}),
        };
        const message = messages[category] || messages.other;
        // Not translated for this language: its general plural form.
        return message.includes(" (plural form: ") ? messages.other : message;
    }
}

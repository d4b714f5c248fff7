import {_t} from "@web/core/l10n/translation";
import {localization} from "@web/core/l10n/localization";
import {formatFloat} from "@web/core/utils/numbers";

/**
 * Points as the cashier reads them, in their language: "1 point", "220 points",
 * "1 бонус", "2 бонуса", "5 бонусов", "0,5 бонуса". ``info`` is the card as the server
 * describes it (clinic_pos_card_info): its point name, and whether that name is the
 * clinic's translated "points" (``plural_points``). The server formats points the same
 * way (loyalty.card._format_points): one message per CLDR plural category.
 */
export function formatClinicPoints(points, info) {
    const number = Number(points) || 0;
    // As the server writes them, in the reader's number format: "1,500", "1 500", "0,5".
    const value = formatFloat(number, {digits: [0, Number.isInteger(number) ? 0 : 2]});
    if (!info?.plural_points) {
        return `${value} ${info?.point_name || ""}`.trim();
    }
    const locale = (localization.code || "en_US").replace("_", "-");
    const category = new Intl.PluralRules(locale).select(Math.abs(number));
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

/** "About 46 points after payment": the server's estimate of what the order earns. */
export function formatClinicEstimate(points, info) {
    return _t("About %(points)s after payment", {points: formatClinicPoints(points, info)});
}

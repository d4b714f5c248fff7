import {_t} from "@web/core/l10n/translation";
import {localization} from "@web/core/l10n/localization";
import {patch} from "@web/core/utils/patch";
import {Orderline} from "@point_of_sale/app/generic_components/orderline/orderline";

patch(Orderline.prototype, {
    /**
     * "With a 20% discount", "со скидкой 20 %", "享 20% 折扣": one message with the
     * percentage in the reader's format. Odoo prints three separate words around the
     * figure, which no language but English can put in order ("С 20% скидка").
     */
    get clinicDiscountText() {
        const locale = (localization.code || "en_US").replace("_", "-");
        const percent = new Intl.NumberFormat(locale, {style: "percent", maximumFractionDigits: 2}).format(
            (parseFloat(this.props.line.discount) || 0) / 100
        );
        return _t("With a %(percent)s discount", {percent});
    },
});

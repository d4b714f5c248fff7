import {patch} from "@web/core/utils/patch";
import {ProductScreen} from "@point_of_sale/app/screens/product_screen/product_screen";
import {ClinicLoyaltyPanel} from "@clinic_loyalty/components/loyalty_panel/loyalty_panel";

patch(ProductScreen, {
    components: {...ProductScreen.components, ClinicLoyaltyPanel},
});

patch(ProductScreen.prototype, {
    /**
     * Scanning a patient's card (barcode or QR code, both carry the card number) selects
     * the patient; other coupons and gift cards keep Odoo's behaviour.
     */
    async _onCouponScan(code) {
        const order = this.pos.get_order();
        const partner = await this.pos.clinicFindPatientByCard(code.base_code);
        if (partner && order) {
            order.set_partner(partner);
            await this.pos.clinicLoadCardInfo(partner, {refresh: true});
            this.pos.updateRewards();
            return;
        }
        return super._onCouponScan(...arguments);
    },
});

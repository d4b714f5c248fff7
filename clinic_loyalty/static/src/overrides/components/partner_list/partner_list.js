import {patch} from "@web/core/utils/patch";
import {PartnerList} from "@point_of_sale/app/screens/partner_list/partner_list";

patch(PartnerList.prototype, {
    /**
     * The server also looks the query up as a card number or a phone in any format
     * (8 (912) 345-67-89 finds +79123456789), which the POS's text search cannot do.
     */
    async getNewPartners() {
        const partners = await super.getNewPartners(...arguments);
        const query = (this.state.query || "").trim();
        // Card numbers and phones: at least six digits, whatever the separators.
        if (query.replace(/\D/g, "").length < 6) {
            return partners;
        }
        const found = await this.pos.data.searchRead(
            "res.partner",
            [["clinic_lookup", "=", query]],
            [],
            {
                limit: 30,
            }
        );
        this.state.clinicMatchIds = found.map((partner) => partner.id);
        return [
            ...found,
            ...partners.filter((partner) => !this.state.clinicMatchIds.includes(partner.id)),
        ];
    },
    getPartners() {
        const partners = super.getPartners(...arguments);
        const matchIds = this.state.query ? this.state.clinicMatchIds || [] : [];
        const matches = matchIds
            .map((id) => this.pos.models["res.partner"].get(id))
            .filter((partner) => partner && !partners.includes(partner));
        return [...matches, ...partners];
    },
});

import {patch} from "@web/core/utils/patch";
import {debounce} from "@web/core/utils/timing";
import {useEffect} from "@odoo/owl";
import {PartnerList} from "@point_of_sale/app/screens/partner_list/partner_list";

/** Card numbers and phones: at least six digits, whatever the separators. */
function looksLikeCardOrPhone(text) {
    return text.replace(/\D/g, "").length >= 6;
}

patch(PartnerList.prototype, {
    /**
     * The server also looks the query up as a card number or a phone in any format
     * (8 (912) 345-67-89 finds +79123456789), which the POS's text search cannot do. It is
     * asked as the cashier types (no "Search more" needed); its answer belongs to the query
     * it was asked for, so a new query never shows the previous patient's match.
     */
    setup() {
        super.setup(...arguments);
        this.clinicLookupSoon = debounce((query) => this.clinicLookup(query), 250);
        useEffect(
            (query) => {
                if (looksLikeCardOrPhone((query || "").trim())) {
                    this.clinicLookupSoon(query);
                }
            },
            () => [this.state.query]
        );
    },
    async clinicLookup(query) {
        const text = (query || "").trim();
        if (!looksLikeCardOrPhone(text)) {
            return [];
        }
        const found = await this.pos.data.searchRead(
            "res.partner",
            [["clinic_lookup", "=", text]],
            [],
            {limit: 30}
        );
        if ((this.state.query || "").trim() === text) {
            this.state.clinicMatches = {query: text, ids: found.map((partner) => partner.id)};
        }
        return found;
    },
    async getNewPartners() {
        const partners = await super.getNewPartners(...arguments);
        const found = await this.clinicLookup(this.state.query);
        const ids = found.map((partner) => partner.id);
        return [...found, ...partners.filter((partner) => !ids.includes(partner.id))];
    },
    getPartners() {
        const partners = super.getPartners(...arguments);
        const query = (this.state.query || "").trim();
        const matches = this.state.clinicMatches;
        const matchIds = query && matches?.query === query ? matches.ids : [];
        const found = matchIds
            .map((id) => this.pos.models["res.partner"].get(id))
            .filter((partner) => partner && !partners.includes(partner));
        // This POS's company's contacts and shared ones only, however they were loaded.
        const company = this.pos.company.id;
        return [...found, ...partners].filter((partner) => {
            // The raw value: another company is not loaded, so the relation reads empty.
            const value = partner.raw?.company_id ?? partner.company_id;
            const id = Array.isArray(value) ? value[0] : value?.id ?? value;
            return !id || id === company;
        });
    },
});

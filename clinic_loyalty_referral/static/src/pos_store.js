import {patch} from "@web/core/utils/patch";
import {PosStore} from "@point_of_sale/app/store/pos_store";

// Referrals at the front desk. No referral figure is loaded with the POS: the selected
// patient's (their code, the patients they brought, who referred them) come from the
// server (res.partner.clinic_referral_info) when the loyalty panel shows their clinic card.
patch(PosStore.prototype, {
    async setup() {
        this.clinicReferralInfo = {};
        this.clinicReferralLoading = {};
        await super.setup(...arguments);
    },
    /**
     * The patient's referral figures, read once per selection: a read under way (the panel
     * asks too when it shows the patient) is shared. Offline, the figures last read stay.
     */
    clinicLoadReferralInfo(partner, {refresh = false} = {}) {
        if (!partner) {
            return Promise.resolve(undefined);
        }
        if (this.clinicReferralLoading[partner.id]) {
            return this.clinicReferralLoading[partner.id];
        }
        if (!refresh && partner.id in this.clinicReferralInfo) {
            return Promise.resolve(this.clinicReferralInfo[partner.id]);
        }
        const loading = this.data
            .call("res.partner", "clinic_referral_info", [[partner.id]])
            .then(
                (info) => {
                    this.clinicReferralInfo[partner.id] = info;
                },
                () => {
                    // Offline: what was read before stays on screen.
                }
            )
            .then(() => {
                delete this.clinicReferralLoading[partner.id];
                return this.clinicReferralInfo[partner.id];
            });
        this.clinicReferralLoading[partner.id] = loading;
        return loading;
    },
    /**
     * Record the referral code ``partner`` came with. The server checks it and refuses with
     * the reason (the error is the caller's to show); recorded, the newcomer's gift is on
     * their card: the card, and the order's usable points, are read again from the server.
     */
    async clinicRecordReferral(partner, code) {
        this.clinicReferralInfo[partner.id] = await this.data.call(
            "res.partner",
            "action_clinic_record_referral",
            [[partner.id], code, "pos"]
        );
        const card = await this.clinicLoadCardInfo(partner, {refresh: true});
        if (card?.card_id && this.models["loyalty.card"].get(card.card_id)) {
            // The card's rewards count on its balance as loaded: load the gift's points too.
            await this.data.read("loyalty.card", [card.card_id]);
        }
        const order = this.get_order();
        if (card?.card_id && order?.get_partner()?.id === partner.id) {
            await this.clinicRefreshFigures(order, {force: true});
        }
        return this.clinicReferralInfo[partner.id];
    },
});

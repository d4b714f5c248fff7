import {useEffect} from "@odoo/owl";
import {patch} from "@web/core/utils/patch";
import {_t} from "@web/core/l10n/translation";
import {useService} from "@web/core/utils/hooks";
import {ConnectionLostError, RPCError} from "@web/core/network/rpc";
import {AlertDialog} from "@web/core/confirmation_dialog/confirmation_dialog";
import {makeAwaitable} from "@point_of_sale/app/store/make_awaitable_dialog";
import {TextInputPopup} from "@point_of_sale/app/utils/input_popups/text_input_popup";
import {ClinicLoyaltyPanel} from "@clinic_loyalty/components/loyalty_panel/loyalty_panel";

patch(ClinicLoyaltyPanel.prototype, {
    setup() {
        super.setup(...arguments);
        this.dialog = useService("dialog");
        // Read afresh each time the panel shows a patient with a clinic card (selected from
        // the list or scanned); other customers and other programmes ask nothing.
        useEffect(
            (partnerId, cardId) => {
                if (partnerId && cardId) {
                    this.pos
                        .clinicLoadReferralInfo(this.props.partner, {refresh: true})
                        .then(() => this.render());
                }
            },
            () => [this.props.partner?.id, this.info?.card_id]
        );
    },
    /** The patient's referral figures as the server gave them (none while they are read). */
    get referral() {
        return this.pos.clinicReferralInfo[this.props.partner.id];
    },
    get referralCountText() {
        return this.referral.qualified
            ? _t("Patients brought: %(count)s, qualified: %(qualified)s", {
                  count: this.referral.referred,
                  qualified: this.referral.qualified,
              })
            : _t("Patients brought: %(count)s", {count: this.referral.referred});
    },
    get referredByText() {
        return _t("Referred by %(referrer)s (%(state)s)", {
            referrer: this.referral.referred_by,
            state: this.referral.referral_state,
        });
    },
    /**
     * The cashier types the referral code the patient gave; the server records it (and
     * gives the newcomer's gift) or refuses, and the cashier reads its reason.
     */
    async clinicEnterReferralCode() {
        const partner = this.props.partner;
        const code = await makeAwaitable(this.dialog, TextInputPopup, {
            title: _t("Referral Code"),
            placeholder: _t("The code the patient was given"),
        });
        if (!code?.trim()) {
            return;
        }
        try {
            await this.pos.clinicRecordReferral(partner, code.trim());
        } catch (error) {
            if (error instanceof RPCError) {
                this.dialog.add(AlertDialog, {
                    title: _t("Referral code not recorded"),
                    body: error.data.message,
                });
                return;
            }
            if (error instanceof ConnectionLostError) {
                this.dialog.add(AlertDialog, {
                    title: _t("Referral code not recorded"),
                    body: _t(
                        "The server checks referral codes: enter the code again once the connection is back."
                    ),
                });
                return;
            }
            throw error;
        }
        this.render();
    },
});

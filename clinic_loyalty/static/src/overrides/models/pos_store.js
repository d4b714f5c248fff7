import {patch} from "@web/core/utils/patch";
import {roundPrecision} from "@web/core/utils/numbers";
import {PosStore} from "@point_of_sale/app/store/pos_store";
import {localization} from "@web/core/l10n/localization";

// The clinic's loyalty at the front desk. The POS no longer loads every patient's card
// (see loyalty.card._load_pos_data_domain): the selected patient's card, tier, discount and
// expiring points come from the server when the patient is selected. Offline, the last
// figures read stay on screen; points are counted by the server when the order syncs.
patch(PosStore.prototype, {
    async setup() {
        this.clinicCardInfo = {};
        // The POS page names no language: with the cashier's, the browser hyphenates the
        // long words of text tiles ("Стоматологи-ческий") and reads the screen aloud right.
        document.documentElement.lang ||= (localization.code || "en_US").replace("_", "-");
        await super.setup(...arguments);
    },
    /** The partner form names this POS: the server decides whether a new customer is a
     * patient (the POS's setting, the company's programme, the cashier's rights). */
    editPartnerContext() {
        return {...super.editPartnerContext(...arguments), clinic_pos_config_id: this.config.id};
    },
    async selectPartner() {
        const result = await super.selectPartner(...arguments);
        const partner = this.get_order()?.get_partner();
        if (partner) {
            await this.clinicLoadCardInfo(partner, {refresh: true});
        }
        return result;
    },
    async addLineToCurrentOrder() {
        const line = await super.addLineToCurrentOrder(...arguments);
        this.clinicApplyCardDiscount(this.get_order());
        return line;
    },
    /**
     * Reads the patient's clinic card (balance, tier, discount, expiring points) from the
     * server, and applies the card discount to the current order.
     */
    async clinicLoadCardInfo(partner, {refresh = false} = {}) {
        if (!partner || (!refresh && partner.id in this.clinicCardInfo)) {
            return this.clinicCardInfo[partner?.id];
        }
        try {
            const info = await this.data.call("loyalty.card", "clinic_pos_card_info", [partner.id]);
            this.clinicCardInfo[partner.id] = {...info, offline: false};
        } catch {
            // Offline: keep what was read before, and say so.
            this.clinicCardInfo[partner.id] = {
                ...(this.clinicCardInfo[partner.id] || {}),
                offline: true,
            };
        }
        const card = this.clinicCardInfo[partner.id];
        this.clinicSetUsablePoints(card);
        this.clinicApplyCardDiscount(this.get_order());
        return card;
    },
    /**
     * The server's figures for the order as it stands: the points its rewards use and
     * whether the rules allow them, the points usable on this order (balance, monthly
     * limit, the programme's share) and what the order will earn. Kept on the order with
     * the order they answer; offline, the last figures stay and ``offline`` is set. With
     * ``force``, asked again even for an unchanged order (the balance may have moved).
     */
    async clinicRefreshFigures(order, {force = false} = {}) {
        const info = order?.get_partner() && this.clinicCardInfo[order.get_partner().id];
        if (!order?.get_partner() || (!force && !info?.card_id)) {
            return undefined;
        }
        const payload = order.clinicPayload();
        const key = JSON.stringify(payload);
        const known = order.uiState.clinicFigures;
        if (!force && known?.key === key && !known.offline) {
            return known;
        }
        try {
            const figures = await this.data.call("pos.order", "clinic_check_points", payload);
            order.uiState.clinicFigures = {
                ...figures,
                key,
                productKey: JSON.stringify(payload[1]),
                offline: false,
            };
        } catch {
            order.uiState.clinicFigures = {...(known || {}), key, offline: true};
        }
        return order.uiState.clinicFigures;
    },
    /**
     * The points the patient may use, as the server said when they were selected (balance,
     * a member's monthly limit): the card's rewards keep to it, offline too.
     */
    clinicSetUsablePoints(info) {
        const card = info?.card_id && this.models["loyalty.card"].get(info.card_id);
        if (card && info.usable_points !== undefined) {
            card.clinicUsablePoints = info.usable_points;
        }
    },
    /**
     * The card a patient earns into and pays from is the server's choice: their own, or
     * their household's while a membership shares points.
     */
    async couponForProgram(program) {
        const partner = this.get_order()?.get_partner();
        if (program.clinic_bonus && partner) {
            const info = await this.clinicLoadCardInfo(partner);
            if (info?.card_id) {
                if (!this.models["loyalty.card"].get(info.card_id)) {
                    await this.data.read("loyalty.card", [info.card_id]);
                }
                const card = this.models["loyalty.card"].get(info.card_id);
                if (card) {
                    this.clinicSetUsablePoints(info);
                    return card;
                }
            }
        }
        return super.couponForProgram(...arguments);
    },
    /**
     * The card discount (discount scale or tier) on the lines of the patient's order; a
     * larger discount already on a line is kept. The server applies the same rule on sales
     * orders; on POS orders the discount is part of what the patient pays.
     */
    clinicApplyCardDiscount(order) {
        // A paid order is what the patient was charged: a tier reached by this very payment
        // changes nothing on it (its receipt shows the server's figures).
        if (!order || order.finalized || (order.state && order.state !== "draft")) {
            return;
        }
        const info = order.get_partner() && this.clinicCardInfo[order.get_partner().id];
        if (!info?.discount_percent && !info?.member_discount_percent && !info?.vouchers?.length) {
            return;
        }
        const cardCategories = new Set(info.discount_categ_ids || []);
        const memberCategories = new Set(info.member_discount_categ_ids || []);
        // Family membership: the vouchers left go to the first lines they apply to, with the
        // member discount, in the plan's order; the server records the same allocation.
        const vouchersLeft = (info.vouchers || []).map((voucher) => ({...voucher}));
        for (const line of order.get_orderlines()) {
            // A refund line pays back what its line was paid (the server's quote), and a
            // line at zero price (a package session) has nothing to discount.
            if (
                line.is_reward_line ||
                line.combo_parent_id ||
                line.refunded_orderline_id ||
                line.clinic_package_code ||
                line.get_quantity() <= 0 ||
                line.price_unit <= 0
            ) {
                continue;
            }
            const categ = line.product_id?.categ_id?.id;
            const cardPercent =
                !cardCategories.size || cardCategories.has(categ) ? info.discount_percent || 0 : 0;
            const memberPercent =
                !memberCategories.size || memberCategories.has(categ)
                    ? info.member_discount_percent || 0
                    : 0;
            const gross = line.price_unit * line.qty;
            const voucher =
                gross > 0 &&
                vouchersLeft.find(
                    (v) => v.left > 0 && (!v.categ_ids.length || v.categ_ids.includes(categ))
                );
            let memberBenefit = memberPercent;
            if (voucher) {
                voucher.left -= 1;
                const amount = Math.min(voucher.amount, gross);
                const final =
                    info.benefit_order === "discount_first"
                        ? Math.max(gross * (1 - memberPercent / 100) - amount, 0)
                        : (gross - amount) * (1 - memberPercent / 100);
                memberBenefit = 100 * (1 - final / gross);
            }
            // Rounded as Odoo stores a line's discount (28%, not 28.000000000000004%).
            const percent = roundPrecision(Math.max(cardPercent, memberBenefit), 0.01);
            if (percent && line.get_discount() < percent) {
                line.set_discount(percent);
            }
        }
    },
    /**
     * The patient a scanned card number (or QR code) belongs to, loaded into the POS.
     */
    async clinicFindPatientByCard(code) {
        try {
            const partners = await this.data.searchRead(
                "res.partner",
                [["clinic_lookup", "=", code]],
                [],
                {limit: 1}
            );
            return partners[0];
        } catch {
            // Offline: the scan falls back to Odoo's coupon handling.
            return undefined;
        }
    },
});

import {patch} from "@web/core/utils/patch";
import {_t} from "@web/core/l10n/translation";
import {AlertDialog} from "@web/core/confirmation_dialog/confirmation_dialog";
import {PaymentScreen} from "@point_of_sale/app/screens/payment_screen/payment_screen";

patch(PaymentScreen.prototype, {
    /**
     * Before the patient pays: the server checks the sessions paid by packages (expired,
     * used up, not covered, another patient's). Offline the order goes on; the server
     * settles it when it arrives and tells a manager what it refused.
     */
    async _isOrderValid(isForceValidate) {
        if (!(await super._isOrderValid(...arguments))) {
            return false;
        }
        const order = this.currentOrder;
        const lines = order.lines
            .filter((line) => line.clinic_package_code)
            .map((line) => ({
                product_id: line.product_id.id,
                qty: line.get_quantity(),
                package_code: line.clinic_package_code,
            }));
        if (!lines.length || !order.get_partner()) {
            return true;
        }
        let answer;
        try {
            answer = await this.pos.data.call("pos.order", "clinic_check_packages", [
                order.get_partner().id,
                lines,
            ]);
        } catch {
            return true;
        }
        if (answer?.problems?.length) {
            this.dialog.add(AlertDialog, {
                title: _t("Packages cannot pay these sessions"),
                body: answer.problems.join("\n"),
            });
            return false;
        }
        return true;
    },
    async _postPushOrderResolve(order) {
        const result = await super._postPushOrderResolve(...arguments);
        // What is left after this visit, for the next time the patient comes.
        if (order.get_partner()) {
            await this.pos.clinicLoadPackages(order.get_partner());
        }
        return result;
    },
});

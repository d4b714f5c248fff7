import {patch} from "@web/core/utils/patch";
import {_t} from "@web/core/l10n/translation";
import {useEffect} from "@odoo/owl";
import {ClinicLoyaltyPanel} from "@clinic_loyalty/components/loyalty_panel/loyalty_panel";

patch(ClinicLoyaltyPanel.prototype, {
    setup() {
        super.setup(...arguments);
        // A patient whose packages were not read yet (an open order brought back by a
        // reload of the page): read them from the server, as their card is.
        useEffect(
            (partnerId) => {
                if (partnerId && !(partnerId in this.pos.clinicPackages)) {
                    this.pos.clinicLoadPackages(this.props.partner).then(() => this.render());
                }
            },
            () => [this.props.partner?.id]
        );
    },
    /** The patient's usable packages, with each service's sessions left after this order. */
    get clinicPackages() {
        const order = this.order;
        return (this.pos.clinicPackages[this.props.partner.id] || []).map((pkg) => ({
            ...pkg,
            counters: pkg.counters.map((counter) => {
                const taken = order
                    ? this.pos.clinicPackageSessionsInOrder(order, pkg.code, counter.service_id)
                    : 0;
                return {
                    ...counter,
                    leftAfterOrder: counter.left - taken,
                    text: _t("%(service)s: %(left)s of %(total)s left", {
                        service: counter.service,
                        left: counter.left - taken,
                        total: counter.total,
                    }),
                };
            }),
        }));
    },
    /** An order paid only by packages earns nothing: no "About 0 points after payment". */
    get showEstimate() {
        const lines = this.order?.get_orderlines() || [];
        return super.showEstimate && !lines.every((line) => line.clinic_package_code);
    },
    clinicPackageTitle(pkg) {
        // The validity as the server words it ("valid until …", or from the first visit).
        const title = _t("%(code)s %(name)s, %(validity)s", {
            code: pkg.code,
            name: pkg.name,
            validity: pkg.validity,
        });
        return pkg.owner
            ? _t("%(package)s (of %(owner)s)", {package: title, owner: pkg.owner})
            : title;
    },
    async clinicUsePackage(pkg, counter) {
        await this.pos.clinicUsePackage(pkg, counter);
        this.render();
    },
});

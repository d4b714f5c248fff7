import {patch} from "@web/core/utils/patch";
import {_t} from "@web/core/l10n/translation";
import {ClinicLoyaltyPanel} from "@clinic_loyalty/components/loyalty_panel/loyalty_panel";

patch(ClinicLoyaltyPanel.prototype, {
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

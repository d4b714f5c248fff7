import {patch} from "@web/core/utils/patch";
import {_t} from "@web/core/l10n/translation";
import {PosStore} from "@point_of_sale/app/store/pos_store";
import {PosOrderline} from "@point_of_sale/app/models/pos_order_line";
import {Orderline} from "@point_of_sale/app/generic_components/orderline/orderline";

// Treatment packages at the front desk. No package is loaded with the POS: the selected
// patient's usable packages come from the server (clinic.package.clinic_pos_packages), as
// their card does. A session paid by a package is a line at zero price naming the package;
// the server checks it before payment and takes the session when the order syncs.
patch(PosStore.prototype, {
    async setup() {
        this.clinicPackages = {};
        await super.setup(...arguments);
    },
    async selectPartner() {
        const result = await super.selectPartner(...arguments);
        const partner = this.get_order()?.get_partner();
        if (partner) {
            await this.clinicLoadPackages(partner);
        }
        return result;
    },
    async clinicLoadPackages(partner) {
        try {
            this.clinicPackages[partner.id] = await this.data.call(
                "clinic.package",
                "clinic_pos_packages",
                [partner.id]
            );
        } catch {
            // Offline: the packages last read stay; the server settles at synchronisation.
        }
        return this.clinicPackages[partner.id] || [];
    },
    /** Sessions of ``serviceId`` in package ``code`` already taken by lines of ``order``. */
    clinicPackageSessionsInOrder(order, code, serviceId) {
        return order.lines
            .filter((line) => line.clinic_package_code === code && line.product_id.id === serviceId)
            .reduce((total, line) => total + line.get_quantity(), 0);
    },
    /**
     * The patient's package that could pay ``line`` (a service sold at full price while a
     * package still has sessions of it): {pkg, counter}, or nothing. The desk marks the
     * line and offers the package in one click; the server checks it before payment.
     */
    clinicPackageOffer(line) {
        const order = line.order_id;
        const partner = order?.get_partner();
        if (
            !partner ||
            line.clinic_package_code ||
            line.refunded_orderline_id ||
            line.is_reward_line ||
            line.get_quantity() <= 0
        ) {
            return undefined;
        }
        for (const pkg of this.clinicPackages[partner.id] || []) {
            for (const counter of pkg.counters) {
                if (
                    counter.service_id === line.product_id.id &&
                    counter.left -
                        this.clinicPackageSessionsInOrder(order, pkg.code, counter.service_id) >=
                        line.get_quantity()
                ) {
                    return {pkg, counter};
                }
            }
        }
        return undefined;
    },
    async clinicUseOfferedPackage(line) {
        const offer = this.clinicPackageOffer(line);
        if (offer) {
            return this.clinicUsePackage(offer.pkg, offer.counter);
        }
    },
    /**
     * Pay one session of ``counter``'s service with package ``pkg``: the order's line of
     * that service not yet paid by a package, or a new one, goes to zero price and names
     * the package. Returns the line, or nothing with a notification saying why.
     */
    async clinicUsePackage(pkg, counter) {
        const order = this.get_order();
        let line = order.lines.find(
            (l) =>
                l.product_id.id === counter.service_id &&
                !l.clinic_package_code &&
                !l.refunded_orderline_id
        );
        const taken = this.clinicPackageSessionsInOrder(order, pkg.code, counter.service_id);
        if (taken + (line ? line.get_quantity() : 1) > counter.left) {
            this.notification.add(
                _t("%(code)s has %(left)s %(service)s sessions left.", {
                    code: pkg.code,
                    left: counter.left,
                    service: counter.service,
                }),
                {type: "warning"}
            );
            return;
        }
        if (!line) {
            const product = this.models["product.product"].get(counter.service_id);
            if (!product) {
                this.notification.add(
                    _t("%(service)s is not sold at this point of sale.", {
                        service: counter.service,
                    }),
                    {type: "warning"}
                );
                return;
            }
            line = await this.addLineToCurrentOrder({product_id: product}, {}, false);
        }
        line.update({clinic_package_code: pkg.code});
        line.price_type = "manual";
        line.set_unit_price(0);
        line.set_discount(0);
        return line;
    },
});

patch(PosOrderline.prototype, {
    getDisplayData() {
        return {
            ...super.getDisplayData(...arguments),
            clinicPackage: this.clinic_package_code || "",
        };
    },
});

// The order line names the package that pays it ("Paid by package PK000012").
patch(Orderline, {
    props: {
        ...Orderline.props,
        line: {
            ...Orderline.props.line,
            shape: {...Orderline.props.line.shape, clinicPackage: {type: String, optional: true}},
        },
    },
});

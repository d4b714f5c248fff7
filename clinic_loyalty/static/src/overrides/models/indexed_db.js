import {patch} from "@web/core/utils/patch";
import IndexedDB from "@point_of_sale/app/models/utils/indexed_db";

// An open order is kept in the browser's database so that it survives a reload of the page.
// Odoo 18.0 builds before odoo/odoo#210542 ("save record updates in indexedDB", May 2025)
// skipped every record already stored that had changed, instead of the ones that had not:
// a reload brought an order back as it was first created (no patient, no card discount, no
// points line, a package session at full price). This is that fix: a record is left out of
// the write only when it is stored unchanged. The order's screen state is compared too: the
// points the patient chose to use live there (a change of it alone must reach the database).
const VOLATILE_KEYS = ["date_order", "write_date"];

function comparable(record) {
    const copy = {...record};
    for (const key of VOLATILE_KEYS) {
        delete copy[key];
    }
    return JSON.stringify(copy);
}

patch(IndexedDB.prototype, {
    async promises(storeName, arrData, method) {
        if (method === "delete") {
            return super.promises(...arguments);
        }
        const stored = (await this.readAll([storeName]))?.[storeName] || [];
        const storedByUuid = new Map(stored.map((record) => [record.uuid, record]));
        const changed = arrData.filter((record) => {
            const before = record && storedByUuid.get(record.uuid);
            return !before || comparable(before) !== comparable(record);
        });
        const transaction = this.getNewTransaction([storeName], "readwrite");
        if (!transaction) {
            return false;
        }
        const store = transaction.objectStore(storeName);
        return Promise.allSettled(
            changed.map(
                (record) =>
                    new Promise((resolve, reject) => {
                        const request = store.put(JSON.parse(JSON.stringify(record)));
                        request.onsuccess = () => resolve();
                        request.onerror = () => reject();
                    })
            )
        );
    },
});

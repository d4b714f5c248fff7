import {patch} from "@web/core/utils/patch";
import IndexedDB from "@point_of_sale/app/models/utils/indexed_db";

// An open order is kept in the browser's database so that it survives a reload of the page.
// Odoo writes a record there when it is created and then skips every later version of it
// (a record already stored that differs is left out of the write), so a reload brought back
// the order as it was first created: no patient, no card discount, no points line, a
// package session at full price. Every version is written: the last one is what comes back.
patch(IndexedDB.prototype, {
    async promises(storeName, arrData, method) {
        if (method !== "put") {
            return super.promises(...arguments);
        }
        const transaction = this.getNewTransaction([storeName], "readwrite");
        if (!transaction) {
            return false;
        }
        const store = transaction.objectStore(storeName);
        return Promise.allSettled(
            arrData.map(
                (data) =>
                    new Promise((resolve, reject) => {
                        const request = store.put(JSON.parse(JSON.stringify(data)));
                        request.onsuccess = () => resolve();
                        request.onerror = () => reject();
                    })
            )
        );
    },
});

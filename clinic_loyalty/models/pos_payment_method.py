from odoo import models
from odoo.tools.translate import code_translations

# Where Odoo's own translation misleads at a loyalty desk: its Chinese "Card" reads
# "membership card" (会员卡), which the patient takes for their loyalty card.
CLINIC_NAMES = {"zh_CN": {"Card": "银行卡"}}


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    def _clinic_translate_default_names(self):
        """Name Odoo's own payment methods in every language of the clinic.

        Odoo creates "Cash", "Card" and "Customer Account" for a company in the language of
        whoever installed it, so a Russian receptionist reads "Cash" on the payment screen
        and the receipt. A method keeps any name someone gave it: only a language without a
        name of its own receives Odoo's translation of the English default.
        """
        methods = self or self.sudo().with_context(active_test=False).search([])
        if not methods:
            return
        languages = [code for code, _name in self.env["res.lang"].get_installed() if code != "en_US"]
        # The stored names per language, not the ORM's fallback to English.
        self.env["pos.payment.method"].flush_model(["name"])
        self.env.cr.execute("SELECT id, name FROM pos_payment_method WHERE id IN %s", [tuple(methods.ids)])
        for method_id, stored in self.env.cr.fetchall():
            english = stored.get("en_US")
            names = {
                code: CLINIC_NAMES.get(code, {}).get(english)
                or code_translations.get_python_translations("point_of_sale", code).get(english)
                for code in languages
                if not stored.get(code)
            }
            names = {code: name for code, name in names.items() if name}
            if names:
                methods.browse(method_id).update_field_translations("name", names)

from pathlib import Path

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged

EXTRA = Path(__file__).resolve().parents[1] / "i18n_extra"


@tagged("post_install", "-at_install")
class TestStockScreenTerms(TransactionCase):
    """Odoo 18.0 ships some Point of Sale texts without a Russian (or Chinese) translation;
    the addon's ``i18n_extra`` fills them, so the front desk reads one language."""

    def _webclient_terms(self, lang):
        """The texts as the POS reads them: every module's messages flattened, as Odoo's
        localization service does in the browser."""
        self.env["res.lang"]._activate_lang(lang)
        modules = ["point_of_sale", "pos_loyalty", "pos_online_payment", "loyalty", "sale_loyalty", "clinic_loyalty"]
        installed = self.env["ir.module.module"].search([("name", "in", modules), ("state", "=", "installed")])
        per_module, _params = self.env["ir.http"].get_translations_for_webclient(installed.mapped("name"), lang)
        return {message["id"]: message["string"] for data in per_module.values() for message in data["messages"]}

    def test_the_desk_reads_russian(self):
        terms = self._webclient_terms("ru_RU")
        self.assertEqual(terms.get("Search products..."), "Поиск товаров...")
        self.assertEqual(terms.get("Served by %s"), "Кассир: %s")
        self.assertEqual(terms.get("Print Full Receipt"), "Печать полного чека")
        self.assertEqual(terms.get("General Note"), "Общее примечание")
        self.assertEqual(terms.get("Edit Payment"), "Изменить оплату")

    def test_every_extra_entry_is_an_odoo_screen_text_with_its_placeholders(self):
        """Each entry names the Odoo screen text it translates (found in Odoo's own template)
        and keeps its placeholders, or the POS would fail to format it."""
        for lang in ("ru", "zh_CN"):
            for entry in polib.pofile(str(EXTRA / f"{lang}.po")):
                self.assertTrue(entry.msgstr, entry.msgid)
                self.assertIn("odoo-javascript", entry.comment)
                for placeholder in ("%s", "%(vatId)s"):
                    self.assertEqual(entry.msgid.count(placeholder), entry.msgstr.count(placeholder), entry.msgid)
                module = entry.occurrences[0][0].split("/")[1]
                shipped = polib.pofile(str(Path(get_module_path(module)) / "i18n" / f"{module}.pot"))
                self.assertTrue(shipped.find(entry.msgid), f"{entry.msgid!r} is no longer a text of {module}")

    def test_odoo_payment_methods_read_in_the_clinics_languages(self):
        """Odoo's "Card" reads "Карта" and "卡"; a name the clinic chose stays its own."""
        for lang in ("ru_RU", "zh_CN"):
            self.env["res.lang"]._activate_lang(lang)
        card, own = self.env["pos.payment.method"].create([{"name": "Card"}, {"name": "Card"}])
        own.update_field_translations("name", {"ru_RU": "Банковская карта"})
        (card | own)._clinic_translate_default_names()
        self.assertEqual(card.with_context(lang="ru_RU").name, "Карта")
        self.assertEqual(card.with_context(lang="zh_CN").name, "银行卡", "a bank card, not a membership card")
        self.assertEqual(own.with_context(lang="ru_RU").name, "Банковская карта")
        self.assertEqual(card.with_context(lang="en_US").name, "Card")

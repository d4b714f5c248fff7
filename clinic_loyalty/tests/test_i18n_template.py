from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

ADDONS = ("clinic_loyalty", "clinic_loyalty_packages", "clinic_loyalty_referral")


@tagged("post_install", "-at_install")
class TestTranslationTemplates(TransactionCase):
    def test_every_shipped_template_has_every_message_of_its_addon(self):
        """A string added to the code, a view or a field is in the addon's .pot (so in its .po files)."""
        repo = Path(__file__).resolve().parents[2]
        for addon in ADDONS:
            if not self.env["ir.module.module"].search_count([("name", "=", addon), ("state", "=", "installed")]):
                continue
            reader = TranslationModuleReader(self.env.cr, modules=[addon])
            current = {row[4] for row in reader}
            shipped = {entry.msgid for entry in polib.pofile(str(repo / addon / "i18n" / f"{addon}.pot"))}
            self.assertEqual(sorted(current - shipped), [], f"{addon}: messages missing from the .pot")
            self.assertEqual(sorted(shipped - current), [], f"{addon}: messages no longer used in the .pot")


@tagged("post_install", "-at_install")
class TestPluralForms(TransactionCase):
    def test_points_take_the_plural_form_of_the_readers_language(self):
        """1 бонус, 2 бонуса, 5 бонусов, 21 бонус, 0.50 бонуса; Chinese has one form."""
        for lang in ("ru_RU", "zh_CN"):
            self.env["res.lang"]._activate_lang(lang)
        program = self.env["loyalty.program"].create(
            {"name": "Plural Bonus", "program_type": "loyalty", "clinic_bonus": True}
        )
        self.env.company.clinic_loyalty_program_id = program
        card = self.env["res.partner"].create({"name": "Plural Patient", "is_patient": True}).clinic_card_ids
        samples = (1, 2, 5, 21, 0.5)
        self.assertEqual(
            [card.with_context(lang="ru_RU")._format_points(n) for n in samples],
            ["1 бонус", "2 бонуса", "5 бонусов", "21 бонус", "0.50 бонуса"],
        )
        self.assertEqual(
            [card.with_context(lang="zh_CN")._format_points(n) for n in samples],
            ["1 积分", "2 积分", "5 积分", "21 积分", "0.50 积分"],
        )
        self.assertEqual(
            [card.with_context(lang="en_US")._format_points(n) for n in samples],
            ["1 point", "2 points", "5 points", "21 points", "0.50 points"],
        )
        # A name the manager typed is shown as typed, as in stock Odoo.
        program.portal_point_name = "Smiles"
        self.assertEqual(card.with_context(lang="en_US")._format_points(5), "5 Smiles")

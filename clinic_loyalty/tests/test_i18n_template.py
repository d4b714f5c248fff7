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

from pathlib import Path

import polib
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

from ..tools import reasons

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
        """1 бонус, 2 бонуса, 5 бонусов, 21 бонус, 0,50 бонуса; Chinese has one form."""
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
            ["1 бонус", "2 бонуса", "5 бонусов", "21 бонус", "0,50 бонуса"],
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


@tagged("post_install", "-at_install")
class TestRenderedReasons(TransactionCase):
    """A ledger line keeps why its points moved as a message with parameters: each reader
    reads it in their language, with money, points and dates in their format."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("ru_RU", "zh_CN"):
            cls.env["res.lang"]._activate_lang(lang)
        program = cls.env["loyalty.program"].create(
            {"name": "Reason Bonus", "program_type": "loyalty", "clinic_bonus": True}
        )
        cls.env.company.clinic_loyalty_program_id = program
        cls.card = cls.env["res.partner"].create({"name": "Reason Patient", "is_patient": True}).clinic_card_ids
        cls.currency = cls.card.currency_id

    def _texts(self, line):
        return [line.with_context(lang=lang).reason_display for lang in ("en_US", "ru_RU", "zh_CN")]

    def test_reasons_are_rendered_in_the_readers_language(self):
        welcome = self.card._clinic_post("earn", 100, reasons.reason("welcome"))
        self.assertEqual(welcome.reason, "Welcome bonus", "the English text stays searchable")
        self.assertEqual(self._texts(welcome), ["Welcome bonus", "Приветственный бонус", "欢迎积分"])

        self.currency.write({"symbol": "₽", "position": "after"})
        earned = self.card._clinic_post(
            "earn",
            50,
            reasons.reason("order_earn", order="S00042", rate="10", amount=reasons.money(1500, self.currency)),
        )
        en, ru, zh = self._texts(earned)
        self.assertEqual(en, "Order S00042: 10% of 1,500.00\xa0₽")
        self.assertEqual(ru, "Заказ S00042: 10% от 1\xa0500,00\xa0₽")
        self.assertEqual(zh, "订单 S00042：1,500.00\xa0₽ 的 10%")

        # The patient's email says why, in the patient's language.
        self.card.partner_id.lang = "ru_RU"
        template = self.env.ref("clinic_loyalty.mail_template_points_earned")
        body = template._render_field("body_html", earned.ids, compute_lang=True)[earned.id]
        self.assertIn("Заказ S00042: 10% от 1\xa0500,00\xa0₽", body)

        # A refund whose points were already spent: the reason and its note, points in the
        # reader's plural form.
        reversal = self.card._clinic_post(
            "reversal",
            -21,
            reasons.reason(
                "refund_missing",
                reason=reasons.reason("order_refund", refund="R0007", order="S00042"),
                missing=reasons.points(5),
            ),
        )
        en, ru, zh = self._texts(reversal)
        self.assertEqual(en, "Refund R0007 of order S00042 (5 points already spent, not taken back)")
        self.assertIn("(5 бонусов уже", ru)
        self.assertTrue(ru.startswith("Возврат R0007"), ru)
        self.assertIn("5 积分", zh)
        self.assertNotIn("Refund", ru + zh)

        # A reason typed by a manager is shown as typed, in every language.
        typed = self.card._clinic_post("adjust", 7, "Goodwill after a late appointment")
        self.assertEqual(set(self._texts(typed)), {"Goodwill after a late appointment"})
        self.assertFalse(typed.reason_data)

    def test_expiry_reads_its_dates_in_the_readers_format(self):
        lot = self.card._clinic_post(
            "earn", 30, reasons.reason("welcome"), expiry_date=fields.Date.today() - relativedelta(days=1)
        )
        self.env["loyalty.card"]._cron_clinic_expire_lots()
        expiry = self.card.clinic_ledger_ids.filtered(lambda line: line.kind == "expire")
        self.assertEqual(expiry.points, -30)
        day = lot.date.date()
        en, ru, zh = self._texts(expiry)
        self.assertEqual(en, f"Points earned on {day:%m/%d/%Y} expired")
        self.assertEqual(ru, f"Сгорели бонусы, начисленные {day:%d.%m.%Y}")
        self.assertEqual(zh, f"{day:%Y}年{day:%m}月{day:%d}日 获得的积分已过期")
        self.assertEqual(expiry.reason, f"Points earned on {day:%Y-%m-%d} expired")


@tagged("post_install", "-at_install")
class TestReadInTheReadersLanguage(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("ru_RU", "zh_CN"):
            cls.env["res.lang"]._activate_lang(lang)

    def _program(self, clinic):
        return self.env["loyalty.program"].create(
            {
                "name": "Reward Names",
                "program_type": "loyalty",
                "clinic_bonus": clinic,
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount_mode": "per_point", "discount": 1})],
            }
        )

    def test_the_points_reward_is_named_in_each_cashiers_language(self):
        reward = self._program(clinic=True).reward_ids
        self.assertEqual(
            [reward.with_context(lang=lang).description for lang in ("en_US", "ru_RU", "zh_CN")],
            ["Pay with points", "Оплата бонусами", "积分抵扣"],
        )
        # A programme that is not the clinic's keeps Odoo's name.
        stock = self._program(clinic=False).reward_ids
        self.assertIn("per point", stock.with_context(lang="en_US").description)

    def test_the_card_form_relabels_what_odoo_leaves_untranslated(self):
        # The addon's Russian terms, as a database with Russian installed has them.
        self.env["ir.module.module"].search([("name", "=", "clinic_loyalty")])._update_translations(["ru_RU"])
        arch = self.env["loyalty.card"].with_context(lang="ru_RU").get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("История бонусов", arch)
        self.assertNotIn("History Lines", arch)
        self.assertNotIn('"Issued"', arch)
        # The clinic's ledger comes before Odoo's history.
        self.assertLess(arch.index("Журнал бонусов"), arch.index("История бонусов"))

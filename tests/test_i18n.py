"""The shipped translations are complete and use the glossary's terms (i18n/check_translations.py)."""

import importlib.util
import shutil
from pathlib import Path

import polib

REPO = Path(__file__).resolve().parent.parent
ADDONS = ("clinic_loyalty", "clinic_loyalty_packages", "clinic_loyalty_referral")


def _checker():
    spec = importlib.util.spec_from_file_location("check_translations", REPO / "i18n" / "check_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_addon_ships_complete_ru_and_zh_cn_translations():
    checker = _checker()
    assert [p.name for p in checker.addons(REPO)] == list(ADDONS)
    assert checker.check(REPO) == []


def test_every_po_has_every_message_of_its_template():
    for addon in ADDONS:
        template = polib.pofile(str(REPO / addon / "i18n" / f"{addon}.pot"))
        assert len(template) > 5, addon
        for lang in ("ru", "zh_CN"):
            po = polib.pofile(str(REPO / addon / "i18n" / f"{lang}.po"))
            assert po.percent_translated() == 100, (addon, lang)
            assert {e.msgid for e in template} <= {e.msgid for e in po}, (addon, lang)


def _copy_repo(tmp_path):
    (tmp_path / "i18n").mkdir()
    shutil.copy(REPO / "i18n" / "glossary.csv", tmp_path / "i18n" / "glossary.csv")
    for addon in ADDONS:
        shutil.copytree(REPO / addon / "i18n", tmp_path / addon / "i18n")
        shutil.copy(REPO / addon / "__manifest__.py", tmp_path / addon / "__manifest__.py")
    return tmp_path


def _edit(po_path, msgid, msgstr):
    po = polib.pofile(str(po_path))
    po.find(msgid).msgstr = msgstr
    po.save(str(po_path))


def test_check_reports_an_untranslated_message(tmp_path):
    repo = _copy_repo(tmp_path)
    _edit(repo / "clinic_loyalty" / "i18n" / "ru.po", "Card or Phone", "")
    problems = _checker().check(repo)
    assert problems == ["clinic_loyalty/i18n/ru.po: 'Card or Phone' is not translated"]


def test_check_reports_a_lost_placeholder(tmp_path):
    repo = _copy_repo(tmp_path)
    msgid = "%(patient)s has no loyalty card yet: enrol the patient first."
    _edit(repo / "clinic_loyalty" / "i18n" / "zh_CN.po", msgid, "该患者还没有会员卡：请先登记。")
    problems = _checker().check(repo)
    assert len(problems) == 1
    assert "changes the placeholders" in problems[0]


def test_check_reports_a_term_off_the_glossary(tmp_path):
    repo = _copy_repo(tmp_path)
    # "Абонемент" is the glossary's word for a treatment package; "Пакет" is not.
    _edit(repo / "clinic_loyalty_packages" / "i18n" / "ru.po", "Treatment Packages", "Пакеты лечения")
    problems = _checker().check(repo)
    expected = (
        "clinic_loyalty_packages/i18n/ru.po: 'Treatment Packages' translates 'package' "
        "without the glossary term 'абонемент'"
    )
    assert problems == [expected]

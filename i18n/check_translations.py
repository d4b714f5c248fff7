"""Check the shipped translations: complete, placeholder-safe, and in the glossary's terms.

For every addon of the repository (a folder with ``__manifest__.py``):

- ``i18n/<addon>.pot`` exists, and ``ru.po`` and ``zh_CN.po`` translate every one of its
  messages (no missing, empty or fuzzy entry);
- a translation keeps the message's placeholders (``%(name)s``, ``%s``), or Odoo would fail
  to format it at run time;
- where an English message uses a key term of ``i18n/glossary.csv``, the translation uses
  the glossary's term for it, so the cashier reads one word for one thing everywhere.

Run ``python i18n/check_translations.py``: prints the problems and exits non-zero.
The test suite runs the same check (``tests/test_i18n.py``).
"""

import csv
import re
import sys
from pathlib import Path

import polib

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ("ru", "zh_CN")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")
# Placeholders of texts the clinic writes (call scripts: {patient}): names, not wording.
BRACE_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
# English inflections the glossary's terms take in messages (cards, enrolled, enrolment...).
ENGLISH_SUFFIXES = r"(?:s|es|ed|ing|ment|led|ling)?"


def addons(repo=REPO):
    return sorted(p.parent for p in repo.glob("*/__manifest__.py"))


def load_glossary(path=REPO / "i18n" / "glossary.csv"):
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    glossary = []
    for row in rows:
        pattern = re.compile(rf"\b{re.escape(row['en'])}{ENGLISH_SUFFIXES}\b", re.IGNORECASE)
        expected = {
            "ru": re.compile(row["ru_stem"], re.IGNORECASE),
            "zh_CN": re.compile(re.escape(row["zh_CN"])),
        }
        glossary.append((row["en"], pattern, expected, {"ru": row["ru"], "zh_CN": row["zh_CN"]}))
    return glossary


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def _is_code(msgid):
    """Python expressions (report file names) and pure markup carry no wording to check."""
    return "object." in msgid or not re.search(r"[A-Za-z]{3}", re.sub(r"<[^>]+>", "", msgid))


def check_addon(addon_dir, glossary):
    problems = []
    name = addon_dir.name
    pot_path = addon_dir / "i18n" / f"{name}.pot"
    if not pot_path.exists():
        return [f"{name}: no i18n/{name}.pot"]
    template = polib.pofile(str(pot_path))
    for lang in LANGUAGES:
        po_path = addon_dir / "i18n" / f"{lang}.po"
        if not po_path.exists():
            problems.append(f"{name}: no i18n/{lang}.po")
            continue
        translations = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(po_path))}
        for entry in template:
            found = translations.get((entry.msgctxt, entry.msgid))
            where = f"{name}/i18n/{lang}.po: {entry.msgid[:60]!r}"
            if found is None or not found.msgstr.strip():
                problems.append(f"{where} is not translated")
                continue
            if "fuzzy" in found.flags:
                problems.append(f"{where} is fuzzy")
            if _placeholders(entry.msgid) != _placeholders(found.msgstr):
                problems.append(f"{where} changes the placeholders")
            if _is_code(entry.msgid):
                continue
            wording = BRACE_PLACEHOLDER.sub("", PLACEHOLDER.sub("", entry.msgid))
            for term, pattern, expected, wanted in glossary:
                if pattern.search(wording) and not expected[lang].search(found.msgstr):
                    problems.append(f"{where} translates {term!r} without the glossary term {wanted[lang]!r}")
    return problems


def check(repo=REPO):
    glossary = load_glossary(repo / "i18n" / "glossary.csv")
    problems = []
    for addon_dir in addons(repo):
        problems.extend(check_addon(addon_dir, glossary))
    return problems


if __name__ == "__main__":
    found = check()
    for problem in found:
        print(problem)
    print(f"{len(found)} translation problem(s)")
    sys.exit(1 if found else 0)

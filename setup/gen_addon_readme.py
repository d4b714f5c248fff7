"""Write each addon's README.rst from its readme/ folder (DESCRIPTION, CONFIGURE, USAGE, SECURITY,
ROADMAP).

Run ``python setup/gen_addon_readme.py`` after editing a readme/ file; tests/test_readme.py
fails while a README.rst is out of date.
"""

import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECTIONS = (
    ("DESCRIPTION", None),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("SECURITY", "Who can do what"),
    ("ROADMAP", "Known issues / Roadmap"),
)


def render(addon_dir):
    manifest = ast.literal_eval((addon_dir / "__manifest__.py").read_text())
    title = manifest["name"]
    out = [
        "=" * len(title),
        title,
        "=" * len(title),
        "",
        ".. This file is made from the readme/ folder: edit those files, not this one.",
        "",
        f"**Odoo 18.0 Community** · License {manifest['license']}",
        "",
    ]
    for section, heading in SECTIONS:
        path = addon_dir / "readme" / f"{section}.md"
        if not path.exists():
            continue
        # Markdown inline code `x` is ``x`` in reStructuredText.
        text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", path.read_text())
        # A Markdown image, on its own line, whose path is from readme/: an image directive
        # whose path is from the addon (where README.rst is).
        text = re.sub(
            r"^!\[([^\]]*)\]\(\.\./([^)\s]+)\)$",
            r".. image:: \2\n   :alt: \1\n   :width: 640",
            text,
            flags=re.M,
        )
        if heading:
            out += [heading, "=" * len(heading), ""]
        out += [text.rstrip(), ""]
    out += ["Credits", "=======", "", f"Authors: {manifest['author']}", ""]
    return "\n".join(out)


def addons():
    return sorted(p.parent for p in REPO.glob("*/__manifest__.py"))


if __name__ == "__main__":
    for addon_dir in addons():
        (addon_dir / "README.rst").write_text(render(addon_dir))
        print(f"wrote {addon_dir.name}/README.rst")
    sys.exit(0)

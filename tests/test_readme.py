"""Each addon's README.rst is the one made from its readme/ folder."""

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_addon_readmes_are_up_to_date():
    spec = importlib.util.spec_from_file_location("gen_addon_readme", REPO / "setup" / "gen_addon_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    addons = module.addons()
    assert len(addons) == 3
    for addon_dir in addons:
        for section in ("DESCRIPTION", "CONFIGURE", "USAGE"):
            assert (addon_dir / "readme" / f"{section}.md").read_text().strip(), (addon_dir.name, section)
        assert (addon_dir / "README.rst").read_text() == module.render(
            addon_dir
        ), f"{addon_dir.name}/README.rst is out of date: run python setup/gen_addon_readme.py"


def test_readme_images_exist():
    for readme in REPO.glob("*/README.rst"):
        for line in readme.read_text().splitlines():
            if line.startswith(".. image:: "):
                image = readme.parent / line.removeprefix(".. image:: ").strip()
                assert image.is_file(), f"{readme.parent.name}: {image} is missing"


def test_readmes_are_valid_restructuredtext():
    """Odoo shows an addon's README.rst on its Apps page: docutils must read it without a
    warning (a list glued to a paragraph, a strong emphasis left open)."""
    import docutils.core
    import docutils.utils

    for readme in [*REPO.glob("*/README.rst"), REPO / "README.rst"]:
        document = docutils.core.publish_doctree(
            readme.read_text(), settings_overrides={"report_level": 5, "halt_level": 5}
        )
        problems = [
            node.astext()
            for node in document.findall()
            if node.tagname == "system_message" and node["level"] >= docutils.utils.Reporter.WARNING_LEVEL
        ]
        assert not problems, f"{readme}: {problems}"

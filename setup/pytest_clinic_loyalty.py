"""pytest plugin used by setup/test, next to pytest-odoo.

pytest-odoo imports ``odoo.tests`` while it starts, and the addons' test modules import it
when pytest collects them; outside Odoo's test mode Odoo logs an ERROR for that import.
setup/test therefore starts in test mode (``--odoo-extra=test-enable``), and this plugin
leaves it once collection is over: pytest-odoo loads the registry next, and loading it in
test mode would run every at_install test a second time, outside pytest. pytest-odoo then
turns the test mode on again around each test module.
"""


def pytest_collection_finish(session):
    from odoo.tools import config

    config["test_enable"] = False

    # Read every addon's manifest now, while only this thread runs. CPython 3.11 before
    # 3.11.8 can fail with "AST constructor recursion depth mismatch" when two threads parse
    # Python source at once, and Odoo's first static-file request would otherwise parse
    # hundreds of manifests in the HTTP thread while a browser tour loads its assets (seen
    # once here: a tour's test bundle answered 500). The manifests are cached afterwards.
    import odoo.http

    odoo.http.root.statics  # noqa: B018 - the lazy property is read for its cache


# Odoo's own tests that fail on stock Odoo 18.0 alone in this environment (no clinic addon
# installed): listed once, with the reason and the stock run that shows it.
DESELECT_FILE = __import__("pathlib").Path(__file__).with_name("odoo_suites_deselect.txt")


def _stock_test_key(item, rootpath):
    """``<addon>/tests/<file>.py::<Class>::<test>`` of a test of an Odoo addon, else None."""
    parts = item.path.parts
    if "addons" not in parts or item.path.is_relative_to(rootpath):
        return None
    tail = parts[len(parts) - parts[::-1].index("addons") :]
    return "/".join(tail) + "::" + "::".join(item.nodeid.split("::")[1:])


def read_deselect_list(path=DESELECT_FILE):
    keys = set()
    for line in path.read_text().splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            keys.add(entry)
    return keys


def pytest_collection_modifyitems(config, items):
    listed = read_deselect_list()
    selected, deselected = [], []
    for item in items:
        (deselected if _stock_test_key(item, config.rootpath) in listed else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected

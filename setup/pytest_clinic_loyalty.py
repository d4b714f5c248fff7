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

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

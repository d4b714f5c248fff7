"""Installing and uninstalling the clinic addons on a database that already runs loyalty.

A clinic installs the addons into the Odoo it already runs, with its loyalty cards, coupons,
gift cards and e-wallets; it may uninstall them later. This test does that with Odoo's own
command line on a second database (the test database's name + ``_live``): stock Odoo with
its demo programmes and some more loyalty data; then the three addons; then their
uninstallation. It checks that installing leaves every existing card as it was (balance,
programme, owner, code) and opens ledgers for clinic cards only; that neither step logs an
ERROR; and that, once the addons are gone, every card is still there with its balance
(the clinic programme stays as a plain loyalty programme) and Odoo's own tests of sales
with loyalty and of POS orders pass on that database.

It takes a few minutes; ``setup/test --quick`` leaves it out.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import odoo
from odoo.tools import config

REPO = Path(__file__).resolve().parents[2]
ADDONS = ["clinic_loyalty", "clinic_loyalty_packages", "clinic_loyalty_referral"]
STOCK = ["loyalty", "sale_loyalty", "pos_loyalty", "sale_management"]
ERROR_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ", re.M)

# Loyalty data a running shop has, on top of Odoo's demo programmes; then a snapshot of
# every card. Runs in `odoo-bin shell` (``env`` is given).
PREPARE = """
Program = env["loyalty.program"]


def program(template, menu_type=None):
    action = Program.with_context(menu_type=menu_type).create_from_template(template)
    return Program.browse(action["res_id"])


Card = env["loyalty.card"].with_context(loyalty_no_mail=True)
partners = env["res.partner"].search([("is_company", "=", False)], limit=4)
loyalty = program("loyalty")
Card.create([
    {"program_id": loyalty.id, "partner_id": partners[0].id, "points": 120},
    {"program_id": loyalty.id, "partner_id": partners[1].id, "points": 35.5},
])
coupons = Program.search([("program_type", "=", "coupons")], limit=1) or program("coupons")
env["loyalty.generate.wizard"].with_context(active_id=coupons.id, loyalty_no_mail=True).create(
    {"program_id": coupons.id, "coupon_qty": 3, "points_granted": 1}
).generate_coupons()
for template, amount in (("gift_card", 50), ("ewallet", 80)):
    Card.create({"program_id": program(template, "gift_ewallet").id, "partner_id": partners[2].id, "points": amount})
# A sale that earns points of the stock loyalty programme.
product = env["product.product"].search([("sale_ok", "=", True), ("type", "=", "consu")], limit=1)
order = env["sale.order"].create({"partner_id": partners[3].id, "order_line": [(0, 0, {"product_id": product.id})]})
order._update_programs_and_rewards()
order.action_confirm()
env.cr.commit()
"""

SNAPSHOT = """
import json
cards = env["loyalty.card"].with_context(active_test=False).search([])
print("SNAPSHOT " + json.dumps({
    str(card.id): [card.program_id.id, card.partner_id.id, round(card.points, 2), card.code, card.active]
    for card in cards
}))
print("HISTORY " + str(env["loyalty.history"].search_count([])))
"""

CLINIC_CHECK = """
import json
Ledger = env["clinic.loyalty.ledger"].sudo()
print("CLINIC " + json.dumps({
    "plain_cards_with_ledger": Ledger.search_count([("card_id.program_id.clinic_bonus", "=", False)]),
    "clinic_programmes": env["loyalty.program"].search_count([("clinic_bonus", "=", True)]),
    "stock_programmes_made_clinic": env["loyalty.program"].search_count(
        [("clinic_bonus", "=", True), ("id", "in", %(stock_programmes)s)]
    ),
}))
"""

UNINSTALL = """
modules = env["ir.module.module"].search([("name", "in", %(addons)s), ("state", "=", "installed")])
modules.button_immediate_uninstall()
env.cr.commit()
"""

AFTER_UNINSTALL = """
import json
env.cr.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'clinic_loyalty%%'")
tables = [name for (name,) in env.cr.fetchall()]
installed = env["ir.module.module"].search_count([("name", "in", %(addons)s), ("state", "!=", "uninstalled")])
print("LEFT " + json.dumps({"installed": installed, "clinic_tables": tables}))
"""


class LiveDatabase:
    def __init__(self, name, workdir):
        self.name = name
        self.workdir = Path(workdir)
        self.odoo_bin = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
        self.step = 0

    def _run(self, args, stdin=None, label="", command=()):
        self.step += 1
        log = self.workdir / f"{self.step:02d}-{label}.log"
        command = [sys.executable, str(self.odoo_bin), *command, "-c", config.rcfile, "-d", self.name, *args]
        result = subprocess.run(
            command + ["--logfile", str(log), "--log-level=info"],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        text = log.read_text() if log.exists() else ""
        errors = [line for line in text.splitlines() if ERROR_LINE.match(line)]
        assert result.returncode == 0 and not errors, (
            f"{label} failed (exit {result.returncode}):\n"
            + "\n".join(errors[:10])
            + "\n"
            + result.stderr[-3000:]
            + "\n"
            + text[-3000:]
        )
        return result.stdout

    def install(self, modules, label):
        return self._run(["-i", ",".join(modules), "--stop-after-init", "--no-http"], label=label)

    def shell(self, code, label):
        return self._run(["--no-http"], stdin=code, label=label, command=["shell"])

    def pytest(self, paths, label):
        """Odoo's own tests, run with pytest-odoo against this database."""
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-c",
                str(REPO / "setup" / "pytest.ini"),
                "--rootdir",
                str(REPO),
                f"--odoo-config={config.rcfile}",
                f"--odoo-database={self.name}",
                "--odoo-log-level=warn",
                f"--odoo-extra=logfile={self.workdir / (label + '.log')}",
                "--odoo-extra=test-enable",
                "-q",
                *paths,
            ],
            capture_output=True,
            text=True,
            timeout=1800,
            cwd=REPO,
            check=False,
            env={**os.environ, "PYTEST_ADDOPTS": ""},
        )
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        assert (
            result.returncode == 0 and " passed" in summary and "skipped" not in summary
        ), f"{label}: {summary}\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
        return summary


def _tagged(output, tag):
    return json.loads(next(line for line in output.splitlines() if line.startswith(tag + " "))[len(tag) + 1 :])


def _snapshot(db, label):
    output = db.shell(SNAPSHOT, label)
    history = int(next(line for line in output.splitlines() if line.startswith("HISTORY "))[8:])
    return _tagged(output, "SNAPSHOT"), history


def test_install_and_uninstall_on_a_database_with_loyalty_data():
    name = f"{config['db_name']}_live"
    subprocess.run(["dropdb", "--if-exists", name], check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="clinic-live-") as workdir:
        db = LiveDatabase(name, workdir)
        try:
            db.install(STOCK, "stock")
            db.shell(PREPARE, "prepare")
            before, history = _snapshot(db, "before")
            stock_programmes = sorted({program for program, *_rest in before.values()})
            assert len(before) >= 7 and history >= 1, (len(before), history)

            db.install(ADDONS, "install-clinic")
            after, history_after = _snapshot(db, "after-install")
            # Every card the shop had is as it was; the addons' demo adds the clinic's own.
            assert {card: after[card] for card in before} == before
            assert history_after >= history
            clinic = _tagged(db.shell(CLINIC_CHECK % {"stock_programmes": stock_programmes}, "clinic"), "CLINIC")
            assert clinic == {"plain_cards_with_ledger": 0, "clinic_programmes": 1, "stock_programmes_made_clinic": 0}

            db.shell(UNINSTALL % {"addons": ADDONS}, "uninstall")
            left = _tagged(db.shell(AFTER_UNINSTALL % {"addons": ADDONS}, "left"), "LEFT")
            assert left == {"installed": 0, "clinic_tables": []}, left
            # Every card is kept with its balance and owner, the clinic's too (its programme
            # stays, as a plain loyalty programme).
            final, _history = _snapshot(db, "after-uninstall")
            assert {card: final.get(card) for card in after} == after

            # Sales with loyalty and the POS still work: Odoo's own tests, on this database.
            stock = Path(odoo.__file__).resolve().parent / "addons"
            db.pytest(
                [
                    str(stock / "sale_loyalty" / "tests" / "test_loyalty_history.py"),
                    str(stock / "sale_loyalty" / "tests" / "test_program_numbers.py"),
                    str(stock / "point_of_sale" / "tests" / "test_pos_simple_orders.py"),
                ],
                "odoo-tests-after-uninstall",
            )
        finally:
            subprocess.run(["dropdb", "--if-exists", name], check=False, capture_output=True)
            shutil.rmtree(Path(config["data_dir"]) / "filestore" / name, ignore_errors=True)

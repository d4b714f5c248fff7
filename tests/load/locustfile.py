"""Locust users for the load and fault run: POS terminals and back-office users calling Odoo
over JSON-RPC exactly as the POS and the back office do. Started by ``run_load.py``, which
sets LOAD_FIXTURE (written by ``prepare_db.py``) and LOAD_SENT (one JSON line per order
sent, read by the checks at the end).

Faults made here, each counted in the run's events: every order may be sent twice (at once,
or later from an offline queue), a share of the calls are cut by a client timeout and sent
again, and a call that fails (a worker killed, the server restarting) is sent again until it
is answered, as the POS does with its unsynced orders.
"""

import itertools
import json
import os
import random
import time
import uuid
from collections import Counter

import payloads
from locust import HttpUser, between, events, task

with open(os.environ["LOAD_FIXTURE"]) as _fixture:
    FIXTURE = json.load(_fixture)
SENT_PATH = os.environ["LOAD_SENT"]
DUPLICATE_NOW = float(os.environ.get("LOAD_DUPLICATE_NOW", "0.10"))
DUPLICATE_LATER = float(os.environ.get("LOAD_DUPLICATE_LATER", "0.10"))
CUT_SHARE = float(os.environ.get("LOAD_CUT_SHARE", "0.05"))

EVENTS = Counter()
_terminals = itertools.count()
_offices = itertools.count()
_sent = open(SENT_PATH, "a", buffering=1)  # noqa: SIM115 - one line per order, for the whole run
# Each order as sent, with its terminal's cashier (the till's offline queue), and the orders
# whose sync was answered: the launcher sends again, after the run, every order that got no
# answer (a request still running when Locust stopped), as a till does when it is back.
_queue = open(SENT_PATH + ".queue", "a", buffering=1)  # noqa: SIM115
_answered = open(SENT_PATH + ".answered", "a", buffering=1)  # noqa: SIM115


@events.quitting.add_listener
def _save_events(environment, **kwargs):
    with open(SENT_PATH + ".events.json", "w") as out:
        json.dump(dict(EVENTS), out)


class OdooUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)

    def login(self, login):
        self.login_name = login
        for _attempt in range(60):
            response = self.client.post(
                "/web/session/authenticate",
                json={"params": {"db": FIXTURE["db"], "login": login, "password": FIXTURE["password"]}},
                name="login",
            )
            if response.ok and "error" not in response.json():
                return
            time.sleep(1)
        raise RuntimeError(f"{login} cannot log in")

    def call(self, model, method, args, kwargs=None, name=None, retry=True):
        """A JSON-RPC call as the web client makes it. Cut by a short client timeout now and
        then (the answer is lost, the server may have done the work), and sent again while
        the server is down or a worker died, as the POS does."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": {
                    **(kwargs or {}),
                    "context": {
                        "allowed_company_ids": [FIXTURE["company_id"]],
                        "lang": "en_US",
                        **(kwargs or {}).get("context", {}),
                    },
                },
            },
        }
        name = name or f"{model}.{method}"
        for attempt in itertools.count():
            cut = retry and random.random() < CUT_SHARE
            try:
                with self.client.post(
                    f"/web/dataset/call_kw/{model}/{method}",
                    json=payload,
                    name=name,
                    timeout=0.05 if cut else 120,
                    catch_response=True,
                ) as response:
                    if response.status_code in (502, 503, 504) or response.status_code == 0:
                        raise ConnectionError(f"HTTP {response.status_code}")
                    body = response.json()
                    if "error" in body:
                        error = body["error"].get("data", {})
                        if error.get("name") == "odoo.http.SessionExpiredException":
                            response.success()
                            EVENTS["session_expired_relogin"] += 1
                            self.login(self.login_name)
                            continue
                        if attempt and error.get("name") == "odoo.exceptions.UserError":
                            # Sent again after a lost answer: the first one did the work and the
                            # server refuses to do it twice ("must be in draft", ...).
                            response.success()
                            EVENTS["resend_refused_as_done"] += 1
                            return None
                        response.failure(error.get("message") or body["error"].get("message"))
                        EVENTS[f"error {name}"] += 1
                        return None
                    response.success()
                    return body.get("result")
            except Exception:  # noqa: BLE001 - any lost answer is retried, as the POS does
                EVENTS["cut_by_timeout" if cut else "no_answer_retried"] += 1
                if not retry or attempt > 300:
                    return None
                time.sleep(0 if cut else 1)


class PosTerminal(OdooUser):
    """One front desk: one POS session, its cashier, its offline queue."""

    weight = 10

    def on_start(self):
        self.terminal = FIXTURE["terminals"][next(_terminals) % len(FIXTURE["terminals"])]
        self.login(self.terminal["login"])
        self.paid = []  # (order id, lines, partner) of this terminal's paid orders, to refund
        self.later = []  # (time due, order) sent again later: the offline queue
        self.sequence = itertools.count(1)

    # What the desk sends ---------------------------------------------------------------

    def order(self, partner_id, lines, reward=None):
        return payloads.order(self.terminal, next(self.sequence), partner_id, lines, reward)

    line = staticmethod(payloads.line)

    def sync(self, order, kind):
        _sent.write(json.dumps({"uuid": order["uuid"], "kind": kind, "partner_id": order["partner_id"]}) + "\n")
        _queue.write(json.dumps({"login": self.terminal["login"], "order": order}) + "\n")
        result = self.call("pos.order", "sync_from_ui", [[order]], name=f"sync {kind}")
        if result is not None:
            _answered.write(order["uuid"] + "\n")
        roll = random.random()
        if roll < DUPLICATE_NOW:
            EVENTS["sent_twice_at_once"] += 1
            self.call("pos.order", "sync_from_ui", [[order]], name="sync replay")
        elif roll < DUPLICATE_NOW + DUPLICATE_LATER:
            EVENTS["sent_twice_later"] += 1
            self.later.append((time.time() + random.uniform(5, 60), order))
        return result

    def flush_offline_queue(self):
        due = [item for item in self.later if item[0] <= time.time()]
        self.later = [item for item in self.later if item[0] > time.time()]
        for _due, order in due:
            self.call("pos.order", "sync_from_ui", [[order]], name="sync replay")

    # Scenarios -------------------------------------------------------------------------

    def patient(self):
        if FIXTURE["households"] and random.random() < 0.2:
            # Household members at several desks at once spend the one shared card.
            EVENTS["household_member_served"] += 1
            return random.choice(random.choice(FIXTURE["households"]))
        return random.choice(FIXTURE["patients"])

    @task(8)
    def serve_a_patient(self):
        self.flush_offline_queue()
        partner_id = self.patient()
        info = self.call("loyalty.card", "clinic_pos_card_info", [partner_id], name="card info") or {}
        products = random.sample(FIXTURE["products"], k=min(len(FIXTURE["products"]), random.randint(1, 3)))
        lines = [self.line(product, random.choice((1, 1, 1, 2))) for product in products]
        reward = None
        usable = info.get("usable_points") or 0
        if usable >= 1 and random.random() < 0.4:
            check = (
                self.call(
                    "pos.order",
                    "clinic_check_points",
                    [
                        partner_id,
                        [
                            {
                                "product_id": line["product_id"],
                                "qty": line["qty"],
                                "amount": line["price_subtotal_incl"],
                            }
                            for line in lines
                        ],
                        [],
                    ],
                    name="check before payment",
                )
                or {}
            )
            points = int(min(check.get("usable_on_order") or 0, random.randint(1, int(usable))))
            if points >= 1:
                value = FIXTURE["reward"]["value"]
                amount = -round(points * value, 2)
                reward = {
                    "product_id": FIXTURE["reward"]["product_id"],
                    "qty": 1,
                    "price_unit": amount,
                    "price_subtotal": amount,
                    "price_subtotal_incl": amount,
                    "tax_ids": [[6, 0, []]],
                    "reward_id": FIXTURE["reward"]["id"],
                    "coupon_id": info["card_id"],
                    "is_reward_line": True,
                    "points_cost": points,
                    "reward_identifier_code": str(uuid.uuid4())[:8],
                    "discount": 0,
                }
        order = self.order(partner_id, lines, reward)
        result = self.sync(order, "spend" if reward else "earn")
        self.remember(result, partner_id)

    @task(2)
    def use_a_package_session(self):
        if not FIXTURE["package_uses"]:
            return
        use = random.choice(FIXTURE["package_uses"])
        self.call("clinic.package", "clinic_pos_packages", [use["partner_id"]], name="package lookup")
        line = self.line(use["product"], 1, clinic_package_code=use["code"])
        line.update(price_subtotal=0, price_subtotal_incl=0, price_unit=0)
        self.sync(self.order(use["partner_id"], [line]), "package")

    @task(2)
    def refund_an_earlier_order(self):
        if not self.paid:
            return
        _order_id, lines, partner_id = self.paid.pop(random.randrange(len(self.paid)))
        line = random.choice(lines)
        qty = -min(line["qty"], random.choice((1, line["qty"])))
        refund = {
            "product_id": line["product_id"],
            "qty": qty,
            "price_unit": line["price_unit"],
            "price_subtotal": round(line["price_subtotal"] / line["qty"] * qty, 2),
            "price_subtotal_incl": round(line["price_subtotal_incl"] / line["qty"] * qty, 2),
            "tax_ids": [[6, 0, line["tax_ids"]]],
            "refunded_orderline_id": line["id"],
            "discount": line.get("discount") or 0,
        }
        self.sync(self.order(partner_id, [refund]), "refund")

    def remember(self, result, partner_id):
        if not result or not result.get("pos.order"):
            return
        order = result["pos.order"][0]
        lines = [
            {
                "id": line["id"],
                "product_id": line["product_id"],
                "qty": line["qty"],
                "price_unit": line["price_unit"],
                "price_subtotal": line["price_subtotal"],
                "price_subtotal_incl": line["price_subtotal_incl"],
                "tax_ids": line.get("tax_ids") or [],
                "discount": line.get("discount") or 0,
            }
            for line in result.get("pos.order.line", [])
            if line.get("order_id") == order["id"] and not line.get("is_reward_line") and line["qty"] > 0
        ]
        if lines:
            self.paid.append((order["id"], lines, partner_id))


class BackOffice(OdooUser):
    """A salesperson confirming sales orders, invoicing them and posting credit notes."""

    weight = 1

    def on_start(self):
        self.user = FIXTURE["office"][next(_offices) % len(FIXTURE["office"])]
        self.login(self.user["login"])
        self.invoices = []

    @task(3)
    def confirm_a_sales_order(self):
        partner_id = random.choice(FIXTURE["patients"])
        products = random.sample(FIXTURE["products"], k=min(len(FIXTURE["products"]), random.randint(1, 3)))
        order_id = self.call(
            "sale.order",
            "create",
            [
                {
                    "partner_id": partner_id,
                    "order_line": [
                        [0, 0, {"product_id": p["id"], "product_uom_qty": random.choice((1, 2))}] for p in products
                    ],
                }
            ],
            name="sale.order create",
            retry=False,
        )
        if not order_id:
            return
        self.call("sale.order", "action_confirm", [[order_id]], name="sale.order confirm")
        wizard = self.call(
            "sale.advance.payment.inv",
            "create",
            [{"advance_payment_method": "delivered", "sale_order_ids": [[6, 0, [order_id]]]}],
            name="invoice wizard",
            retry=False,
        )
        if wizard:
            self.call("sale.advance.payment.inv", "create_invoices", [[wizard]], name="create invoice", retry=False)
            moves = self.call(
                "account.move",
                "search",
                [[["invoice_origin", "=", self.call("sale.order", "read", [[order_id], ["name"]])[0]["name"]]]],
                name="find invoice",
            )
            if moves:
                self.call("account.move", "action_post", [moves], name="post invoice")
                self.invoices.extend(moves)

    @task(1)
    def post_a_credit_note(self):
        if not self.invoices:
            return
        move_id = self.invoices.pop(random.randrange(len(self.invoices)))
        move = self.call("account.move", "read", [[move_id], ["journal_id"]], name="read invoice")
        if not move:
            return
        wizard = self.call(
            "account.move.reversal",
            "create",
            [{"reason": "Load run", "move_ids": [[6, 0, [move_id]]], "journal_id": move[0]["journal_id"][0]}],
            {"context": {"active_model": "account.move", "active_ids": [move_id]}},
            name="credit note wizard",
            retry=False,
        )
        if wizard:
            action = self.call("account.move.reversal", "refund_moves", [[wizard]], name="credit note", retry=False)
            if action and action.get("res_id"):
                self.call("account.move", "action_post", [[action["res_id"]]], name="post credit note")

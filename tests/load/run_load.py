"""The load and fault run: copies the demo clinic, starts Odoo with workers, drives it with
Locust (POS terminals and back office over JSON-RPC), kills a worker, restarts the server,
triggers the scheduled actions, then checks that nothing was lost, doubled or overdrawn.

Run through ``tests/load/run`` (it sets the environment of ``setup/common.sh``); see
tests/load/README.md. Loopback only.
"""

import argparse
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import payloads

HERE = Path(__file__).resolve().parent
ODOO_BIN = [os.environ["VENV_DIR"] + "/bin/python", os.environ["ODOO_PATH"] + "/odoo-bin"]
CONF = ["-c", os.environ["ODOO_CONF"]]
DATA_DIR = Path(os.environ["ODOO_DATA_DIR"])


def log(message):
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", flush=True)


def sh(*command, **kwargs):
    return subprocess.run(command, check=True, **kwargs)


def psql(sql, db="postgres", port=None):
    command = ["psql", "-tAX", "-d", db, "-c", sql]
    if port:
        command += ["-p", str(port)]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def odoo_shell(db, script, env):
    with open(script) as stdin:
        sh(*ODOO_BIN, "shell", *CONF, "-d", db, "--no-http", "--log-level=warn", stdin=stdin, env={**os.environ, **env})


def rpc(port, path, params, session=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode(),
        headers={"Content-Type": "application/json", **({"Cookie": session} if session else {})},
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        cookie = response.headers.get("Set-Cookie", "").split(";")[0]
        return json.loads(response.read()), cookie or session


class Server:
    """Odoo with its multi-process server (``--workers``)."""

    def __init__(self, args, out, replica_port=None):
        self.command = [
            *ODOO_BIN,
            *CONF,
            "-d",
            args.db,
            f"--db-filter=^{args.db}$",
            f"--workers={args.workers}",
            "--max-cron-threads=1",
            f"--http-port={args.port}",
            f"--gevent-port={args.port + 1}",
            "--limit-time-real=600",
            "--limit-time-cpu=300",
            "--limit-memory-soft=2147483648",
            f"--logfile={out / 'odoo.log'}",
            "--log-level=info",
        ]
        if replica_port:
            self.command += ["--db_replica_host=localhost", f"--db_replica_port={replica_port}"]
        self.port = args.port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.command, start_new_session=True)
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/web/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(1)
        raise RuntimeError("Odoo did not start")

    def workers(self):
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout
        return [int(pid) for pid in found.split()]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Replica:
    """A streaming replica of the local cluster on another port (``pg_basebackup -R``)."""

    def __init__(self, port, out):
        self.port = port
        self.dir = Path("/tmp/clinic-load-replica")
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        self.bin = Path(bindir) if (Path(bindir) / "pg_ctl").exists() else versions[-1]

    def as_postgres(self, *command):
        if os.geteuid() == 0:
            return sh("su", "postgres", "-c", " ".join(map(str, command)))
        return sh(*command)

    def start(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o700)
        port = os.environ.get("PGPORT", "5432")
        self.as_postgres(
            self.bin / "pg_basebackup",
            "-h",
            "localhost",
            "-p",
            port,
            "-D",
            self.dir,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        # Debian keeps a cluster's configuration outside its data directory: the replica gets
        # its own, with the settings a hot standby must share with its primary.
        shared = ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
                  "max_locks_per_transaction", "hba_file", "ident_file")  # fmt: skip
        settings = {name: psql(f"SHOW {name}") for name in shared}
        conf = "\n".join(
            [f"port = {self.port}", "hot_standby = on", "listen_addresses = 'localhost'",
             "unix_socket_directories = '/tmp'"]
            + [f"{name} = '{value}'" for name, value in settings.items()]
        )  # fmt: skip
        (self.dir / "postgresql.conf").write_text(conf + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.dir / "postgresql.conf", "postgres", "postgres")
        self.as_postgres(self.bin / "pg_ctl", "-D", self.dir, "-l", self.dir / "replica.log", "-w", "start")

    def stop(self):
        if (self.dir / "postmaster.pid").exists():
            self.as_postgres(self.bin / "pg_ctl", "-D", self.dir, "-m", "fast", "-w", "stop")


def transactions(db, port=None):
    return int(psql(f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{db}'", port=port))


def scan_log(path):
    """Odoo's log of the run: concurrency failures Odoo retried (its SQL layer logs each as an
    ERROR "bad query" first, then the request is tried again) and the other errors."""
    lines = path.read_text(errors="replace").splitlines()
    concurrency = ("could not serialize access", "deadlock detected")
    retried_failures, errors = 0, []
    for index, line in enumerate(lines):
        if " ERROR " not in line and " CRITICAL " not in line:
            continue
        detail = next((nxt for nxt in lines[index + 1 : index + 40] if nxt.startswith("ERROR:")), "")
        if "odoo.sql_db: bad query" in line and any(text in detail for text in concurrency):
            retried_failures += 1
        else:
            errors.append(line[:300])
    return {
        "concurrency_failures": retried_failures,
        "retries": sum("tries left, try again in" in line for line in lines),
        "retries_exhausted": sum("maximum number of tries reached" in line for line in lines),
        "errors": len(errors),
        "error_lines": errors[:20],
    }


def faults(args, server, admin_session, fixture, events, stop):
    """Kills a worker at a third of the run, restarts the server at two thirds, and runs the
    clinic's scheduled actions at a quarter, a half and three quarters."""
    duration = args.minutes * 60
    plan = sorted(
        [(duration / 3, "kill"), (2 * duration / 3, "restart")]
        + [(duration * share, "crons") for share in (0.25, 0.5, 0.75)]
    )
    started = time.time()
    for at, fault in plan:
        while time.time() - started < at:
            if stop.wait(1):
                return
        if fault == "kill":
            workers = server.workers()
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                events["worker_killed"] = events.get("worker_killed", 0) + 1
                log(f"killed worker {workers[0]}")
        elif fault == "restart":
            log("restarting the server")
            server.stop()
            server.start()
            events["server_restarted"] = events.get("server_restarted", 0) + 1
        else:
            session = rpc(
                args.port, "/web/session/authenticate", {"db": args.db, "login": "admin", "password": "admin"}
            )[1]
            for cron in fixture["crons"]:
                answer = rpc(
                    args.port,
                    "/web/dataset/call_kw/ir.cron/method_direct_trigger",
                    {"model": "ir.cron", "method": "method_direct_trigger", "args": [[cron]], "kwargs": {}},
                    session,
                )[0]
                key = "cron_failed" if "error" in answer else "cron_run"
                events[key] = events.get(key, 0) + 1
            log("scheduled actions run")


def drain_offline_queue(args, fixture, sent_path):
    """Send again every order whose sync got no answer during the run (still running when
    Locust stopped, or given up), as its till does when it is back: the server saves an
    order it has not seen and skips one it has. Returns how many were sent."""
    queue_path, answered_path = Path(f"{sent_path}.queue"), Path(f"{sent_path}.answered")
    answered = set(answered_path.read_text().split()) if answered_path.exists() else set()
    pending = []
    if queue_path.exists():
        for line in queue_path.read_text().splitlines():
            entry = json.loads(line) if line.strip() else None
            if entry and entry["order"]["uuid"] not in answered:
                pending.append(entry)
    sessions = {}
    context = {"allowed_company_ids": [fixture["company_id"]]}
    for entry in pending:
        login = entry["login"]
        if login not in sessions:
            sessions[login] = rpc(
                args.port, "/web/session/authenticate", {"db": args.db, "login": login, "password": fixture["password"]}
            )[1]
        rpc(
            args.port,
            "/web/dataset/call_kw/pos.order/sync_from_ui",
            {
                "model": "pos.order",
                "method": "sync_from_ui",
                "args": [[entry["order"]]],
                "kwargs": {"context": context},
            },
            sessions[login],
        )
    return len(pending)


def probe_read_after_write(args, fixture, probes=20):
    """Writes, then reads at once through the desk's calls: a paid order earning points, then
    the check before payment (a call that decides money: on the primary) and the card info
    (display only: on the replica when there is one). Each read is compared with the primary."""
    terminal = fixture["terminals"][0]
    session = rpc(
        args.port,
        "/web/session/authenticate",
        {"db": args.db, "login": terminal["login"], "password": fixture["password"]},
    )[1]
    context = {"allowed_company_ids": [fixture["company_id"]]}

    def call(model, method, *arguments):
        answer = rpc(
            args.port,
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(arguments), "kwargs": {"context": context}},
            session,
        )[0]
        return answer.get("result")

    members = {partner for household in fixture["households"] for partner in household}
    patients = [partner for partner in fixture["patients"] if partner not in members]
    stale = {"money_reads_stale": 0, "display_reads_stale": 0, "probes": probes}
    for index in range(probes):
        partner = random.choice(patients)
        product = fixture["products"][index % len(fixture["products"])]
        call(
            "pos.order",
            "sync_from_ui",
            [payloads.order(terminal, 900000 + index, partner, [payloads.line(product, 1)])],
        )
        check = call(
            "pos.order",
            "clinic_check_points",
            partner,
            [{"product_id": product["id"], "qty": 1, "amount": product["subtotal_incl"]}],
            [],
        )
        info = call("loyalty.card", "clinic_pos_card_info", partner)
        primary = float(psql(f"SELECT points FROM loyalty_card WHERE id = {int(info['card_id'])}", db=args.db))
        stale["money_reads_stale"] += abs(check["usable_points"] - primary) > 0.005
        stale["display_reads_stale"] += abs(info["points"] - primary) > 0.005
    return stale


def report(result, with_replica, out):
    """Prints the run's table and says whether every check is 0 (exit status)."""
    calls = result["calls"]
    events = result["events"]
    read_after_write = result["read_after_write"]
    print(f"\n{'call':<28}{'requests':>9}{'failures':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'/s':>7}")
    for name, row in calls.items():
        print(
            f"{name:<28}{row['requests']:>9}{row['failures']:>9}{row['p50_ms']:>8}{row['p95_ms']:>8}"
            f"{row['p99_ms']:>8}{row['per_second']:>7}"
        )
    print(
        f"\n{result['orders_distinct']} orders in {result['seconds']} s: {result['orders_per_second']} orders/s "
        f"on {result['nproc']} cores; events {events}"
    )
    print(f"log: { ({k: v for k, v in result['log'].items() if k != 'error_lines'}) }")
    for line in result["log"]["error_lines"]:
        print(f"  {line}")
    if with_replica:
        print(f"replica: {result['replica']}")
    print(f"read after write: {read_after_write}")
    failed = {name: value for name, value in result["checks"].items() if value}
    if read_after_write["money_reads_stale"]:
        failed["money_reads_stale"] = read_after_write["money_reads_stale"]
    failed.update({name: result["log"][name] for name in ("errors", "retries_exhausted") if result["log"][name]})
    print(f"\nchecks: {'all 0' if not failed else failed}; summary: {out / 'summary.json'}")
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source-db", default=os.environ.get("CLINIC_LOYALTY_DB", "clinic_demo"))
    parser.add_argument("--db", default="clinic_load")
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8369)
    parser.add_argument("--replica", action="store_true", help="a streaming replica for read-only calls")
    parser.add_argument("--replica-port", type=int, default=5433)
    parser.add_argument("--reuse", action="store_true", help="keep the load database of an earlier run")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--out", default=str(Path(os.environ["CACHE_DIR"]) / "load-run"))
    args = parser.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    fixture_path = out / "fixture.json"
    sent_path = out / "sent.jsonl"

    if not args.reuse:
        log(f"copying {args.source_db} to {args.db}")
        psql(f'DROP DATABASE IF EXISTS "{args.db}"')
        psql(f'CREATE DATABASE "{args.db}" TEMPLATE "{args.source_db}"')
        shutil.rmtree(DATA_DIR / "filestore" / args.db, ignore_errors=True)
        if (DATA_DIR / "filestore" / args.source_db).exists():
            shutil.copytree(DATA_DIR / "filestore" / args.source_db, DATA_DIR / "filestore" / args.db)
        log("updating the clinic addons of the copy to this checkout's code")
        sh(
            *ODOO_BIN, *CONF, "-d", args.db, "-u", "clinic_loyalty,clinic_loyalty_packages,clinic_loyalty_referral",
            "--stop-after-init", "--log-level=warn", f"--http-port={args.port}",
        )  # fmt: skip
    log(f"preparing {args.patients} patients, {args.terminals} terminals")
    odoo_shell(
        args.db,
        HERE / "prepare_db.py",
        {"LOAD_FIXTURE": str(fixture_path), "LOAD_PATIENTS": str(args.patients), "LOAD_TERMINALS": str(args.terminals)},
    )
    fixture = json.loads(fixture_path.read_text())

    replica = Replica(args.replica_port, out) if args.replica else None
    if replica:
        log(f"starting a streaming replica on port {args.replica_port}")
        replica.start()
    server = Server(args, out, replica_port=args.replica_port if replica else None)
    server.start()
    log(f"Odoo started with {args.workers} workers on port {args.port}")
    before = {"primary": transactions(args.db), "replica": transactions(args.db, args.replica_port) if replica else 0}
    lags = []
    events = {}
    stop = threading.Event()
    threads = []
    if not args.no_faults:
        threads.append(threading.Thread(target=faults, args=(args, server, None, fixture, events, stop), daemon=True))
    if replica:

        def sample_lag():
            while not stop.wait(5):
                lag = psql("SELECT COALESCE(MAX(EXTRACT(EPOCH FROM replay_lag)), 0) FROM pg_stat_replication")
                lags.append(float(lag or 0))

        threads.append(threading.Thread(target=sample_lag, daemon=True))
    for thread in threads:
        thread.start()
    started = time.time()
    users = args.terminals + 2
    locust = Path(sys.executable).parent / "locust"
    subprocess.run(
        [
            str(locust),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(min(users, 10)),
            "-t",
            f"{int(args.minutes * 60)}s",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            str(out / "locust"),
            "--html",
            str(out / "locust.html"),
            "--stop-timeout",
            "30",
            "--only-summary",
        ],
        env={**os.environ, "LOAD_FIXTURE": str(fixture_path), "LOAD_SENT": str(sent_path)},
        check=False,
    )
    elapsed = time.time() - started
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    events["drained_at_end"] = drain_offline_queue(args, fixture, sent_path)
    log(f"offline queues drained: {events['drained_at_end']} order(s) without an answer sent again")
    log("writing then reading through the desk's calls")
    read_after_write = probe_read_after_write(args, fixture)
    after = {"primary": transactions(args.db), "replica": transactions(args.db, args.replica_port) if replica else 0}
    server.stop()
    if replica:
        replica.stop()

    log("checking the database")
    result_path = out / "checks.json"
    odoo_shell(
        args.db,
        HERE / "checks.py",
        {"LOAD_SENT": str(sent_path), "LOAD_FIXTURE": str(fixture_path), "LOAD_RESULT": str(result_path)},
    )
    result = json.loads(result_path.read_text())
    events.update(
        json.loads((out / "sent.jsonl.events.json").read_text()) if (out / "sent.jsonl.events.json").exists() else {}
    )
    result["log"] = scan_log(out / "odoo.log")
    result["events"] = events
    result["read_after_write"] = read_after_write
    calls = {}
    with open(out / "locust_stats.csv") as stats:
        for row in csv.DictReader(stats):
            calls[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": row["50%"],
                "p95_ms": row["95%"],
                "p99_ms": row["99%"],
                "per_second": round(float(row["Requests/s"]), 2),
            }
    result["calls"] = calls
    result["seconds"] = round(elapsed)
    result["orders_per_second"] = round(result["orders_distinct"] / elapsed, 2)
    result["nproc"] = os.cpu_count()
    if replica:
        primary = after["primary"] - before["primary"]
        served = after["replica"] - before["replica"]
        result["replica"] = {
            "transactions_primary": primary,
            "transactions_replica": served,
            "replica_share": round(served / max(primary + served, 1), 3),
            "lag_max_s": max(lags, default=0),
            "lag_avg_s": round(sum(lags) / max(len(lags), 1), 3),
        }
    (out / "summary.json").write_text(json.dumps(result, indent=2, default=str))

    return report(result, replica is not None, out)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Two `shenbao serve` on one PostgreSQL database behind nginx.

    python3 tests/multinode/run.py --shenbao build/shenbao [--db-url CLUSTER]
                                   [--seconds N] [--keep]

1. A database on a PostgreSQL cluster (--db-url's, else $SHENBAO_TEST_PG's,
   else a throwaway one started with tools/pg-scratch), migrated, a signing
   key and accounts (tests/api/common.py's Server).  Two servers, A and B,
   on it, each on a loopback port; nginx (Debian's, run in the foreground
   by this test from a configuration it writes into a temporary directory)
   in front of both, round robin, a request whose server is unreachable
   passed to the other.
2. Load and a kill: 8 threads, each its own applicants (an administrator
   makes one per application), create and submit applications through the
   proxy; a probe asks the proxy, and another asks A directly, every few
   milliseconds.  Midway B is killed with SIGKILL.  The load goes on, then
   stops.  Every application whose creation was answered 201 is in the
   database, every submission answered 200 left it submitted, `shenbao
   audit verify` finds the log intact, A answered throughout, and the time
   from the kill to the proxy's first answer to a request sent after it is
   measured.
3. Two clocks: a dozen applications taken to public notice through the
   proxy; then two servers whose clock is past the notices' end, each
   ticking every second (and `shenbao tick` run beside them): every
   notice ends exactly once (one notice_ended event, one certificate, one
   "approved" among both servers' logs).

The figures go to stdout as one JSON line ("multinode: {...}"); the last
line is "N passed, N failed".  Python standard library only.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
API = os.path.join(HERE, "..", "api")
sys.path.insert(0, API)

import common  # noqa: E402
import run as harness  # noqa: E402

THREADS = 8
TICK_APPS = 12
KILL_AFTER_SUBMITTED = 150
CLOCK_APPLY = "2020-10-12T10:00:00+08:00"   # a Monday: the notices start the next working day

NGINX_CONF = """
daemon off;
master_process off;
error_log {tmp}/nginx-error.log warn;
pid {tmp}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    upstream shenbao {{
        server 127.0.0.1:{a} max_fails=1 fail_timeout=10s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=10s;
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;
        location / {{
            proxy_pass http://shenbao;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


def log(msg):
    print(msg, flush=True)


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


# --------------------------------------------------------------------------
# HTTP through the proxy (or to one server)

def request(port, method, path, body=None, token=None, timeout=30, raw=None, ctype=None):
    """One request on a fresh connection: (status, body) or (None, error).
    raw: bytes sent as they are, of type ctype."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    payload = None
    if body is not None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    elif raw is not None:
        payload = raw
        headers["Content-Type"] = ctype or "application/octet-stream"
    if token:
        headers["Authorization"] = "Bearer " + token
    try:
        c.request(method, path, body=payload, headers=headers)
        r = c.getresponse()
        data = r.read()
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = data[:200]
        return r.status, doc
    except (OSError, http.client.HTTPException) as e:
        return None, repr(e)
    finally:
        c.close()


class Through:
    """What common.Flow and the tests need of a server, through the proxy."""

    def __init__(self, port, first):
        self.port = port
        self.tokens = first.tokens
        self.accounts = first.accounts
        self.config = first.config
        self.clock = getattr(first, "clock", None)

    def req(self, method, path, body=None, token=None, headers=None, raw=None):
        if token in self.tokens:
            token = self.tokens[token]
        st, doc = request(self.port, method, path, body, token)
        return (st, {}, doc)


def new_applicant(port, admin, tag):
    """An applicant account of its own (the administrator makes it):
    (token, name, uscc), or None when the proxy did not answer 201."""
    uscc = common.uscc_new("110108")
    name = "北京多节点测试%s有限公司" % tag
    st, doc = request(port, "POST", "/v1/accounts",
                      {"role": "applicant", "name": name, "uscc": uscc}, admin)
    if st != 201:
        return None
    return doc["token"], name, uscc


def attach_materials(port, app_id, token):
    """Uploads the smallest file for every material the application still
    needs (RULES.md §6), so that it can be submitted: (None, None) when all
    went in, else the (status, body) of the request that did not."""
    path = "/v1/applications/%d/materials" % app_id
    st, doc = request(port, "GET", path, None, token)
    if st != 200:
        return st, doc
    for t in doc["missing"]:
        st, doc = request(port, "POST", path + "?type=" + t, None, token, raw=common.TINY_PDF,
                          ctype="application/pdf")
        if st != 201:
            return st, doc
    return None, None


def envelope(first, name, uscc):
    env = first.envelope("incubator", "applicant_a")
    env["applicant"] = {"name": name, "uscc": uscc}
    env["review_unit"] = "110108"
    return env


# --------------------------------------------------------------------------
# nginx

def start_nginx(tmp, a, b):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise Failed("nginx is not installed (tools/install-deps --test installs nginx-light)")
    port = harness.free_port()
    for d in ("nginx-body", "nginx-proxy", "nginx-fastcgi", "nginx-uwsgi", "nginx-scgi"):
        os.mkdir(os.path.join(tmp, d))
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(NGINX_CONF.format(tmp=tmp, a=a, b=b, port=port))
    errf = open(os.path.join(tmp, "nginx.stderr"), "wb")
    proc = subprocess.Popen([nginx, "-p", tmp, "-e", os.path.join(tmp, "nginx-error.log"),
                             "-c", conf], stdin=subprocess.DEVNULL, stdout=errf, stderr=errf)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            errf.close()
            raise Failed("nginx exited with %d: %s" % (
                proc.returncode, harness.read_text(errf.name) +
                harness.read_text(os.path.join(tmp, "nginx-error.log"))))
        st, _ = request(port, "GET", "/healthz", timeout=2)
        if st == 200:
            return proc, port, errf
        time.sleep(0.05)
    proc.kill()
    raise Failed("nginx did not answer within 20 s")


# --------------------------------------------------------------------------
# 2. load and a kill

def load_and_kill(first, second, port, seconds):
    admin = first.tokens["admin"]
    lock = threading.Lock()
    created, submitted, failures, gateway = [], [], [], []
    stop = threading.Event()
    killed_at = [None]
    first_after_kill = [None]    # (seconds after the kill) of the first answer sent after it
    direct_gaps = []

    def note_answer(sent_at):
        k = killed_at[0]
        if k is not None and sent_at >= k:
            with lock:
                if first_after_kill[0] is None:
                    first_after_kill[0] = time.monotonic() - k

    def worker(n):
        i = 0
        while not stop.is_set():
            i += 1
            t0 = time.monotonic()
            who = new_applicant(port, admin, "%d-%d" % (n, i))
            if who is None:
                continue
            note_answer(t0)
            token, name, uscc = who
            t0 = time.monotonic()
            st, doc = request(port, "POST", "/v1/applications", envelope(first, name, uscc),
                              token)
            if st == 201:
                note_answer(t0)
                with lock:
                    created.append(doc["id"])
            elif st in (None, 502, 503, 504):
                with lock:
                    gateway.append(("create", st, doc, t0))
                continue
            else:
                with lock:
                    failures.append(("create", st, doc))
                return
            app_id = doc["id"]
            t0 = time.monotonic()
            st, doc = attach_materials(port, app_id, token)
            if st in (None, 502, 503, 504) and doc is not None:
                with lock:
                    gateway.append(("materials", st, doc, t0))
                continue
            if st is not None:
                with lock:
                    failures.append(("materials", st, doc))
                return
            t0 = time.monotonic()
            st, doc = request(port, "POST", "/v1/applications/%d/submit" % app_id, None, token)
            if st == 200:
                note_answer(t0)
                with lock:
                    submitted.append(app_id)
            elif st in (None, 502, 503, 504):
                with lock:
                    gateway.append(("submit", st, doc, t0))
            else:
                with lock:
                    failures.append(("submit", st, doc))
                return

    def probe_direct():
        last = time.monotonic()
        while not stop.is_set():
            st, _ = request(first.port, "GET", "/readyz", timeout=5)
            now = time.monotonic()
            if st == 200:
                direct_gaps.append(now - last)
                last = now
            time.sleep(0.005)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    threads.append(threading.Thread(target=probe_direct))
    began = time.monotonic()
    for t in threads:
        t.start()
    deadline = began + seconds
    while time.monotonic() < deadline and len(submitted) < KILL_AFTER_SUBMITTED and not failures:
        time.sleep(0.01)
    submitted_before_kill = len(submitted)
    killed_at[0] = time.monotonic()
    second.kill()   # SIGKILL
    time.sleep(max(3.0, seconds / 3))
    stop.set()
    for t in threads:
        t.join(60)
    ended = time.monotonic()
    check(not failures, "answers that are neither success nor the proxy's: %r" % failures[:5])
    check(submitted_before_kill >= 20, "too few submissions before the kill: %d"
          % submitted_before_kill)
    check(len(submitted) > submitted_before_kill, "no submission acknowledged after the kill")
    check(first_after_kill[0] is not None, "the proxy answered nothing sent after the kill")
    # Only requests under way on B when it died fail (the proxy's 502):
    # none before the kill, none sent a second after it.
    k = killed_at[0]
    early = [g for g in gateway if g[3] < k - 0.5]
    late = [g for g in gateway if g[3] > k + 1.0]
    check(not early and not late, "the proxy failed requests sent %s the kill: %r"
          % ("before" if early else "well after", (early or late)[:5]))
    check(direct_gaps and max(direct_gaps) < 2.0,
          "A stopped answering for %.1f s" % (max(direct_gaps) if direct_gaps else -1))
    return {
        "created": sorted(created), "submitted": sorted(submitted),
        "submitted_before_kill": submitted_before_kill,
        "gateway_errors": len(gateway),
        "serve_again_ms": round(first_after_kill[0] * 1000, 1),
        "direct_longest_gap_ms": round(max(direct_gaps) * 1000, 1) if direct_gaps else None,
        "seconds": round(ended - began, 1),
    }


def verify_after_kill(first, figures):
    rows = dict(common.db_rows(first.db, "SELECT id, status FROM applications"))
    lost = [i for i in figures["created"] if i not in rows]
    unsubmitted = [i for i in figures["submitted"] if rows.get(i) != "district_review"]
    check(lost == [], "answered 201, not in the database: %r" % lost[:20])
    check(unsubmitted == [], "answered 200 to submit, not submitted: %r" % unsubmitted[:20])
    rc, out, err = common.shenbao_cli(["audit", "verify", "--config", first.config])
    check(rc == 0 and "intact" in out, "audit verify: %d %s %s" % (rc, out, err))
    figures["events_verified"] = int(out.split(":")[1].split()[0])
    figures["lost"] = len(lost) + len(unsubmitted)


# --------------------------------------------------------------------------
# 3. two clocks

def to_public_notice(first, port, n):
    """n applications, each of an applicant of its own, under public notice."""
    through = Through(port, first)
    flow = common.Flow(through)
    admin = first.tokens["admin"]
    apps = []
    for i in range(n):
        who = new_applicant(port, admin, "公示%d" % i)
        check(who is not None, "an applicant could not be made")
        token, name, uscc = who
        key = "notice_%d" % i
        through.tokens[key] = token
        through.accounts[key] = {"role": "applicant", "name": name, "uscc": uscc}
        st, doc = request(port, "POST", "/v1/applications", envelope(first, name, uscc), token)
        check(st == 201, "create: %r %r" % (st, doc))
        st, why = attach_materials(port, doc["id"], token)
        check(st is None, "materials: %r %r" % (st, why))
        app = flow.act(doc["id"], "submit", key)
        app = flow.review(app, "district", "approve")
        app = flow.review(app, "municipal", "approve")
        check(app["status"] == "public_notice", "not under notice: %r" % app)
        apps.append(app)
    return apps


def two_clocks(first, apps):
    ends = max(a["notice"]["ends_on"] for a in apps)
    after = common.day_after(ends)
    servers = [common.ServerAgain(first, clock=after) for _ in range(2)]
    ids = [a["id"] for a in apps]
    ticks = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            q = "SELECT count(*) FROM applications WHERE status = 'approved' AND id IN (%s)" % (
                ",".join(str(i) for i in ids))
            if common.db_rows(first.db, q)[0][0] == len(ids):
                break
            time.sleep(0.1)
        # `shenbao tick` beside them, as an operator's cron might, while both
        # clocks go on ticking
        for _ in range(3):
            rc, out, err = common.shenbao_cli(["tick", "--now", after, "--config", first.config])
            check(rc == 0, "tick: %d %s %s" % (rc, out, err))
            ticks.append(out.strip().splitlines()[-1] if out.strip() else "")
            time.sleep(1)
    finally:
        for s in servers:
            common.stop_keeping_data(s)
    in_ = ",".join(str(i) for i in ids)
    status = dict(common.db_rows(first.db, "SELECT id, status FROM applications WHERE id IN (%s)"
                                 % in_))
    check(all(status[i] == "approved" for i in ids), "not all approved: %r" % status)
    ended = dict(common.db_rows(first.db, "SELECT application_id, count(*) FROM events"
                                " WHERE action = 'notice_ended' AND application_id IN (%s)"
                                " GROUP BY application_id" % in_))
    check(all(ended.get(i) == 1 for i in ids), "notice_ended events per application: %r" % ended)
    certs = dict(common.db_rows(first.db, "SELECT application_id, count(*) FROM certificates"
                                " WHERE application_id IN (%s) GROUP BY application_id" % in_))
    check(all(certs.get(i) == 1 for i in ids), "certificates per application: %r" % certs)
    approved_by = {}
    for s in servers:
        for line in harness.read_text(s.errpath).splitlines():
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if doc.get("msg") == "notice ended" and doc.get("outcome") == "approved":
                approved_by.setdefault(doc["application"], []).append(s.port)
    cli_approved = sum(int(t.split()[0]) for t in ticks if t and t.split()[0].isdigit())
    by_clocks = sum(len(v) for v in approved_by.values())
    check(all(len(approved_by.get(i, [])) <= 1 for i in ids),
          "approved more than once: %r" % approved_by)
    check(by_clocks == len(ids) and cli_approved == 0,
          "%d approvals logged by the servers' clocks and %d by tick for %d applications"
          % (by_clocks, cli_approved, len(ids)))
    rc, out, err = common.shenbao_cli(["audit", "verify", "--config", first.config])
    check(rc == 0 and "intact" in out, "audit verify after the clocks: %d %s %s" % (rc, out, err))
    return {"notices": len(ids), "approved_by_server_clocks": by_clocks,
            "approved_by_tick_command": cli_approved,
            "servers_that_approved": len({p for v in approved_by.values() for p in v})}


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shenbao", required=True)
    ap.add_argument("--db-url", default=None, help="the PostgreSQL cluster (default: "
                    "$SHENBAO_TEST_PG, else a throwaway one)")
    ap.add_argument("--seconds", type=float, default=12.0, help="load before the kill, at most")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    ctx = common.ctx
    ctx.shenbao = os.path.abspath(args.shenbao)
    scratch = None
    cluster = args.db_url or os.environ.get("SHENBAO_TEST_PG")
    tools = os.path.join(HERE, "..", "..", "tools")
    if not cluster:
        cluster = scratch = subprocess.run(
            [os.path.join(tools, "pg-scratch"), "start", "--while", str(os.getpid())],
            check=True, capture_output=True, timeout=120, text=True).stdout.strip()
    ctx.pg_cluster = cluster

    passed = failed = 0
    first = proxy = None
    nginx_err = None
    tmp = tempfile.mkdtemp(prefix="shenbao-multinode-")
    figures = {}
    try:
        first = common.start_server_config({"tick_interval_s": 1, "threads": 8},
                                           clock=CLOCK_APPLY)
        second = common.ServerAgain(first, clock=CLOCK_APPLY)
        proxy, port, nginx_err = start_nginx(tmp, first.port, second.port)
        log("servers A on %d and B on %d, nginx on %d, database %s"
            % (first.port, second.port, port, first.db))

        steps = [
            ("load, and B killed", lambda: figures.update(
                load_and_kill(first, second, port, args.seconds))),
            ("nothing acknowledged lost, the log intact", lambda: verify_after_kill(
                first, figures)),
        ]
        for name, step in steps:
            try:
                step()
                passed += 1
                log("ok: %s" % name)
            except Failed as e:
                failed += 1
                log("FAILED: %s: %s" % (name, e))
                break

        # B died by SIGKILL: its log up to then is checked all the same
        for problem in harness.check_server_log(second.errpath):
            log("HARNESS FAILURE: the killed server's log: " + problem)
            failed += 1
        if not failed:
            again = common.ServerAgain(first, clock=CLOCK_APPLY)
            proxy.send_signal(signal.SIGTERM)
            proxy.wait(15)
            nginx_err.close()
            tmp2 = os.path.join(tmp, "again")
            os.mkdir(tmp2)
            proxy, port, nginx_err = start_nginx(tmp2, first.port, again.port)
            try:
                apps = to_public_notice(first, port, TICK_APPS)
                common.stop_keeping_data(again)
                common.stop_keeping_data(first)
                figures.update(two_clocks(first, apps))
                passed += 1
                log("ok: two clocks, each notice ended once")
            except Failed as e:
                failed += 1
                log("FAILED: two clocks: %s" % e)
    except (Failed, harness.HarnessError, AssertionError) as e:
        failed += 1
        log("FAILED: %s" % e)
    finally:
        if proxy is not None and proxy.poll() is None:
            proxy.send_signal(signal.SIGTERM)
            try:
                proxy.wait(15)
            except subprocess.TimeoutExpired:
                proxy.kill()
        if nginx_err is not None:
            nginx_err.close()
        for problem in common.stop_servers():
            log("HARNESS FAILURE: " + problem)
            failed += 1
        if failed or args.keep:
            log("kept: %s and %s" % (tmp, first.tmp if first else "-"))
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            if first is not None:
                shutil.rmtree(first.tmp, ignore_errors=True)
            common.drop_databases()
        if scratch:
            subprocess.run([os.path.join(tools, "pg-scratch"), "stop", scratch],
                           capture_output=True, timeout=120)
    summary = {k: v for k, v in figures.items() if k not in ("created", "submitted")}
    if "created" in figures:
        summary["created_acknowledged"] = len(figures["created"])
        summary["submitted_acknowledged"] = len(figures["submitted"])
    log("multinode: " + json.dumps(summary, sort_keys=True))
    log("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

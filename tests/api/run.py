#!/usr/bin/env python3
"""API test harness: runs the real `shenbao serve` and every tests/api/test_*.py.

    python3 tests/api/run.py --shenbao build/shenbao [-k PATTERN ...] [--keep]
                             [--clock RFC3339] [-x] [--postgresql | --db-url URI]

0. with --postgresql, every server of the run (the harness's and each one a
   test starts) keeps its data in a new database of a PostgreSQL cluster:
   --db-url's, else $SHENBAO_TEST_PG's (tools/test starts one), else a
   throwaway one started now with tools/pg-scratch and stopped at the end;
1. makes a temporary directory with a config file and picks a free loopback port;
2. runs `shenbao migrate` and creates the accounts (common.ACCOUNTS) with
   `shenbao account add` (the token is the last line of stdout);
3. starts `shenbao serve` with stderr captured (and --clock when given),
   waits for GET /healthz;
4. runs the tests (common.ctx tells them the address and the tokens);
5. stops the server with SIGTERM (it must exit 0 within 15 s) and checks its
   stderr: one JSON object per line, no sanitizer report, no request logged
   with a 5xx status.  A server a test started of its own
   (common.start_server) gets the same checks when the test stops it; one
   left running is stopped at the end and counts as a failure.

The last line printed is "N passed, N failed on STORE" (test methods; a
failed harness check counts as one failure; STORE is SQLite or PostgreSQL).  Exit status 0 only when nothing failed.
Python standard library only.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import common  # noqa: E402  (needs the path above)

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
HEALTH_TIMEOUT_S = 20
STOP_TIMEOUT_S = 15
BODY_LIMIT = 65536


class HarnessError(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def sanitizer_lines(text):
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


def run_cli(shenbao, args, cwd):
    """Runs one shenbao subcommand; returns stdout.  Fails on exit != 0 or a
    sanitizer report."""
    cmd = [shenbao] + args
    try:
        p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        raise HarnessError("timed out: %s" % " ".join(cmd))
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    bad = sanitizer_lines(err)
    if bad or p.returncode != 0:
        raise HarnessError("%s\n  exit %d\n  stdout: %s\n  stderr: %s"
                           % (" ".join(cmd), p.returncode, out.strip(), err.strip()))
    return out


def create_accounts(shenbao, cfg, cwd):
    for key, acct in common.ACCOUNTS.items():
        args = ["account", "add", "--config", cfg, "--role", acct["role"]]
        for opt in ("name", "uscc", "unit", "authority"):
            if acct.get(opt):
                args += ["--" + opt, acct[opt]]
        out = run_cli(shenbao, args, cwd)
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        if not lines:
            raise HarnessError("account add printed no token for %s" % key)
        common.ctx.tokens[key] = lines[-1]
        common.ctx.accounts[key] = dict(acct)


def wait_healthy(proc, port, errpath):
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HarnessError("server exited with %d before it was healthy; stderr:\n%s"
                               % (proc.returncode, read_text(errpath)))
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            c.request("GET", "/healthz")
            r = c.getresponse()
            r.read()
            if r.status == 200:
                return
            last = "status %d" % r.status
        except OSError as e:
            last = repr(e)
        except http.client.HTTPException as e:
            last = repr(e)
        finally:
            c.close()
        time.sleep(0.1)
    raise HarnessError("GET /healthz not 200 within %d s (last: %s); stderr:\n%s"
                       % (HEALTH_TIMEOUT_S, last, read_text(errpath)))


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def check_server_log(errpath):
    """Returns a list of problems found in the server's stderr."""
    problems = []
    with open(errpath, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append("server stderr is not UTF-8: %s" % e)
        text = data.decode("utf-8", "replace")
    san = sanitizer_lines(text)
    if san:
        lines = text.splitlines()
        first = next(i for i, line in enumerate(lines)
                     if any(m in line for m in SANITIZER_MARKERS))
        problems.append("sanitizer report in server stderr:\n  %s\nfirst report:\n%s"
                        % ("\n  ".join(san[:20]), "\n".join(lines[first:first + 80])))
    not_json = []
    five_xx = []
    n = 0
    for line in text.splitlines():
        n += 1
        try:
            obj = json.loads(line)
        except ValueError:
            not_json.append(line)
            continue
        if not isinstance(obj, dict):
            not_json.append(line)
            continue
        if "method" in obj and "path" in obj and "status" not in obj:
            not_json.append(line + "   <- request log line without status")
        st = obj.get("status")
        if isinstance(st, int) and not isinstance(st, bool) and st >= 500:
            five_xx.append(line)
    if not_json:
        problems.append("%d of %d server log lines are not JSON objects, e.g.:\n  %s"
                        % (len(not_json), n, "\n  ".join(not_json[:10])))
    if five_xx:
        problems.append("%d requests answered with a 5xx:\n  %s"
                        % (len(five_xx), "\n  ".join(five_xx[:20])))
    return problems


def check_contract(document, exchanges):
    """Checks the recorded exchanges against the OpenAPI document
    (tests/openapi/contract.py); 1 when any does not match, else 0."""
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "openapi"))
    import contract  # noqa: E402  (needs the path above)

    if not os.path.exists(exchanges):
        log("CONTRACT FAILURE: no exchange was recorded")
        return 1
    report = contract.check(document, exchanges)
    for line in report.lines():
        log(line)
    return 1 if report.failed() else 0


class Result(unittest.TextTestResult):
    """Counts test methods: a method fails if it, or any of its subtests,
    failed, errored or was skipped (skipping is not allowed here)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.methods = []
        self.bad = set()

    def startTest(self, test):
        super().startTest(test)
        self.methods.append(test.id())

    def addError(self, test, err):
        super().addError(test, err)
        self.bad.add(test.id())

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.bad.add(test.id())

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.bad.add(test.id())

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.bad.add(test.id())

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.bad.add(test.id())

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.bad.add(test.id())

    def counts(self):
        passed = len([m for m in set(self.methods) if m not in self.bad])
        return passed, len(self.bad)


def run_tests(patterns, failfast=False):
    loader = unittest.TestLoader()
    if patterns:
        loader.testNamePatterns = ["*%s*" % p for p in patterns]
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Result,
                                     failfast=failfast)
    result = runner.run(suite)
    return result.counts()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shenbao", required=True, help="the shenbao binary")
    ap.add_argument("-k", dest="patterns", action="append", default=[],
                    help="only tests whose name contains this (repeatable)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--clock", default=None,
                    help="start the server's clock at this RFC 3339 instant (serve --clock)")
    ap.add_argument("-x", "--failfast", action="store_true",
                    help="stop at the first failing test (the harness's checks still run)")
    ap.add_argument("--postgresql", action="store_true",
                    help="run on PostgreSQL: a new database per server, of the cluster of "
                         "--db-url, $SHENBAO_TEST_PG or one started for the run")
    ap.add_argument("--db-url", default=None,
                    help="the PostgreSQL cluster to make the databases on (implies --postgresql)")
    ap.add_argument("--contract", metavar="OPENAPI",
                    help="record every exchange and check each against this OpenAPI document "
                         "(tests/openapi/contract.py); a mismatch counts as a failure")
    args = ap.parse_args()

    shenbao = os.path.abspath(args.shenbao)
    ctx = common.ctx
    scratch = None
    if args.db_url or args.postgresql:
        cluster = args.db_url or os.environ.get("SHENBAO_TEST_PG")
        if not cluster:
            try:
                cluster = scratch = subprocess.run(
                    [os.path.join(HERE, "..", "..", "tools", "pg-scratch"), "start", "--while",
                     str(os.getpid())], check=True, capture_output=True, timeout=120,
                    text=True).stdout.strip()
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
                log("HARNESS FAILURE: no PostgreSQL cluster: %s" % getattr(e, "stderr", e))
                log("0 passed, 1 failed on PostgreSQL")
                return 1
        ctx.pg_cluster = cluster
    store_name = "PostgreSQL" if ctx.pg_cluster else "SQLite"
    tmp = tempfile.mkdtemp(prefix="shenbao-api-")
    cfg = os.path.join(tmp, "config.json")
    errpath = os.path.join(tmp, "server.stderr")
    outpath = os.path.join(tmp, "server.stdout")
    port = free_port()
    db = common.new_db(tmp)
    with open(cfg, "w", encoding="utf-8") as f:
        json.dump({"db": db, "keys": os.path.join(tmp, "keys"),
                   "per_ip_connection_limit": 256, "body_limit_bytes": BODY_LIMIT,
                   "stages": common.ALL_STAGES, "one_application_per_round": False,
                   "material_uploads_per_hour": common.UPLOADS_PER_HOUR}, f)

    ctx.host, ctx.port = "127.0.0.1", port
    ctx.base_url = "http://127.0.0.1:%d" % port
    ctx.shenbao, ctx.config = shenbao, cfg
    ctx.db = db
    ctx.clock = args.clock
    ctx.body_limit = BODY_LIMIT

    passed = failed = 0
    proc = None
    errf = outf = None
    exchanges = os.path.join(tmp, "exchanges.jsonl")
    if args.contract:
        common.start_contract_log(exchanges)
    try:
        run_cli(shenbao, ["migrate", "--config", cfg], tmp)
        run_cli(shenbao, ["keygen", "--config", cfg], tmp)
        create_accounts(shenbao, cfg, tmp)
        errf = open(errpath, "wb")
        outf = open(outpath, "wb")
        serve = [shenbao, "serve", "--config", cfg, "--listen", "127.0.0.1:%d" % port]
        if args.clock:
            serve += ["--clock", args.clock]
        proc = subprocess.Popen(serve, cwd=tmp, stdin=subprocess.DEVNULL, stdout=outf, stderr=errf)
        wait_healthy(proc, port, errpath)
        log("server up on %s (pid %d, %s); examples: %s"
            % (ctx.base_url, proc.pid, store_name,
               ", ".join("%s=%s" % (k, common.example_source(k)) for k in common.KINDS)))

        passed, failed = run_tests(args.patterns, args.failfast)

        common.close_all()
        for problem in common.stop_servers():
            log("HARNESS FAILURE: " + problem)
            failed += 1
        if proc.poll() is not None:
            log("HARNESS FAILURE: the server died during the tests (exit %d)" % proc.returncode)
            failed += 1
        else:
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(STOP_TIMEOUT_S)
                if rc != 0:
                    log("HARNESS FAILURE: server exited with %d after SIGTERM" % rc)
                    failed += 1
            except subprocess.TimeoutExpired:
                log("HARNESS FAILURE: server still running %d s after SIGTERM" % STOP_TIMEOUT_S)
                failed += 1
                proc.kill()
                proc.wait()
        errf.flush()
        for problem in check_server_log(errpath):
            log("HARNESS FAILURE: " + problem)
            failed += 1
        if args.contract:
            failed += check_contract(args.contract, exchanges)
    except HarnessError as e:
        log("HARNESS FAILURE: %s" % e)
        failed += 1
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        for f in (errf, outf):
            if f is not None:
                f.close()
        if failed and os.path.exists(errpath):
            tail = read_text(errpath).splitlines()[-40:]
            log("--- last lines of server stderr ---\n" + "\n".join(tail))
        if args.keep or failed:
            log("temporary directory kept: %s" % tmp)
            if ctx.pg_cluster and not scratch:
                log("databases kept on %s" % ctx.pg_cluster)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            if ctx.pg_cluster:
                common.drop_databases()
        if scratch:
            subprocess.run([os.path.join(HERE, "..", "..", "tools", "pg-scratch"), "stop",
                            scratch], capture_output=True, timeout=120)
    log("%d passed, %d failed on %s" % (passed, failed, store_name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Accounts and tokens, tried as an attacker or a new operator would:

- one token key per database: `account add` beside a server started with
  `--keys DIR` never prints a token that server refuses, and a server never
  runs with another key than the one its database was set up with;
- caps on objections: open objections per application, objections per
  address per day;
- sign-in throttling that slows an attacker (per address, per account and
  address, per account) without locking the owner out;
- disabling an account (API and command line): every token and session
  stops at once;
- tokens with names and expiry dates (POST/GET/DELETE /v1/tokens,
  `account add --expires`), and the tokens of databases made before them;
- sign-up answers that do not tell which organisations or e-mail addresses
  have accounts.

Servers of their own with small limits in their configuration, so that
nothing here waits more than a few seconds; command-line tests run
`shenbao` in temporary directories of their own.
"""

import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import common
from common import ApiTest, Flow
from test_sessions import PASSWORD, Browser, new_email

CLOCK = "2020-09-29T10:00:00+08:00"   # a working day: a notice can start
NEXT_DAY = "2020-09-30T00:00:01+08:00"
START_TIMEOUT_S = 20
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(args, cwd):
    """`shenbao ARGS` run in cwd; returns (exit status, stdout, stderr)."""
    import run as harness

    p = subprocess.run([common.ctx.shenbao] + list(args), cwd=cwd, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    bad = harness.sanitizer_lines(err)
    if bad:
        raise AssertionError("sanitizer report from shenbao %s:\n%s"
                             % (" ".join(args), "\n".join(bad[:20])))
    return p.returncode, out, err


def plain_lines(text):
    """The lines of stderr that are not JSON log lines: the one-line
    messages of a command that failed."""
    lines = []
    for line in text.splitlines():
        try:
            if isinstance(json.loads(line), dict):
                continue
        except ValueError:
            pass
        lines.append(line)
    return lines


def get_on(port, path, token=None, source="127.0.0.1"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        return common.send(c, "GET", path, token=token)
    finally:
        c.close()


def retry_after(testcase, r, low, high):
    """The Retry-After of a 429 problem, checked to lie in [low, high]."""
    testcase.assertProblem(r, 429)
    ra = r.headers.get("retry-after", "")
    testcase.assertRegex(ra, r"^[0-9]+$", r)
    testcase.assertTrue(low <= int(ra) <= high, "Retry-After %s not in [%d, %d]: %r"
                        % (ra, low, high, r))
    return int(ra)


# --------------------------------------------------------------------------
# One token key per database


class TokenKey(ApiTest):
    """A new operator's set-up: a config file naming only the database, so
    the key directory is ./keys unless --keys says otherwise."""

    def setUp(self):
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="shenbao-api-tokenkey-"))
        self.db = common.new_db(self.tmp)
        self.cfg = common.write_json(os.path.join(self.tmp, "config.json"), {"db": self.db})
        self.procs = []
        self.ok(["migrate", "--config", self.cfg])

    def tearDown(self):
        for p, errf in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            errf.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def ok(self, args):
        rc, out, err = cli(args, self.tmp)
        self.assertEqual(rc, 0, "shenbao %s: exit %d\n%s%s" % (" ".join(args), rc, out, err))
        return out

    def serve(self, *extra):
        """Starts `shenbao serve` in the directory; returns (process, port)
        once it answers, or (process, None) when it exited first."""
        import run as harness

        port = harness.free_port()
        errf = open(os.path.join(self.tmp, "serve-%d.stderr" % port), "wb")
        p = subprocess.Popen([common.ctx.shenbao, "serve", "--config", self.cfg,
                              "--listen", "127.0.0.1:%d" % port] + list(extra),
                             cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=errf)
        self.procs.append((p, errf))
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if p.poll() is not None:
                return p, None
            try:
                if get_on(port, "/healthz")[0] == 200:
                    return p, port
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        self.fail("serve neither answered nor exited within %d s" % START_TIMEOUT_S)

    def stderr_of(self, p):
        for q, errf in self.procs:
            if q is p:
                errf.flush()
                with open(errf.name, "rb") as f:
                    return f.read().decode("utf-8", "replace")
        return ""

    def add_admin(self, *extra):
        return cli(["account", "add", "--config", self.cfg, "--role", "admin",
                    "--name", "运维"] + list(extra), self.tmp)

    def test_account_add_beside_a_server_with_keys(self):
        server_keys = os.path.join(self.tmp, "server-keys")
        self.ok(["keygen", "--config", self.cfg, "--keys", server_keys])
        p, port = self.serve("--keys", server_keys)
        self.assertIsNotNone(port, self.stderr_of(p))
        # as the operator would: no --keys, the config names none
        rc, out, err = self.add_admin()
        if rc == 0:
            token = out.strip().splitlines()[-1]
            r = get_on(port, "/v1/account", token=token)
            self.fail("account add printed a token and the server answers %d to it: %r"
                      % (r[0], r))
        self.assertNotIn("sb_", out)
        lines = plain_lines(err)
        self.assertEqual(len(lines), 1, err)
        # which key file, which database, and what to pass
        self.assertIn(os.path.join(self.tmp, "keys", "token.key"), lines[0])
        self.assertIn(self.db, lines[0])
        self.assertIn("--keys %s" % server_keys, lines[0])
        # and no stray key was made
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "keys", "token.key")))
        # with the server's key directory, the token works
        rc, out, err = self.add_admin("--keys", server_keys)
        self.assertEqual(rc, 0, out + err)
        token = out.strip().splitlines()[-1]
        r = get_on(port, "/v1/account", token=token)
        self.assertEqual((r[0], r[2]["role"]), (200, "admin"), r)

    def test_server_refuses_another_key(self):
        self.ok(["keygen", "--config", self.cfg])
        rc, out, err = self.add_admin()
        self.assertEqual(rc, 0, out + err)
        token = out.strip().splitlines()[-1]
        # a key directory with a token key of its own (the token key is
        # checked before the signing key is looked for)
        other = os.path.join(self.tmp, "other-keys")
        os.mkdir(other, 0o700)
        other_key = os.path.join(other, "token.key")
        fd = os.open(other_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, os.urandom(32))
        os.close(fd)
        p, port = self.serve("--keys", other)
        if port is not None:
            r = get_on(port, "/v1/account", token=token)
            self.fail("serve ran with another token key; the admin's token gets %r" % (r,))
        self.assertNotEqual(p.returncode, 0)
        lines = plain_lines(self.stderr_of(p))
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(other_key, lines[0])
        self.assertIn(self.db, lines[0])
        self.assertIn("--keys %s" % os.path.join(self.tmp, "keys"), lines[0])
        # and account add with that directory refuses as well
        rc, out, err = self.add_admin("--keys", other)
        self.assertNotEqual(rc, 0, out)
        self.assertNotIn("sb_", out)
        self.assertIn(other_key, err)
        # as do the commands that keep signing keys there
        for args in (["keygen"], ["tick", "--now", "2020-10-13T00:00:00+08:00"]):
            with self.subTest(command=args[0]):
                rc, out, err = cli(args + ["--config", self.cfg, "--keys", other], self.tmp)
                self.assertNotEqual(rc, 0, out)
                self.assertIn(other_key, err)
                self.assertIn(self.db, err)
        self.assertEqual(sorted(os.listdir(other)), ["token.key"])
        # the right directory serves, and the token works
        p, port = self.serve()
        self.assertIsNotNone(port, self.stderr_of(p))
        self.assertEqual(get_on(port, "/v1/account", token=token)[0], 200)

    def test_missing_key_named_with_its_database(self):
        self.ok(["keygen", "--config", self.cfg])
        rc, out, err = self.add_admin()
        self.assertEqual(rc, 0, out + err)
        empty = os.path.join(self.tmp, "empty-keys")
        os.mkdir(empty, 0o700)
        p, port = self.serve("--keys", empty)
        self.assertIsNone(port, "serve ran without its token key")
        lines = plain_lines(self.stderr_of(p))
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(os.path.join(empty, "token.key"), lines[0])
        self.assertIn(self.db, lines[0])
        self.assertIn("--keys %s" % os.path.join(self.tmp, "keys"), lines[0])
        self.assertEqual(os.listdir(empty), [])


# --------------------------------------------------------------------------
# Objections: open ones per application, and per address per day


class ObjectionCaps(ApiTest):
    """A server of its own whose limits are small: 3 open objections per
    application, 4 objections per address per day (the per-minute limit out
    of the way)."""

    OPEN = 3
    PER_DAY = 4

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config(
            {"objections_open_per_application": cls.OPEN,
             "objections_per_address_per_day": cls.PER_DAY,
             "objections_per_minute": 1000}, clock=CLOCK)
        cls.flow = Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def published(self):
        return self.flow.to(self.flow.create("incubator"), "public_notice")

    def objections(self, app_id):
        r = self.srv.req("GET", "/v1/applications/%d/objections" % app_id, token="auditor")
        return self.assertStatus(r, 200)["items"]

    def test_open_objections_capped_per_application(self):
        app = self.published()
        for i in range(self.OPEN):
            r = common.file_objection(self.srv.port, app["id"], common.objection_body(str(i)))
            self.assertStatus(r, 201)
        n_events = len(self.flow.events(app["id"]))
        # from yet another address: the application has all it takes
        r = common.file_objection(self.srv.port, app["id"], common.objection_body("多余"))
        retry_after(self, r, 1, 86400)
        self.assertIn(str(self.OPEN), r[2]["detail"])
        self.assertEqual(len(self.objections(app["id"])), self.OPEN)
        self.assertEqual(len(self.flow.events(app["id"])), n_events)
        # another application is not affected
        other = self.published()
        self.assertStatus(common.file_objection(self.srv.port, other["id"]), 201)
        # once one is resolved, there is room again
        oid = self.objections(app["id"])[0]["id"]
        r = self.srv.req("POST", "/v1/applications/%d/objections/%d/resolution"
                         % (app["id"], oid), {"outcome": "dismissed", "opinion": "不成立。"},
                         token="municipal_science_tech")
        self.assertStatus(r, 200)
        self.assertStatus(common.file_objection(self.srv.port, app["id"]), 201)

    def test_objections_capped_per_address_per_day(self):
        a, b = self.published(), self.published()
        source = common.loopback_source()
        for app in (a, a, b, b):
            r = common.file_objection(self.srv.port, app["id"], source=source)
            self.assertStatus(r, 201)
        r = common.file_objection(self.srv.port, b["id"], source=source)
        # until 24:00 in Beijing: the clock started at 10:00
        ra = retry_after(self, r, 14 * 3600 - 900, 14 * 3600)
        self.assertIn(str(self.PER_DAY), r[2]["detail"])
        self.assertLessEqual(ra, 14 * 3600)
        self.assertEqual(len(self.objections(b["id"])), 2)
        # another address is not held back
        self.assertStatus(common.file_objection(self.srv.port, b["id"]), 201)


class ObjectionDefaults(ApiTest):
    """With the defaults: at most 20 objections open on one application, as
    many addresses as there may be."""

    def test_twenty_first_objection_is_429(self):
        srv = common.start_server(clock=CLOCK)
        try:
            flow = Flow(srv)
            app = flow.to(flow.create("incubator"), "public_notice")
            statuses = [common.file_objection(srv.port, app["id"],
                                              common.objection_body(str(i)))[0]
                        for i in range(20)]
            self.assertEqual(statuses, [201] * 20)
            r = common.file_objection(srv.port, app["id"])
            retry_after(self, r, 1, 86400)
        finally:
            srv.stop()


# --------------------------------------------------------------------------
# Sign-in throttling


class SignInDefaults(ApiTest):
    """With the default settings: wrong passwords from one address slow that
    address down; the owner elsewhere signs in."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_five_failures_do_not_lock_out_the_owner(self):
        owner = Browser(self.srv)
        r, body = owner.sign_up()
        attacker = Browser(self.srv)
        for i in range(5):
            r = attacker.sign_in(email=body["email"], password="wrong-password-%d" % i)
            self.assertIn(r[0], (401, 429), r)
            if r[0] == 429:
                retry_after(self, r, 1, 900)
        # from another address, at once
        r = Browser(self.srv).sign_in(email=body["email"], password=body["password"])
        self.assertEqual(r[0], 200, r)
        # and from where the owner signed up
        r = owner.sign_in(email=body["email"], password=body["password"])
        self.assertEqual(r[0], 200, r)


class SignInThrottle(ApiTest):
    """Small settings so that the arithmetic shows within seconds:
    per account and address 1 free failure, per address 3, per account 2;
    the delays start at 1 s and double, at most 4 s per address and per
    account and address, at most 2 s per account."""

    CONFIG = {"signin_free_failures": 1, "signin_free_failures_per_address": 3,
              "signin_free_failures_per_account": 2, "signin_delay_base_s": 1,
              "signin_delay_max_s": 4, "signin_account_delay_max_s": 2}

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config(cls.CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def wait(self, seconds):
        time.sleep(seconds + 0.2)

    def test_delays_double_per_account_and_address(self):
        owner = Browser(self.srv)
        _, body = owner.sign_up()
        email = body["email"]
        x = Browser(self.srv)
        waits = []
        # 1 free failure; then each failure doubles the wait: 1, 2, 4 (the cap)
        self.assertEqual(x.sign_in(email=email, password="wrong-1")[0], 401)
        for n in range(3):
            r = x.sign_in(email=email, password="wrong-again")
            self.assertEqual(r[0], 401, r)
            r = x.sign_in(email=email, password="wrong-at-once")
            waits.append(retry_after(self, r, 1, 4))
            # the right password waits as well: nothing is tried
            r = x.sign_in(email=email, password=body["password"])
            self.assertEqual(r[0], 429, r)
            if n < 2:
                self.wait(waits[-1])
        self.assertEqual(waits, [1, 2, 4])
        # four failures for the account: from an address it never signed in
        # from, the owner waits at most signin_account_delay_max_s
        y = Browser(self.srv)
        r = y.sign_in(email=email, password=body["password"])
        if r[0] != 200:
            self.wait(retry_after(self, r, 1, 2))
            r = y.sign_in(email=email, password=body["password"])
        self.assertEqual(r[0], 200, r)
        # from where it signed up, at once
        r = owner.sign_in(email=email, password=body["password"])
        self.assertEqual(r[0], 200, r)
        # the attacker's address still waits
        r = x.sign_in(email=email, password=body["password"])
        retry_after(self, r, 1, 4)

    def test_many_addresses_one_account(self):
        """Addresses of their own do not get unlimited tries: the account's
        count covers them all (free 2, then 1 s, at most 2 s)."""
        owner = Browser(self.srv)
        _, body = owner.sign_up()
        for i in range(3):
            r = Browser(self.srv).sign_in(email=body["email"], password="wrong-%d" % i)
            self.assertEqual(r[0], 401, r)
        r = Browser(self.srv).sign_in(email=body["email"], password="wrong-3")
        self.assertEqual(retry_after(self, r, 1, 2), 1)
        # the owner, where the account was made, is not held back
        r = owner.sign_in(email=body["email"], password=body["password"])
        self.assertEqual(r[0], 200, r)

    def test_one_address_trying_many_accounts(self):
        z = Browser(self.srv)
        # 3 free failures for the address, whatever the account
        for i in range(4):
            r = z.sign_in(email=new_email("spray"), password=PASSWORD)
            self.assertEqual(r[0], 401, r)
        r = z.sign_in(email=new_email("spray"), password=PASSWORD)
        self.assertEqual(retry_after(self, r, 1, 4), 1)
        self.wait(1)
        r = z.sign_in(email=new_email("spray"), password=PASSWORD)
        self.assertEqual(r[0], 401, r)
        r = z.sign_in(email=new_email("spray"), password=PASSWORD)
        self.assertEqual(retry_after(self, r, 1, 4), 2)
        # another address is not held back
        r = Browser(self.srv).sign_in(email=new_email("spray"), password=PASSWORD)
        self.assertEqual(r[0], 401, r)

    def test_success_starts_the_count_again(self):
        owner = Browser(self.srv)
        _, body = owner.sign_up()
        b = Browser(self.srv)
        self.assertEqual(b.sign_in(email=body["email"], password="wrong")[0], 401)
        self.assertEqual(b.sign_in(email=body["email"], password=body["password"])[0], 200)
        # the failure before the success no longer counts: one more is free
        self.assertEqual(b.sign_in(email=body["email"], password="wrong")[0], 401)
        self.assertEqual(b.sign_in(email=body["email"], password="wrong")[0], 401)
        r = b.sign_in(email=body["email"], password="wrong")
        retry_after(self, r, 1, 1)

    def test_unknown_addresses_throttled_alike(self):
        """The throttle does not tell which e-mail addresses have accounts."""
        _, body = Browser(self.srv).sign_up()
        nobody = new_email("nobody")
        answers = {}
        for label, email in (("known", body["email"]), ("unknown", nobody)):
            b = Browser(self.srv)
            answers[label] = [b.sign_in(email=email, password="wrong") for _ in range(3)]
        for label, rs in answers.items():
            with self.subTest(email=label):
                self.assertEqual([r[0] for r in rs], [401, 401, 429], rs)
        self.assertEqual([(r[2]["type"], r[2]["detail"]) for r in answers["known"][:2]],
                         [(r[2]["type"], r[2]["detail"]) for r in answers["unknown"][:2]])
        self.assertEqual(answers["known"][2].headers.get("retry-after"),
                         answers["unknown"][2].headers.get("retry-after"))


# --------------------------------------------------------------------------
# Disabling an account


class Disable(ApiTest):
    """On the main server: the accounts disabled here are made here."""

    def new_applicant(self):
        uscc = common.uscc_new("110108")
        r = common.req("POST", "/v1/accounts",
                       {"role": "applicant", "name": "北京停用测试科技有限公司", "uscc": uscc},
                       token="admin")
        out = self.assertStatus(r, 201)
        return out["account"], out["token"]

    def session_of(self, token):
        b = Browser(common.ctx)
        r = b.request("POST", "/v1/session", {"token": token})
        self.assertStatus(r, 200)
        return b

    def test_every_token_and_session_stops(self):
        acct, token = self.new_applicant()
        b = self.session_of(token)
        r = common.req("POST", "/v1/tokens", {"name": "第二个", "expires_on": None}, token=token)
        second = self.assertStatus(r, 201)["token"]
        for t in (token, second):
            self.assertEqual(common.req("GET", "/v1/account", token=t)[0], 200)
        self.assertEqual(b.request("GET", "/v1/account")[0], 200)

        # only an administrator
        for who in ("applicant_a", "auditor", "municipal_science_tech"):
            self.assertProblem(common.req("POST", "/v1/accounts/%d/disable" % acct["id"],
                                          token=who), 403)
        r = common.req("POST", "/v1/accounts/%d/disable" % acct["id"], token="admin")
        out = self.assertStatus(r, 200)
        self.assertEqual((out["id"], out["disabled"]), (acct["id"], True), out)
        self.assertEqual((out["tokens_revoked"], out["sessions_revoked"]), (2, 1), out)

        for t in (token, second):
            self.assertProblem(common.req("GET", "/v1/account", token=t), 401)
            self.assertProblem(common.req("POST", "/v1/applications",
                                          common.envelope("incubator"), token=t), 401)
        self.assertProblem(b.request("GET", "/v1/account"), 401)
        self.assertProblem(b.request("POST", "/v1/tokens", {"name": "x"}, csrf=True), 401)
        self.assertProblem(Browser(common.ctx).request("POST", "/v1/session", {"token": token}),
                           401)
        # again: the same answer, nothing left to revoke
        r = common.req("POST", "/v1/accounts/%d/disable" % acct["id"], token="admin")
        out = self.assertStatus(r, 200)
        self.assertEqual((out["disabled"], out["tokens_revoked"], out["sessions_revoked"]),
                         (True, 0, 0), out)

    def test_bad_ids(self):
        for path in ("/v1/accounts/99999999/disable", "/v1/accounts/abc/disable",
                     "/v1/accounts/0/disable", "/v1/accounts/-1/disable"):
            with self.subTest(path=path):
                self.assertProblem(common.req("POST", path, token="admin"), 404)
        me = common.req("GET", "/v1/account", token="admin")[2]
        self.assertProblem(common.req("POST", "/v1/accounts/%d/disable" % me["id"],
                                      token="admin"), 409)
        self.assertEqual(common.req("GET", "/v1/account", token="admin")[0], 200)

    def test_password_sign_in_stops(self):
        b = Browser(common.ctx)
        r, body = b.sign_up()
        acct = r[2]["account"]
        r = common.req("POST", "/v1/accounts/%d/disable" % acct["id"], token="admin")
        self.assertStatus(r, 200)
        self.assertProblem(b.request("GET", "/v1/account"), 401)
        r = Browser(common.ctx).sign_in(email=body["email"], password=body["password"])
        self.assertProblem(r, 401)

    def test_command_line(self):
        acct, token = self.new_applicant()
        b = self.session_of(token)
        rc, out, err = cli(["account", "disable", str(acct["id"]), "--config",
                            common.ctx.config], os.path.dirname(common.ctx.config))
        self.assertEqual(rc, 0, out + err)
        self.assertIn(str(acct["id"]), out)
        self.assertProblem(common.req("GET", "/v1/account", token=token), 401)
        self.assertProblem(b.request("GET", "/v1/account"), 401)
        for bad in ("99999999", "abc", "0", "1x"):
            with self.subTest(id=bad):
                rc, out, err = cli(["account", "disable", bad, "--config", common.ctx.config],
                                   os.path.dirname(common.ctx.config))
                self.assertNotEqual(rc, 0, out)
                self.assertEqual(len(plain_lines(err)), 1, err)
        rc, out, err = cli(["account", "disable", "--config", common.ctx.config],
                           os.path.dirname(common.ctx.config))
        self.assertNotEqual(rc, 0, out)


# --------------------------------------------------------------------------
# Tokens


class Tokens(ApiTest):
    """A server of its own whose clock starts at 2020-09-29 10:00 in Beijing;
    the same data served again on the next day shows what expired."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def make(self, who, body, expect=201):
        r = self.srv.req("POST", "/v1/tokens", body, token=who)
        if expect == 201:
            out = self.assertStatus(r, 201)
            return out
        return r

    def listed(self, who):
        r = self.srv.req("GET", "/v1/tokens", token=who)
        return self.assertStatus(r, 200)["items"]

    def test_create_list_revoke(self):
        out = self.make("auditor", {"name": "年度抽查脚本", "expires_on": "2021-03-31"})
        self.assertEqual(set(out), {"id", "name", "created_at", "expires_on", "token"}, out)
        self.assertEqual((out["name"], out["expires_on"]), ("年度抽查脚本", "2021-03-31"))
        self.assertRegex(out["created_at"], common.RFC3339_UTC)
        self.assertTrue(out["token"].startswith("sb_"), out)
        me = self.srv.req("GET", "/v1/account", token=out["token"])
        self.assertEqual(me[2]["id"], self.srv.req("GET", "/v1/account", token="auditor")[2]["id"])
        items = self.listed("auditor")
        mine = [t for t in items if t["id"] == out["id"]]
        self.assertEqual(len(mine), 1, items)
        for t in items:
            self.assertNotIn("token", t)
            self.assertNotIn("token_hash", t)
            self.assertTrue({"id", "name", "created_at", "expires_on"} <= set(t), t)
        self.assertEqual(mine[0]["expires_on"], "2021-03-31")
        # the token account add made is one of them, with no expiry
        self.assertIn(None, [t["expires_on"] for t in items if t["id"] != out["id"]])
        # nobody else sees or revokes it
        self.assertNotIn(out["id"], [t["id"] for t in self.listed("admin")])
        self.assertProblem(self.srv.req("DELETE", "/v1/tokens/%d" % out["id"], token="admin"),
                           404)
        self.assertEqual(self.srv.req("GET", "/v1/account", token=out["token"])[0], 200)
        # its owner does
        r = self.srv.req("DELETE", "/v1/tokens/%d" % out["id"], token="auditor")
        self.assertEqual(r[0], 204, r)
        self.assertProblem(self.srv.req("GET", "/v1/account", token=out["token"]), 401)
        self.assertNotIn(out["id"], [t["id"] for t in self.listed("auditor")])
        self.assertProblem(self.srv.req("DELETE", "/v1/tokens/%d" % out["id"],
                                        token="auditor"), 404)
        # the account's other tokens go on
        self.assertEqual(self.srv.req("GET", "/v1/account", token="auditor")[0], 200)

    def test_no_expiry(self):
        for body in ({"name": "无期限", "expires_on": None}, {"name": "未写期限"}):
            with self.subTest(body=body):
                out = self.make("district_110108", body)
                self.assertIsNone(out["expires_on"])
                self.assertEqual(self.srv.req("GET", "/v1/applications",
                                              token=out["token"])[0], 200)

    def test_invalid(self):
        cases = [
            ({"expires_on": "2021-01-01"}, ["/name"]),
            ({"name": ""}, ["/name"]),
            ({"name": "x" * 101}, ["/name"]),
            ({"name": "过去", "expires_on": "2020-09-28"}, ["/expires_on"]),
            ({"name": "不是日期", "expires_on": "tomorrow"}, ["/expires_on"]),
            ({"name": "不存在的日期", "expires_on": "2021-02-30"}, ["/expires_on"]),
            ({"name": "数字", "expires_on": 20210101}, ["/expires_on"]),
            ({"name": "多余", "scope": "admin"}, ["/scope"]),
        ]
        before = len(self.listed("applicant_a"))
        for body, pointers in cases:
            with self.subTest(body=body):
                self.assertProblem(self.make("applicant_a", body, expect=None), 422, pointers)
        self.assertEqual(len(self.listed("applicant_a")), before)
        self.assertProblem(self.srv.req("POST", "/v1/tokens", {"name": "x"}), 401)
        self.assertProblem(self.srv.req("DELETE", "/v1/tokens/abc", token="applicant_a"), 404)

    def test_session_needs_csrf(self):
        b = Browser(self.srv)
        self.assertStatus(b.request("POST", "/v1/session",
                                    {"token": self.srv.tokens["applicant_b"]}), 200)
        self.assertProblem(b.request("POST", "/v1/tokens", {"name": "网页"}), 403)
        r = b.request("POST", "/v1/tokens", {"name": "网页"}, csrf=True)
        out = self.assertStatus(r, 201)
        self.assertEqual(self.srv.req("GET", "/v1/account", token=out["token"])[2]["role"],
                         "applicant")
        listed = b.request("GET", "/v1/tokens")
        self.assertIn(out["id"], [t["id"] for t in self.assertStatus(listed, 200)["items"]])
        self.assertProblem(b.request("DELETE", "/v1/tokens/%d" % out["id"]), 403)
        self.assertEqual(b.request("DELETE", "/v1/tokens/%d" % out["id"], csrf=True)[0], 204)

    def test_kept_as_hashes(self):
        out = self.make("applicant_a", {"name": "散列"})
        rows = common.db_rows(self.srv.db, "SELECT token_hash FROM tokens WHERE id = ?",
                              (out["id"],))
        self.assertEqual(len(rows), 1)
        self.assertEqual(len(rows[0][0]), 32)
        with open(self.srv.errpath, "rb") as f:
            log = [("server log", f.read())]
        for name, data in common.db_contents(self.srv.db) + log:
            self.assertNotIn(out["token"].encode(), data, name)

    def test_expiry(self):
        today = self.make("auditor", {"name": "今天到期", "expires_on": "2020-09-29"})
        later = self.make("auditor", {"name": "明天到期", "expires_on": "2020-09-30"})
        self.assertEqual(self.srv.req("GET", "/v1/account", token=today["token"])[0], 200)
        # the next day: the day's tokens are over
        nxt = common.serve_again(self.srv, clock=NEXT_DAY)
        try:
            self.assertProblem(nxt.req("GET", "/v1/account", token=today["token"]), 401)
            self.assertProblem(Browser(nxt).request("POST", "/v1/session",
                                                    {"token": today["token"]}), 401)
            self.assertEqual(nxt.req("GET", "/v1/account", token=later["token"])[0], 200)
            listed = {t["id"]: t for t in
                      self.assertStatus(nxt.req("GET", "/v1/tokens", token="auditor"),
                                        200)["items"]}
            self.assertIn(today["id"], listed)
        finally:
            common.stop_keeping_data(nxt)

    def test_account_add_expires(self):
        """`account add --expires`: the command has no clock of its own, so
        the day is today's, in Beijing."""
        import datetime

        beijing = datetime.timezone(datetime.timedelta(hours=8))
        today = datetime.datetime.now(beijing).date()
        rc, out, err = common.shenbao_cli(["account", "add", "--config", self.srv.config,
                                           "--role", "auditor", "--name", "临时审计",
                                           "--expires", today.isoformat()])
        self.assertEqual(rc, 0, out + err)
        token = out.strip().splitlines()[-1]
        self.assertEqual(self.srv.req("GET", "/v1/account", token=token)[0], 200)
        items = self.assertStatus(self.srv.req("GET", "/v1/tokens", token=token), 200)["items"]
        self.assertEqual([t["expires_on"] for t in items], [today.isoformat()])
        for bad in ("2020-02-30", "tomorrow", (today - datetime.timedelta(days=1)).isoformat()):
            with self.subTest(expires=bad):
                rc, out, err = common.shenbao_cli(["account", "add", "--config",
                                                   self.srv.config, "--role", "auditor",
                                                   "--name", "错误期限", "--expires", bad])
                self.assertNotEqual(rc, 0, out)
                self.assertIn("--expires", err)
                self.assertNotIn("sb_", out)
        after = (today + datetime.timedelta(days=1)).isoformat() + "T00:00:01+08:00"
        nxt = common.serve_again(self.srv, clock=after)
        try:
            self.assertProblem(nxt.req("GET", "/v1/account", token=token), 401)
        finally:
            common.stop_keeping_data(nxt)


class TokensOfOlderDatabases(ApiTest):
    """A database made before tokens had rows of their own (schema version
    5): the token of each account made by `account add` or by an
    administrator becomes one of its tokens, and goes on working."""

    def test_migrated_tokens_work(self):
        tmp = tempfile.mkdtemp(prefix="shenbao-api-oldtokens-")
        srv = None
        try:
            db = common.new_db(tmp)
            keys = os.path.join(tmp, "keys")
            os.mkdir(keys, 0o700)
            key = os.urandom(32)
            fd = os.open(os.path.join(keys, "token.key"), os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, key)
            os.close(fd)
            # schema version 5, written as that version's migrations wrote it
            pg = common.is_pg(db)
            common.db_script(db, "CREATE TABLE schema_migrations (version bigint PRIMARY KEY,"
                             " name text NOT NULL, applied_at text NOT NULL)" if pg else
                             "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                             " name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT")
            for v, name in enumerate(["0001_init.sql", "0002_rules.sql", "0003_history.sql",
                                      "0004_certificates.sql", "0005_sessions.sql"], 1):
                folder = os.path.join(REPO, "migrations", "pg") if pg else \
                    os.path.join(REPO, "migrations")
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    common.db_script(db, f.read())
                common.db_exec(db, "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                               (v, name, "2020-09-01T00:00:00Z"))
            token = "sb_" + common.b64url_encode(os.urandom(32))
            digest = hashlib.blake2b(token.encode(), digest_size=32, key=key).digest()
            common.db_exec(db, "INSERT INTO accounts (role, name, token_hash, created_at)"
                           " VALUES ('admin', '旧管理员', ?, '2020-09-01T00:00:00Z')", (digest,))
            common.db_exec(db, "INSERT INTO accounts (role, name, uscc, token_hash, created_at,"
                           " email, password_hash) VALUES ('applicant', '旧注册单位', ?, ?,"
                           " '2020-09-01T00:00:00Z', 'old@example.com', 'x')",
                           (common.uscc_new("110108"), os.urandom(32)))
            cfg = common.write_json(os.path.join(tmp, "config.json"), {"db": db, "keys": keys})
            rc, out, err = common.shenbao_cli(["keygen", "--config", cfg])
            self.assertEqual(rc, 0, out + err)

            import run as harness

            port = harness.free_port()
            errf = open(os.path.join(tmp, "serve.stderr"), "wb")
            srv = subprocess.Popen([common.ctx.shenbao, "serve", "--config", cfg, "--listen",
                                    "127.0.0.1:%d" % port], cwd=tmp, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=errf)
            harness.wait_healthy(srv, port, errf.name)
            r = get_on(port, "/v1/account", token=token)
            self.assertEqual((r[0], r[2].get("name")), (200, "旧管理员"), r)
            items = self.assertStatus(get_on(port, "/v1/tokens", token=token), 200)["items"]
            self.assertEqual(len(items), 1, items)
            self.assertIsNone(items[0]["expires_on"])
            n = common.db_rows(db, "SELECT count(*) FROM tokens")[0][0]
            old = common.db_rows(db, "SELECT count(*) FROM accounts WHERE token_hash = ?",
                                 (digest,))[0][0]
            # the signed-up applicant had no token to carry over; the old
            # column no longer holds a working hash
            self.assertEqual((n, old), (1, 0))
        finally:
            if srv is not None:
                srv.send_signal(signal.SIGTERM)
                srv.wait(15)
                errf.close()
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------
# Sign-up


class SignUpConflicts(ApiTest):
    """One answer whichever of the two exists: the organisation (USCC), the
    e-mail address, or both."""

    def test_uniform_answer(self):
        srv = common.start_server()
        try:
            _, body = Browser(srv).sign_up()
            answers = {
                "uscc": Browser(srv).sign_up(uscc=body["uscc"], expect=None)[0],
                "email": Browser(srv).sign_up(email=body["email"], expect=None)[0],
                "both": Browser(srv).sign_up(uscc=body["uscc"], email=body["email"],
                                             expect=None)[0],
                "admin-made": Browser(srv).sign_up(
                    uscc=srv.accounts["applicant_a"]["uscc"], expect=None)[0],
            }
            seen = set()
            for label, r in answers.items():
                with self.subTest(taken=label):
                    p = self.assertProblem(r, 409)
                    self.assertEqual(r.set_cookie, [], r.set_cookie_raw)
                    seen.add((p["type"], p["title"], p["detail"]))
            self.assertEqual(len(seen), 1, seen)
            detail = seen.pop()[2]
            # it names both, whichever was taken
            self.assertIn("organisation", detail)
            self.assertIn("e-mail", detail)
        finally:
            srv.stop()

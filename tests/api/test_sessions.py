"""Web sessions: sign-up, sign-in (password or staff token), the session
and CSRF cookies, throttling, sign-out, and the Secure flag behind a trusted
TLS proxy.

On servers of their own, so that the rate limits (per address, per account)
start clean.  Each test speaks from a loopback address of its own
(common.loopback_source()), so the per-address limits of one test do not
touch another's.
"""

import http.client
import json
import os
import threading
import time

import common
from common import ApiTest

HASH_PREFIX = "$argon2id$v=19$m=65536,t=2,p=1$"
PASSWORD = "correct-horse-battery"
LOGIN_PER_ADDRESS = 20     # a minute
FREE_FAILURES = 3          # per account and address, before the first delay

_emails = [0]
_emails_lock = threading.Lock()


def new_email(tag="user"):
    with _emails_lock:
        _emails[0] += 1
        n = _emails[0]
    return "%s.%d.%d@example.com" % (tag, os.getpid(), n)


def parse_set_cookie(line):
    """'name=value; Attr; Attr=v' -> (name, value, {attr lower-cased: value or True})."""
    parts = [p.strip() for p in line.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        if not p:
            continue
        k, eq, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip() if eq else True
    return name.strip(), value.strip(), attrs


class Browser:
    """A client that keeps the cookies the server sets, on a fresh
    connection for each request from one loopback address of its own."""

    def __init__(self, srv, source=None):
        self.srv = srv
        self.source = source or common.loopback_source()
        self.cookies = {}

    def request(self, method, path, body=None, csrf=None, token=None, headers=None,
                cookies=None, raw=None):
        """csrf: True sends the sb_csrf cookie's value as X-CSRF-Token, a
        string sends that.  cookies: a dict to send instead of the jar.
        raw: bytes sent as they are (give the Content-Type in headers)."""
        hdrs = {}
        jar = self.cookies if cookies is None else cookies
        if jar:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in jar.items())
        if csrf is True:
            hdrs["X-CSRF-Token"] = self.cookies.get("sb_csrf", "")
        elif csrf is not None:
            hdrs["X-CSRF-Token"] = csrf
        if token is not None:
            hdrs["Authorization"] = "Bearer " + self.srv.tokens.get(token, token)
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if raw is not None:
            payload = raw
        if headers:
            hdrs.update(headers)
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30,
                                       source_address=(self.source, 0))
        try:
            c.request(method, path, body=payload, headers=hdrs)
            r = c.getresponse()
            set_cookie = r.msg.get_all("Set-Cookie") or []
            resp = common.parse_response(r, method, path)
        finally:
            c.close()
        common.check_common_headers(resp)
        resp.set_cookie = [parse_set_cookie(line) for line in set_cookie]
        resp.set_cookie_raw = set_cookie
        for name, value, attrs in resp.set_cookie:
            if attrs.get("max-age") == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return resp

    def sign_up(self, name=None, uscc=None, email=None, password=PASSWORD, expect=201,
                **extra):
        body = {"name": name or "北京会话测试科技有限公司",
                "uscc": uscc or common.uscc_new("110108"),
                "email": email or new_email("signup"), "password": password}
        body.update(extra)
        r = self.request("POST", "/v1/signup", body)
        if expect is not None and r[0] != expect:
            raise AssertionError("sign-up: expected %d, got %r\nsent: %s"
                                 % (expect, r, json.dumps(body, ensure_ascii=False)))
        return r, body

    def sign_in(self, **body):
        return self.request("POST", "/v1/session", body)


def cookies_of(resp):
    return {name: (value, attrs) for name, value, attrs in resp.set_cookie}


def wait_for_room(window, need):
    """Sleeps into the next fixed window of `window` seconds (of the real
    clock, which servers without --clock keep) unless `need` seconds are
    left in this one."""
    left = window - time.time() % window
    if left < need:
        time.sleep(left + 0.3)


def same_window(t0, t1, window):
    return int(t0 // window) == int(t1 // window)


class SessionTest(ApiTest):
    """One server of its own for the class."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def browser(self, source=None):
        return Browser(self.srv, source)

    def signed_up(self, division="110108", **kw):
        """A new organisation's browser, signed in; returns (browser, body, account)."""
        b = self.browser()
        uscc = common.uscc_new(division)
        r, body = b.sign_up(uscc=uscc, **kw)
        return b, body, r[2]["account"]

    def envelope_for(self, body, kind="incubator", review_unit="110108"):
        env = self.srv.envelope(kind, "applicant_a", review_unit=review_unit)
        env["applicant"] = {"name": body["name"], "uscc": body["uscc"]}
        return env

    def assertSessionCookies(self, resp, csrf_token, secure=False):
        got = cookies_of(resp)
        self.assertEqual(sorted(got), ["sb_csrf", "sb_session"], resp.set_cookie_raw)
        session, sattrs = got["sb_session"]
        csrf, cattrs = got["sb_csrf"]
        self.assertTrue(session, resp.set_cookie_raw)
        self.assertEqual(csrf, csrf_token, resp.set_cookie_raw)
        self.assertNotEqual(session, csrf)
        for name, attrs in (("sb_session", sattrs), ("sb_csrf", cattrs)):
            with self.subTest(cookie=name):
                self.assertEqual(attrs.get("path"), "/", resp.set_cookie_raw)
                self.assertEqual(str(attrs.get("samesite", "")).lower(), "strict",
                                 resp.set_cookie_raw)
                self.assertRegex(str(attrs.get("max-age", "")), r"^[1-9][0-9]*$",
                                 resp.set_cookie_raw)
                self.assertLessEqual(int(attrs["max-age"]), 7 * 86400, resp.set_cookie_raw)
                if secure:
                    self.assertIs(attrs.get("secure"), True, resp.set_cookie_raw)
                else:
                    self.assertNotIn("secure", attrs, resp.set_cookie_raw)
        self.assertIs(sattrs.get("httponly"), True, resp.set_cookie_raw)
        self.assertNotIn("httponly", cattrs, "sb_csrf must be readable by the page's script: %r"
                         % resp.set_cookie_raw)


class SignUp(SessionTest):

    def test_signup_opens_a_session(self):
        b = self.browser()
        r, body = b.sign_up(name="北京注册测试科技有限公司")
        out = r[2]
        self.assertEqual(set(out), {"account", "csrf_token"}, r)
        acct = out["account"]
        self.assertEqual(acct["role"], "applicant", r)
        self.assertEqual(acct["name"], body["name"])
        self.assertEqual(acct["uscc"], body["uscc"])
        self.assertEqual(acct["email"], body["email"])
        self.assertIsInstance(acct["id"], int)
        self.assertRegex(acct["created_at"], common.RFC3339_UTC)
        for secret in ("password", "password_hash", "token"):
            self.assertNotIn(secret, acct)
        self.assertIsInstance(out["csrf_token"], str)
        self.assertGreaterEqual(len(out["csrf_token"]), 20)
        self.assertSessionCookies(r, out["csrf_token"])
        # the cookie is the credential
        me = b.request("GET", "/v1/account")
        self.assertEqual(me[0], 200, me)
        self.assertEqual(me[2]["id"], acct["id"])
        self.assertEqual(me[2]["role"], "applicant")
        self.assertEqual(me[2]["email"], body["email"])
        # without it, nobody
        self.assertProblem(b.request("GET", "/v1/account", cookies={}), 401)
        self.assertProblem(b.request("GET", "/v1/account",
                                     cookies={"sb_session": "sb_" + "A" * 43}), 401)
        # the csrf cookie alone is no session
        self.assertProblem(b.request("GET", "/v1/account",
                                     cookies={"sb_csrf": b.cookies["sb_csrf"]}), 401)

    def test_signup_validation(self):
        good_uscc = common.uscc_new("110105")
        cases = [
            ("bad check character", {"uscc": common.uscc_flip_check(good_uscc)}, ["/uscc"]),
            ("outside Beijing", {"uscc": common.uscc_new("310115")}, ["/uscc"]),
            ("password of 11", {"password": "a" * 5 + "-" + "b" * 5}, ["/password"]),
            ("e-mail without @", {"email": "nobody.example.com"}, ["/email"]),
            ("unknown field", {"role": "admin"}, ["/role"]),
            ("name missing", {"name": None}, ["/name"]),
            ("password missing", {"password": None}, ["/password"]),
        ]
        b = self.browser()
        for label, change, pointers in cases:
            with self.subTest(case=label):
                body = {"name": "北京校验测试科技有限公司", "uscc": common.uscc_new("110105"),
                        "email": new_email("invalid"), "password": PASSWORD}
                for k, v in change.items():
                    if v is None:
                        del body[k]
                    else:
                        body[k] = v
                r = b.request("POST", "/v1/signup", body)
                self.assertProblem(r, 422, pointers)
                self.assertEqual(r.set_cookie, [], r.set_cookie_raw)
                # nothing was created: the e-mail cannot sign in
                if "email" in body and "password" in body:
                    s = b.sign_in(email=body["email"], password=body["password"])
                    self.assertProblem(s, 401)
        # 12 characters are enough
        r, body = b.sign_up(password="a" * 6 + "-" + "b" * 5)
        self.assertEqual(len(body["password"]), 12)
        self.assertEqual(r[0], 201, r)

    def test_conflicts(self):
        b = self.browser()
        r, body = b.sign_up()
        # the same e-mail for another organisation
        again, _ = self.browser().sign_up(email=body["email"], uscc=common.uscc_new("110108"),
                                          expect=None)
        self.assertProblem(again, 409)
        self.assertEqual(again.set_cookie, [], again.set_cookie_raw)
        # another e-mail for an organisation with an account (signed up)
        other, _ = self.browser().sign_up(uscc=body["uscc"], expect=None)
        self.assertProblem(other, 409)
        # ... or created by an administrator
        admin_made, _ = self.browser().sign_up(
            uscc=self.srv.accounts["applicant_a"]["uscc"],
            name=self.srv.accounts["applicant_a"]["name"], expect=None)
        self.assertProblem(admin_made, 409)
        # the first account is intact
        s = self.browser().sign_in(email=body["email"], password=body["password"])
        self.assertEqual(s[0], 200, s)
        self.assertEqual(s[2]["account"]["id"], r[2]["account"]["id"])

    def test_password_stored_as_argon2id_only(self):
        password = "pw-%s-纯文本不可见" % os.urandom(8).hex()
        b = self.browser()
        r, body = b.sign_up(password=password)
        session_cookie = b.cookies["sb_session"]
        # sign in once more, so the hash is also read and checked
        s = self.browser().sign_in(email=body["email"], password=password)
        self.assertEqual(s[0], 200, s)
        rows = common.db_rows(self.srv.db, "SELECT password_hash FROM accounts WHERE email = ?",
                              (body["email"],))
        self.assertEqual(len(rows), 1, rows)
        stored = rows[0][0]
        self.assertIsInstance(stored, str)
        self.assertTrue(stored.startswith(HASH_PREFIX), stored)
        self.assertNotIn(password, stored)
        # nowhere in the database, its write-ahead log, or the server's log;
        # nor the session token (kept as its hash)
        with open(self.srv.errpath, "rb") as f:
            log = [("server log", f.read())]
        for name, data in common.db_contents(self.srv.db) + log:
            with self.subTest(file=name):
                self.assertNotIn(password.encode("utf-8"), data)
                self.assertNotIn(session_cookie.encode("ascii"), data)


class SignIn(SessionTest):

    def test_password_sign_in(self):
        first, body, acct = self.signed_up()
        b = self.browser()
        r = b.sign_in(email=body["email"], password=body["password"])
        self.assertEqual(r[0], 200, r)
        self.assertEqual(set(r[2]), {"account", "csrf_token"}, r)
        self.assertEqual(r[2]["account"]["id"], acct["id"])
        self.assertEqual(r[2]["account"]["email"], body["email"])
        self.assertSessionCookies(r, r[2]["csrf_token"])
        # a new session: its own cookie and CSRF token
        self.assertNotEqual(b.cookies["sb_session"], first.cookies["sb_session"])
        self.assertNotEqual(b.cookies["sb_csrf"], first.cookies["sb_csrf"])
        me = b.request("GET", "/v1/account")
        self.assertEqual((me[0], me[2]["id"]), (200, acct["id"]), me)
        # the first session still works too
        self.assertEqual(first.request("GET", "/v1/account")[0], 200)

    def test_no_account_enumeration(self):
        _, body, _ = self.signed_up()
        b = self.browser()
        wrong = b.sign_in(email=body["email"], password=body["password"] + "x")
        unknown = b.sign_in(email=new_email("nobody"), password=body["password"])
        for r in (wrong, unknown):
            self.assertProblem(r, 401)
            self.assertEqual(r.set_cookie, [], r.set_cookie_raw)
        self.assertEqual(wrong[2]["detail"], unknown[2]["detail"])
        self.assertEqual(wrong[2]["title"], unknown[2]["title"])
        self.assertEqual(wrong[2]["type"], unknown[2]["type"])
        self.assertNotIn("cookie", b.cookies)
        self.assertEqual(b.cookies, {})

    def test_failures_slow_the_address_not_the_owner(self):
        """Wrong passwords from one address make that address wait (after
        FREE_FAILURES, 1 s, then doubling); the owner elsewhere is not held
        back (test_hardening_accounts has the whole arithmetic)."""
        _, body, _ = self.signed_up()
        b = self.browser()
        statuses = []
        for i in range(FREE_FAILURES + 1):
            r = b.sign_in(email=body["email"], password="wrong-password-%d" % i)
            statuses.append(r[0])
        t = time.monotonic()
        right = b.sign_in(email=body["email"], password=body["password"])
        self.assertEqual(statuses, [401] * (FREE_FAILURES + 1))
        if right[0] != 200 or time.monotonic() - t < 1:
            self.assertProblem(right, 429)
            self.assertEqual(right.set_cookie, [], right.set_cookie_raw)
            self.assertEqual(right.headers.get("retry-after"), "1", right)
        # from another address, at once
        elsewhere = self.browser().sign_in(email=body["email"], password=body["password"])
        self.assertEqual(elsewhere[0], 200, elsewhere)
        # another account is not held back, from the same address either
        _, other, _ = self.signed_up()
        r = b.sign_in(email=other["email"], password=other["password"])
        self.assertEqual(r[0], 200, r)

    def test_address_throttled_at_21st_attempt(self):
        _, body, acct = self.signed_up()
        n = 2 * LOGIN_PER_ADDRESS + 1
        for attempt in range(2):
            wait_for_room(60, 20)
            b = self.browser()
            t0 = time.time()
            results = []
            for i in range(n):
                if i == LOGIN_PER_ADDRESS:
                    # the right password from a throttled address
                    results.append(b.sign_in(email=body["email"], password=body["password"]))
                else:
                    results.append(b.sign_in(token="sb_" + "x%02d" % i + "A" * 40))
            t1 = time.time()
            if same_window(t0, t1, 60):
                break
        statuses = [r[0] for r in results]
        for r in results:
            self.assertIn(r[0], (401, 429, 200), r)
        if same_window(t0, t1, 60):
            self.assertEqual(statuses, [401] * LOGIN_PER_ADDRESS
                             + [429] * (n - LOGIN_PER_ADDRESS), statuses)
        else:
            # twice across a minute boundary: still no more than the limit
            # in any one minute, and a refusal
            self.assertIn(429, statuses)
            first = statuses.index(429)
            self.assertGreaterEqual(first, LOGIN_PER_ADDRESS, statuses)
        for r in results:
            if r[0] == 429:
                self.assertProblem(r, 429)
                ra = r.headers.get("retry-after", "")
                self.assertRegex(ra, r"^[0-9]+$", r)
                self.assertTrue(1 <= int(ra) <= 60, r)
                self.assertEqual(r.set_cookie, [], r.set_cookie_raw)
        # another address is not held back (two tries: addresses may share a
        # slot of the server's table)
        others = [self.browser().sign_in(email=body["email"], password=body["password"])
                  for _ in range(2)]
        self.assertIn(200, [r[0] for r in others], others)

    def test_staff_token_sign_in(self):
        b = self.browser()
        r = b.sign_in(token=self.srv.tokens["district_110108"])
        self.assertEqual(r[0], 200, r)
        acct = r[2]["account"]
        self.assertEqual((acct["role"], acct.get("unit")), ("district_reviewer", "110108"), r)
        self.assertSessionCookies(r, r[2]["csrf_token"])
        me = b.request("GET", "/v1/account")
        self.assertEqual(me[0], 200, me)
        self.assertEqual(me[2]["id"], acct["id"])
        self.assertEqual(me[2]["role"], "district_reviewer")
        self.assertEqual(b.request("GET", "/v1/applications")[0], 200)
        # the session cookie is not the staff token
        self.assertNotEqual(b.cookies["sb_session"], self.srv.tokens["district_110108"])

    def test_bad_requests(self):
        b = self.browser()
        _, body, _ = self.signed_up()
        tok = self.srv.tokens["auditor"]
        cases = [
            ("bad token", {"token": tok[:-2] + ("AA" if not tok.endswith("AA") else "BB")},
             401, None),
            ("made-up token", {"token": "not-a-token"}, 401, None),
            ("token and e-mail", {"token": tok, "email": body["email"],
                                  "password": body["password"]}, 422, None),
            ("token and password", {"token": tok, "password": body["password"]}, 422, None),
            ("e-mail without password", {"email": body["email"]}, 422, None),
            ("nothing", {}, 422, None),
            ("unknown field", {"email": body["email"], "password": body["password"],
                               "remember": True}, 422, ["/remember"]),
        ]
        for label, req_body, status, pointers in cases:
            with self.subTest(case=label):
                r = b.sign_in(**req_body)
                self.assertProblem(r, status, pointers)
                self.assertEqual(r.set_cookie, [], r.set_cookie_raw)
        self.assertEqual(b.cookies, {})


class Csrf(SessionTest):

    def test_state_changes_need_the_csrf_token(self):
        b, body, acct = self.signed_up()
        env = self.envelope_for(body)
        # no header, a wrong one, an empty one
        self.assertProblem(b.request("POST", "/v1/applications", env), 403)
        self.assertProblem(b.request("POST", "/v1/applications", env,
                                     csrf=b.cookies["sb_csrf"][:-1] + "A"
                                     if not b.cookies["sb_csrf"].endswith("A")
                                     else b.cookies["sb_csrf"][:-1] + "B"), 403)
        self.assertProblem(b.request("POST", "/v1/applications", env, csrf=""), 403)
        # another session's token is not this one's
        other, _, _ = self.signed_up()
        self.assertProblem(b.request("POST", "/v1/applications", env,
                                     csrf=other.cookies["sb_csrf"]), 403)
        # nothing was created by those
        lst = b.request("GET", "/v1/applications")
        self.assertEqual(lst[0], 200, lst)
        self.assertEqual(lst[2]["items"], [], lst)
        # the right one
        r = b.request("POST", "/v1/applications", env, csrf=True)
        self.assertEqual(r[0], 201, r)
        app = r[2]
        self.assertEqual(app["applicant"]["uscc"], body["uscc"])
        # reading needs none
        g = b.request("GET", "/v1/applications/%d" % app["id"])
        self.assertEqual((g[0], g[2]["id"]), (200, app["id"]), g)
        self.assertEqual(b.request("GET", "/v1/applications/%d/events" % app["id"])[0], 200)
        # other changes: refused without, done with
        env2 = dict(env)
        self.assertProblem(b.request("PUT", "/v1/applications/%d" % app["id"], env2), 403)
        self.assertProblem(b.request("POST", "/v1/applications/%d/submit" % app["id"]), 403)
        g = b.request("GET", "/v1/applications/%d" % app["id"])
        self.assertEqual(g[2]["status"], "draft", g)
        self.assertEqual(b.request("PUT", "/v1/applications/%d" % app["id"], env2,
                                   csrf=True)[0], 200)
        # an upload is a change: refused without, before its body is read
        path = "/v1/applications/%d/materials?type=application_form" % app["id"]
        self.assertProblem(b.request("POST", path, raw=common.TINY_PDF,
                                     headers={"Content-Type": "application/pdf"}), 403)

        def with_csrf(method, p, token=None, raw=None, headers=None):
            return b.request(method, p, csrf=True, raw=raw, headers=headers)

        common.attach_materials(app["id"], None, with_csrf)
        s = b.request("POST", "/v1/applications/%d/submit" % app["id"], csrf=True)
        self.assertEqual((s[0], s[2]["status"]), (200, "district_review"), s)

    def test_bearer_tokens_need_no_csrf(self):
        b = self.browser()
        env = self.srv.envelope("incubator", "applicant_a")
        r = b.request("POST", "/v1/applications", env, token="applicant_a")
        self.assertEqual(r[0], 201, r)
        common.attach_materials(r[2]["id"], "applicant_a", self.srv.req)
        s = b.request("POST", "/v1/applications/%d/submit" % r[2]["id"], token="applicant_a")
        self.assertEqual(s[0], 200, s)
        # a bearer token with a (foreign) session cookie beside it: the
        # token speaks, no CSRF token needed
        other, _, _ = self.signed_up()
        r = b.request("POST", "/v1/applications", env, token="applicant_a",
                      cookies=other.cookies)
        self.assertEqual(r[0], 201, r)
        self.assertEqual(r[2]["applicant"]["uscc"], self.srv.accounts["applicant_a"]["uscc"])

    def test_sign_out(self):
        b, body, acct = self.signed_up()
        old = dict(b.cookies)
        # signing out changes state too: it needs the CSRF token
        self.assertProblem(b.request("DELETE", "/v1/session"), 403)
        self.assertEqual(b.request("GET", "/v1/account")[0], 200)
        r = b.request("DELETE", "/v1/session", csrf=True)
        self.assertEqual(r[0], 204, r)
        got = cookies_of(r)
        self.assertEqual(sorted(got), ["sb_csrf", "sb_session"], r.set_cookie_raw)
        for name, (value, attrs) in got.items():
            with self.subTest(cookie=name):
                self.assertEqual(value, "", r.set_cookie_raw)
                self.assertEqual(attrs.get("max-age"), "0", r.set_cookie_raw)
                self.assertEqual(attrs.get("path"), "/", r.set_cookie_raw)
        self.assertEqual(b.cookies, {})
        # the old cookie is dead, with or without its CSRF token
        self.assertProblem(b.request("GET", "/v1/account", cookies=old), 401)
        env = self.envelope_for(body)
        self.assertProblem(b.request("POST", "/v1/applications", env, cookies=old,
                                     csrf=old["sb_csrf"]), 401)
        self.assertProblem(b.request("DELETE", "/v1/session", cookies=old,
                                     csrf=old["sb_csrf"]), 401)
        # signing in again works
        s = b.sign_in(email=body["email"], password=body["password"])
        self.assertEqual(s[0], 200, s)
        self.assertNotEqual(b.cookies["sb_session"], old["sb_session"])
        self.assertEqual(b.request("GET", "/v1/account")[2]["id"], acct["id"])

    def test_other_organisations_application(self):
        b, body, acct = self.signed_up()
        theirs = self.srv.create("applicant_a", self.srv.envelope("incubator", "applicant_a"))
        path = "/v1/applications/%d" % theirs["id"]
        self.assertProblem(b.request("GET", path), 404)
        self.assertProblem(b.request("GET", path + "/events"), 404)
        env = self.envelope_for(body)
        self.assertProblem(b.request("PUT", path, env, csrf=True), 404)
        self.assertProblem(b.request("POST", path + "/submit", csrf=True), 404)
        self.assertProblem(b.request("POST", path + "/withdraw", csrf=True), 404)
        # with the other organisation's envelope: refused, and told no more
        # than for an application that does not exist
        env_a = self.srv.envelope("incubator", "applicant_a")
        r = b.request("PUT", path, env_a, csrf=True)
        none = b.request("PUT", "/v1/applications/999999999", env_a, csrf=True)
        self.assertIn(r[0], (404, 422), r)
        self.assertEqual((r[0], common.problem_pointers(r)),
                         (none[0], common.problem_pointers(none)), (r, none))
        self.assertNotIn(theirs["id"], [a["id"] for a in
                                        b.request("GET", "/v1/applications")[2]["items"]])
        # untouched
        self.assertEqual(self.srv.get(theirs["id"], "applicant_a")["status"], "draft")
        # and the other way round: the session's own application is not theirs
        mine = b.request("POST", "/v1/applications", env, csrf=True)
        self.assertEqual(mine[0], 201, mine)
        r = self.srv.req("GET", "/v1/applications/%d" % mine[2]["id"], token="applicant_a")
        self.assertProblem(r, 404)


class SecureCookie(ApiTest):
    """Secure cookies when the request came over TLS, as a trusted proxy
    says with X-Forwarded-Proto; nobody else is believed."""

    @classmethod
    def setUpClass(cls):
        cls.proxied = common.start_server_config({"trusted_proxies": ["127.0.0.1"]})
        cls.direct = common.start_server()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.proxied.stop()
        finally:
            cls.direct.stop()

    def sign_in(self, srv, source, headers):
        b = Browser(srv, source)
        r = b.request("POST", "/v1/session", {"token": srv.tokens["auditor"]}, headers=headers)
        self.assertEqual(r[0], 200, r)
        got = cookies_of(r)
        self.assertEqual(sorted(got), ["sb_csrf", "sb_session"], r.set_cookie_raw)
        return b, r, got

    def secure_flags(self, r):
        return {name: attrs.get("secure") is True for name, _, attrs in r.set_cookie}

    def test_secure_behind_trusted_proxy(self):
        b, r, got = self.sign_in(self.proxied, "127.0.0.1", {"X-Forwarded-Proto": "https"})
        self.assertEqual(self.secure_flags(r), {"sb_session": True, "sb_csrf": True},
                         r.set_cookie_raw)
        for line in r.set_cookie_raw:
            self.assertRegex(line, r"; Secure(;|$)", r.set_cookie_raw)
        self.assertIs(got["sb_session"][1].get("httponly"), True)
        # the session works (the proxy passes the cookie on)
        me = b.request("GET", "/v1/account", headers={"X-Forwarded-Proto": "https"})
        self.assertEqual(me[0], 200, me)
        # sign-out over TLS clears them as Secure cookies too
        out = b.request("DELETE", "/v1/session", csrf=True,
                        headers={"X-Forwarded-Proto": "https"})
        self.assertEqual(out[0], 204, out)
        self.assertEqual(self.secure_flags(out), {"sb_session": True, "sb_csrf": True},
                         out.set_cookie_raw)
        # sign-up over TLS as well
        su = Browser(self.proxied, "127.0.0.1").request(
            "POST", "/v1/signup",
            {"name": "北京安全会话测试有限公司", "uscc": common.uscc_new("110108"),
             "email": new_email("tls"), "password": PASSWORD},
            headers={"X-Forwarded-Proto": "https"})
        self.assertEqual(su[0], 201, su)
        self.assertEqual(self.secure_flags(su), {"sb_session": True, "sb_csrf": True},
                         su.set_cookie_raw)

    def test_plain_http_through_trusted_proxy(self):
        for headers in ({}, {"X-Forwarded-Proto": "http"}):
            with self.subTest(headers=headers):
                _, r, _ = self.sign_in(self.proxied, "127.0.0.1", headers)
                self.assertEqual(self.secure_flags(r), {"sb_session": False, "sb_csrf": False},
                                 r.set_cookie_raw)

    def test_untrusted_peer_is_not_believed(self):
        # no trusted proxies at all
        for source in ("127.0.0.1", common.loopback_source()):
            with self.subTest(server="direct", source=source):
                _, r, _ = self.sign_in(self.direct, source, {"X-Forwarded-Proto": "https"})
                self.assertEqual(self.secure_flags(r), {"sb_session": False, "sb_csrf": False},
                                 r.set_cookie_raw)
        # a peer that is not the trusted proxy
        with self.subTest(server="proxied", source="other"):
            _, r, _ = self.sign_in(self.proxied, common.loopback_source(),
                                   {"X-Forwarded-Proto": "https"})
            self.assertEqual(self.secure_flags(r), {"sb_session": False, "sb_csrf": False},
                             r.set_cookie_raw)

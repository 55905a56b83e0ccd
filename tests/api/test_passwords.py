"""Passwords (CONTRACT.md "Passwords"): `shenbao account reset-password
--email E` prints a one-time link valid 24 hours; POST /v1/password-reset
{code, password} with its code sets a new password once and ends every
session of the account; POST /v1/account/password {current_password,
password} changes it while signed in, ending the account's other sessions.

On a server of its own (the per-address limits start clean)."""

import re

import common
from common import ApiTest
from test_sessions import Browser, new_email, PASSWORD

NEW_PASSWORD = "another-long-passphrase"
ZH = {"Accept-Language": "zh-CN"}


class Passwords(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def signed_up(self):
        b = Browser(self.srv)
        email = new_email("pw")
        r, body = b.sign_up(email=email)
        return b, email, r[2]["account"]

    def reset_link(self, email, *extra):
        rc, out, err = common.shenbao_cli(["account", "reset-password", "--config",
                                           self.srv.config, "--email", email] + list(extra))
        self.assertEqual(rc, 0, err)
        link = out.strip().splitlines()[-1]
        m = re.fullmatch(r"(\S+)/#/reset/(sb_[A-Za-z0-9_-]+)", link)
        self.assertTrue(m, out)
        return m.group(1), m.group(2), out

    def reset(self, code, password=NEW_PASSWORD, headers=None):
        return Browser(self.srv).request("POST", "/v1/password-reset",
                                         {"code": code, "password": password}, headers=headers)

    def test_a_reset_link_sets_a_new_password_once_and_ends_the_sessions(self):
        b, email, acct = self.signed_up()
        other = Browser(self.srv)
        self.assertEqual(other.sign_in(email=email, password=PASSWORD)[0], 200)
        base, code, out = self.reset_link(email, "--url", "https://shenbao.example.cn/")
        self.assertEqual(base, "https://shenbao.example.cn")
        self.assertIn("account %d" % acct["id"], out)
        # the code is kept only as its hash
        rows = common.db_rows(self.srv.db, "SELECT code_hash FROM password_resets"
                              " WHERE account_id = ?", (acct["id"],))
        self.assertEqual(len(rows), 1)
        self.assertNotIn(code.encode(), rows[0][0])
        # both sessions still work until the link is used
        self.assertEqual(b.request("GET", "/v1/account")[0], 200)
        r = self.reset(code)
        self.assertEqual(r[0], 204, r)
        # every session ended; the old password no longer works, the new one does
        self.assertEqual(b.request("GET", "/v1/account")[0], 401)
        self.assertEqual(other.request("GET", "/v1/account")[0], 401)
        self.assertEqual(Browser(self.srv).sign_in(email=email, password=PASSWORD)[0], 401)
        self.assertEqual(Browser(self.srv).sign_in(email=email, password=NEW_PASSWORD)[0], 200)
        # used once: again is 422 at /code, in both languages
        r = self.reset(code, "yet-another-passphrase")
        self.assertProblem(r, 422, ["/code"])
        r = self.reset(code, "yet-another-passphrase", headers=ZH)
        body = self.assertProblem(r, 422, ["/code"])
        self.assertIn("重置链接无效", body["errors"][0]["detail"])
        self.assertEqual(Browser(self.srv).sign_in(email=email, password=NEW_PASSWORD)[0], 200)

    def test_a_newer_link_replaces_the_older_one(self):
        _, email, _ = self.signed_up()
        _, first, _ = self.reset_link(email)
        _, second, _ = self.reset_link(email)
        self.assertNotEqual(first, second)
        self.assertProblem(self.reset(first), 422, ["/code"])
        self.assertEqual(self.reset(second)[0], 204)

    def test_an_expired_link_is_refused(self):
        _, email, acct = self.signed_up()
        _, code, _ = self.reset_link(email)
        common.db_exec(self.srv.db, "UPDATE password_resets SET expires_at ="
                       " '2020-01-01T00:00:00Z' WHERE account_id = ?", (acct["id"],))
        self.assertProblem(self.reset(code), 422, ["/code"])
        self.assertEqual(Browser(self.srv).sign_in(email=email, password=PASSWORD)[0], 200)

    def test_a_disabled_account_cannot_be_reset(self):
        _, email, acct = self.signed_up()
        _, code, _ = self.reset_link(email)
        r = self.srv.req("POST", "/v1/accounts/%d/disable" % acct["id"], token="admin")
        self.assertEqual(r[0], 200, r)
        self.assertProblem(self.reset(code), 422, ["/code"])
        rc, out, err = common.shenbao_cli(["account", "reset-password", "--config",
                                           self.srv.config, "--email", email])
        self.assertEqual(rc, 1)
        self.assertIn("no account that signs in with", err)

    def test_the_command_refuses_what_it_cannot_do(self):
        cases = [
            (["--email", "nobody.%d@example.com" % id(self)], "no account that signs in with"),
            ([], "--email is required"),
            (["--email", "x@example.com", "--url", "ftp://example.cn"], "is not an http://"),
        ]
        for args, said in cases:
            with self.subTest(args=args):
                rc, out, err = common.shenbao_cli(["account", "reset-password", "--config",
                                                   self.srv.config] + args)
                self.assertNotEqual(rc, 0)
                self.assertIn(said, err)
                self.assertEqual(out, "")

    def test_bad_reset_requests(self):
        cases = [
            ({}, ["/code", "/password"]),
            ({"code": "sb_unknown", "password": "short"}, ["/password"]),
            ({"code": "sb_unknown", "password": NEW_PASSWORD}, ["/code"]),
            ({"code": "", "password": NEW_PASSWORD}, ["/code"]),
            ({"code": "x" * 201, "password": NEW_PASSWORD}, ["/code"]),
            ({"code": 5, "password": NEW_PASSWORD}, ["/code"]),
            ({"code": "sb_x", "password": NEW_PASSWORD, "email": "a@b.cn"}, ["/email"]),
        ]
        for body, pointers in cases:
            with self.subTest(body=body):
                r = Browser(self.srv).request("POST", "/v1/password-reset", body)
                self.assertProblem(r, 422, pointers)

    def test_change_password_while_signed_in_keeps_this_session_only(self):
        b, email, _ = self.signed_up()
        other = Browser(self.srv)
        self.assertEqual(other.sign_in(email=email, password=PASSWORD)[0], 200)
        # a token of the account keeps working: tokens are not passwords
        t = b.request("POST", "/v1/tokens", {"name": "script"}, csrf=True)
        self.assertEqual(t[0], 201, t)
        token = t[2]["token"]
        r = b.request("POST", "/v1/account/password",
                      {"current_password": "wrong-password-given", "password": NEW_PASSWORD},
                      csrf=True, headers=ZH)
        body = self.assertProblem(r, 422, ["/current_password"])
        self.assertIn("当前密码不符", body["errors"][0]["detail"])
        r = b.request("POST", "/v1/account/password",
                      {"current_password": PASSWORD, "password": PASSWORD}, csrf=True)
        self.assertProblem(r, 422, ["/password"])
        r = b.request("POST", "/v1/account/password",
                      {"current_password": PASSWORD, "password": "short"}, csrf=True)
        self.assertProblem(r, 422, ["/password"])
        # without the CSRF header: refused, saying what is missing
        r = b.request("POST", "/v1/account/password",
                      {"current_password": PASSWORD, "password": NEW_PASSWORD})
        body = self.assertProblem(r, 403)
        self.assertIn("csrf", body["type"])
        r = b.request("POST", "/v1/account/password",
                      {"current_password": PASSWORD, "password": NEW_PASSWORD}, csrf=True)
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["sessions_ended"], 1)
        self.assertEqual(b.request("GET", "/v1/account")[0], 200)
        self.assertEqual(other.request("GET", "/v1/account")[0], 401)
        self.assertEqual(Browser(self.srv).sign_in(email=email, password=PASSWORD)[0], 401)
        self.assertEqual(Browser(self.srv).sign_in(email=email, password=NEW_PASSWORD)[0], 200)
        self.assertEqual(self.srv.req("GET", "/v1/account", token=token)[0], 200)

    def test_a_staff_account_has_no_password_to_change(self):
        r = self.srv.req("POST", "/v1/account/password",
                         {"current_password": "anything-at-all", "password": NEW_PASSWORD},
                         token="admin")
        self.assertProblem(r, 409)
        r = self.srv.req("POST", "/v1/account/password",
                         {"current_password": "anything-at-all", "password": NEW_PASSWORD})
        self.assertProblem(r, 401)

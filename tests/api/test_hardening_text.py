"""Client text is kept whole, and rendering what is stored never fails.

A limit is checked on the characters received (CONTRACT.md "Every request"),
so the longest text validation admits is 4 bytes a character: 171 CJK
characters take 513 bytes, 200 emoji 800.  Such a text is stored byte for
byte and every list that shows it answers, also after a restart.  A row an
older version stored cut inside a character still renders (the broken bytes
read as U+FFFD).  And validation stops early: an array over its maximum is
one error, and a 422 lists at most 100 errors, saying how many there were.

Servers of their own, the clock at Tuesday 2020-09-29 10:00 Beijing time so
that a municipal approval publishes the notice 2020-09-29 .. 2020-10-12.
"""

import http.client
import json

import common
from common import ApiTest, Flow

CLOCK = "2020-09-29T10:00:00+08:00"
AFTER_NOTICE = "2020-10-13T00:00:00+08:00"

CJK_171 = "测" * 171           # 513 bytes: one past the 512-byte buffers of old
EMOJI = "\U0001F600"           # 4 bytes in UTF-8
EMOJI_100 = EMOJI * 100
EMOJI_200 = EMOJI * 200
PASSWORD = "correct horse battery staple"

READERS = ("applicant_a", "district_110108", "municipal_science_tech", "auditor")


def utf8_len(s):
    return len(s.encode("utf-8"))


assert utf8_len(CJK_171) == 513 and utf8_len(EMOJI_200) == 800


class TextTest(ApiTest):

    def listed(self, srv, who, app_id):
        """The application as GET /v1/applications shows it to `who`."""
        r = srv.req("GET", "/v1/applications?limit=100", token=who)
        self.assertStatus(r, 200)
        found = [a for a in r[2]["items"] if a["id"] == app_id]
        self.assertEqual(len(found), 1, "%s does not list %d: %r" % (who, app_id, r))
        return found[0]

    def assert_seen_whole(self, srv, app_id, name):
        """Every reader lists and reads the application with its name whole."""
        for who in READERS:
            with self.subTest(who=who):
                self.assertEqual(self.listed(srv, who, app_id)["applicant"]["name"], name)
                self.assertEqual(srv.get(app_id, who)["applicant"]["name"], name)
                r = srv.req("GET", "/v1/applications/%d/events" % app_id, token=who)
                self.assertStatus(r, 200)


class LongApplicantName(TextTest):
    """171 CJK characters (513 bytes) as applicant name: created, listed by
    owner, district, municipal and auditor, published, objected to with 200
    emoji, approved with a certificate, and all of it again after a
    restart."""

    def test_whole_through_the_workflow_and_a_restart(self):
        srv = common.start_server(clock=CLOCK)
        again = None
        try:
            flow = Flow(srv)
            env = srv.envelope("incubator", "applicant_a")
            env["applicant"]["name"] = CJK_171
            app = srv.create("applicant_a", env)
            self.assertEqual(app["applicant"]["name"], CJK_171)
            self.assertEqual(self.listed(srv, "applicant_a", app["id"])["applicant"]["name"],
                             CJK_171)

            # 200 characters is the limit; 201 are refused, not cut
            env["applicant"]["name"] = EMOJI_200
            longest = srv.create("applicant_a", env)
            self.assertEqual(longest["applicant"]["name"], EMOJI_200)
            env["applicant"]["name"] = EMOJI_200 + "x"
            r = srv.req("POST", "/v1/applications", env, token="applicant_a")
            self.assertProblem(r, 422, ["/applicant/name"])

            app = flow.to(app, "public_notice")
            longest = flow.to(longest, "municipal_review")
            for app_id, name in ((app["id"], CJK_171), (longest["id"], EMOJI_200)):
                self.assert_seen_whole(srv, app_id, name)
            r = srv.req("GET", "/v1/notices")
            self.assertStatus(r, 200)
            self.assertIn(CJK_171, [n["holder"] for n in r[2]["items"]])

            # an objection of 200 emoji: stored whole, listed for reviewers
            body = {"name": EMOJI_100, "contact": EMOJI_200, "reason": EMOJI * 4000}
            r = common.file_objection(srv.port, app["id"], body)
            self.assertStatus(r, 201)
            oid = r[2]["id"]
            r = srv.req("GET", "/v1/applications/%d/objections" % app["id"],
                        token="municipal_science_tech")
            self.assertStatus(r, 200)
            self.assertEqual([(o["id"], o["name"], o["contact"], o["reason"])
                              for o in r[2]["items"]],
                             [(oid, EMOJI_100, EMOJI_200, EMOJI * 4000)])
            body["contact"] = EMOJI_200 + "x"
            r = common.file_objection(srv.port, app["id"], body)
            self.assertProblem(r, 422, ["/contact"])

            # after a restart, the same
            common.stop_keeping_data(srv)
            again = common.serve_again(srv, clock=CLOCK)
            for app_id, name in ((app["id"], CJK_171), (longest["id"], EMOJI_200)):
                self.assert_seen_whole(again, app_id, name)
            r = again.req("GET", "/v1/applications/%d/objections" % app["id"],
                          token="auditor")
            self.assertStatus(r, 200)
            self.assertEqual([o["contact"] for o in r[2]["items"]], [EMOJI_200])

            # the objection resolved, the notice ends, the certificate names
            # the holder whole
            r = again.req("POST", "/v1/applications/%d/objections/%d/resolution"
                          % (app["id"], oid), {"outcome": "dismissed", "opinion": EMOJI_200},
                          token="municipal_science_tech")
            self.assertStatus(r, 200)
            out = common.run_tick(again.config, AFTER_NOTICE)
            self.assertIn("1 application approved", out)
            r = again.req("GET", "/v1/applications/%d/certificate" % app["id"],
                          token="applicant_a")
            self.assertStatus(r, 200)
            self.assertEqual(r[2]["certificate"]["holder"]["name"], CJK_171)
        finally:
            srv.stop()
            if again is not None:
                again.stop()


class LongAccountNames(TextTest):
    """Account names of 200 characters (and review units of their limits)
    are kept whole; 201 are refused."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def me(self, token):
        r = self.srv.req("GET", "/v1/account", token=token)
        self.assertStatus(r, 200)
        return r[2]

    def test_post_accounts(self):
        for name in (EMOJI_200, CJK_171, "名" * 200):
            with self.subTest(bytes=utf8_len(name)):
                r = self.srv.req("POST", "/v1/accounts", {"role": "auditor", "name": name},
                                 token="admin")
                self.assertStatus(r, 201)
                self.assertEqual(r[2]["account"]["name"], name)
                self.assertEqual(self.me(r[2]["token"])["name"], name)
        r = self.srv.req("POST", "/v1/accounts", {"role": "auditor", "name": EMOJI * 201},
                         token="admin")
        self.assertProblem(r, 422, ["/name"])

    def test_cli_account_add(self):
        rc, out, err = common.shenbao_cli(["account", "add", "--config", self.srv.config,
                                           "--role", "auditor", "--name", EMOJI_200])
        self.assertEqual(rc, 0, err)
        token = out.strip().splitlines()[-1]
        self.assertEqual(self.me(token)["name"], EMOJI_200)

        rc, out, err = common.shenbao_cli(["account", "add", "--config", self.srv.config,
                                           "--role", "auditor", "--name", EMOJI * 201])
        self.assertNotEqual(rc, 0, out)
        self.assertIn("--name", err)
        self.assertIn("at most 200 characters", err)

    def test_review_unit_of_the_longest_id_and_names(self):
        unit = {"id": "soe:" + "首" * 75, "name_zh": EMOJI * 80, "name_en": "N" * 80}
        r = self.srv.req("POST", "/v1/review-units", unit, token="admin")
        self.assertStatus(r, 201)
        self.assertEqual(r[2], dict(unit, kind="soe"))
        r = self.srv.req("GET", "/v1/review-units", token="auditor")
        self.assertStatus(r, 200)
        self.assertIn(dict(unit, kind="soe"), r[2]["items"])

        # its reviewer, and a first_store application it reviews
        r = self.srv.req("POST", "/v1/accounts",
                         {"role": "district_reviewer", "name": EMOJI_200, "unit": unit["id"]},
                         token="admin")
        self.assertStatus(r, 201)
        self.assertEqual(r[2]["account"]["unit"], unit["id"])
        reviewer = r[2]["token"]
        self.assertEqual(self.me(reviewer)["unit"], unit["id"])
        env = self.srv.envelope("first_store", "applicant_a", review_unit=unit["id"])
        app = self.srv.create("applicant_a", env)
        self.assertEqual(app["review_unit"], unit["id"])
        self.srv.submit(app["id"], "applicant_a")
        r = self.srv.req("GET", "/v1/applications?review_unit=" + common.urlquote(unit["id"]),
                         token=reviewer)
        self.assertStatus(r, 200)
        self.assertEqual([a["id"] for a in r[2]["items"]], [app["id"]])

    def test_signup_with_long_name_and_email(self):
        email = "用" * 240 + "@例子.中国"
        body = {"name": EMOJI_200, "uscc": common.uscc_new("110108"), "email": email,
                "password": PASSWORD}
        r = self.srv.req("POST", "/v1/signup", body)
        self.assertStatus(r, 201)
        self.assertEqual((r[2]["account"]["name"], r[2]["account"]["email"]), (EMOJI_200, email))
        r = self.srv.req("POST", "/v1/session", {"email": email, "password": PASSWORD})
        self.assertStatus(r, 200)
        self.assertEqual((r[2]["account"]["name"], r[2]["account"]["email"]), (EMOJI_200, email))


class RowsOfOlderVersions(TextTest):
    """What an older version stored cut inside a character (the 511 bytes
    left of a 513-byte name), or longer than any limit, renders: the broken
    bytes read as U+FFFD, the rest whole, and nothing answers 5xx."""

    def test_cut_and_long_rows_render(self):
        srv = common.start_server(clock=CLOCK)
        again = None
        try:
            flow = Flow(srv)
            cut = flow.to(flow.create("incubator"), "public_notice")
            long_ = flow.to(flow.create("incubator"), "district_review")
            broken = flow.to(flow.create("incubator"), "municipal_review")
            odd = flow.to(flow.create("incubator"), "municipal_review")
            r = common.file_objection(srv.port, cut["id"])
            self.assertStatus(r, 201)
            srv.tampered = True  # the file is changed below, as a test of its own
            common.stop_keeping_data(srv)

            cut_bytes = CJK_171.encode("utf-8")[:511]        # 170 characters and a lead byte
            long_name = "长" * 5000
            # Text cut inside a character exists only in SQLite: a
            # PostgreSQL database (UTF8) refuses to store it, so there no
            # older row can hold it.
            broken_text = not common.is_pg(srv.db)
            if broken_text:
                common.db_exec(srv.db, "UPDATE applications SET applicant_name = CAST(? AS TEXT)"
                               " WHERE id = ?", (cut_bytes, cut["id"]))
                common.db_exec(srv.db, "UPDATE objections SET contact = CAST(? AS TEXT),"
                               " name = CAST(? AS TEXT)", (EMOJI_200.encode("utf-8")[:511],
                                                           b"\xff\xfe name"))
                common.db_exec(srv.db, "UPDATE accounts SET name = CAST(? AS TEXT)"
                               " WHERE role != 'admin'", (cut_bytes,))
            common.db_exec(srv.db, "UPDATE applications SET applicant_name = ? WHERE id = ?",
                           (long_name, long_["id"]))
            # data of the wrong shape, and data that no longer parses (past
            # the schema's own check): shown as they are, or empty
            common.db_exec(srv.db, "UPDATE applications SET data = ? WHERE id = ?",
                           ('{"incubatees": "none", "services": [1, {}]}', odd["id"]))
            if common.is_pg(srv.db):
                common.db_script(srv.db, "ALTER TABLE applications"
                                 " DROP CONSTRAINT applications_data_check,"
                                 " DROP CONSTRAINT applications_facts_check")
                common.db_exec(srv.db, "UPDATE applications SET data = '{\"incubatees\": [',"
                               " facts = 'nope' WHERE id = ?", (broken["id"],))
            else:
                common.db_script(srv.db, "PRAGMA ignore_check_constraints = ON;"
                                 " UPDATE applications SET data = '{\"incubatees\": [',"
                                 " facts = 'nope' WHERE id = %d" % broken["id"])

            again = common.serve_again(srv, clock=CLOCK)
            again.tampered = True
            repaired = "测" * 170 + "\ufffd" if broken_text else CJK_171
            holder = repaired if broken_text else cut["applicant"]["name"]
            if broken_text:
                self.assert_seen_whole(again, cut["id"], repaired)
            self.assert_seen_whole(again, long_["id"], long_name)
            for who in READERS:
                self.assertEqual(self.listed(again, who, broken["id"])["data"], {})
                self.assertEqual(again.get(odd["id"], who)["data"]["incubatees"], "none")
            r = again.req("GET", "/v1/notices")
            self.assertStatus(r, 200)
            self.assertIn(holder, [n["holder"] for n in r[2]["items"]])
            if broken_text:
                r = again.req("GET", "/v1/applications/%d/objections" % cut["id"],
                              token="municipal_science_tech")
                self.assertStatus(r, 200)
                self.assertEqual([(o["name"], o["contact"]) for o in r[2]["items"]],
                                 [("\ufffd\ufffd name", EMOJI * 127 + "\ufffd")])
                r = again.req("GET", "/v1/account", token="auditor")
                self.assertStatus(r, 200)
                self.assertEqual(r[2]["name"], repaired)
            # events name the actor as it was when they were written, inside
            # what their hash covers (docs/RECORD.md): a renamed account
            # does not reach them
            events = Flow(again).events(cut["id"])
            names = [e["actor_name"] for e in events]
            self.assertNotIn(repaired, names)
            self.assertIn(common.ACCOUNTS["applicant_a"]["name"], names)
        finally:
            srv.stop()
            if again is not None:
                again.stop()


class EarlyStop(TextTest):
    """Validation stops early: 160,000 distinct services in a 1 MiB body are
    one error, answered at once; a body with thousands of bad fields gets the
    first 100 of them and their count."""

    MIB = 1024 * 1024

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config({"body_limit_bytes": 2 * cls.MIB})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def post_raw(self, env):
        raw = json.dumps(env, separators=(",", ":")).encode("utf-8")
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        try:
            c.request("POST", "/v1/applications", body=raw,
                      headers={"Authorization": "Bearer " + self.srv.tokens["applicant_a"],
                               "Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        return len(raw), r.status, data

    def test_a_huge_array_is_one_error(self):
        env = self.srv.envelope("incubator", "applicant_a")
        env["data"]["services"] = [100000 + i for i in range(160000)]
        sent, status, data = self.post_raw(env)
        self.assertGreaterEqual(sent, self.MIB)
        self.assertEqual(status, 422, data[:300])
        self.assertLess(len(data), 4096, data[:300])
        body = json.loads(data)
        self.assertEqual(body["errors"], [{
            "pointer": "/data/services",
            "detail": "must list at most 3 items (it has 160000)"}])
        self.assertNotIn("truncated", body)

    def test_a_422_lists_at_most_100_errors(self):
        env = self.srv.envelope("incubator", "applicant_a")
        env["data"]["incubatees"] = [{"x": 1}] * 2000
        sent, status, data = self.post_raw(env)
        self.assertEqual(status, 422, data[:300])
        body = json.loads(data)
        self.assertEqual(len(body["errors"]), 100)
        self.assertIs(body["truncated"], True)
        self.assertGreater(body["error_count"], 2000)
        self.assertIn("first 100", body["detail"])
        self.assertIn(str(body["error_count"]), body["detail"])
        self.assertLess(len(data), 32768)
        # in document order: the first incubatee first
        self.assertTrue(body["errors"][0]["pointer"].startswith("/data/incubatees/0/"),
                        body["errors"][0])

    def test_many_repeated_incubatees(self):
        # within the maximum of a unique list: duplicates found without
        # comparing every pair (the incubatees' USCCs, up to 2000 of them)
        env = self.srv.envelope("incubator", "applicant_a")
        one = common.incubatee()
        env["data"]["incubatees"] = [dict(one) for _ in range(2000)]
        sent, status, data = self.post_raw(env)
        self.assertEqual(status, 422, data[:300])
        body = json.loads(data)
        self.assertEqual(body["errors"][0], {
            "pointer": "/data/incubatees/1/uscc",
            "detail": "is the same organisation as incubatee 1 (counted from 1); list each "
                      "incubatee once"})
        self.assertEqual(len(body["errors"]), 100)
        self.assertEqual(body["error_count"], 1999)

"""The public notice (公示, RULES.md §1): its working-day period, the public
list, objections and their resolution, and the end of the notice by
`shenbao tick`.

On servers of their own with the clock at Tuesday 2020-09-29 10:00 Beijing
time: a municipal approval that day is published 2020-09-29 .. 2020-10-12
(9-29 and 9-30, the National Day holiday 10-01 .. 10-08, 10-09, the Saturday
working day 10-10, Sunday 10-11 off, 10-12).  A tick approves every
application of its database whose notice has ended: each test finishes what
it checks before it ticks past 2020-10-12.
"""

import http.client
import json
import os
import re
import time

import common
from common import ApiTest, Flow

CLOCK = "2020-09-29T10:00:00+08:00"
NOTICE = {"starts_on": "2020-09-29", "ends_on": "2020-10-12"}
LAST_MOMENT = "2020-10-12T23:59:59+08:00"
AFTER_NOTICE = "2020-10-13T00:00:00+08:00"
NOTICE_KEYS = {"id", "kind", "holder", "proposed", "starts_on", "ends_on"}

# The actors of events no account makes (an event names its actor as it
# was: account, role, name, unit, authority).
SYSTEM = {"account": None, "role": "system", "name": None, "unit": None, "authority": None}
PUBLIC = {"account": None, "role": "public", "name": None, "unit": None, "authority": None}


class NoticeTest(ApiTest):

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)
        cls.flow = Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def published(self, kind="incubator"):
        app = self.flow.to(self.flow.create(kind), "public_notice")
        self.assertEqual(app["notice"], NOTICE, app)
        return app

    def status(self, app_id):
        return self.flow.get(app_id, "auditor")["status"]

    def n_events(self, app_id):
        return len(self.flow.events(app_id))

    def notices(self):
        r = self.srv.req("GET", "/v1/notices")
        self.assertStatus(r, 200)
        self.assertEqual(set(r[2]), {"items"}, r)
        return r[2]["items"]

    def resolve(self, app_id, oid, outcome, who=None, opinion="经核查，异议不成立。"):
        body = {"outcome": outcome}
        if opinion is not None:
            body["opinion"] = opinion
        return self.srv.req("POST", "/v1/applications/%d/objections/%d/resolution"
                            % (app_id, oid), body, token=who or "municipal_science_tech")

    def objection(self, app_id, **kw):
        r = common.file_objection(self.srv.port, app_id, **kw)
        self.assertStatus(r, 201)
        return r[2]["id"]


class NoticePeriod(NoticeTest):

    def test_notice_across_national_day_and_tick(self):
        app = self.published("first_store")
        app_id = app["id"]
        self.assertEqual(app["notice"], NOTICE)

        # the public list: who, what, when, nothing else
        listed = [n for n in self.notices() if n["id"] == app_id]
        self.assertEqual(len(listed), 1)
        item = listed[0]
        self.assertEqual(set(item), NOTICE_KEYS, item)
        self.assertEqual(item["kind"], "first_store")
        self.assertEqual(item["holder"], app["applicant"]["name"])
        self.assertEqual((item["starts_on"], item["ends_on"]),
                         (NOTICE["starts_on"], NOTICE["ends_on"]))
        self.assertEqual(item["proposed"].get("amount_fen"), app["award"]["total_fen"], item)
        text = json.dumps(item, ensure_ascii=False)
        self.assertNotIn(app["applicant"]["uscc"], text)
        for secret in ("uscc", "contact", "data", "rent_12m_fen", "declarations"):
            self.assertNotIn('"%s"' % secret, text)
        self.assertNotIn(app["data"]["store"]["address"], text)

        # 24:00 of the 5th working day has not passed at 23:59:59
        n = self.n_events(app_id)
        out = common.run_tick(self.srv.config, LAST_MOMENT)
        self.assertNotIn("application %d " % app_id, out)
        self.assertEqual(self.status(app_id), "public_notice")
        self.assertEqual(self.n_events(app_id), n)
        self.assertIn(app_id, [x["id"] for x in self.notices()])

        # it has at 00:00 the next day
        out = common.run_tick(self.srv.config, AFTER_NOTICE)
        self.assertRegex(out, r"application %d \(first_store, [^)]*\): approved" % app_id)
        self.assertEqual(self.status(app_id), "approved")
        ev = self.flow.events(app_id)
        self.assertEqual(len(ev), n + 1)
        self.assertEqual((ev[-1]["action"], ev[-1]["from"], ev[-1]["to"]),
                         ("notice_ended", "public_notice", "approved"))
        self.assertEqual(ev[-1]["actor"], SYSTEM)
        self.assertNotIn(app_id, [x["id"] for x in self.notices()])

        # a second run finds nothing to do
        version = self.flow.get(app_id)["version"]
        out = common.run_tick(self.srv.config, AFTER_NOTICE)
        self.assertNotIn("application %d " % app_id, out)
        self.assertIn("0 applications approved", out)
        self.assertEqual(self.status(app_id), "approved")
        self.assertEqual(self.flow.get(app_id)["version"], version)
        self.assertEqual(self.n_events(app_id), n + 1)

        # after approval nobody may object
        self.assertProblem(common.file_objection(self.srv.port, app_id), 404)

    def test_tick_reads_any_offset(self):
        # 24:00 Beijing time is 16:00 UTC
        app = self.published("incubator")
        common.run_tick(self.srv.config, "2020-10-12T15:59:59Z")
        self.assertEqual(self.status(app["id"]), "public_notice")
        common.run_tick(self.srv.config, "2020-10-12T16:00:00Z")
        self.assertEqual(self.status(app["id"]), "approved")

    def test_tick_refuses_a_bad_instant(self):
        app = self.published("incubator")
        for now in ("2020-10-13", "tomorrow", "2020-13-01T00:00:00+08:00", ""):
            with self.subTest(now=now):
                rc, out, err = common.shenbao_cli(["tick", "--now", now,
                                                   "--config", self.srv.config])
                self.assertNotEqual(rc, 0, out)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
        rc, out, err = common.shenbao_cli(["tick", "--config", self.srv.config])
        self.assertNotEqual(rc, 0, out)
        self.assertEqual(self.status(app["id"]), "public_notice")

    def test_notices_list_only_what_is_under_notice(self):
        draft = self.flow.create("incubator")
        submitted = self.flow.to(self.flow.create("incubator"), "district_review")
        municipal = self.flow.to(self.flow.create("incubator"), "municipal_review")
        published = self.published("incubator")
        ids = [x["id"] for x in self.notices()]
        self.assertIn(published["id"], ids)
        for app in (draft, submitted, municipal):
            self.assertNotIn(app["id"], ids)
        for item in self.notices():
            self.assertEqual(set(item), NOTICE_KEYS, item)
            self.assertNotIn(common.USCC_A, json.dumps(item))
            self.assertNotIn(common.USCC_B, json.dumps(item))
        # an incubator is proposed for a certificate with its validity
        item = [x for x in self.notices() if x["id"] == published["id"]][0]
        self.assertEqual(item["proposed"].get("valid_years"), 3, item)

    def test_list_needs_no_token_and_ignores_one(self):
        app = self.published("incubator")
        for token in (None, "not-a-token", "applicant_b"):
            with self.subTest(token=token):
                r = self.srv.req("GET", "/v1/notices", token=token)
                self.assertStatus(r, 200)
                self.assertIn(app["id"], [x["id"] for x in r[2]["items"]])


class Objections(NoticeTest):

    def test_anyone_may_object_during_the_notice(self):
        app = self.published("incubator")
        n = self.n_events(app["id"])
        r = common.file_objection(self.srv.port, app["id"], common.objection_body("甲"))
        body = self.assertStatus(r, 201)
        self.assertEqual(body["application_id"], app["id"])
        self.assertEqual(body["status"], "open")
        self.assertRegex(body["filed_at"], common.RFC3339_UTC)
        self.assertTrue(body["filed_at"].startswith("2020-09-29T"), body)
        self.assertNotIn("contact", body)
        self.assertEqual(r.headers.get("location"),
                         "/v1/applications/%d/objections/%d" % (app["id"], body["id"]))
        ev = self.flow.events(app["id"])
        self.assertEqual(len(ev), n + 1)
        self.assertEqual((ev[-1]["action"], ev[-1]["from"], ev[-1]["to"], ev[-1]["actor"]),
                         ("objection_filed", "public_notice", "public_notice",
                          PUBLIC))
        # the objection does not change the application
        self.assertEqual(self.status(app["id"]), "public_notice")
        # a token is not needed, and one sent changes nothing
        r = common.file_objection(self.srv.port, app["id"],
                                  headers={"Authorization": "Bearer nonsense"})
        self.assertStatus(r, 201)

    def test_not_under_notice_is_404(self):
        cases = {
            "draft": self.flow.create("incubator"),
            "district_review": self.flow.to(self.flow.create("incubator"), "district_review"),
            "municipal_review": self.flow.to(self.flow.create("incubator"),
                                             "municipal_review"),
            "rejected": self.flow.to(self.flow.create("incubator"), "rejected"),
            "withdrawn": self.flow.to(self.flow.create("incubator"), "withdrawn"),
        }
        for status, app in cases.items():
            with self.subTest(status=status):
                self.assertProblem(common.file_objection(self.srv.port, app["id"]), 404)
        for bad in ("999999", "0", "-1", "abc"):
            with self.subTest(app=bad):
                c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
                try:
                    r = common.send(c, "POST", "/v1/applications/%s/objections" % bad,
                                    common.objection_body())
                finally:
                    c.close()
                self.assertProblem(r, 404)

    def test_body_validation(self):
        app = self.published("incubator")
        n = self.n_events(app["id"])
        good = common.objection_body()
        cases = [
            ("missing reason", {k: v for k, v in good.items() if k != "reason"}, "/reason"),
            ("missing name", {k: v for k, v in good.items() if k != "name"}, "/name"),
            ("missing contact", {k: v for k, v in good.items() if k != "contact"}, "/contact"),
            ("empty reason", dict(good, reason=""), "/reason"),
            ("reason of 4001 characters", dict(good, reason="x" * 4001), "/reason"),
            ("reason not a string", dict(good, reason=12), "/reason"),
            ("unknown field", dict(good, attachment="a.pdf"), "/attachment"),
        ]
        for what, body, pointer in cases:
            with self.subTest(case=what):
                r = common.file_objection(self.srv.port, app["id"], body)
                self.assertProblem(r, 422, [pointer])
        self.assertEqual(self.n_events(app["id"]), n)
        r = common.file_objection(self.srv.port, app["id"], raw=b"[1,", headers={
            "Content-Type": "application/json"})
        self.assertProblem(r, 400)
        # 4000 characters is within the limit
        r = common.file_objection(self.srv.port, app["id"], dict(good, reason="y" * 4000))
        self.assertStatus(r, 201)

    def test_open_objection_holds_the_notice(self):
        app = self.published("incubator")
        app_id = app["id"]
        oid = self.objection(app_id)
        n = self.n_events(app_id)
        out = common.run_tick(self.srv.config, AFTER_NOTICE)
        self.assertRegex(out, r"application %d \([^)]*\): held by an open objection" % app_id)
        self.assertEqual(self.status(app_id), "public_notice")
        self.assertEqual(self.n_events(app_id), n)
        # the notice is held, not ended: the objection is resolved
        r = self.resolve(app_id, oid, "dismissed")
        self.assertStatus(r, 200)
        self.assertEqual(r[2]["status"], "public_notice")
        ev = self.flow.events(app_id)
        self.assertEqual((ev[-1]["action"], ev[-1]["from"], ev[-1]["to"], ev[-1]["opinion"]),
                         ("objection_dismissed", "public_notice", "public_notice",
                          "经核查，异议不成立。"))
        self.assertEqual(ev[-1]["actor"]["role"], "municipal_reviewer")
        # resolving again: 409, nothing changes
        version = self.flow.get(app_id)["version"]
        for outcome in ("dismissed", "upheld"):
            with self.subTest(again=outcome):
                self.assertProblem(self.resolve(app_id, oid, outcome), 409)
        self.assertEqual(self.flow.get(app_id)["version"], version)

        out = common.run_tick(self.srv.config, AFTER_NOTICE)
        self.assertRegex(out, r"application %d \([^)]*\): approved" % app_id)
        self.assertEqual(self.status(app_id), "approved")

    def test_two_objections_both_must_be_resolved(self):
        app = self.published("incubator")
        app_id = app["id"]
        first, second = self.objection(app_id), self.objection(app_id)
        self.assertStatus(self.resolve(app_id, first, "dismissed"), 200)
        out = common.run_tick(self.srv.config, AFTER_NOTICE)
        self.assertRegex(out, r"application %d \([^)]*\): held" % app_id)
        self.assertEqual(self.status(app_id), "public_notice")
        self.assertStatus(self.resolve(app_id, second, "dismissed"), 200)
        common.run_tick(self.srv.config, AFTER_NOTICE)
        self.assertEqual(self.status(app_id), "approved")

    def test_objection_upheld_rejects(self):
        app = self.published("incubator")
        app_id = app["id"]
        oid = self.objection(app_id)
        other = self.objection(app_id)
        r = self.resolve(app_id, oid, "upheld", opinion="经核查，异议属实，不予认定。")
        self.assertStatus(r, 200)
        self.assertEqual(r[2]["status"], "rejected")
        ev = self.flow.events(app_id)[-1]
        self.assertEqual((ev["action"], ev["from"], ev["to"], ev["opinion"]),
                         ("objection_upheld", "public_notice", "rejected",
                          "经核查，异议属实，不予认定。"))
        # resolving it again, or the other one, is a conflict now
        self.assertProblem(self.resolve(app_id, oid, "upheld"), 409)
        self.assertProblem(self.resolve(app_id, other, "dismissed"), 409)
        self.assertProblem(common.file_objection(self.srv.port, app_id), 404)
        common.run_tick(self.srv.config, AFTER_NOTICE)
        self.assertEqual(self.status(app_id), "rejected")

    def test_resolution_who_and_what(self):
        app = self.published("incubator")
        app_id = app["id"]
        oid = self.objection(app_id)
        other_app = self.published("incubator")
        other_oid = self.objection(other_app["id"])
        version = self.flow.get(app_id)["version"]
        # another authority cannot see it
        self.assertProblem(self.resolve(app_id, oid, "dismissed", who="municipal_commerce"),
                           404)
        self.assertProblem(self.resolve(app_id, oid, "upheld",
                                        who="municipal_culture_tourism"), 404)
        # only municipal reviewers resolve
        for who in ("applicant_a", "district_110108", "auditor", "admin"):
            with self.subTest(who=who):
                self.assertProblem(self.resolve(app_id, oid, "dismissed", who=who), 403)
        r = self.srv.req("POST", "/v1/applications/%d/objections/%d/resolution" % (app_id, oid),
                         {"outcome": "dismissed", "opinion": "x"})
        self.assertProblem(r, 401)
        # the body
        self.assertProblem(self.resolve(app_id, oid, "dismissed", opinion=None), 422,
                           ["/opinion"])
        self.assertProblem(self.resolve(app_id, oid, "withdrawn"), 422, ["/outcome"])
        # an objection of another application, or none at all
        self.assertProblem(self.resolve(app_id, other_oid, "dismissed"), 404)
        self.assertProblem(self.resolve(app_id, 999999, "dismissed"), 404)
        self.assertEqual(self.flow.get(app_id)["version"], version)
        self.assertEqual(self.flow.get(other_app["id"])["status"], "public_notice")
        # both objections still open
        r = self.srv.req("GET", "/v1/applications/%d/objections" % app_id,
                         token="municipal_science_tech")
        self.assertEqual([o["status"] for o in self.assertStatus(r, 200)["items"]], ["open"])
        self.assertStatus(self.resolve(app_id, oid, "dismissed"), 200)
        self.assertStatus(self.resolve(other_app["id"], other_oid, "dismissed"), 200)

    def test_objections_list(self):
        app = self.published("incubator")
        app_id = app["id"]
        body = {"name": "李四", "contact": "lisi@example.com", "reason": "场地面积与实际不符。"}
        oid = self.objection(app_id, body=body)
        for who in ("municipal_science_tech", "district_110108", "auditor"):
            with self.subTest(who=who):
                r = self.srv.req("GET", "/v1/applications/%d/objections" % app_id, token=who)
                items = self.assertStatus(r, 200)["items"]
                self.assertEqual(len(items), 1, items)
                o = items[0]
                self.assertEqual((o["id"], o["name"], o["contact"], o["reason"], o["status"]),
                                 (oid, body["name"], body["contact"], body["reason"], "open"))
        for who, status in (("applicant_a", 403), ("applicant_b", 403), ("admin", 403),
                            ("municipal_commerce", 404), ("district_110105", 404), (None, 401)):
            with self.subTest(who=who):
                r = self.srv.req("GET", "/v1/applications/%d/objections" % app_id, token=who)
                self.assertProblem(r, status)
                self.assertNotIn("lisi@example.com", json.dumps(r[2], ensure_ascii=False))
        # after the resolution the list shows it
        self.assertStatus(self.resolve(app_id, oid, "dismissed", opinion="不成立。"), 200)
        r = self.srv.req("GET", "/v1/applications/%d/objections" % app_id, token="auditor")
        o = self.assertStatus(r, 200)["items"][0]
        self.assertEqual((o["status"], o["opinion"]), ("dismissed", "不成立。"))
        self.assertRegex(o["resolved_at"], common.RFC3339_UTC)


class RateLimit(NoticeTest):
    """At most objections_per_minute (10 by default) objections a minute from
    one address; the 11th within the same minute of the server's clock is a
    429 with Retry-After."""

    LIMIT = 10

    def test_eleventh_objection_in_a_minute_is_429(self):
        app = self.published("incubator")
        source = common.loopback_source()
        results = []
        for i in range(2 * self.LIMIT + 1):
            r = common.file_objection(self.srv.port, app["id"], common.objection_body(str(i)),
                                      source=source)
            self.assertIn(r[0], (201, 429), r)
            results.append(r)
        statuses = [r[0] for r in results]
        self.assertIn(429, statuses, "21 quick objections from one address, none refused")
        accepted = [r[2]["filed_at"][:16] for r in results if r[0] == 201]   # by minute
        for minute in set(accepted):
            self.assertLessEqual(accepted.count(minute), self.LIMIT,
                                 "more than %d accepted in %s" % (self.LIMIT, minute))
        # the first refusal comes after exactly the limit, all in one minute
        first = statuses.index(429)
        self.assertGreaterEqual(first, self.LIMIT, statuses)
        last = results[first - self.LIMIT:first]
        self.assertEqual([r[0] for r in last], [201] * self.LIMIT)
        self.assertEqual(len({r[2]["filed_at"][:16] for r in last}), 1, statuses)
        for r in results:
            if r[0] == 429:
                self.assertProblem(r, 429)
                ra = r.headers.get("retry-after", "")
                self.assertTrue(re.fullmatch(r"[0-9]+", ra), r)
                self.assertTrue(1 <= int(ra) <= 60, r)
        # another address is not held back (three tries: the server may keep
        # the counts in a table where two addresses can share a slot)
        others = [common.file_objection(self.srv.port, app["id"])[0] for _ in range(3)]
        self.assertIn(201, others)
        # the refused ones left no trace
        r = self.srv.req("GET", "/v1/applications/%d/objections" % app["id"], token="auditor")
        self.assertEqual(len(r[2]["items"]), statuses.count(201) + others.count(201))


class DecidedOnAHoliday(NoticeTest):
    """A municipal approval on Saturday 2020-10-03, in the National Day
    holiday: the notice starts on the next working day, Friday 10-09, and
    ends on Wednesday 10-14 (10-09, Saturday 10-10 worked, 10-12, 10-13,
    10-14).  Until it starts, it is not on the list and takes no objection."""

    CLOCK = "2020-10-03T10:00:00+08:00"

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=cls.CLOCK)
        cls.flow = Flow(cls.srv)

    def test_notice_starts_on_the_next_working_day(self):
        app = self.flow.to(self.flow.create("incubator"), "public_notice")
        self.assertEqual(app["notice"], {"starts_on": "2020-10-09", "ends_on": "2020-10-14"})
        self.assertNotIn(app["id"], [x["id"] for x in self.notices()])
        self.assertProblem(common.file_objection(self.srv.port, app["id"]), 404)
        common.run_tick(self.srv.config, "2020-10-14T23:59:59+08:00")
        self.assertEqual(self.status(app["id"]), "public_notice")
        common.run_tick(self.srv.config, "2020-10-15T00:00:00+08:00")
        self.assertEqual(self.status(app["id"]), "approved")


class BeyondTheCalendar(NoticeTest):
    """A notice that would run into a year the working-day calendar does not
    cover cannot be set (RULES.md §0: an error the server reports, never a
    silent guess): the municipal approval is refused and changes nothing."""

    @classmethod
    def setUpClass(cls):
        path = os.path.join(common.HERE, "..", "..", "config", "cn-workdays.json")
        with open(path, encoding="utf-8") as f:
            cls.last_year = max(json.load(f)["covered_years"])
        # two days before the end of the last covered year: 5 working days
        # cannot fit in it
        cls.srv = common.start_server(clock="%d-12-30T10:00:00+08:00" % cls.last_year)
        cls.flow = Flow(cls.srv)

    def test_municipal_approval_refused(self):
        app = self.flow.to(self.flow.create("incubator"), "municipal_review")
        n = self.n_events(app["id"])
        body = common.review_body("municipal", "approve", "incubator",
                                  day=self.flow.day())
        if not app["eligibility"]["eligible"]:
            body["override_reason"] = "经复核。"
        r = self.srv.req("POST", "/v1/applications/%d/reviews" % app["id"], body,
                         token="municipal_science_tech")
        doc = self.assertProblem(r, 409)
        self.assertIn("calendar", doc["detail"])
        now = self.flow.get(app["id"])
        self.assertEqual((now["status"], now["version"], now["notice"]),
                         ("municipal_review", app["version"], None))
        self.assertEqual(self.n_events(app["id"]), n)


class ServerClockEndsTheNotice(NoticeTest):
    """The server ends notices on its own clock, as tick does: the same
    database served again with the clock past the end of the notice (and a
    1-second tick interval) approves what has no open objection by itself,
    holds what has one, and takes no more objections."""

    LATER = "2020-10-13T00:00:05+08:00"

    def wait_for(self, srv, app_id, status, seconds=20):
        deadline = time.monotonic() + seconds
        while True:
            got = srv.get(app_id, "auditor")["status"]
            if got == status or time.monotonic() > deadline:
                return got
            time.sleep(0.2)

    def test_served_again_later(self):
        free = self.published("incubator")
        held = self.published("incubator")
        oid = self.objection(held["id"])
        with open(self.srv.config, encoding="utf-8") as f:
            cfg = json.load(f)
        cfg["tick_interval_s"] = 1
        with open(self.srv.config, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        later = common.serve_again(self.srv, clock=self.LATER)
        try:
            self.assertEqual(self.wait_for(later, free["id"], "approved"), "approved")
            ev = later.req("GET", "/v1/applications/%d/events" % free["id"],
                           token="auditor")[2]["items"][-1]
            self.assertEqual((ev["action"], ev["actor"]),
                             ("notice_ended", SYSTEM))
            self.assertTrue(ev["at"].startswith("2020-10-12T16:0"), ev)
            # held by its open objection, and closed to new ones
            time.sleep(1.5)
            self.assertEqual(later.get(held["id"], "auditor")["status"], "public_notice")
            self.assertProblem(common.file_objection(later.port, held["id"]), 404)
            # resolved, the next tick approves it
            r = later.req("POST", "/v1/applications/%d/objections/%d/resolution"
                          % (held["id"], oid), {"outcome": "dismissed", "opinion": "不成立。"},
                          token="municipal_science_tech")
            self.assertStatus(r, 200)
            self.assertEqual(self.wait_for(later, held["id"], "approved"), "approved")
        finally:
            later.stop()

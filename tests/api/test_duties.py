"""Duties after approval (RULES.md §8; CONTRACT.md "Duties after approval")
and the corrected rules of revocation (RULES.md §2, §4).

An incubator walked through the three years of its certificate with the
server's clock (`serve --clock`) and `shenbao tick`: the report of 2020
filed, the report of 2021 missed after a reminder (催告), the report of 2022
missed after another — a revocation prompt in the reviewers' worklist — and
a change reported within 3 months and one after, which is revoked with the
2-year bar (京科发〔2020〕13号 第十一至十三条).  A first store closing in
month 11 of its year from the day the funds were received: the revocation
with the refund, tracked until the refund is recorded as paid (京商消促字
〔2020〕48号 四).  A tourism award revoked on a ground of 190号 第十三条,
which disqualifies the agency's pending applications.
"""

import contextlib

import common
from common import ApiTest

CLOCK = "2020-09-29T10:00:00+08:00"
ISSUE_TICK = "2020-10-13T00:00:00+08:00"
SCIENCE = "municipal_science_tech"
COMMERCE = "municipal_commerce"
TOURISM = "municipal_culture_tourism"

_n = [0]


def new_applicant(srv, label, division="110108"):
    _n[0] += 1
    key = "duty_applicant_%d" % _n[0]
    srv.add_applicant(key, "北京%s测试%d有限公司" % (label, _n[0]), common.uscc_new(division))
    return key


@contextlib.contextmanager
def at(srv, clock):
    """Another `shenbao serve` on srv's data with its clock at `clock`."""
    s = common.serve_again(srv, clock=clock)
    try:
        yield s
    finally:
        s.stop()


def post(s, path, body, who, expect):
    r = s.req("POST", path, body, token=who)
    if r[0] != expect:
        raise AssertionError("POST %s: expected %d, got %r" % (path, expect, r))
    return r[2] if expect < 400 else r


def duties(s, app_id, who="auditor"):
    r = s.req("GET", "/v1/applications/%d/duties" % app_id, token=who)
    if r[0] != 200:
        raise AssertionError("duties: %r" % (r,))
    return r[2]["items"]


def duty(s, app_id, type_, period):
    for d in duties(s, app_id):
        if d["type"] == type_ and d["period"] == period:
            return d
    raise AssertionError("no %s %s among %r" % (type_, period, duties(s, app_id)))


def summary(s, app_id):
    return [(d["type"], d["period"], d["due_on"], d["status"]) for d in duties(s, app_id)]


def to_municipal(srv, flow, kind, who, **extra):
    """An application of `who` through the kind's own stages to the
    municipal one."""
    app = srv.create(who, srv.envelope(kind, who, **extra))
    app = flow.act(app["id"], "submit", who)
    if app["status"] == "district_review":
        app = flow.review(app, "district", "approve")
    return app


def approve(srv, flow, kind, who, **extra):
    """An application of `who` through the kind's own stages to approval."""
    return flow.review(to_municipal(srv, flow, kind, who, **extra), "municipal", "approve")


class Incubator(ApiTest):
    """Three years of an incubator certificate issued on 2020-10-13."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config({"stages": {}}, clock=CLOCK)
        cls.flow = common.Flow(cls.srv)
        cls.who = new_applicant(cls.srv, "孵化器")
        cls.other = new_applicant(cls.srv, "孵化器")
        cls.app = approve(cls.srv, cls.flow, "incubator", cls.who)
        cls.other_app = approve(cls.srv, cls.flow, "incubator", cls.other)
        assert cls.app["status"] == "public_notice", cls.app
        common.run_tick(cls.srv.config, ISSUE_TICK)
        cls.app = cls.flow.get(cls.app["id"])

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def path(self, tail):
        return "/v1/applications/%d/%s" % (self.app["id"], tail)

    def annual(self, s, period, expect=201, who=None):
        return post(s, self.path("reports"), {"type": "annual", "period": period,
                                              "summary": "%s 年度发展情况。" % period},
                    who or self.who, expect)

    def change(self, s, changed_on, what="business", expect=201):
        return post(s, self.path("reports"), {"type": "change", "changed_on": changed_on,
                                              "change": what, "summary": "经营业务调整。"},
                    self.who, expect)

    def test_three_years(self):
        srv, app = self.srv, self.app
        self.assertEqual(app["status"], "approved")
        # created when issued: the report of 2020 by 03-31 of 2021
        self.assertEqual(summary(srv, app["id"]),
                         [("annual_report", "2020", "2021-03-31", "due")])
        cert = self.assertStatus(srv.req("GET", "/v1/certificates/" + app["certificate_serial"]),
                                 200)
        self.assertEqual(cert["duties"], {"annual_report_overdue": False})

        # 2021: the report of 2020 filed; a change reported within 3 months
        with at(srv, "2021-03-01T10:00:00+08:00") as s:
            self.assertProblem(self.annual(s, "2019", 422), 422, ["/period"])
            self.assertProblem(post(s, self.path("reports"),
                                    {"type": "closure", "closed_on": "2021-02-01",
                                     "cause": "closure", "summary": "x"}, self.who, 422), 422,
                               ["/type"])
            self.assertProblem(self.annual(s, "2020", 404, who=self.other), 404)
            self.assertProblem(self.annual(s, "2020", 403, who=SCIENCE), 403)
            filed = self.annual(s, "2020")
            self.assertEqual(filed["duty"]["status"], "filed")
            self.assertTrue(filed["report_id"])
            self.assertProblem(self.annual(s, "2020", 409), 409)
            # the next year's report follows
            self.assertEqual(summary(s, app["id"]),
                             [("annual_report", "2020", "2021-03-31", "filed"),
                              ("annual_report", "2021", "2022-03-31", "due")])
            reports = self.assertStatus(s.req("GET", self.path("reports"), token=SCIENCE), 200)
            self.assertEqual([r["period"] for r in reports["items"]], ["2020"])
            # 3 months from 2021-01-05: 2021-04-05, 清明, moved to 04-06
            ch = self.change(s, "2021-01-05")["duty"]
            self.assertEqual((ch["status"], ch["due_on"], ch["prompt"]),
                             ("filed", "2021-04-06", None))
            self.assertProblem(self.change(s, "2021-01-05", expect=409), 409)
            self.assertProblem(self.change(s, "2021-03-02", expect=422), 422, ["/changed_on"])
            # the authority's review keeps the certification
            kept = post(s, self.path("duties/%d/result" % ch["id"]),
                        {"passed": True, "date": "2021-03-01", "summary": "仍符合认定条件。"},
                        SCIENCE, 200)["duty"]
            self.assertEqual(kept["status"], "passed")
            self.assertProblem(post(s, self.path("duties/%d/result" % ch["id"]),
                                    {"passed": True, "date": "2021-03-01", "summary": "x"},
                                    SCIENCE, 409), 409)

        # 2022-03-31 passes without the report of 2021
        out = common.run_tick(srv.config, "2022-04-01T00:00:00+08:00")
        self.assertIn("annual_report 2021 overdue", out)
        cert = self.assertStatus(srv.req("GET", "/v1/certificates/" + app["certificate_serial"]),
                                 200)
        self.assertEqual(cert["status"], "active")
        self.assertEqual(cert["duties"]["annual_report_overdue"], True)
        d2021 = duty(srv, app["id"], "annual_report", "2021")
        self.assertEqual(d2021["status"], "overdue")

        # the authority reminds (催告) with a new date
        with at(srv, "2022-04-02T10:00:00+08:00") as s:
            rpath = self.path("duties/%d/reminder" % d2021["id"])
            self.assertProblem(post(s, rpath, {"due_on": "2022-04-29"}, self.who, 403), 403)
            self.assertProblem(post(s, rpath, {"due_on": "2022-04-29"}, COMMERCE, 404), 404)
            self.assertProblem(post(s, rpath, {"due_on": "2022-04-01"}, SCIENCE, 422), 422,
                               ["/due_on"])
            zh = s.req("POST", rpath, {"due_on": "2022-04-01"}, token=SCIENCE,
                       headers={"Accept-Language": "zh-CN"})
            self.assertEqual(self.assertProblem(zh, 422, ["/due_on"])["errors"][0]["detail"],
                             "应晚于今天：这是催告后的报送期限")
            d2022 = duty(s, app["id"], "annual_report", "2022")
            self.assertProblem(post(s, self.path("duties/%d/reminder" % d2022["id"]),
                                    {"due_on": "2022-04-29"}, SCIENCE, 409), 409)
            self.assertProblem(post(s, self.path("duties/999999/reminder"),
                                    {"due_on": "2022-04-29"}, SCIENCE, 404), 404)
            r = post(s, rpath, {"due_on": "2022-04-29", "opinion": "请于4月29日前报送。"},
                     SCIENCE, 200)["duty"]
            self.assertEqual((r["status"], r["due_on"]), ("reminded", "2022-04-29"))
            self.assertProblem(post(s, rpath, {"due_on": "2022-05-06"}, SCIENCE, 409), 409)
        # on the reminder's date it is not missed yet; the day after it is
        out = common.run_tick(srv.config, "2022-04-29T23:00:00+08:00")
        self.assertNotIn("annual_report 2021 missed", out)
        out = common.run_tick(srv.config, "2022-04-30T00:00:00+08:00")
        self.assertIn("annual_report 2021 missed", out)
        self.assertNotIn("revocation prompt", out)
        d2021 = duty(srv, app["id"], "annual_report", "2021")
        self.assertTrue(d2021["missed"])
        self.assertIsNone(d2021["prompt"])

        # the report of 2022: overdue, reminded, missed — the second
        out = common.run_tick(srv.config, "2023-04-01T00:00:00+08:00")
        self.assertIn("annual_report 2022 overdue", out)
        d2022 = duty(srv, app["id"], "annual_report", "2022")
        with at(srv, "2023-04-03T10:00:00+08:00") as s:
            post(s, self.path("duties/%d/reminder" % d2022["id"]), {"due_on": "2023-04-28"},
                 SCIENCE, 200)
        out = common.run_tick(srv.config, "2023-04-29T00:00:00+08:00")
        self.assertIn("annual_report 2022 missed, revocation prompt: missed_annual_reports", out)
        # the certificate ends on 2023-10-12: no report of 2023 is asked
        self.assertEqual([(t, p, st) for t, p, _, st in summary(srv, app["id"])
                          if t == "annual_report"],
                         [("annual_report", "2020", "filed"), ("annual_report", "2021", "missed"),
                          ("annual_report", "2022", "missed")])
        # the prompt is in the authority's worklist; nothing is revoked
        work = self.assertStatus(srv.req("GET", "/v1/duties?prompt=open", token=SCIENCE),
                                 200)["items"]
        mine = [d for d in work if d["application_id"] == app["id"]]
        self.assertEqual([d["prompt"]["ground"] for d in mine], ["missed_annual_reports"])
        self.assertEqual(mine[0]["kind"], "incubator")
        self.assertEqual(mine[0]["holder"]["uscc"], self.srv.accounts[self.who]["uscc"])
        for who in ("auditor",):
            self.assertIn(app["id"], [d["application_id"] for d in self.assertStatus(
                srv.req("GET", "/v1/duties?prompt=open", token=who), 200)["items"]])
        for who in (COMMERCE, TOURISM, "district_110108"):
            self.assertNotIn(app["id"], [d["application_id"] for d in self.assertStatus(
                srv.req("GET", "/v1/duties?prompt=open", token=who), 200)["items"]])
        self.assertProblem(srv.req("GET", "/v1/duties", token=self.who), 403)
        self.assertProblem(srv.req("GET", "/v1/duties?prompt=closed", token=SCIENCE), 400)
        self.assertEqual(self.flow.get(app["id"])["status"], "approved")
        events = [e["action"] for e in self.flow.events(app["id"])]
        self.assertEqual(events.count("duty_missed"), 2)
        self.assertEqual(events.count("duty_reminder"), 2)

        # a change of 2023-01-05 reported in May: late (第十三条 2)
        with at(srv, "2023-05-10T10:00:00+08:00") as s:
            name = self.change(s, "2023-01-06", what="name")["duty"]
            self.assertIsNone(name["prompt"])  # a late change of name is no ground
            late = self.change(s, "2023-01-05")["duty"]
            self.assertEqual(late["due_on"], "2023-04-06")  # 04-05 清明
            self.assertEqual(late["prompt"]["ground"], "unreported_change")
            self.assertEqual(len([d for d in self.assertStatus(
                s.req("GET", "/v1/duties?prompt=open", token=SCIENCE), 200)["items"]
                if d["application_id"] == app["id"]]), 2)
            # the authority revokes on that ground: the 2-year bar
            r = post(s, "/v1/certificates/%s/revocation" % app["certificate_serial"],
                     {"reason": "发生重大变化逾期未报告。", "ground": "unreported_change"},
                     SCIENCE, 200)
            self.assertEqual(r["status"], "revoked")
            last = self.flow.events(app["id"])[-1]
            self.assertEqual(last["details"]["barred_until"], "2025-05-10")
            # the prompts were acted on; the worklist no longer shows them
            self.assertNotIn(app["id"], [d["application_id"] for d in self.assertStatus(
                s.req("GET", "/v1/duties?prompt=open", token=SCIENCE), 200)["items"]])
            self.assertEqual({d["prompt"]["state"] for d in duties(s, app["id"])
                              if d["prompt"]}, {"acted"})
            again = s.create(self.who, s.envelope("incubator", self.who))
            r = s.req("POST", "/v1/applications/%d/submit" % again["id"], token=self.who)
            self.assertEqual(self.assertProblem(r, 409)["may_apply_from"], "2025-05-10")

    def test_change_report_boundary(self):
        """Within 3 months means by the same date 3 months on, moved off a
        day off: 2021-04-10 → 2021-07-10, a Saturday → 07-12."""
        who = new_applicant(self.srv, "孵化器")
        app = approve(self.srv, self.flow, "incubator", who)
        common.run_tick(self.srv.config, ISSUE_TICK)
        path = "/v1/applications/%d/reports" % app["id"]
        with at(self.srv, "2021-07-12T18:00:00+08:00") as s:
            on_time = post(s, path, {"type": "change", "changed_on": "2021-04-10",
                                     "change": "merger", "summary": "合并。"}, who, 201)["duty"]
            self.assertEqual(on_time["due_on"], "2021-07-12")
            self.assertIsNone(on_time["prompt"])
            late = post(s, path, {"type": "change", "changed_on": "2021-04-09",
                                  "change": "merger", "summary": "合并。"}, who, 201)["duty"]
            self.assertEqual(late["due_on"], "2021-07-09")
            self.assertEqual(late["prompt"]["ground"], "unreported_change")
            # a failed review of a change cancels without a bar (第十一条)
            failed = post(s, "/v1/applications/%d/duties/%d/result" % (app["id"], on_time["id"]),
                          {"passed": False, "date": "2021-07-12",
                           "summary": "不再符合认定条件。"}, SCIENCE, 200)["duty"]
            self.assertEqual(failed["prompt"]["ground"], "condition_change")
            # the prompt on the late one is dismissed, with reasons
            dpath = "/v1/applications/%d/duties/%d/dismissal" % (app["id"], late["id"])
            self.assertProblem(post(s, dpath, {}, SCIENCE, 422), 422, ["/opinion"])
            post(s, dpath, {"opinion": "已提交说明，不予追究。"}, SCIENCE, 200)
            self.assertProblem(post(s, dpath, {"opinion": "again"}, SCIENCE, 409), 409)
            serial = self.flow.get(app["id"])["certificate_serial"]
            r = post(s, "/v1/certificates/%s/revocation" % serial,
                     {"reason": "重大变化后不再符合认定条件。", "ground": "condition_change",
                      "effective_on": "2021-04-10"}, SCIENCE, 200)
            self.assertEqual(r["revocation"]["effective_on"], "2021-04-10")
            last = self.flow.events(app["id"])[-1]
            self.assertNotIn("barred_until", last["details"])
            self.assertProblem(post(s, "/v1/certificates/%s/revocation" % serial,
                                    {"reason": "x", "effective_on": "2021-07-13"}, SCIENCE, 422),
                               422)

    def test_grounds_with_and_without_the_bar(self):
        """第十二条: missed reports cancel without a bar; 第十三条 4: the
        operator's own request bars."""
        cases = {"missed_annual_reports": None, "operator_request": "2022-10-13",
                 "terminated": "2022-10-13"}
        for ground, bar in cases.items():
            with self.subTest(ground=ground):
                who = new_applicant(self.srv, "孵化器")
                app = approve(self.srv, self.flow, "incubator", who)
                common.run_tick(self.srv.config, ISSUE_TICK)
                with at(self.srv, "2020-10-13T10:00:00+08:00") as s:
                    serial = self.flow.get(app["id"])["certificate_serial"]
                    post(s, "/v1/certificates/%s/revocation" % serial,
                         {"reason": "撤销。", "ground": ground}, SCIENCE, 200)
                    details = self.flow.events(app["id"])[-1]["details"]
                    self.assertEqual(details.get("barred_until"), bar)


class FirstStore(ApiTest):
    """48号 四: a year of operation from the day the funds were received."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config({"stages": {}}, clock="2020-11-02T10:00:00+08:00")
        cls.flow = common.Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def funded(self):
        who = new_applicant(self.srv, "首店")
        app = approve(self.srv, self.flow, "first_store", who)
        assert app["status"] == "approved", app
        return who, app

    def test_closing_in_month_11(self):
        srv = self.srv
        who, app = self.funded()
        granted = app["award"]["total_fen"]
        self.assertGreater(granted, 0)
        base = "/v1/applications/%d/" % app["id"]
        self.assertEqual(duties(srv, app["id"]), [])
        self.assertProblem(post(srv, base + "funds", {"paid_on": "2020-11-10"}, COMMERCE, 422),
                           422, ["/paid_on"])
        self.assertProblem(post(srv, base + "funds", {"paid_on": "2020-11-01"}, COMMERCE, 422),
                           422, ["/paid_on"])
        with at(srv, "2021-01-20T10:00:00+08:00") as s:
            self.assertProblem(post(s, base + "funds", {"paid_on": "2021-01-15"}, who, 403), 403)
            self.assertProblem(post(s, base + "funds", {"paid_on": "2021-01-15"}, SCIENCE, 404),
                               404)
            year = post(s, base + "funds", {"paid_on": "2021-01-15"}, COMMERCE, 200)["duty"]
            self.assertEqual((year["type"], year["period"], year["due_on"], year["status"]),
                             ("operating_year", "2021-01-15", "2022-01-15", "due"))
            self.assertProblem(post(s, base + "funds", {"paid_on": "2021-01-16"}, COMMERCE, 409),
                               409)
        # closed on 2021-12-10, in month 11: within the year
        with at(srv, "2021-12-15T10:00:00+08:00") as s:
            r = post(s, base + "reports", {"type": "closure", "closed_on": "2021-12-10",
                                           "cause": "closure", "summary": "门店停止营业。"},
                     who, 201)
            d = r["duty"]
            self.assertEqual(d["status"], "failed")
            self.assertEqual(d["prompt"], {"ground": "closed_within_year", "state": "open",
                                           "raised_at": d["prompt"]["raised_at"],
                                           "refund_fen": granted})
            work = self.assertStatus(s.req("GET", "/v1/duties?prompt=open&kind=first_store",
                                           token=COMMERCE), 200)["items"]
            self.assertIn(app["id"], [x["application_id"] for x in work])
            # the authority revokes with the refund
            serial = app["certificate_serial"]
            self.assertProblem(post(s, "/v1/certificates/%s/revocation" % serial,
                                    {"reason": "x", "ground": "closed_within_year",
                                     "refund_fen": granted + 1}, COMMERCE, 422), 422,
                               ["/refund_fen"])
            rev = post(s, "/v1/certificates/%s/revocation" % serial,
                       {"reason": "首店一年内停止营业，退回补助资金。", "ground": "closed_within_year",
                        "refund_fen": granted}, COMMERCE, 200)
            self.assertEqual(rev["revocation"]["refund_fen"], granted)
            refund = duty(s, app["id"], "refund", "2021-12-15")
            self.assertEqual((refund["amount_fen"], refund["due_on"], refund["status"]),
                             (granted, "2022-01-14", "due"))
        # tracked until the refund is recorded as paid
        out = common.run_tick(srv.config, "2022-01-15T00:00:00+08:00")
        self.assertIn("refund 2021-12-15 overdue", out)
        refund = duty(srv, app["id"], "refund", "2021-12-15")
        with at(srv, "2022-01-20T10:00:00+08:00") as s:
            ppath = base + "duties/%d/payment" % refund["id"]
            self.assertProblem(post(s, ppath, {"paid_on": "2022-01-18", "amount_fen": granted - 1},
                                    COMMERCE, 422), 422, ["/amount_fen"])
            self.assertProblem(post(s, ppath, {"paid_on": "2022-01-21", "amount_fen": granted},
                                    COMMERCE, 422), 422, ["/paid_on"])
            paid = post(s, ppath, {"paid_on": "2022-01-18", "amount_fen": granted}, COMMERCE,
                        200)["duty"]
            self.assertEqual(paid["status"], "paid")
            self.assertEqual(paid["result"]["paid_on"], "2022-01-18")
            self.assertProblem(post(s, ppath, {"paid_on": "2022-01-18", "amount_fen": granted},
                                    COMMERCE, 409), 409)
        actions = [e["action"] for e in self.flow.events(app["id"])]
        self.assertEqual([a for a in actions if a not in ("create", "submit")],
                         ["district_approve", "municipal_approve", "funds_paid", "report_filed",
                          "revoke", "duty_overdue", "refund_paid"])

    def test_a_full_year(self):
        srv = self.srv
        who, app = self.funded()
        base = "/v1/applications/%d/" % app["id"]
        with at(srv, "2021-01-20T10:00:00+08:00") as s:
            post(s, base + "funds", {"paid_on": "2021-01-15"}, COMMERCE, 200)
        out = common.run_tick(srv.config, "2022-01-14T23:00:00+08:00")
        self.assertEqual(duty(srv, app["id"], "operating_year", "2021-01-15")["status"], "due")
        out = common.run_tick(srv.config, "2022-01-15T00:00:00+08:00")
        self.assertIn("operating_year 2021-01-15 met", out)
        with at(srv, "2022-02-01T10:00:00+08:00") as s:
            # closed on the day the year is full: not within it
            d = post(s, base + "reports", {"type": "closure", "closed_on": "2022-01-15",
                                           "cause": "demolition", "summary": "拆迁。"},
                     who, 201)["duty"]
            self.assertEqual(d["status"], "met")
            self.assertIsNone(d["prompt"])

    def test_closed_before_the_payment_was_recorded(self):
        srv = self.srv
        who, app = self.funded()
        base = "/v1/applications/%d/" % app["id"]
        with at(srv, "2021-03-01T10:00:00+08:00") as s:
            r = post(s, base + "reports", {"type": "closure", "closed_on": "2021-02-20",
                                           "cause": "licence_revoked", "summary": "执照被吊销。"},
                     who, 201)
            self.assertIsNone(r["duty"])
            d = post(s, base + "funds", {"paid_on": "2021-01-15"}, COMMERCE, 200)["duty"]
            self.assertEqual(d["status"], "failed")
            self.assertEqual(d["prompt"]["ground"], "closed_within_year")


def tourism_envelope(srv, who, year):
    """The tourism example as of another award year: no groups or charters."""
    env = srv.envelope("tourism_award", who, round=year)
    for member in ("groups", "charters"):
        env["data"].pop(member, None)
    return env


class Tourism(ApiTest):
    """190号 第十三条: revoked with refund, and the agency's pending
    applications rejected with it."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config({"stages": {}}, clock="2021-03-01T10:00:00+08:00")
        cls.flow = common.Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_disqualifies_pending(self):
        srv, flow = self.srv, self.flow
        bad, good = new_applicant(srv, "旅行社"), new_applicant(srv, "旅行社")
        # both of the year's applications are in before the ranking of 2020
        # is computed (at the first approval) and so final
        mine = to_municipal(srv, flow, "tourism_award", bad, round=2020)
        theirs = to_municipal(srv, flow, "tourism_award", good, round=2020)
        awarded = flow.review(mine, "municipal", "approve")
        self.assertEqual(awarded["status"], "approved")
        pending = flow.act(srv.create(bad, tourism_envelope(srv, bad, 2021))["id"], "submit", bad)
        draft = srv.create(bad, tourism_envelope(srv, bad, 2022))
        others = flow.act(srv.create(good, tourism_envelope(srv, good, 2021))["id"], "submit",
                          good)
        granted = awarded["award"]["total_fen"]
        r = post(srv, "/v1/certificates/%s/revocation" % awarded["certificate_serial"],
                 {"reason": "虚报入境旅游统计数据。", "ground": "falsified_statistics",
                  "refund_fen": granted}, TOURISM, 200)
        self.assertEqual(r["status"], "revoked")
        self.assertEqual(flow.get(pending["id"])["status"], "rejected")
        last = flow.events(pending["id"])[-1]
        self.assertEqual((last["action"], last["actor"]["role"]),
                         ("disqualified", "municipal_reviewer"))
        self.assertIn(awarded["certificate_serial"], last["opinion"])
        self.assertEqual(flow.get(draft["id"], bad)["status"], "draft")
        self.assertEqual(flow.get(others["id"])["status"], "municipal_review")
        # the refund is tracked like any other
        refund = [d for d in duties(srv, awarded["id"]) if d["type"] == "refund"]
        self.assertEqual([(d["amount_fen"], d["status"]) for d in refund], [(granted, "due")])
        # another ground does not disqualify
        awarded2 = flow.review(flow.get(theirs["id"]), "municipal", "approve")
        post(srv, "/v1/certificates/%s/revocation" % awarded2["certificate_serial"],
             {"reason": "其他原因。", "ground": "other"}, TOURISM, 200)
        self.assertEqual(flow.get(others["id"])["status"], "municipal_review")
        kinds = self.assertStatus(srv.req("GET", "/v1/kinds/tourism_award"), 200)
        self.assertEqual(kinds["disqualifying_grounds"],
                         ["zero_or_negative_fee_tours", "falsified_statistics",
                          "serious_violation"])

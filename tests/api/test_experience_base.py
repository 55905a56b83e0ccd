"""The fourth kind, `experience_base` (RULES.md §7, 京文旅发〔2020〕407号): the
district bureau's site scoring and the municipal site inspection; a unit
directly under the ministry or the municipal bureau submitting straight to
the municipal stage (第十三条), with a national division code in its USCC;
the two years since founding at their boundary (第九条(八)); no public
notice: the certification is issued at the municipal approval and the base
is published on the list (第十二条(五)); revocation with the 2-year bar and
its announcement (第十六条); giving the certification up through the
district bureau, without a bar (第十七条); the re-check every 3 years with a
rectification deadline (第十四条).

A server of its own with the kinds' own stages, its clock at 2020-11-02
10:00 in Beijing (a Monday).
"""

import copy

import common
from common import ApiTest

CLOCK = "2020-11-02T10:00:00+08:00"
TODAY = "2020-11-02"
KIND = "experience_base"
MUNICIPAL = "municipal_culture_tourism"
DISTRICT = "district_110108"
NATIONAL_USCC = common.uscc_make("12100000400010399")  # division 100000

srv = None
flow = None


def setUpModule():
    global srv, flow
    srv = common.start_server_config({"stages": {}}, clock=CLOCK)
    flow = common.Flow(srv)


def tearDownModule():
    if srv is not None:
        srv.stop()


_n = [0]


def new_operator(division="110108", direct=False):
    """An applicant account of its own (so that bans and lists do not mix)."""
    _n[0] += 1
    key = "eb_operator_%d" % _n[0]
    uscc = common.uscc_new(division) if division else NATIONAL_USCC
    body = {"role": "applicant", "name": "北京体验基地运营测试%d有限公司" % _n[0], "uscc": uscc}
    if direct:
        body["direct"] = True
    r = srv.req("POST", "/v1/accounts", body, token="admin")
    if r[0] != 201:
        raise AssertionError("account: %r" % (r,))
    srv.tokens[key] = r[2]["token"]
    srv.accounts[key] = {"role": "applicant", "name": body["name"], "uscc": uscc}
    return key


def envelope(who, **data):
    env = srv.envelope(KIND, who)
    env["data"].update(copy.deepcopy(data))
    return env


SCORING = {"site_scoring": {"date": TODAY, "score": 86, "summary": "实地勘验评分 86 分，推荐。"}}
INSPECTION = common.dated_records(KIND, TODAY)
DIRECT_STATUS = {"direct_status": {"date": TODAY, "passed": True,
                                   "summary": "经核实为文化和旅游部直属单位，住所在北京市。"}}


def act(app_id, path, who, body=None, expect=200):
    r = srv.req("POST", "/v1/applications/%d/%s" % (app_id, path), body, token=who)
    if r[0] != expect:
        raise AssertionError("%s: expected %d, got %r" % (path, expect, r))
    return r if expect >= 400 else r[2]


def review(app_id, who, stage, decision="approve", expect=200, **records):
    body = {"stage": stage, "decision": decision}
    body.update(copy.deepcopy(records))
    if decision != "approve" and "opinion" not in body:
        body["opinion"] = "材料不全。"
    return act(app_id, "reviews", who, body, expect)


def certify(who, **data):
    """A base of `who` taken through its district to certification."""
    app = srv.create(who, envelope(who, **data))
    act(app["id"], "submit", who)
    extra = {} if app["eligibility"]["eligible"] else {"override_reason": "经复核认定。"}
    review(app["id"], DISTRICT, "district", **SCORING, **extra)
    return review(app["id"], MUNICIPAL, "municipal", **INSPECTION, **extra)


def public_list():
    r = srv.req("GET", "/v1/kinds/%s/list" % KIND)
    if r[0] != 200:
        raise AssertionError("list: %r" % (r,))
    return {e["application_id"]: e for e in r[2]["items"]}


def check(app, check_id):
    for c in app["eligibility"]["checks"]:
        if c["id"] == check_id:
            return c
    raise AssertionError("no check %s in %r" % (check_id, app["eligibility"]))


class Kind(ApiTest):
    def test_described_by_the_server(self):
        k = self.assertStatus(srv.req("GET", "/v1/kinds/" + KIND), 200)
        self.assertEqual(k["authority"], "culture_tourism")
        self.assertEqual(k["source"], "京文旅发〔2020〕407号")
        self.assertEqual(k["stages"], ["district", "municipal"])
        self.assertIn("site_scoring", k["district_records"]["properties"])
        self.assertEqual(k["district_records"]["properties"]["site_scoring"]["properties"]
                         ["score"]["maximum"], 100)
        self.assertIn("site_inspection", k["municipal_records"]["properties"])
        self.assertIn("direct_status", k["municipal_records"]["properties"])
        self.assertEqual(k["public_list"], "/v1/kinds/experience_base/list")
        self.assertTrue(k["direct_submission"])
        self.assertTrue(k["surrender"])
        self.assertTrue(k["issues"]["certification"])
        self.assertNotIn("valid_years", k["issues"])
        self.assertEqual(k["duties"]["annual_report"]["due"], "12-15")
        self.assertEqual(k["duties"]["recheck_years"], 3)
        self.assertIn("failed_recheck", k["banning_grounds"])
        self.assertNotIn("surrender", k["revocation_grounds"])
        # 市文化和旅游局 owns two kinds; the other three have no public list
        kinds = self.assertStatus(srv.req("GET", "/v1/kinds"), 200)["items"]
        self.assertEqual(sorted(x["name"] for x in kinds if x["authority"] == "culture_tourism"),
                         ["experience_base", "tourism_award"])
        for other in ("incubator", "first_store", "tourism_award"):
            self.assertProblem(srv.req("GET", "/v1/kinds/%s/list" % other), 404)
        self.assertProblem(srv.req("GET", "/v1/kinds/lottery/list"), 404)
        schema = self.assertStatus(srv.req("GET", "/v1/schemas/" + KIND), 200)
        self.assertIn("theme", schema["properties"]["data"]["properties"])


class ThroughTheDistrict(ApiTest):
    def test_walk(self):
        who = new_operator()
        app = srv.create(who, envelope(who))
        self.assertTrue(app["eligibility"]["eligible"], app["eligibility"])
        app = act(app["id"], "submit", who)
        self.assertEqual(app["status"], "district_review")
        # the district bureau scores on site (0-100) before it recommends
        self.assertProblem(review(app["id"], DISTRICT, "district", expect=422), 422,
                           ["/site_scoring"])
        bad = {"site_scoring": dict(SCORING["site_scoring"], score=101)}
        self.assertProblem(review(app["id"], DISTRICT, "district", expect=422, **bad), 422,
                           ["/site_scoring/score"])
        app = review(app["id"], DISTRICT, "district", **SCORING)
        self.assertEqual(app["status"], "municipal_review")
        # the municipal stage inspects on site; no direct status for a base
        # that came through its district
        self.assertProblem(review(app["id"], MUNICIPAL, "municipal", expect=422), 422,
                           ["/site_inspection"])
        self.assertProblem(review(app["id"], MUNICIPAL, "municipal", expect=422, **INSPECTION,
                                  **DIRECT_STATUS), 422, ["/direct_status"])
        app = review(app["id"], MUNICIPAL, "municipal", **INSPECTION)
        # no notice: approved and certified at once
        self.assertEqual(app["status"], "approved")
        self.assertIsNone(app["notice"])
        self.assertTrue(app["certificate_serial"])
        self.assertNotIn(app["id"], [n["id"] for n in
                                     self.assertStatus(srv.req("GET", "/v1/notices"), 200)["items"]])
        self.assertProblem(common.file_objection(srv.port, app["id"]), 404)
        events = flow.events(app["id"])
        self.assertEqual([e["action"] for e in events],
                         ["create", "submit", "district_approve", "municipal_approve"])
        self.assertEqual(events[2]["details"]["site_scoring"]["score"], 86)
        # a certification: no amount, no end; it names the base
        cert = self.assertStatus(srv.req("GET", "/v1/certificates/" + app["certificate_serial"]),
                                 200)
        doc = cert["certificate"]
        self.assertEqual(doc["title_zh"], "北京市文化旅游体验基地")
        self.assertEqual(doc["issuer"]["authority"], "culture_tourism")
        self.assertNotIn("amount_fen", doc)
        self.assertNotIn("valid_until", doc)
        self.assertEqual(doc["subject"]["name"], "三山五园古都文化体验基地")
        self.assertEqual(doc["subject"]["theme"], "ancient_capital")
        self.assertEqual(cert["status"], "active")
        self.assertEqual(cert["duties"], {"annual_report_overdue": False,
                                          "under_rectification": False})
        v = srv.req("POST", "/v1/certificates/verify", {"jws": cert["jws"]})
        self.assertTrue(self.assertStatus(v, 200)["valid"])
        # on the public list, at once
        entry = public_list()[app["id"]]
        self.assertEqual(entry["status"], "certified")
        self.assertEqual(entry["name"], "三山五园古都文化体验基地")
        self.assertEqual(entry["district"], "110108")
        self.assertEqual(entry["theme"], "ancient_capital")
        self.assertEqual(entry["certified_on"], TODAY)
        self.assertEqual(entry["operator"]["uscc"], srv.accounts[who]["uscc"])
        # its duties: the annual report by 12-15, a re-check 3 years on
        duties = self.assertStatus(srv.req("GET", "/v1/applications/%d/duties" % app["id"],
                                           token=who), 200)["items"]
        self.assertEqual([(d["type"], d["period"], d["due_on"], d["status"]) for d in duties],
                         [("annual_report", "2020", "2020-12-15", "due"),
                          ("recheck", "2023", "2023-11-02", "due")])

    def test_not_listed_before_certification(self):
        who = new_operator()
        app = srv.create(who, envelope(who))
        act(app["id"], "submit", who)
        self.assertNotIn(app["id"], public_list())
        app = review(app["id"], DISTRICT, "district", **SCORING)
        self.assertNotIn(app["id"], public_list())
        review(app["id"], MUNICIPAL, "municipal", decision="reject")
        self.assertNotIn(app["id"], public_list())


class Direct(ApiTest):
    def test_account_with_a_national_code(self):
        body = {"role": "applicant", "name": "文化和旅游部直属测试中心", "uscc": NATIONAL_USCC}
        self.assertProblem(srv.req("POST", "/v1/accounts", body, token="admin"), 422, ["/uscc"])
        r = srv.req("POST", "/v1/accounts", {"role": "auditor", "name": "x", "direct": True},
                    token="admin")
        self.assertProblem(r, 422, ["/direct"])
        # sign-up says so itself; the reviewers check it with each application
        up = {"name": "文化和旅游部直属测试研究院", "uscc": common.uscc_make("12100000400010388"),
              "email": "direct-unit@example.cn", "password": "体验基地直属单位测试口令"}
        self.assertProblem(srv.req("POST", "/v1/signup", up), 422, ["/uscc"])
        r = srv.req("POST", "/v1/signup", dict(up, direct=True))
        self.assertEqual(self.assertStatus(r, 201)["account"]["direct"], True)

    def test_straight_to_the_municipal_stage(self):
        who = new_operator(division=None, direct=True)
        me = self.assertStatus(srv.req("GET", "/v1/account", token=who), 200)
        self.assertTrue(me["direct"])
        app = srv.create(who, envelope(who, direct=True))
        self.assertTrue(check(app, "registered_in_beijing")["passed"])
        self.assertIn("100000", check(app, "registered_in_beijing")["detail"])
        app = act(app["id"], "submit", who)
        self.assertEqual(app["status"], "municipal_review")
        # the district bureau has nothing to do with it
        r = srv.req("POST", "/v1/applications/%d/reviews" % app["id"],
                    dict(stage="district", decision="approve", **SCORING), token=DISTRICT)
        self.assertIn(r[0], (404, 409), r)
        self.assertEqual(flow.get(app["id"])["status"], "municipal_review")
        # the authority confirms the direct status
        self.assertProblem(review(app["id"], MUNICIPAL, "municipal", expect=422, **INSPECTION),
                           422, ["/direct_status"])
        declined = {"direct_status": dict(DIRECT_STATUS["direct_status"], passed=False)}
        self.assertProblem(review(app["id"], MUNICIPAL, "municipal", expect=422, **INSPECTION,
                                  **declined), 422, ["/direct_status/passed"])
        app = review(app["id"], MUNICIPAL, "municipal", **INSPECTION, **DIRECT_STATUS)
        self.assertEqual(app["status"], "approved")
        self.assertEqual([e["action"] for e in flow.events(app["id"])],
                         ["create", "submit", "municipal_approve"])
        self.assertEqual(public_list()[app["id"]]["operator"]["uscc"], NATIONAL_USCC)

    def test_a_direct_unit_may_still_go_through_its_district(self):
        # 第十三条: 可自行选择向所在区文化和旅游局提交
        who = new_operator()
        app = srv.create(who, envelope(who, direct=False))
        self.assertEqual(act(app["id"], "submit", who)["status"], "district_review")

    def test_a_national_code_without_the_direct_claim_fails_its_check(self):
        who = new_operator(division=None, direct=True)
        app = srv.create(who, envelope(who, direct=False))
        self.assertFalse(check(app, "registered_in_beijing")["passed"])


class Eligibility(ApiTest):
    """第九条(八) 成立时间两年以上, counted to the submission date."""

    def test_two_years_boundary(self):
        who = new_operator()
        exact = srv.create(who, envelope(who, established_on="2018-11-02"))
        short = srv.create(who, envelope(who, established_on="2018-11-03"))
        # a draft is judged as of today
        self.assertTrue(check(exact, "established_two_years")["passed"])
        self.assertFalse(check(short, "established_two_years")["passed"])
        exact = act(exact["id"], "submit", who)
        short = act(short["id"], "submit", who)
        self.assertTrue(exact["eligibility"]["eligible"])
        self.assertFalse(short["eligibility"]["eligible"])
        self.assertIn("2020-11-03", check(short, "established_two_years")["detail"])
        # approving against it needs the reason on record
        review(short["id"], DISTRICT, "district", **SCORING, override_reason="经复核推荐。")
        self.assertProblem(review(short["id"], MUNICIPAL, "municipal", expect=422, **INSPECTION),
                           422, ["/override_reason"])

    def test_food_permit_only_with_catering(self):
        who = new_operator()
        decl = dict(srv.envelope(KIND, who)["data"]["declarations"], food_permit=False)
        serving = srv.create(who, envelope(who, catering=True, declarations=decl))
        not_serving = srv.create(who, envelope(who, catering=False, declarations=decl))
        self.assertFalse(check(serving, "permits")["passed"])
        self.assertTrue(check(not_serving, "permits")["passed"])

    def test_another_theme_is_the_reviewers_to_judge(self):
        who = new_operator()
        env = envelope(who, theme="other")
        self.assertProblem(srv.req("POST", "/v1/applications", env, token=who), 422,
                           ["/data/theme_description"])
        app = srv.create(who, envelope(who, theme="other", theme_description="大运河文化"))
        self.assertFalse(check(app, "theme")["passed"])
        app = certify(who, theme="other", theme_description="大运河文化")
        self.assertEqual(app["status"], "approved")
        last = flow.events(app["id"])[-1]
        self.assertEqual(last["details"]["override_reason"], "经复核认定。")
        self.assertEqual(public_list()[app["id"]]["theme_description"], "大运河文化")


class Revocation(ApiTest):
    def revoke(self, app, ground, who=MUNICIPAL, expect=200, **extra):
        body = dict({"reason": "经核查，基地发生重大市场秩序问题。", "ground": ground}, **extra)
        r = srv.req("POST", "/v1/certificates/%s/revocation" % app["certificate_serial"], body,
                    token=who)
        if r[0] != expect:
            raise AssertionError("revoke: expected %d, got %r" % (expect, r))
        return r[2]

    def test_with_the_bar_and_announced(self):
        who = new_operator()
        app = certify(who)
        # only the authority; no refund of a certification
        self.assertProblem(srv.req("POST", "/v1/certificates/%s/revocation"
                                   % app["certificate_serial"],
                                   {"reason": "x", "ground": "major_accident"},
                                   token="municipal_commerce"), 403)
        self.assertProblem(srv.req("POST", "/v1/certificates/%s/revocation"
                                   % app["certificate_serial"],
                                   {"reason": "x", "refund_fen": 1}, token=MUNICIPAL), 422,
                           ["/refund_fen"])
        body = self.revoke(app, "market_order_problem")
        self.assertEqual(body["status"], "revoked")
        self.assertEqual(body["revocation"]["ground"], "market_order_problem")
        self.assertNotIn("duties", body)
        last = flow.events(app["id"])[-1]
        self.assertEqual(last["action"], "revoke")
        self.assertEqual(last["details"]["barred_until"], "2022-11-02")
        # the announcement on the list
        entry = public_list()[app["id"]]
        self.assertEqual(entry["status"], "revoked")
        self.assertEqual(entry["revocation"], {"revoked_on": TODAY, "ground": "market_order_problem",
                                               "effective_on": TODAY,
                                               "no_application_before": "2022-11-02"})
        # its duties end with it
        duties = self.assertStatus(srv.req("GET", "/v1/applications/%d/duties" % app["id"],
                                           token=who), 200)["items"]
        self.assertEqual({d["status"] for d in duties}, {"cancelled"})
        # 两年内不予受理: a new application is refused at submission
        again = srv.create(who, envelope(who))
        r = srv.req("POST", "/v1/applications/%d/submit" % again["id"], token=who)
        doc = self.assertProblem(r, 409)
        self.assertEqual(doc["may_apply_from"], "2022-11-02")

    def test_other_grounds_bar_nothing(self):
        who = new_operator()
        app = certify(who)
        self.revoke(app, "other")
        self.assertNotIn("no_application_before", public_list()[app["id"]]["revocation"])
        again = srv.create(who, envelope(who))
        self.assertEqual(act(again["id"], "submit", who)["status"], "district_review")


class Surrender(ApiTest):
    """第十七条: asked of the district bureau, passed on to the authority,
    confirmed there; no bar."""

    def decide(self, app, who, decision, expect=200, opinion="同意。"):
        body = {"decision": decision}
        if opinion:
            body["opinion"] = opinion
        return act(app["id"], "surrender/decision", who, body, expect)

    def test_through_the_district(self):
        who = new_operator()
        app = certify(who)
        # only the holder asks; the authority cannot confirm what was not asked
        self.assertProblem(srv.req("POST", "/v1/applications/%d/surrender" % app["id"], {},
                                   token="applicant_a"), 404)
        self.assertProblem(self.decide(app, MUNICIPAL, "approve", expect=409), 409)
        self.assertNotIn("surrender", app)
        app = act(app["id"], "surrender", who, {"opinion": "基地转型，申请撤销命名。"})
        self.assertEqual(app["status"], "approved")
        self.assertEqual(app["surrender"]["state"], "requested")
        self.assertProblem(srv.req("POST", "/v1/applications/%d/surrender" % app["id"], {},
                                   token=who), 409)
        # the authority waits for the district bureau
        self.assertProblem(self.decide(app, MUNICIPAL, "approve", expect=409), 409)
        self.assertProblem(self.decide(app, "district_110105", "approve", expect=404), 404)
        app = self.decide(app, DISTRICT, "approve")
        self.assertEqual(app["status"], "approved")
        self.assertEqual(app["surrender"]["state"], "forwarded")
        app = self.decide(app, MUNICIPAL, "approve")
        self.assertNotIn("surrender", app)
        self.assertEqual(app["status"], "revoked")
        actions = [e["action"] for e in flow.events(app["id"])]
        self.assertEqual(actions[-3:], ["surrender_requested", "surrender_forwarded",
                                        "surrender_confirmed"])
        cert = self.assertStatus(srv.req("GET", "/v1/certificates/" + app["certificate_serial"]),
                                 200)
        self.assertEqual(cert["revocation"]["ground"], "surrender")
        entry = public_list()[app["id"]]
        self.assertEqual(entry["status"], "surrendered")
        self.assertNotIn("no_application_before", entry["revocation"])
        # no bar
        again = srv.create(who, envelope(who))
        self.assertEqual(act(again["id"], "submit", who)["status"], "district_review")

    def test_returned_and_refused(self):
        who = new_operator()
        app = certify(who)
        act(app["id"], "surrender", who, {})
        # returning it says why
        r = srv.req("POST", "/v1/applications/%d/surrender/decision" % app["id"],
                    {"decision": "reject"}, token=DISTRICT)
        self.assertProblem(r, 422, ["/opinion"])
        app = self.decide(app, DISTRICT, "reject", opinion="请先完成年度报告。")
        self.assertEqual(app["status"], "approved")
        self.assertProblem(self.decide(app, DISTRICT, "approve", expect=409), 409)
        # asked again, passed on, refused by the authority: still certified
        act(app["id"], "surrender", who, {})
        self.decide(app, DISTRICT, "approve")
        app = self.decide(app, MUNICIPAL, "reject", opinion="需经相关程序审议。")
        self.assertEqual(app["status"], "approved")
        self.assertEqual(public_list()[app["id"]]["status"], "certified")


class Recheck(ApiTest):
    """第十四条: every 3 years; a base that fails gets a deadline to rectify,
    and only one not rectified in time is prompted for revocation
    (第十六条(五))."""

    def test_rectification(self):
        who = new_operator()
        app = certify(who)
        duties = self.assertStatus(srv.req("GET", "/v1/applications/%d/duties" % app["id"],
                                           token=who), 200)["items"]
        recheck = [d for d in duties if d["type"] == "recheck"][0]
        path = "/v1/applications/%d/duties/%d/result" % (app["id"], recheck["id"])
        # a failed re-check needs its deadline
        r = srv.req("POST", path, {"passed": False, "date": TODAY, "summary": "体验项目停运。"},
                    token=MUNICIPAL)
        self.assertProblem(r, 422, ["/rectify_by"])
        r = srv.req("POST", path, {"passed": False, "date": TODAY, "summary": "体验项目停运。",
                                   "rectify_by": "2021-01-29"}, token=MUNICIPAL)
        duty = self.assertStatus(r, 200)["duty"]
        self.assertEqual((duty["status"], duty["due_on"]), ("rectifying", "2021-01-29"))
        self.assertIsNone(duty["prompt"])
        entry = public_list()[app["id"]]
        self.assertEqual(entry["status"], "under_rectification")
        cert = self.assertStatus(srv.req("GET", "/v1/certificates/" + app["certificate_serial"]),
                                 200)
        self.assertEqual(cert["duties"]["under_rectification"], True)
        self.assertEqual(cert["duties"]["rectify_by"], "2021-01-29")
        # the deadline passes without a finding: the clock prompts
        out = common.run_tick(srv.config, "2021-01-30T00:00:00+08:00")
        self.assertIn("recheck 2023 failed, revocation prompt: failed_recheck", out)
        work = self.assertStatus(srv.req("GET", "/v1/duties?prompt=open&kind=experience_base",
                                         token=MUNICIPAL), 200)["items"]
        mine = [d for d in work if d["application_id"] == app["id"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["prompt"]["ground"], "failed_recheck")
        self.assertEqual(mine[0]["holder"]["uscc"], srv.accounts[who]["uscc"])
        # nothing is revoked by the clock
        self.assertEqual(flow.get(app["id"])["status"], "approved")
        # the tourism authority's other kind's worklist does not show it to
        # another authority
        other = self.assertStatus(srv.req("GET", "/v1/duties?prompt=open",
                                          token="municipal_commerce"), 200)["items"]
        self.assertNotIn(app["id"], [d["application_id"] for d in other])

    def test_rectified_in_time(self):
        who = new_operator()
        app = certify(who)
        recheck = [d for d in self.assertStatus(
            srv.req("GET", "/v1/applications/%d/duties" % app["id"], token=who), 200)["items"]
            if d["type"] == "recheck"][0]
        path = "/v1/applications/%d/duties/%d/result" % (app["id"], recheck["id"])
        self.assertStatus(srv.req("POST", path, {"passed": False, "date": TODAY, "summary": "整改",
                                                 "rectify_by": "2020-12-31"}, token=MUNICIPAL),
                          200)
        duty = self.assertStatus(srv.req("POST", path, {"passed": True, "date": TODAY,
                                                        "summary": "整改到位。"},
                                         token=MUNICIPAL), 200)["duty"]
        self.assertEqual(duty["status"], "passed")
        self.assertEqual(public_list()[app["id"]]["status"], "certified")
        duties = self.assertStatus(srv.req("GET", "/v1/applications/%d/duties" % app["id"],
                                           token=who), 200)["items"]
        # the next re-check, 3 years on
        self.assertIn(("recheck", "2026", "due"),
                      [(d["type"], d["period"], d["status"]) for d in duties])


class AnnualReport(ApiTest):
    """第十五条: the year's operating report to the district bureau by 12-15."""

    def test_filed_and_overdue(self):
        who = new_operator()
        app = certify(who)
        path = "/v1/applications/%d/reports" % app["id"]
        # a base files annual reports only
        r = srv.req("POST", path, {"type": "change", "changed_on": TODAY, "change": "name",
                                   "summary": "更名。"}, token=who)
        self.assertProblem(r, 422, ["/type"])
        r = srv.req("POST", path, {"type": "annual", "period": "2020",
                                   "summary": "2020 年度基地运营发展情况。"}, token=who)
        self.assertEqual(self.assertStatus(r, 201)["duty"]["status"], "filed")
        duties = self.assertStatus(srv.req("GET", "/v1/applications/%d/duties" % app["id"],
                                           token=who), 200)["items"]
        self.assertIn(("annual_report", "2021", "2021-12-15", "due"),
                      [(d["type"], d["period"], d["due_on"], d["status"]) for d in duties])
        # the district bureau the reports go to sees them; another does not
        mine = lambda who_: [d["application_id"] for d in self.assertStatus(
            srv.req("GET", "/v1/duties?kind=experience_base&type=annual_report", token=who_),
            200)["items"]]
        self.assertIn(app["id"], mine(DISTRICT))
        self.assertNotIn(app["id"], mine("district_110105"))
        self.assertIn(app["id"], mine(MUNICIPAL))
        self.assertNotIn(app["id"], mine("municipal_science_tech"))
        # 2021-12-15 passes without the report of 2021: the list says so
        common.run_tick(srv.config, "2021-12-16T00:00:00+08:00")
        entry = public_list()[app["id"]]
        self.assertEqual(entry["status"], "certified")
        self.assertTrue(entry["annual_report_overdue"])
        cert = self.assertStatus(srv.req("GET", "/v1/certificates/" + app["certificate_serial"]),
                                 200)
        self.assertTrue(cert["duties"]["annual_report_overdue"])

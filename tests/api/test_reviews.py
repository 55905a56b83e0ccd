"""Reviews: POST /v1/applications/{id}/reviews at the district and the
municipal stage (RULES.md §1; CONTRACT.md, "Stage records").

Runs on a server of its own whose clock starts at 2020-09-29 10:00 in
Beijing, so that the public notice a municipal approval publishes has known
dates: 2020-09-29 is a Tuesday and a working day; with the National Day
holiday (10-01 to 10-08) and the working Saturday 10-10, the 5th working
day is 2020-10-12.
"""

import copy

import common
from common import ApiTest

CLOCK = "2020-09-29T10:00:00+08:00"
NOTICE = {"starts_on": "2020-09-29", "ends_on": "2020-10-12"}

srv = None


def setUpModule():
    global srv
    srv = common.start_server(clock=CLOCK)


def tearDownModule():
    if srv is not None:
        srv.stop()


# Stage records are dated between the submission and the decision (RULES.md
# §5): on the server's day.
DAY = "2020-09-29"


def finding(passed=True, day=DAY, **kw):
    f = {"date": day, "passed": passed, "summary": "材料真实，符合条件。"}
    f.update(kw)
    return f


def audit(passed=True, day=DAY, **kw):
    f = {"firm": "北京测试会计师事务所", "date": day, "passed": passed,
         "summary": "人天数据与原始凭证一致。"}
    f.update(kw)
    return f


def records(kind, day=DAY):
    """What a municipal approval of `kind` must carry."""
    if kind == "incubator":
        return {"expert_review": finding(day=day), "site_inspection": finding(day=day)}
    if kind == "first_store":
        return {"audited_amount_fen": 120000000}
    return {"audit": audit(day=day), "expert_panel": finding(day=day)}


MUNICIPAL = {"incubator": "municipal_science_tech", "first_store": "municipal_commerce",
             "tourism_award": "municipal_culture_tourism"}
APPLICANT = {"incubator": "applicant_a", "first_store": "applicant_a",
             "tourism_award": "applicant_b"}


def district(decision="approve", opinion="初审通过。", **kw):
    body = {"stage": "district", "decision": decision}
    if opinion is not None:
        body["opinion"] = opinion
    body.update(kw)
    return body


def municipal(decision="approve", opinion="复审通过。", **kw):
    body = {"stage": "municipal", "decision": decision}
    if opinion is not None:
        body["opinion"] = opinion
    body.update(kw)
    return body


class Reviews(ApiTest):
    def new(self, kind="incubator", unit="110108", change=None, submit=True):
        who = APPLICANT[kind]
        env = srv.envelope(kind, who, review_unit=unit)
        if change:
            change(env["data"])
        app = srv.create(who, env)
        if submit:
            app = srv.submit(app["id"], who)
            self.assertEqual(app["status"], "district_review")
        return app

    def review(self, app, who, body, status=200, headers=None):
        r = srv.review(app["id"], who, body, headers=headers)
        if status == 200:
            self.assertEqual(r[0], 200, r)
        return r

    def at_municipal(self, kind="incubator", change=None, unit="110108"):
        app = self.new(kind, unit, change)
        extra = {}
        if not app["eligibility"]["eligible"]:
            # RULES.md §5 (P): the district too approves a failing one only
            # with a reason.
            extra["override_reason"] = "区级初审：未通过的条件由市级复核。"
        r = self.review(app, "district_%s" % unit, district(**extra))
        self.assertEqual(r[2]["status"], "municipal_review", r)
        return r[2]

    def unchanged(self, app, who=None):
        got = srv.get(app["id"], who or APPLICANT[app["kind"]])
        self.assertEqual(got["status"], app["status"])
        self.assertEqual(got["version"], app["version"], "a refused review changed it")
        return got


class District(Reviews):
    def test_approve(self):
        app = self.new()
        st, h, out = self.review(app, "district_110108", district())
        self.assertEqual(out["status"], "municipal_review")
        self.assertEqual(out["version"], app["version"] + 1)
        self.assertEqual(h.get("etag"), '"%d"' % out["version"])
        self.assertIsNone(out["notice"])
        got = srv.get(app["id"], "applicant_a")
        self.assertEqual(got["status"], "municipal_review")
        self.assertEqual(got["version"], out["version"])
        # now the authority's
        got = srv.get(app["id"], "municipal_science_tech")
        self.assertEqual(got["status"], "municipal_review")

    def test_approve_without_opinion(self):
        app = self.new()
        out = self.review(app, "district_110108", district(opinion=None))[2]
        self.assertEqual(out["status"], "municipal_review")

    def test_return_needs_an_opinion_then_resubmit(self):
        app = self.new()
        r = self.review(app, "district_110108", district("return", opinion=None), status=422)
        self.assertProblem(r, 422, ["/opinion"])
        r = self.review(app, "district_110108", district("return", opinion=""), status=422)
        self.assertProblem(r, 422, ["/opinion"])
        self.unchanged(app)
        out = self.review(app, "district_110108",
                          district("return", opinion="请补充在孵企业名单。"))[2]
        self.assertEqual(out["status"], "returned")
        self.assertEqual(out["version"], app["version"] + 1)
        # the applicant corrects and resubmits
        env = {k: copy.deepcopy(out[k]) for k in common.ENVELOPE_KEYS}
        env["data"]["mentor_sessions"] += 1
        r = srv.req("PUT", "/v1/applications/%d" % app["id"], env, token="applicant_a")
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "returned")
        self.assertEqual(r[2]["data"]["mentor_sessions"], env["data"]["mentor_sessions"])
        sub = srv.submit(app["id"], "applicant_a")
        self.assertEqual(sub["status"], "district_review")
        self.assertEqual(sub["version"], out["version"] + 2)
        # and the district sees it again
        out = self.review(sub, "district_110108", district())[2]
        self.assertEqual(out["status"], "municipal_review")

    def test_reject(self):
        app = self.new()
        r = self.review(app, "district_110108", district("reject", opinion=None), status=422)
        self.assertProblem(r, 422, ["/opinion"])
        self.unchanged(app)
        out = self.review(app, "district_110108", district("reject", opinion="不符合条件。"))[2]
        self.assertEqual(out["status"], "rejected")
        # terminal
        r = self.review(out, "district_110108", district(), status=409)
        self.assertProblem(r, 409)
        r = srv.req("POST", "/v1/applications/%d/submit" % app["id"], token="applicant_a")
        self.assertProblem(r, 409)

    def test_reviewer_of_another_unit_is_404(self):
        app = self.new(unit="110108")
        for decision in ("approve", "return", "reject"):
            with self.subTest(decision=decision):
                r = self.review(app, "district_110105", district(decision), status=404)
                self.assertProblem(r, 404)
        self.unchanged(app)

    def test_wrong_role_for_the_stage_is_403(self):
        app = self.new()
        r = self.review(app, "municipal_science_tech", district(), status=403)
        self.assertProblem(r, 403)
        r = self.review(app, "district_110108", municipal(**records("incubator")), status=403)
        self.assertProblem(r, 403)
        for who in ("applicant_a", "auditor", "admin"):
            with self.subTest(who=who):
                self.assertProblem(self.review(app, who, district(), status=403), 403)
        self.unchanged(app)

    def test_district_stage_when_at_municipal_is_409(self):
        app = self.at_municipal()
        for decision in ("approve", "return", "reject"):
            with self.subTest(decision=decision):
                r = self.review(app, "district_110108", district(decision), status=409)
                body = self.assertProblem(r, 409)
                acts = body.get("allowed_actions")
                self.assertIsInstance(acts, list, body)
                for a in acts:
                    self.assertIsInstance(a, str)
                self.assertNotIn("district_" + decision, acts)
                self.assertEqual(body.get("current_status"), "municipal_review", body)
        self.unchanged(app)

    def test_municipal_stage_before_the_district_is_409(self):
        app = self.new()
        r = self.review(app, "municipal_science_tech", municipal(**records("incubator")),
                        status=409)
        body = self.assertProblem(r, 409)
        self.assertIsInstance(body.get("allowed_actions"), list, body)
        self.unchanged(app)

    def test_draft_cannot_be_reviewed(self):
        app = self.new(submit=False)
        # a draft is not the district's to see
        r = self.review(app, "district_110108", district(), status=404)
        self.assertProblem(r, 404)

    def test_unknown_and_misplaced_fields(self):
        app = self.new()
        cases = [
            ("/bogus", district(bogus=1)),
            ("/stage", {"stage": "county", "decision": "approve"}),
            ("/decision", {"stage": "district", "decision": "maybe"}),
            ("/stage", {"decision": "approve"}),
            ("/decision", {"stage": "district"}),
            ("/opinion", district(opinion=7)),
            # stage records belong to a municipal approval only
            ("/expert_review", district(expert_review=finding())),
            # an override reason belongs to an approval (at either stage)
            ("/override_reason", district("return", opinion="请补正。", override_reason="理由")),
        ]
        for pointer, body in cases:
            with self.subTest(pointer=pointer, body=body):
                r = self.review(app, "district_110108", body, status=422)
                self.assertProblem(r, 422, [pointer])
        self.unchanged(app)

    def test_if_match(self):
        app = self.new()
        r = self.review(app, "district_110108", district(), status=412,
                        headers={"If-Match": '"%d"' % (app["version"] - 1)})
        self.assertProblem(r, 412)
        self.unchanged(app)
        out = self.review(app, "district_110108", district(),
                          headers={"If-Match": '"%d"' % app["version"]})[2]
        self.assertEqual(out["status"], "municipal_review")


class Municipal(Reviews):
    def test_approve_publishes_the_notice(self):
        app = self.at_municipal()
        self.assertTrue(app["eligibility"]["eligible"], app["eligibility"])
        st, h, out = self.review(app, "municipal_science_tech",
                                 municipal(**records("incubator")))
        self.assertEqual(out["status"], "public_notice")
        self.assertEqual(out["version"], app["version"] + 1)
        self.assertEqual(out["notice"], NOTICE)
        got = srv.get(app["id"], "applicant_a")
        self.assertEqual(got["status"], "public_notice")
        self.assertEqual(got["notice"], NOTICE)
        # and no second decision
        r = self.review(out, "municipal_science_tech", municipal(**records("incubator")),
                        status=409)
        self.assertProblem(r, 409)

    def test_missing_stage_records_are_named(self):
        cases = {"incubator": ["/expert_review", "/site_inspection"],
                 "first_store": ["/audited_amount_fen"],
                 "tourism_award": ["/audit", "/expert_panel"]}
        for kind, pointers in cases.items():
            with self.subTest(kind=kind):
                app = self.at_municipal(kind)
                r = self.review(app, MUNICIPAL[kind], municipal(), status=422)
                self.assertProblem(r, 422, pointers)
                self.unchanged(app)
                # each one alone is named too
                full = records(kind)
                for p in pointers:
                    body = municipal(**{k: v for k, v in full.items() if k != p[1:]})
                    r = self.review(app, MUNICIPAL[kind], body, status=422)
                    self.assertProblem(r, 422, [p])
                    self.assertEqual(common.problem_pointers(r), {p})
                self.unchanged(app)

    def test_incomplete_records(self):
        app = self.at_municipal("incubator")
        bad = finding()
        del bad["date"]
        r = self.review(app, "municipal_science_tech",
                        municipal(expert_review=bad, site_inspection=finding(summary="")),
                        status=422)
        self.assertProblem(r, 422, ["/expert_review/date", "/site_inspection/summary"])
        r = self.review(app, "municipal_science_tech",
                        municipal(expert_review=finding(), site_inspection=finding(),
                                  audit=audit()), status=422)
        self.assertProblem(r, 422, ["/audit"])
        self.unchanged(app)

    def test_records_that_did_not_pass(self):
        app = self.at_municipal("incubator")
        r = self.review(app, "municipal_science_tech",
                        municipal(expert_review=finding(False), site_inspection=finding()),
                        status=422)
        self.assertProblem(r, 422, ["/expert_review/passed"])
        r = self.review(app, "municipal_science_tech",
                        municipal(expert_review=finding(), site_inspection=finding(False)),
                        status=422)
        self.assertProblem(r, 422, ["/site_inspection/passed"])
        self.unchanged(app)
        app = self.at_municipal("tourism_award", unit="110105")
        r = self.review(app, "municipal_culture_tourism",
                        municipal(audit=audit(False), expert_panel=finding(False)), status=422)
        self.assertProblem(r, 422, ["/audit/passed", "/expert_panel/passed"])
        self.unchanged(app)

    def test_ineligible_needs_an_override_reason(self):
        app = self.at_municipal("incubator", change=lambda d: d.update(mentor_sessions=49))
        self.assertIs(app["eligibility"]["eligible"], False)
        r = self.review(app, "municipal_science_tech", municipal(**records("incubator")),
                        status=422)
        self.assertProblem(r, 422, ["/override_reason"])
        r = self.review(app, "municipal_science_tech",
                        municipal(override_reason="", **records("incubator")), status=422)
        self.assertProblem(r, 422, ["/override_reason"])
        self.unchanged(app)
        out = self.review(app, "municipal_science_tech",
                          municipal(override_reason="导师服务按季度统计口径核定为 52 人次。",
                                    **records("incubator")))[2]
        self.assertEqual(out["status"], "public_notice")
        self.assertEqual(out["notice"], NOTICE)
        # the checks stay as they were: the override is recorded, not the data changed
        self.assertIs(out["eligibility"]["eligible"], False)

    def test_return_and_reject(self):
        app = self.at_municipal()
        r = self.review(app, "municipal_science_tech", municipal("return", opinion=None),
                        status=422)
        self.assertProblem(r, 422, ["/opinion"])
        # no stage records on a return
        r = self.review(app, "municipal_science_tech",
                        municipal("return", opinion="请补充。", **records("incubator")),
                        status=422)
        self.assertProblem(r, 422, ["/expert_review", "/site_inspection"])
        self.unchanged(app)
        out = self.review(app, "municipal_science_tech",
                          municipal("return", opinion="请补充专项审计报告。"))[2]
        self.assertEqual(out["status"], "returned")
        self.assertIsNone(out["notice"])
        sub = srv.submit(app["id"], "applicant_a")
        self.assertEqual(sub["status"], "district_review")

        app = self.at_municipal()
        out = self.review(app, "municipal_science_tech",
                          municipal("reject", opinion="实地核查不符。"))[2]
        self.assertEqual(out["status"], "rejected")
        self.assertIsNone(out["notice"])

    def test_first_store_award_from_the_audited_figure(self):
        app = self.at_municipal("first_store", unit="110108",
                                change=lambda d: d.update(
                                    project="store_opening", applicant_type="international_brand",
                                    category="china_first", rent_12m_fen=300000000,
                                    decoration_fen=200000000))
        aw = app["award"]
        self.assertEqual(aw["basis"], "as_applied", aw)
        # as applied: 50 % of 5,000,000 yuan, capped at 2,000,000
        self.assertEqual(aw["total_fen"], 200000000, aw)
        out = self.review(app, "municipal_commerce",
                          municipal(audited_amount_fen=150000001))[2]
        self.assertEqual(out["status"], "public_notice")
        self.assertEqual(out["notice"], NOTICE)
        aw = out["award"]
        self.assertEqual(aw["basis"], "audited", aw)
        # 50 % of the audited 1,500,000.01 yuan, rounded down to the fen
        self.assertEqual([(i["item"], i["amount_fen"]) for i in aw["items"]],
                         [("store_opening", 75000000)], aw)
        self.assertEqual(aw["total_fen"], 75000000, aw)
        self.assertEqual(srv.get(app["id"], "applicant_a")["award"], aw)
        # the applicant's data is what it sent
        self.assertEqual(out["data"], app["data"])

    def test_first_store_audited_figure_is_validated(self):
        app = self.at_municipal("first_store", unit="110108")
        for value in (-1, 1.5, "100", None, True):
            with self.subTest(value=value):
                r = self.review(app, "municipal_commerce",
                                municipal(audited_amount_fen=value), status=422)
                self.assertProblem(r, 422, ["/audited_amount_fen"])
        self.unchanged(app)

    def test_reviewer_of_another_authority_is_404(self):
        app = self.at_municipal("incubator")
        for who in ("municipal_commerce", "municipal_culture_tourism"):
            with self.subTest(who=who):
                r = self.review(app, who, municipal(**records("incubator")), status=404)
                self.assertProblem(r, 404)
        self.unchanged(app)

    def test_if_match_stale(self):
        app = self.at_municipal()
        r = self.review(app, "municipal_science_tech", municipal(**records("incubator")),
                        status=412, headers={"If-Match": '"%d"' % (app["version"] - 1)})
        self.assertProblem(r, 412)
        self.unchanged(app)
        out = self.review(app, "municipal_science_tech", municipal(**records("incubator")),
                          headers={"If-Match": '"%d"' % app["version"]})[2]
        self.assertEqual(out["status"], "public_notice")

    def test_unknown_fields(self):
        app = self.at_municipal()
        body = municipal(**records("incubator"))
        body["bogus"] = True
        r = self.review(app, "municipal_science_tech", body, status=422)
        self.assertProblem(r, 422, ["/bogus"])
        body = municipal(**records("incubator"))
        body["expert_review"]["score"] = 90
        r = self.review(app, "municipal_science_tech", body, status=422)
        self.assertProblem(r, 422, ["/expert_review/score"])
        # another kind's record
        body = municipal(audited_amount_fen=1, **records("incubator"))
        r = self.review(app, "municipal_science_tech", body, status=422)
        self.assertProblem(r, 422, ["/audited_amount_fen"])
        self.unchanged(app)


class NoticeDays(ApiTest):
    """The notice starts on the decision day if it is a working day, else on
    the next one, and ends with the 5th working day (RULES.md §1), by the
    State Council's arrangement and the day in Beijing."""

    CASES = (
        # a Sunday made a working day (调休)
        ("2020-09-27T10:00:00+08:00", {"starts_on": "2020-09-27", "ends_on": "2020-10-09"}),
        # a holiday: from the next working day; Saturday 10-10 is a working day
        ("2020-10-03T10:00:00+08:00", {"starts_on": "2020-10-09", "ends_on": "2020-10-14"}),
        # 01:00 in Beijing is still the day before in UTC
        ("2020-09-30T01:00:00+08:00", {"starts_on": "2020-09-30", "ends_on": "2020-10-13"}),
        # an ordinary week
        ("2021-03-10T15:00:00+08:00", {"starts_on": "2021-03-10", "ends_on": "2021-03-16"}),
    )

    def test_notice_days(self):
        for clock, notice in self.CASES:
            with self.subTest(clock=clock):
                own = common.start_server(clock=clock)
                try:
                    env = own.envelope("incubator", "applicant_a", review_unit="110108")
                    app = own.create("applicant_a", env)
                    own.submit(app["id"], "applicant_a")
                    r = own.review(app["id"], "district_110108", district())
                    self.assertEqual(r[0], 200, r)
                    r = own.review(app["id"], "municipal_science_tech",
                                   municipal(**records("incubator", common.beijing_day(clock))))
                    self.assertEqual(r[0], 200, r)
                    self.assertEqual(r[2]["status"], "public_notice")
                    self.assertEqual(r[2]["notice"], notice)
                finally:
                    own.stop()

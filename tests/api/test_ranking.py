"""The tourism_award ranking of a year over HTTP (RULES.md §4; CONTRACT.md,
POST /v1/rounds/tourism_award/{year}/ranking).

Runs on a server of its own (clock 2022-03-15 10:00 in Beijing, a Tuesday:
a notice then runs 2022-03-15 .. 2022-03-21), so that the year's
applications are exactly the ones made here.  Round 2021: 25 agencies, each
an organisation of its own, every one submitted and approved by its district;
the expected table below was worked out by hand from §4:

- outbound: 1, 2, 2, 4 (A02 and A03 tie), and A10/A11 tie at 10, next 12;
- outbound_growth: A22 has 4000 this year and ranks first, A23 has 3999 and
  takes no place; A08 had 0 last year (no growth items); A03, A13 did not
  grow, A06 shrank; A10 and A20 both grew by exactly 1/19 (tie at 11);
- A01 is placed in both groups and keeps the outbound one (70万 > 20万);
  A18 keeps the reception one (25万 > 20万); A19 is tied (20万 each) and
  keeps the outbound one; ranks of the others do not move;
- A25 has a penalty heavier than a fine: excluded, and takes no rank.

The test methods run in the order of their names: the ranking is computed,
read, computed again, then fixed by the first municipal approval.
"""

import common
from common import ApiTest

CLOCK = "2022-03-15T10:00:00+08:00"
NOTICE = {"starts_on": "2022-03-15", "ends_on": "2022-03-21"}
YEAR = 2021
OTHER_YEAR = 2022
PATH = "/v1/rounds/tourism_award/%d/ranking"
UNIT = "110105"
WAN = 1000000
ITEMS = ("outbound", "outbound_growth", "reception", "reception_growth")

# label: outbound, outbound_prev, reception, reception_prev
AGENCIES = {
    "A01": (90000, 60000, 150000, 140000),
    "A02": (80000, 40000, 85000, 84000),
    "A03": (80000, 80000, 84000, 84000),
    "A04": (70000, 35000, 75000, 70000),
    "A05": (65000, 50000, 120000, 100000),
    "A06": (60000, 70000, 66000, 66000),
    "A07": (55000, 50000, 60000, 60000),
    "A08": (50000, 0, 55000, 0),
    "A09": (45000, 30000, 50000, 50000),
    "A10": (40000, 38000, 45000, 45000),
    "A11": (40000, 39000, 44000, 44000),
    "A12": (36000, 30000, 40000, 40000),
    "A13": (34000, 34000, 38000, 38000),
    "A14": (32000, 16000, 36000, 36000),
    "A15": (30000, 29000, 34000, 34000),
    "A16": (28000, 20000, 32000, 32000),
    "A17": (26000, 25000, 30000, 30000),
    "A18": (24000, 23000, 200000, 50000),
    "A19": (22000, 21000, 90000, 30000),
    "A20": (20000, 19000, 28000, 28000),
    "A21": (5000, 4999, 26000, 20000),
    "A22": (4000, 1000, 4000, 1000),
    "A23": (3999, 1000, 3999, 1000),
    "A24": (1000, 100, 2000, 100),
    "A25": (100000, 50000, 300000, 100000),  # penalty "heavier": excluded
}
EXCLUDED = "A25"

# label: (ranks of outbound, outbound_growth, reception, reception_growth),
#        group kept, {item: amount in 万}
EXPECTED = {
    "A01": ((1, 5, 2, 6), "outbound", {"outbound": 50, "outbound_growth": 20}),
    "A02": ((2, 2, 5, 8), "outbound", {"outbound": 50, "outbound_growth": 30}),
    "A03": ((2, None, 6, None), "outbound", {"outbound": 50}),
    "A04": ((4, 2, 7, 6), "outbound", {"outbound": 40, "outbound_growth": 30}),
    "A05": ((5, 8, 3, 5), "outbound", {"outbound": 40, "outbound_growth": 20}),
    "A06": ((6, None, 8, None), "outbound", {"outbound": 40}),
    "A07": ((7, 10, 9, None), "outbound", {"outbound": 40, "outbound_growth": 20}),
    "A08": ((8, None, 10, None), "outbound", {"outbound": 40}),
    "A09": ((9, 5, 11, None), "outbound", {"outbound": 40, "outbound_growth": 20}),
    "A10": ((10, 11, 12, None), "outbound", {"outbound": 40}),
    "A11": ((10, 17, 13, None), "outbound", {"outbound": 40}),
    "A12": ((12, 9, 14, None), "outbound", {"outbound": 30, "outbound_growth": 20}),
    "A13": ((13, None, 15, None), "outbound", {"outbound": 30}),
    "A14": ((14, 2, 16, None), "outbound", {"outbound": 30, "outbound_growth": 30}),
    "A15": ((15, 16, 17, None), "outbound", {"outbound": 30}),
    "A16": ((16, 7, 18, None), "outbound", {"outbound": 20, "outbound_growth": 20}),
    "A17": ((17, 15, 19, None), "outbound", {"outbound": 20}),
    "A18": ((18, 14, 1, 1), "reception", {"reception": 15, "reception_growth": 10}),
    "A19": ((19, 13, 4, 3), "outbound", {"outbound": 20}),
    "A20": ((20, 11, 20, None), "outbound", {"outbound": 20}),
    "A21": ((21, 18, 21, 4), "reception", {"reception_growth": 5}),
    "A22": ((22, 1, 22, 1), "outbound", {"outbound_growth": 30}),
    "A23": ((23, None, 23, None), None, {}),
    "A24": ((24, None, 24, None), None, {}),
}

# A01's charters of 2021: three qualify (第九条), one has 59 tourists.
A01_CHARTERS = [
    {"flight": "TEST 1", "tourists": 60, "scheduled_route": False, "arrived_on": "2021-05-01",
     "nights_in_beijing": 2},
    {"flight": "TEST 2", "tourists": 100, "scheduled_route": False,
     "arrived_on": "2021-06-01", "nights_in_beijing": 3},
    {"flight": "TEST 3", "tourists": 80, "scheduled_route": False, "arrived_on": "2021-07-01",
     "nights_in_beijing": 2},
    {"flight": "TEST 4", "tourists": 59, "scheduled_route": False, "arrived_on": "2021-08-01",
     "nights_in_beijing": 4},
]

# Left in district_review until test_5 approves it: the lowest of all.
LATE = (500, 400, 600, 500)

srv = None


def setUpModule():
    global srv
    srv = common.start_server(clock=CLOCK)


def tearDownModule():
    if srv is not None:
        srv.stop()


def tourism_data(figures, **kw):
    o, op, r, rp = figures
    d = {"inbound_business": True, "penalty": "none", "major_accident": False,
         "major_incident": False, "outbound_person_days": o, "outbound_person_days_prev": op,
         "reception_person_days": r, "reception_person_days_prev": rp}
    d.update(kw)
    return d


def records(**kw):
    # dated between the submission and the decision (RULES.md §5): the
    # server's day
    body = {"stage": "municipal", "decision": "approve", "opinion": "复审通过。",
            "audit": {"firm": "北京测试会计师事务所", "date": "2022-03-15", "passed": True,
                      "summary": "人天数据与原始凭证一致。"},
            "expert_panel": {"date": "2022-03-15", "passed": True, "summary": "同意奖励。"}}
    body.update(kw)
    return body


def ranked_items(award):
    return {it["item"]: it for it in award["items"] if it["item"] in ITEMS}


class Ranking(ApiTest):
    ids = {}        # label -> application id
    who = {}        # label -> applicant account key
    result = None   # what the first POST returned

    @classmethod
    def setUpClass(cls):
        cls.ids, cls.who = {}, {}
        for label, figures in AGENCIES.items():
            key = "agency_" + label
            srv.add_applicant(key, "北京测试国际旅行社%s有限公司" % label, common.uscc_new(UNIT))
            extra = {}
            if label == EXCLUDED:
                extra["penalty"] = "heavier"
            if label == "A01":
                extra["charters"] = A01_CHARTERS
            env = srv.envelope("tourism_award", key, review_unit=UNIT, round=YEAR,
                               data=tourism_data(figures, **extra))
            app = srv.create(key, env)
            srv.submit(app["id"], key)
            review = {"stage": "district", "decision": "approve"}
            if not app["eligibility"]["eligible"]:
                review["override_reason"] = "区级初审：是否符合条件由市级复核。"
            r = srv.review(app["id"], "district_" + UNIT, review)
            if r[0] != 200 or r[2]["status"] != "municipal_review":
                raise AssertionError("district approval failed: %r" % (r,))
            cls.ids[label], cls.who[label] = app["id"], key
        env = srv.envelope("tourism_award", "applicant_b", review_unit=UNIT, round=YEAR,
                           data=tourism_data(LATE))
        cls.late = srv.create("applicant_b", env)
        srv.submit(cls.late["id"], "applicant_b")
        # Another one left at the district for good: the ranking is final
        # (RULES.md §5), so it can never be approved.
        srv.add_applicant("agency_stray", "北京测试迟到国际旅行社有限公司", common.uscc_new(UNIT))
        env = srv.envelope("tourism_award", "agency_stray", review_unit=UNIT, round=YEAR,
                           data=tourism_data(LATE))
        cls.stray = srv.create("agency_stray", env)
        srv.submit(cls.stray["id"], "agency_stray")
        cls.label_of = {v: k for k, v in cls.ids.items()}

    # ---- helpers

    def compute(self, who="municipal_culture_tourism", year=YEAR, confirm=None):
        body = None if confirm is None else {"confirm": confirm}
        return srv.req("POST", PATH % year, body, token=who)

    def compute_confirmed(self, left_out):
        """Computes the year's ranking, which leaves out the applications
        `left_out` (ids) still at the district: refused without the count,
        done with it (RULES.md §5)."""
        r = self.compute()
        self.assertProblem(r, 409)
        self.assertEqual(r[2]["count"], len(left_out), r)
        self.assertEqual({x["application_id"] for x in r[2]["left_out"]}, set(left_out), r)
        self.assertIs(r[2]["round_closed"], True, r)
        wrong = self.compute(confirm=len(left_out) + 1)
        self.assertProblem(wrong, 409)
        r = self.compute(confirm=len(left_out))
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["confirmed"], len(left_out), r)
        self.assertEqual({x["application_id"] for x in r[2]["left_out"]}, set(left_out), r)
        return r

    def ranking(self):
        """The first computed ranking (computing it if an earlier test did not)."""
        if Ranking.result is None:
            r = self.compute(confirm=2)
            self.assertEqual(r[0], 200, r)
            Ranking.result = r[2]
        return Ranking.result

    def app(self, label):
        return srv.get(self.ids[label], self.who[label])

    def check_entries(self, result, late_included=False):
        self.assertEqual(result.get("kind"), "tourism_award", result)
        self.assertEqual(result.get("year"), YEAR, result)
        self.assertIsInstance(result.get("entries"), list, result)
        self.assertIsInstance(result.get("excluded"), list, result)
        by_id = {}
        for e in result["entries"]:
            self.assertNotIn(e["application_id"], by_id, "entry twice: %r" % e)
            by_id[e["application_id"]] = e
        want = {self.ids[label] for label in EXPECTED}
        if late_included:
            want.add(self.late["id"])
        self.assertEqual(set(by_id), want, "the entries are not the eligible applications "
                                           "in municipal_review")
        for label, (ranks, group, items) in EXPECTED.items():
            e = by_id[self.ids[label]]
            with self.subTest(agency=label):
                self.assertEqual(e["ranks"], dict(zip(ITEMS, ranks)), e)
                self.assertEqual(e["group"], group, e)
                got = {it["item"]: it["amount_fen"] for it in e["items"]}
                self.assertEqual(got, {k: v * WAN for k, v in items.items()}, e)
                for it in e["items"]:
                    self.assertEqual(it["rank"], e["ranks"][it["item"]], e)
                self.assertEqual(e["total_fen"], sum(items.values()) * WAN, e)
                self.assertEqual(e["applicant"]["uscc"],
                                 srv.accounts[self.who[label]]["uscc"], e)
                o, op, r, rp = AGENCIES[label]
                self.assertEqual(e["figures"], {
                    "outbound_person_days": o, "outbound_person_days_prev": op,
                    "reception_person_days": r, "reception_person_days_prev": rp}, e)
        if late_included:
            e = by_id[self.late["id"]]
            self.assertEqual(e["ranks"], {"outbound": 25, "outbound_growth": None,
                                          "reception": 25, "reception_growth": None}, e)
            self.assertEqual(e["items"], [], e)
            self.assertEqual(e["total_fen"], 0, e)
        excluded = {x["application_id"]: x for x in result["excluded"]}
        self.assertEqual(set(excluded), {self.ids[EXCLUDED]}, result["excluded"])
        reason = excluded[self.ids[EXCLUDED]].get("reason")
        self.assertIsInstance(reason, str)
        self.assertTrue(reason.strip(), excluded)

    # ---- before the ranking

    def test_3_ranked_items_changed_in_the_file_are_caught(self):
        """What a ranking gave an application is in its "ranked" event:
        `audit verify` finds a row whose items were changed in the file."""
        import os
        import tempfile
        result = self.ranking()
        app_id = next(e["application_id"] for e in result["entries"] if e["items"])
        tmp = tempfile.mkdtemp(prefix="shenbao-api-ranking-")
        try:
            db = common.db_copy(srv.db, tmp)
            args = ["audit", "verify", "--config", srv.config, "--db", db]
            rc, out, err = common.shenbao_cli(args)
            self.assertEqual(rc, 0, err)
            if common.is_pg(db):
                change = ("UPDATE applications SET facts = jsonb_set(facts::jsonb,"
                          " '{ranked_items}', '[]'::jsonb)::text WHERE id = ?")
            else:
                change = ("UPDATE applications SET facts = json_set(facts, '$.ranked_items',"
                          " json('[]')) WHERE id = ?")
            common.db_exec(db, change, (app_id,))
            rc, out, err = common.shenbao_cli(args)
            self.assertNotEqual(rc, 0, out)
            self.assertIn("application %d's ranked items are not the ones" % app_id, err)
        finally:
            for name in os.listdir(tmp):
                os.unlink(os.path.join(tmp, name))
            os.rmdir(tmp)

    def test_1_before_computing(self):
        self.assertIsNone(Ranking.result, "run in name order: nothing computed yet")
        for who in ("municipal_culture_tourism", "auditor"):
            with self.subTest(who=who):
                self.assertProblem(srv.req("GET", PATH % YEAR, token=who), 404)
        # no municipal approval of the year before its ranking
        r = srv.review(self.ids["A24"], "municipal_culture_tourism", records())
        self.assertProblem(r, 409)
        self.assertEqual(self.app("A24")["status"], "municipal_review")
        # not ranked yet: nothing ranked in any award
        for label in ("A01", "A18"):
            aw = self.app(label)["award"]
            self.assertEqual(ranked_items(aw), {}, aw)
            self.assertNotEqual(aw["basis"], "ranked", aw)

    def test_1_who_may_rank(self):
        for who in ("municipal_commerce", "municipal_science_tech"):
            with self.subTest(who=who):
                self.assertProblem(self.compute(who), 403)
                self.assertProblem(srv.req("GET", PATH % YEAR, token=who), 403)
        for who in ("agency_A01", "applicant_b", "district_" + UNIT, "admin", "auditor"):
            with self.subTest(who=who):
                self.assertProblem(self.compute(who), 403)
        self.assertProblem(srv.req("POST", PATH % YEAR), 401)
        for kind in ("incubator", "first_store", "no_such_kind"):
            with self.subTest(kind=kind):
                path = "/v1/rounds/%s/%d/ranking" % (kind, YEAR)
                self.assertProblem(srv.req("POST", path, token="municipal_culture_tourism"),
                                   404)
        # none of that computed anything
        self.assertProblem(srv.req("GET", PATH % YEAR, token="municipal_culture_tourism"),
                           404)

    # ---- the ranking

    def test_2_compute(self):
        r = self.compute_confirmed([self.late["id"], self.stray["id"]])
        self.assertTrue(r[1].get("content-type", "").startswith("application/json"), r[1])
        Ranking.result = r[2]
        self.check_entries(r[2])
        self.assertNotIn(self.late["id"], {e["application_id"] for e in r[2]["entries"]})
        self.assertNotIn(self.late["id"], {x["application_id"] for x in r[2]["excluded"]})

    def test_3_awards_are_ranked(self):
        self.ranking()
        for label, (ranks, group, items) in EXPECTED.items():
            with self.subTest(agency=label):
                aw = self.app(label)["award"]
                got = ranked_items(aw)
                self.assertEqual({k: v["amount_fen"] for k, v in got.items()},
                                 {k: v * WAN for k, v in items.items()}, aw)
                for name, it in got.items():
                    self.assertEqual(it.get("rank"), dict(zip(ITEMS, ranks))[name], aw)
                if items:
                    self.assertEqual(aw["basis"], "ranked", aw)
                charters = 6 * WAN if label == "A01" else 0
                self.assertEqual(aw["total_fen"], sum(items.values()) * WAN + charters, aw)
        # the excluded agency and the one still at the district have nothing ranked
        for app in (self.app(EXCLUDED), srv.get(self.late["id"], "applicant_b")):
            self.assertEqual(ranked_items(app["award"]), {}, app["award"])
            self.assertEqual(app["award"]["total_fen"], 0, app["award"])
        # the applicant's data is untouched
        a01 = self.app("A01")
        self.assertEqual(a01["data"]["outbound_person_days"], AGENCIES["A01"][0])
        self.assertEqual(a01["status"], "municipal_review")

    def test_4_get_and_compute_again(self):
        first = self.ranking()
        for who in ("municipal_culture_tourism", "auditor"):
            with self.subTest(who=who):
                r = srv.req("GET", PATH % YEAR, token=who)
                self.assertEqual(r[0], 200, r)
                self.assertEqual(r[2], first)
        before = {label: self.app(label)["award"] for label in EXPECTED}
        r = self.compute(confirm=2)
        self.assertEqual(r[0], 200, r)
        again = r[2]
        self.assertEqual(again["entries"], first["entries"])
        self.assertEqual(again["excluded"], first["excluded"])
        self.check_entries(again)
        r = srv.req("GET", PATH % YEAR, token="municipal_culture_tourism")
        self.assertEqual(r[2], again)
        for label in EXPECTED:
            self.assertEqual(self.app(label)["award"], before[label], label)

    def test_5_compute_again_replaces(self):
        self.ranking()
        r = srv.review(self.late["id"], "district_" + UNIT,
                       {"stage": "district", "decision": "approve"})
        self.assertEqual(r[0], 200, r)
        r = self.compute_confirmed([self.stray["id"]])
        self.check_entries(r[2], late_included=True)
        got = srv.req("GET", PATH % YEAR, token="municipal_culture_tourism")
        self.assertEqual(got[2], r[2])
        Ranking.result = r[2]

    # ---- approvals

    def test_6_approval_needs_the_years_ranking(self):
        env = srv.envelope("tourism_award", "applicant_b", review_unit=UNIT, round=OTHER_YEAR,
                           data=tourism_data((5000, 4000, 8000, 7000)))
        app = srv.create("applicant_b", env)
        srv.submit(app["id"], "applicant_b")
        r = srv.review(app["id"], "district_" + UNIT, {"stage": "district", "decision": "approve"})
        self.assertEqual(r[0], 200, r)
        self.ranking()  # 2021's ranking exists; 2022's does not
        r = srv.review(app["id"], "municipal_culture_tourism", records())
        self.assertProblem(r, 409)
        got = srv.get(app["id"], "applicant_b")
        self.assertEqual(got["status"], "municipal_review")
        self.assertIsNone(got["notice"])
        # once 2022 is ranked (one agency: first in everything), it may be approved
        r = self.compute(year=OTHER_YEAR)
        self.assertEqual(r[0], 200, r)
        self.assertEqual([e["application_id"] for e in r[2]["entries"]], [app["id"]])
        e = r[2]["entries"][0]
        self.assertEqual(e["group"], "outbound", e)
        self.assertEqual({it["item"]: it["amount_fen"] for it in e["items"]},
                         {"outbound": 50 * WAN, "outbound_growth": 30 * WAN}, e)
        r = srv.review(app["id"], "municipal_culture_tourism", records())
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "public_notice")
        self.assertEqual(r[2]["award"]["basis"], "ranked", r[2]["award"])
        self.assertEqual(r[2]["award"]["total_fen"], 80 * WAN, r[2]["award"])
        # an approval of 2022 leaves 2021 open: it may still be computed
        r = self.compute(confirm=1)
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["entries"], Ranking.result["entries"])

    def test_7_first_approval_fixes_the_ranking(self):
        self.ranking()
        # the excluded agency is ineligible: an override reason is needed
        r = srv.review(self.ids[EXCLUDED], "municipal_culture_tourism", records())
        self.assertProblem(r, 422, ["/override_reason"])

        before = srv.req("GET", PATH % YEAR, token="municipal_culture_tourism")
        self.assertEqual(before[0], 200, before)
        r = srv.review(self.ids["A01"], "municipal_culture_tourism",
                       records(special_award=True, funded_charters=2))
        self.assertEqual(r[0], 200, r)
        out = r[2]
        self.assertEqual(out["status"], "public_notice")
        self.assertEqual(out["notice"], NOTICE)
        aw = out["award"]
        self.assertEqual(aw["basis"], "ranked", aw)
        got = {it["item"]: it["amount_fen"] for it in aw["items"]}
        self.assertEqual(got, {"outbound": 50 * WAN, "outbound_growth": 20 * WAN,
                               "charter": 4 * WAN, "special_award": 10 * WAN}, aw)
        self.assertEqual(aw["total_fen"], 84 * WAN, aw)
        self.assertEqual(self.app("A01")["award"], aw)

        r = self.compute(confirm=1)
        self.assertProblem(r, 409)
        after = srv.req("GET", PATH % YEAR, token="municipal_culture_tourism")
        self.assertEqual(after[0], 200, after)
        self.assertEqual(after[2], before[2], "a refused computation changed the ranking")

        # RULES.md §5: the ranking is final.  The one it left out at the
        # district comes to the municipal stage, and is not approved (no
        # silent 0-yuan award) ...
        r = srv.review(self.stray["id"], "district_" + UNIT,
                       {"stage": "district", "decision": "approve"})
        self.assertEqual(r[0], 200, r)
        r = srv.review(self.stray["id"], "municipal_culture_tourism", records())
        body = self.assertProblem(r, 409)
        self.assertIn("ranking of 2021 is fixed", body["detail"])
        self.assertEqual(srv.get(self.stray["id"], "agency_stray")["status"], "municipal_review")
        # ... and a new application of 2021 is not submitted.
        srv.add_applicant("agency_newcomer", "北京测试新来国际旅行社有限公司",
                          common.uscc_new(UNIT))
        env = srv.envelope("tourism_award", "agency_newcomer", review_unit=UNIT, round=YEAR,
                           data=tourism_data((9000, 100, 9000, 100)))
        app = srv.create("agency_newcomer", env)
        r = srv.req("POST", "/v1/applications/%d/submit" % app["id"], token="agency_newcomer")
        body = self.assertProblem(r, 409)
        self.assertIn("ranking of 2021 is fixed", body["detail"])
        self.assertEqual(srv.get(app["id"], "agency_newcomer")["status"], "draft")
        # A year not ranked takes submissions as before.
        env = srv.envelope("tourism_award", "agency_newcomer", review_unit=UNIT, round=2023,
                           data=tourism_data((9000, 100, 9000, 100)))
        app = srv.create("agency_newcomer", env)
        srv.submit(app["id"], "agency_newcomer")

    def test_8_at_most_five_special_awards(self):
        self.ranking()
        granted = []
        for label in ("A01", "A02", "A03", "A04", "A05"):
            app = self.app(label)
            if app["status"] == "municipal_review":
                r = srv.review(app["id"], "municipal_culture_tourism",
                               records(special_award=True))
                self.assertEqual(r[0], 200, r)
                app = r[2]
            with self.subTest(agency=label):
                self.assertEqual(app["status"], "public_notice")
                items = {it["item"]: it["amount_fen"] for it in app["award"]["items"]}
                self.assertEqual(items.get("special_award"), 10 * WAN, app["award"])
                for name, wan in EXPECTED[label][2].items():
                    self.assertEqual(items.get(name), wan * WAN, app["award"])
            granted.append(label)
        self.assertEqual(len(granted), 5)
        a06 = self.app("A06")
        r = srv.review(a06["id"], "municipal_culture_tourism", records(special_award=True))
        self.assertProblem(r, 409)
        got = self.app("A06")
        self.assertEqual(got["status"], "municipal_review")
        self.assertEqual(got["version"], a06["version"])
        # without the special award it is approved
        r = srv.review(a06["id"], "municipal_culture_tourism",
                       records(special_award=False))
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "public_notice")
        aw = r[2]["award"]
        self.assertEqual({it["item"]: it["amount_fen"] for it in aw["items"]},
                         {"outbound": 40 * WAN}, aw)
        # and the sixth grant is refused for any other agency of the year too
        r = srv.review(self.ids["A07"], "municipal_culture_tourism",
                       records(special_award=True))
        self.assertProblem(r, 409)

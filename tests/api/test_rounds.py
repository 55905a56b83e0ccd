"""Rounds, duplicates and the decision basis (RULES.md §5; CONTRACT.md
"Rounds", "Stages per kind, and granting less").

Servers of their own, with the kinds' own stages (first_store: district and
municipal, no notice; incubator: municipal and notice; tourism_award:
municipal) and the rule of one application per organisation and round as it
is by default.  The clock starts on Tuesday 2020-09-29 10:00 in Beijing.
"""

import os
import sqlite3
import subprocess
import tempfile

import common
from common import ApiTest, Flow

CLOCK = "2020-09-29T10:00:00+08:00"
DAY = "2020-09-29"
WAN = 1000000
CONFIG = {"stages": {}, "one_application_per_round": True}

srv = None


def setUpModule():
    global srv
    srv = common.start_server_config(CONFIG, clock=CLOCK)


def tearDownModule():
    if srv is not None:
        srv.stop()


def org(key, division="110108", name=None):
    """A new applicant organisation of `division` on srv; its key."""
    srv.add_applicant(key, name or "北京测试%s有限公司" % key, common.uscc_new(division))
    return key


def first_store(who, unit="110108", **data):
    env = srv.envelope("first_store", who, review_unit=unit)
    env["data"].update(data)
    return env


def finding(day=DAY):
    return {"date": day, "passed": True, "summary": "专家评审、实地核查均通过。"}


class Windows(ApiTest):
    """PUT /v1/rounds/{kind}/{round}, GET /v1/rounds, and submissions outside a
    window (RULES.md §5: the dates inclusive, Asia/Shanghai)."""

    def put(self, kind, year, body, who="admin"):
        return srv.req("PUT", "/v1/rounds/%s/%d" % (kind, year), body, token=who)

    def test_who_sets_a_window(self):
        body = {"opens_on": "2020-03-01", "closes_on": "2020-12-31"}
        for who, status in (("admin", 200), ("municipal_commerce", 200),
                            ("municipal_science_tech", 403), ("district_110108", 403),
                            ("applicant_a", 403), ("auditor", 403), (None, 401)):
            with self.subTest(who=who):
                r = self.put("first_store", 2019, body, who)
                if status == 200:
                    got = self.assertStatus(r, 200)
                    self.assertEqual((got["kind"], got["round"], got["opens_on"],
                                      got["closes_on"]),
                                     ("first_store", 2019, "2020-03-01", "2020-12-31"))
                    self.assertIs(got["open"], True)
                else:
                    self.assertProblem(r, status)

    def test_bad_windows(self):
        cases = [
            ({"opens_on": "2020-10-02", "closes_on": "2020-10-01"}, ["/closes_on"]),
            ({"opens_on": "2020-13-01", "closes_on": "2020-12-01"}, ["/opens_on"]),
            ({"opens_on": "2020-10-01"}, ["/closes_on"]),
            ({"opens_on": "2020-10-01", "closes_on": "2020-10-31", "extra": 1}, ["/extra"]),
        ]
        for body, pointers in cases:
            with self.subTest(body=body):
                self.assertProblem(self.put("incubator", 2018 + 3, body), 422, pointers)
        self.assertProblem(self.put("lottery", 2021, cases[0][0]), 404)
        self.assertProblem(self.put("incubator", 2101, cases[0][0]), 404)

    def test_listed_with_whether_open_today(self):
        self.assertStatus(self.put("tourism_award", 2024,
                                   {"opens_on": "2020-10-01", "closes_on": "2020-10-31"}), 200)
        self.assertStatus(self.put("tourism_award", 2023,
                                   {"opens_on": "2020-01-01", "closes_on": "2020-09-28"}), 200)
        items = self.assertStatus(srv.req("GET", "/v1/rounds"), 200)["items"]
        got = {(w["kind"], w["round"]): w for w in items}
        self.assertEqual(got[("tourism_award", 2024)]["state"], "not_open")
        self.assertIs(got[("tourism_award", 2024)]["open"], False)
        self.assertEqual(got[("tourism_award", 2023)]["state"], "closed")
        # replaced, not added
        self.assertStatus(self.put("tourism_award", 2024,
                                   {"opens_on": "2020-09-29", "closes_on": "2020-09-29"}), 200)
        items = self.assertStatus(srv.req("GET", "/v1/rounds"), 200)["items"]
        same = [w for w in items if (w["kind"], w["round"]) == ("tourism_award", 2024)]
        self.assertEqual(len(same), 1)
        self.assertEqual(same[0]["state"], "open")

    def test_submission_outside_the_window(self):
        # incubator 2022's window is set around the server's day, 2020-09-29
        cases = [
            ({"opens_on": "2020-09-30", "closes_on": "2020-12-31"}, 409, "opens on 2020-09-30"),
            ({"opens_on": "2020-01-01", "closes_on": "2020-09-28"}, 409, "closed on 2020-09-28"),
            ({"opens_on": "2020-09-29", "closes_on": "2020-12-31"}, 200, None),
            ({"opens_on": "2020-01-01", "closes_on": "2020-09-29"}, 200, None),
        ]
        for i, (window, status, said) in enumerate(cases):
            with self.subTest(window=window):
                self.assertStatus(self.put("incubator", 2022, window), 200)
                who = org("window%d" % i)
                app = srv.create(who, srv.envelope("incubator", who, round=2022))
                r = srv.req("POST", "/v1/applications/%d/submit" % app["id"], token=who)
                if status == 200:
                    self.assertEqual(self.assertStatus(r, 200)["status"], "municipal_review")
                else:
                    body = self.assertProblem(r, 409)
                    self.assertIn(said, body["detail"])
                    self.assertEqual((body["opens_on"], body["closes_on"]),
                                     (window["opens_on"], window["closes_on"]))
                    self.assertEqual(srv.get(app["id"], who)["status"], "draft")
                    # and in Chinese, for the console
                    r = srv.req("POST", "/v1/applications/%d/submit" % app["id"], token=who,
                                headers={"Accept-Language": "zh-CN"})
                    body = self.assertProblem(r, 409)
                    self.assertRegex(body["detail"], "2022 年度.*(开始受理|截止)")
        # a round with no window is open all year
        who = org("nowindow")
        app = srv.create(who, srv.envelope("incubator", who, round=2020))
        srv.submit(app["id"], who)


class RankingOfAnOpenRound(ApiTest):
    """A ranking is final: computing it while its round is still open needs
    the authority's explicit confirmation, with the count left out (0
    here), which the ranking records (RULES.md §5)."""

    def test_confirm_while_the_round_is_open(self):
        path = "/v1/rounds/tourism_award/2025/ranking"
        self.assertStatus(srv.req("PUT", "/v1/rounds/tourism_award/2025",
                                  {"opens_on": "2020-01-01", "closes_on": "2020-12-31"},
                                  token="municipal_culture_tourism"), 200)
        who = org("agency2025", "110105")
        env = common.tourism_in_year(srv.envelope("tourism_award", who, review_unit="110105"),
                                     2025)
        app = srv.submit(srv.create(who, env)["id"], who)
        self.assertEqual(app["status"], "municipal_review")
        r = srv.req("POST", path, token="municipal_culture_tourism")
        body = self.assertProblem(r, 409)
        self.assertEqual((body["count"], body["round_closed"], body["closes_on"]),
                         (0, False, "2020-12-31"))
        self.assertIn("closes on 2020-12-31", body["detail"])
        self.assertProblem(srv.req("POST", path, {"confirm": "0"},
                                   token="municipal_culture_tourism"), 422)
        self.assertProblem(srv.req("POST", path, {"confirm": 0, "more": 1},
                                   token="municipal_culture_tourism"), 422)
        r = srv.req("POST", path, {"confirm": 0}, token="municipal_culture_tourism")
        got = self.assertStatus(r, 200)
        self.assertEqual((got["confirmed"], got["round_closed"], got["left_out"]), (0, False, []))
        self.assertEqual([e["application_id"] for e in got["entries"]], [app["id"]])


class OnePerRound(ApiTest):
    """One application per organisation, kind and round; for first_store per
    project (RULES.md §5)."""

    def test_second_of_the_round_is_refused_naming_the_first(self):
        who = org("twice")
        first = srv.create(who, srv.envelope("incubator", who))
        second = srv.create(who, srv.envelope("incubator", who))
        # a draft is not filed: the second may go first
        srv.submit(second["id"], who)
        r = srv.req("POST", "/v1/applications/%d/submit" % first["id"], token=who)
        body = self.assertProblem(r, 409)
        self.assertEqual(body["other_application"], second["id"])
        self.assertIn("application %d" % second["id"], body["detail"])
        self.assertEqual(srv.get(first["id"], who)["status"], "draft")
        # another round, another kind: taken
        other = srv.create(who, srv.envelope("incubator", who, round=2021))
        srv.submit(other["id"], who)
        # once the first is withdrawn, the other may be submitted
        common_withdraw(who, second["id"])
        srv.submit(first["id"], who)

    def test_a_rejected_one_no_longer_counts(self):
        who = org("rejected")
        first = srv.submit(srv.create(who, srv.envelope("incubator", who))["id"], who)
        r = srv.review(first["id"], "municipal_science_tech",
                       {"stage": "municipal", "decision": "reject", "opinion": "不符合条件。"})
        self.assertStatus(r, 200)
        again = srv.create(who, srv.envelope("incubator", who))
        srv.submit(again["id"], who)

    def test_first_store_per_project(self):
        who = org("stores")
        base = first_store(who)
        srv.submit(srv.create(who, base)["id"], who)
        # the same brand and store
        same = srv.create(who, first_store(who))
        body = self.assertProblem(srv.req("POST", "/v1/applications/%d/submit" % same["id"],
                                          token=who), 409)
        self.assertIn("Maison Exemple", body["detail"])
        # another store of the brand, another brand: other projects
        store = dict(base["data"]["store"], name="Maison Exemple 三里屯店")
        srv.submit(srv.create(who, first_store(who, store=store))["id"], who)
        srv.submit(srv.create(who, first_store(who, brand="Autre Marque"))["id"], who)
        # launch events: the same name on the same day only
        event = {"name": "春季新品发布会", "held_on": "2020-05-01", "venue_rent_fen": 30 * WAN,
                 "setup_fen": 20 * WAN}

        def launch(**ev):
            env = srv.envelope("first_store", who, review_unit="110108")
            env["data"] = {"project": "launch_event", "event": dict(event, **ev),
                           "declarations": base["data"]["declarations"]}
            return srv.create(who, env)

        srv.submit(launch()["id"], who)
        dup = launch(venue_rent_fen=40 * WAN)
        self.assertProblem(srv.req("POST", "/v1/applications/%d/submit" % dup["id"],
                                   token=who), 409)
        srv.submit(launch(held_on="2020-05-02")["id"], who)


def common_withdraw(who, app_id):
    r = srv.req("POST", "/v1/applications/%d/withdraw" % app_id, token=who)
    if r[0] != 200:
        raise AssertionError("withdraw: %r" % (r,))


class Ceilings(ApiTest):
    """Amounts are ceilings: a municipal approval grants the computed award
    or less with a reason, never more; what is issued carries the grant; an
    audit lowers an amount, never raises it (RULES.md §5)."""

    def at_municipal(self, who, env):
        app = srv.submit(srv.create(who, env)["id"], who)
        review = {"stage": "district", "decision": "approve", "opinion": "同意推荐。"}
        if not app["eligibility"]["eligible"]:
            review["override_reason"] = "初审认为可以推荐。"
        return self.assertStatus(srv.review(app["id"], "district_110108", review), 200)

    def approve(self, app, **body):
        return srv.review(app["id"], "municipal_commerce",
                          dict({"stage": "municipal", "decision": "approve",
                                "opinion": "予以支持。"}, **body))

    def test_audit_above_the_declared_never_raises(self):
        # the day: declared 150万, audited 260万
        who = org("audit")
        app = self.at_municipal(who, first_store(who, category="china_first",
                                                 rent_12m_fen=100 * WAN, decoration_fen=50 * WAN))
        self.assertEqual(app["award"]["total_fen"], 75 * WAN)
        out = self.assertStatus(self.approve(app, audited_amount_fen=260 * WAN), 200)
        self.assertEqual(out["status"], "approved")
        self.assertEqual(out["award"]["total_fen"], 75 * WAN)
        self.assertEqual(out["granted_fen"], 75 * WAN)
        # below the declared, the audit lowers it
        who = org("audit2")
        app = self.at_municipal(who, first_store(who, category="china_first",
                                                 rent_12m_fen=100 * WAN, decoration_fen=50 * WAN))
        out = self.assertStatus(self.approve(app, audited_amount_fen=120 * WAN - 2), 200)
        self.assertEqual(out["granted_fen"], 60 * WAN - 1)
        self.assertEqual(out["award"]["basis"], "audited")

    def test_granting_less_needs_a_reason_and_more_is_refused(self):
        who = org("grant")
        app = self.at_municipal(who, first_store(who))
        self.assertIsNone(app["granted_fen"])
        award = 50 * WAN  # beijing_first, capped
        r = self.approve(app, audited_amount_fen=130 * WAN, granted_fen=award + 1)
        self.assertProblem(r, 422, ["/granted_fen"])
        r = self.approve(app, audited_amount_fen=130 * WAN, granted_fen=award - 1)
        self.assertProblem(r, 422, ["/grant_reason"])
        self.assertEqual(srv.get(app["id"], who)["status"], "municipal_review")
        out = self.assertStatus(self.approve(app, audited_amount_fen=130 * WAN,
                                             granted_fen=30 * WAN,
                                             grant_reason="年度预算有限，择优支持。"), 200)
        self.assertEqual(out["status"], "approved")
        self.assertEqual(out["award"]["total_fen"], award)  # the proposal stays
        self.assertEqual(out["granted_fen"], 30 * WAN)
        self.assertEqual(out["grant_reason"], "年度预算有限，择优支持。")
        self.assertIsNone(out["refund_fen"])
        cert = self.assertStatus(srv.req("GET", "/v1/applications/%d/certificate" % app["id"],
                                         token=who), 200)["certificate"]
        self.assertEqual(cert["amount_fen"], 30 * WAN)
        self.assertEqual(cert["proposed_fen"], award)
        self.assertEqual(cert["grant_reason"], "年度预算有限，择优支持。")
        self.assertEqual(cert["brand"], "Maison Exemple")
        self.assertEqual(cert["measure"], "京商消促字〔2020〕48号")
        # the event records the grant and the basis it rested on
        ev = [e for e in Flow(srv).events(app["id"]) if e["action"] == "municipal_approve"][0]
        self.assertEqual(ev["details"]["granted_fen"], 30 * WAN)
        self.assertEqual(ev["details"]["basis"]["award"]["total_fen"], award)
        self.assertIs(ev["details"]["basis"]["eligibility"]["eligible"], True)
        # a refund is kept beside the grant, and cannot exceed it
        serial = out["certificate_serial"]
        r = srv.req("POST", "/v1/certificates/%s/revocation" % serial,
                    {"reason": "门店开业未满一年闭店。", "ground": "closed_within_year",
                     "refund_fen": 30 * WAN + 1}, token="municipal_commerce")
        self.assertProblem(r, 422, ["/refund_fen"])
        r = srv.req("POST", "/v1/certificates/%s/revocation" % serial,
                    {"reason": "门店开业未满一年闭店。", "ground": "closed_within_year",
                     "refund_fen": 30 * WAN}, token="municipal_commerce")
        self.assertStatus(r, 200)
        got = srv.get(app["id"], who)
        self.assertEqual((got["status"], got["granted_fen"], got["refund_fen"]),
                         ("revoked", 30 * WAN, 30 * WAN))

    def test_only_a_municipal_approval_grants(self):
        who = org("nogrant")
        app = srv.submit(srv.create(who, first_store(who))["id"], who)
        r = srv.review(app["id"], "district_110108",
                       {"stage": "district", "decision": "approve", "granted_fen": 1,
                        "grant_reason": "x"})
        self.assertProblem(r, 422, ["/granted_fen", "/grant_reason"])
        r = srv.review(app["id"], "district_110108",
                       {"stage": "district", "decision": "return", "opinion": "补正。",
                        "granted_fen": 1})
        self.assertProblem(r, 422, ["/granted_fen"])
        # rejected and withdrawn applications have no grant
        r = srv.review(app["id"], "district_110108",
                       {"stage": "district", "decision": "reject", "opinion": "不予推荐。"})
        out = self.assertStatus(r, 200)
        self.assertIsNone(out["granted_fen"])
        self.assertGreater(out["award"]["total_fen"], 0)
        self.assertIsNotNone(out["decided_at"])

    def test_store_introduction_store_by_store(self):
        who = org("intro")
        decl = first_store(who)["data"]["declarations"]
        store = {"brand": "Alpha", "brand_type": "international_brand", "category": "china_first",
                 "registered_on": "2019-03-01", "opened_on": "2019-03-01",
                 "rent_12m_fen": 80 * WAN, "decoration_fen": 30 * WAN, "agreement_years": 3,
                 "in_pipeline": True}
        env = srv.envelope("first_store", who, review_unit="110108")
        env["data"] = {"project": "store_introduction", "declarations": decl,
                       "stores": [store, dict(store, brand="Beta", in_pipeline=False),
                                  dict(store, brand="Gamma")]}
        app = self.at_municipal(who, env)
        self.assertEqual(app["award"]["total_fen"], 3 * 10 * WAN + 2 * 2 * WAN)
        # the application says which records its approval carries; the kind
        # describes every one a project of it may ask for
        self.assertEqual(app["review"]["municipal_records"], ["store_decisions"])
        kind = self.assertStatus(srv.req("GET", "/v1/kinds/first_store"), 200)
        self.assertEqual(sorted(kind["municipal_records"]["properties"]),
                         ["audited_amount_fen", "store_decisions"])
        w = org("intro-store")
        store = self.at_municipal(w, srv.envelope("first_store", w, review_unit="110108"))
        self.assertEqual(store["review"]["municipal_records"], ["audited_amount_fen"])
        # no overall audited amount is asked of an introduction
        r = self.approve(app, audited_amount_fen=100 * WAN)
        self.assertProblem(r, 422, ["/audited_amount_fen", "/store_decisions"])
        r = self.approve(app, store_decisions=[{"included": True}, {"included": False}])
        self.assertProblem(r, 422, ["/store_decisions"])
        r = self.approve(app, store_decisions=[{"included": True}, {"included": False},
                                               {"included": True}])
        self.assertProblem(r, 422, ["/store_decisions/1/reason"])
        out = self.assertStatus(self.approve(app, store_decisions=[
            {"included": True}, {"included": True},
            {"included": False, "reason": "引进协议不足两年，实为续约。"}]), 200)
        self.assertEqual(out["award"]["basis"], "audited")
        self.assertEqual(out["award"]["total_fen"], 2 * 10 * WAN + 2 * WAN)
        self.assertEqual(out["granted_fen"], 22 * WAN)
        check = [c for c in out["eligibility"]["checks"] if c["id"] == "stores_qualifying"][0]
        self.assertIn("store 3 (Gamma): left out by the reviewer", check["detail"])

    def test_agent_gives_rent_and_decoration(self):
        who = org("agent")
        env = first_store(who, applicant_type="international_agent", category="china_first",
                          license_fee_fen=300 * WAN, rent_12m_fen=80 * WAN,
                          decoration_fen=40 * WAN)
        app = srv.create(who, env)
        self.assertEqual(app["award"]["total_fen"], 150 * WAN)
        item = app["award"]["items"][0]
        self.assertIn("not part of an agent's amount", item["detail"])
        self.assertIn("不计入", item["detail_zh"])


class RecordsAndOverrides(ApiTest):
    """Stage records dated between the submission and the decision; the
    district too approves a failing application only with a reason; every
    decision records its basis (RULES.md §5)."""

    def test_record_dates(self):
        who = org("dates")
        app = srv.submit(srv.create(who, srv.envelope("incubator", who))["id"], who)
        self.assertEqual(app["status"], "municipal_review")
        for day, pointer in (("2020-09-28", "/expert_review/date"),
                             ("2020-09-30", "/expert_review/date"),
                             ("2019-09-29", "/expert_review/date")):
            with self.subTest(day=day):
                r = srv.review(app["id"], "municipal_science_tech",
                               {"stage": "municipal", "decision": "approve",
                                "expert_review": finding(day), "site_inspection": finding()})
                body = self.assertProblem(r, 422, [pointer])
                self.assertEqual(len(body["errors"]), 1, body)
        out = self.assertStatus(srv.review(app["id"], "municipal_science_tech", {
            "stage": "municipal", "decision": "approve", "expert_review": finding(),
            "site_inspection": finding()}), 200)
        self.assertEqual(out["status"], "public_notice")

    def test_district_override_and_the_basis(self):
        who = org("failing")
        env = first_store(who)
        env["data"]["declarations"]["not_blacklisted"] = False
        app = srv.submit(srv.create(who, env)["id"], who)
        self.assertIs(app["eligibility"]["eligible"], False)
        r = srv.review(app["id"], "district_110108",
                       {"stage": "district", "decision": "approve", "opinion": "同意推荐。"})
        body = self.assertProblem(r, 422, ["/override_reason"])
        self.assertIn("declarations", body["errors"][0]["detail"])
        out = self.assertStatus(srv.review(app["id"], "district_110108", {
            "stage": "district", "decision": "approve", "opinion": "同意推荐。",
            "override_reason": "已取得信用修复证明。"}), 200)
        self.assertEqual(out["status"], "municipal_review")
        ev = Flow(srv).events(app["id"])[-1]
        self.assertEqual(ev["action"], "district_approve")
        self.assertEqual(ev["details"]["override_reason"], "已取得信用修复证明。")
        basis = ev["details"]["basis"]
        self.assertIs(basis["eligibility"]["eligible"], False)
        self.assertEqual([c["id"] for c in basis["eligibility"]["checks"] if not c["passed"]],
                         ["declarations"])
        self.assertEqual({c["id"] for c in basis["eligibility"]["checks"]},
                         {c["id"] for c in app["eligibility"]["checks"]})
        self.assertEqual(basis["award"]["total_fen"], app["award"]["total_fen"])
        # a return records it too, and counts
        r = srv.review(app["id"], "municipal_commerce",
                       {"stage": "municipal", "decision": "return", "opinion": "请补充信用修复材料。"})
        out = self.assertStatus(r, 200)
        self.assertEqual(out["review"]["times_returned"], 1)
        self.assertEqual(out["review"]["submissions"], 1)
        self.assertIn("basis", Flow(srv).events(app["id"])[-1]["details"])


class Bureaus(ApiTest):
    """A district reviewer names its unit and its authority and sees only
    that authority's kinds; one without reviews every kind of its unit that
    has a district stage (RULES.md §5)."""

    @classmethod
    def setUpClass(cls):
        # every kind with a district stage, as a deployment may configure
        cls.srv = common.start_server_config(
            {"stages": common.ALL_STAGES, "one_application_per_round": False}, clock=CLOCK)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def account(self, body):
        return self.srv.req("POST", "/v1/accounts", body, token="admin")

    def test_accounts_with_an_authority(self):
        s = self.srv
        r = self.account({"role": "district_reviewer", "name": "海淀区商务局",
                          "unit": "110108", "authority": "commerce"})
        commerce = self.assertStatus(r, 201)
        self.assertEqual(commerce["account"]["authority"], "commerce")
        bad = [
            ({"role": "applicant", "name": "x", "uscc": common.uscc_new("110108"),
              "authority": "commerce"}, ["/authority"]),
            ({"role": "district_reviewer", "name": "x", "unit": "110108",
              "authority": "lottery"}, ["/authority"]),
            ({"role": "auditor", "name": "x", "authority": "commerce"}, ["/authority"]),
        ]
        for body, pointers in bad:
            with self.subTest(body=body):
                self.assertProblem(self.account(body), 422, pointers)
        # the command line too
        rc, out, err = common.shenbao_cli(["account", "add", "--config", s.config, "--role",
                                           "district_reviewer", "--name", "海淀区科信局",
                                           "--unit", "110108", "--authority", "science_tech"])
        self.assertEqual(rc, 0, err)
        science = out.strip().splitlines()[-1]
        rc, out, err = common.shenbao_cli(["account", "add", "--config", s.config, "--role",
                                           "applicant", "--name", "x", "--uscc",
                                           common.uscc_new("110108"), "--authority",
                                           "commerce"])
        self.assertNotEqual(rc, 0)
        self.assertIn("--authority", err)

        flow = Flow(s)
        incubator = flow.to(flow.create("incubator"), "district_review")
        store = flow.to(flow.create("first_store"), "district_review")
        self.assertEqual((incubator["review_unit"], store["review_unit"]), ("110108", "110108"))

        def ids(token):
            r = s.req("GET", "/v1/applications?limit=100", token=token)
            return {a["id"] for a in self.assertStatus(r, 200)["items"]}

        self.assertIn(store["id"], ids(commerce["token"]))
        self.assertNotIn(incubator["id"], ids(commerce["token"]))
        self.assertIn(incubator["id"], ids(science))
        self.assertNotIn(store["id"], ids(science))
        # the account made without an authority, as before: every kind
        self.assertTrue({store["id"], incubator["id"]} <= ids(s.tokens["district_110108"]))
        # another bureau's application is not there at all
        self.assertProblem(s.req("GET", "/v1/applications/%d" % incubator["id"],
                                 token=commerce["token"]), 404)
        r = s.req("POST", "/v1/applications/%d/reviews" % incubator["id"],
                  {"stage": "district", "decision": "approve"}, token=commerce["token"])
        self.assertProblem(r, 404)
        r = s.req("POST", "/v1/applications/%d/reviews" % store["id"],
                  {"stage": "district", "decision": "approve", "opinion": "同意推荐。"},
                  token=commerce["token"])
        self.assertEqual(self.assertStatus(r, 200)["status"], "municipal_review")

    def test_registered_elsewhere_is_noted(self):
        s = self.srv
        key = "chaoyang_org"
        s.add_applicant(key, "北京朝阳测试有限公司", common.uscc_new("110105"))
        app = s.create(key, s.envelope("first_store", key, review_unit="110108"))
        notes = app["review"]["notes"]
        self.assertEqual([n["id"] for n in notes], ["registered_elsewhere"])
        self.assertEqual((notes[0]["division"], notes[0]["review_unit"]), ("110105", "110108"))
        self.assertIn("110105", notes[0]["detail_zh"])
        app = s.create(key, s.envelope("first_store", key, review_unit="110105"))
        self.assertEqual(app["review"]["notes"], [])
        # the ETDZ and enterprise units follow their own rule: no note
        app = s.create(key, s.envelope("first_store", key, review_unit="etdz"))
        self.assertEqual(app["review"]["notes"], [])


class Deadlines(ApiTest):
    """How long an item waits, when a returned one is due back, a notice
    held past its end by an objection (RULES.md §8)."""

    def test_returned_due_and_overdue(self):
        s = common.start_server_config(dict(CONFIG, return_due_days=5), clock=CLOCK)
        try:
            key = "late_org"
            s.add_applicant(key, "北京测试补正有限公司", common.uscc_new("110108"))
            app = s.submit(s.create(key, s.envelope("first_store", key))["id"], key)
            self.assertEqual(app["review"]["due_on"], None)
            r = s.review(app["id"], "district_110108",
                         {"stage": "district", "decision": "return", "opinion": "请补正。"})
            out = self.assertStatus(r, 200)
            # 2020-09-29 + 5 = 10-04, in the National Day holiday: moved to
            # the next working day, 10-09
            self.assertEqual(out["review"]["due_on"], "2020-10-09")
            self.assertIs(out["review"]["overdue"], False)
            self.assertEqual(out["review"]["days_waiting"], 0)
        finally:
            common.stop_keeping_data(s)
        later = common.serve_again(s, clock="2020-10-10T09:00:00+08:00")
        try:
            got = later.get(app["id"], key)
            self.assertIs(got["review"]["overdue"], True)
            self.assertEqual(got["review"]["days_waiting"], 11)
            # resubmitted: no longer due, the waiting starts again
            got = later.submit(app["id"], key)
            self.assertEqual((got["review"]["due_on"], got["review"]["days_waiting"],
                              got["review"]["submissions"]), (None, 0, 2))
        finally:
            later.stop()

    def test_notice_held_by_an_objection(self):
        s = common.start_server_config(
            {"stages": common.ALL_STAGES, "one_application_per_round": False}, clock=CLOCK)
        flow = Flow(s)
        try:
            app = flow.to(flow.create("incubator"), "public_notice")
            self.assertEqual(app["notice"]["ends_on"], "2020-10-12")
            r = common.file_objection(s.port, app["id"])
            self.assertStatus(r, 201)
            got = flow.get(app["id"])
            self.assertEqual((got["review"]["notice_held"], got["review"]["open_objections"]),
                             (False, 1))
        finally:
            common.stop_keeping_data(s)
        later = common.serve_again(s, clock="2020-10-13T09:00:00+08:00")
        try:
            got = Flow(later).get(app["id"])
            self.assertEqual(got["status"], "public_notice")
            self.assertIs(got["review"]["notice_held"], True)
        finally:
            later.stop()


class Migration(ApiTest):
    """A database of the schema before this one (accounts with the first
    schema's CHECK, applications, events) migrates: every row kept, foreign
    keys intact, a district reviewer may now name an authority, and the
    waiting of what was stored starts from its last move."""

    def test_rebuilt_accounts_keep_everything(self):
        here = os.path.dirname(os.path.abspath(__file__))
        migrations = os.path.join(os.path.dirname(os.path.dirname(here)), "migrations")
        tmp = tempfile.mkdtemp(prefix="shenbao-api-migrate-")
        db = os.path.join(tmp, "old.db")
        con = sqlite3.connect(db)
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT")
        for name in sorted(os.listdir(migrations)):
            if not name.endswith(".sql") or int(name[:4]) > 7:
                continue
            with open(os.path.join(migrations, name), encoding="utf-8") as f:
                con.executescript(f.read())
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                        (int(name[:4]), name, "2020-09-29T02:00:00Z"))
        con.execute("INSERT INTO review_units VALUES ('110108', '海淀区', 'Haidian', 'district')")
        accounts = [(1, "applicant", "某公司", "91110108551385082Q", None, None),
                    (2, "district_reviewer", "海淀区", None, "110108", None),
                    (3, "municipal_reviewer", "市商务局", None, None, "commerce"),
                    (4, "auditor", "审计", None, None, None)]
        for a in accounts:
            con.execute("INSERT INTO accounts (id, role, name, uscc, unit, authority, token_hash,"
                        " created_at) VALUES (?, ?, ?, ?, ?, ?, randomblob(32), ?)",
                        a + ("2020-09-29T02:00:00Z",))
        con.execute("INSERT INTO applications (id, kind, round, review_unit, applicant_name,"
                    " applicant_uscc, status, version, created_by, created_at, updated_at,"
                    " submitted_at, data) VALUES (1, 'first_store', 2020, '110108', '某公司',"
                    " '91110108551385082Q', 'district_review', 2, 1, '2020-09-01T02:00:00Z',"
                    " '2020-09-20T02:00:00Z', '2020-09-02T02:00:00Z', '{}')")
        for i, (action, frm, to, at) in enumerate((
                ("create", None, "draft", "2020-09-01T02:00:00Z"),
                ("submit", "draft", "district_review", "2020-09-02T02:00:00Z"))):
            con.execute("INSERT INTO events (id, application_id, at, action, from_status,"
                        " to_status, actor_account, actor_role, prev_hash, hash) VALUES"
                        " (?, 1, ?, ?, ?, ?, 1, 'applicant', zeroblob(32), randomblob(32))",
                        (i + 1, at, action, frm, to))
        con.commit()
        con.close()
        rc, out, err = common.shenbao_cli(["migrate", "--db", db])
        self.assertEqual(rc, 0, err)
        con = sqlite3.connect(db)
        try:
            self.assertEqual(con.execute("PRAGMA foreign_key_check").fetchall(), [])
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            got = con.execute("SELECT id, role, name, uscc, unit, authority FROM accounts"
                              " ORDER BY id").fetchall()
            self.assertEqual(got, accounts)
            # the foreign keys of other tables name the rebuilt table
            sql = con.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()
            self.assertIn("REFERENCES accounts", sql[0])
            con.execute("PRAGMA foreign_keys = ON")
            con.execute("INSERT INTO accounts (role, name, unit, authority, token_hash,"
                        " created_at) VALUES ('district_reviewer', '海淀区商务局', '110108',"
                        " 'commerce', randomblob(32), 'x')")
            for bad in (("applicant", "91110108551385082Q", None, "commerce"),
                        ("municipal_reviewer", None, None, None),
                        ("district_reviewer", None, None, "commerce")):
                with self.assertRaises(sqlite3.IntegrityError):
                    con.execute("INSERT INTO accounts (role, name, uscc, unit, authority,"
                                " token_hash, created_at) VALUES (?, 'x', ?, ?, ?,"
                                " randomblob(32), 'x')", bad)
            row = con.execute("SELECT status_at, granted_fen, refund_fen FROM applications"
                              " WHERE id = 1").fetchone()
            self.assertEqual(row, ("2020-09-02T02:00:00Z", None, None))
        finally:
            con.close()
            subprocess.run(["rm", "-rf", tmp], check=False)

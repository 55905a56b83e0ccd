"""The rules on real requests: `eligibility` and `award` of each kind
(RULES.md §0, §2-§4), and the 2-year ban at submission (§2, 第十三条).

Applications here use review units 110111 (applicant A) and 110112
(applicant B), which no other test module lists.  The date rules whose
outcome depends on the day (满1年, 12 个月以上) are tested on a server of
their own with a pinned clock; everywhere else the dates hold whatever
today is.
"""

import copy
import datetime

import common
from common import ApiTest, req, create, submit, get, envelope

UNIT_A = "110111"
UNIT_B = "110112"
WAN = 1000000  # 1 万元 in fen

INCUBATOR_CHECKS = ["registered_in_beijing", "operating_one_year", "good_credit", "field",
                    "services", "service_revenue", "mentoring", "investment", "team",
                    "incubatee_count", "incubatee_growth", "incubatee_ip"]
TOURISM_CHECKS = ["registered_in_beijing", "inbound_business", "no_heavier_penalty",
                  "no_major_accident", "no_major_incident"]

# 三(一): share of the spend and the cap of each category, by applicant type.
OPENING_PERCENT = {"international_brand": 50, "domestic_brand": 20, "international_agent": 50}
OPENING_CAP = {
    "international_brand": {"asia_first": 500 * WAN, "china_first": 200 * WAN,
                            "beijing_first": 50 * WAN, "flagship": 50 * WAN},
    "domestic_brand": {"china_first": 200 * WAN, "beijing_first": 50 * WAN,
                       "flagship": 50 * WAN},
    "international_agent": {"asia_first": 500 * WAN, "china_first": 200 * WAN,
                            "beijing_first": 50 * WAN, "flagship": 50 * WAN},
}

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def checks_of(app):
    return {c["id"]: c for c in app["eligibility"]["checks"]}


def failed_ids(app):
    return [c["id"] for c in app["eligibility"]["checks"] if not c["passed"]]


def items_of(app):
    return {it["item"]: it for it in app["award"]["items"]}


class RulesTest(ApiTest):
    """Helpers shared by the rule tests."""

    def check(self, app, check_id, passed, *in_detail):
        checks = checks_of(app)
        self.assertIn(check_id, checks, "no check %r in %r" % (check_id, list(checks)))
        c = checks[check_id]
        self.assertIs(c["passed"], passed, "check %s: %r" % (check_id, c))
        self.assertIsInstance(c["detail"], str)
        self.assertTrue(c["detail"].strip(), "check %s has an empty detail" % check_id)
        for text in in_detail:
            self.assertIn(text, c["detail"], "check %s: %r" % (check_id, c))
        return c

    def assertEligible(self, app, eligible=True):
        self.assertIs(app["eligibility"]["eligible"], eligible,
                      "eligible %r expected; failed checks: %r"
                      % (eligible, [(c["id"], c["detail"]) for c in app["eligibility"]["checks"]
                                    if not c["passed"]]))

    def assertAward(self, app, basis, items):
        """items: {item: amount_fen}; exactly these items, total their sum."""
        aw = app["award"]
        self.assertEqual(aw["basis"], basis, aw)
        got = {}
        for it in aw["items"]:
            self.assertNotIn(it["item"], got, "item %s twice: %r" % (it["item"], aw))
            self.assertIsInstance(it["amount_fen"], int)
            got[it["item"]] = it["amount_fen"]
        self.assertEqual(got, items, aw)
        self.assertEqual(aw["total_fen"], sum(items.values()), aw)

    def put(self, app, env, who, expect=200):
        r = req("PUT", "/v1/applications/%d" % app["id"], env, token=who)
        if expect != 200:
            return r
        self.assertEqual(r[0], 200, r)
        return r[2]

    def revise(self, app, who, change):
        """PUTs the application's envelope with `change(data)` applied;
        returns the new application, checking the version went up by one."""
        env = {k: copy.deepcopy(app[k]) for k in common.ENVELOPE_KEYS}
        change(env["data"])
        new = self.put(app, env, who)
        self.assertEqual(new["version"], app["version"] + 1)
        return new


# --------------------------------------------------------------------------
# incubator (RULES.md §2)


def incubatee(i, **kw):
    """A qualifying Beijing incubatee, distinct by i."""
    it = {
        "name": "北京测试在孵企业%02d科技有限公司" % i,
        "uscc": common.uscc_make("91110108MA02%05d" % i),
        "employees": 10 + i,
        "revenue_fen": 100 * WAN,
        "hard_tech": True,
        "prohibited_catalogue": False,
        "invested": False,
        "invested_by_incubator": False,
        "ip_applied": True,
        "ip_valid": False,
    }
    it.update(kw)
    return it


def incubatees(n, invested=10, by_incubator=2, ip_applied=None):
    """n qualifying Beijing incubatees: the first `invested` received
    investment, the first `by_incubator` of them from the incubator."""
    out = []
    for i in range(n):
        out.append(incubatee(i, invested=i < invested, invested_by_incubator=i < by_incubator,
                             ip_applied=True if ip_applied is None else i < ip_applied))
    return out


class Incubator(RulesTest):
    def new(self, data_change=None):
        env = envelope("incubator", "applicant_a", review_unit=UNIT_A)
        if data_change:
            data_change(env["data"])
        return create("applicant_a", env=env)

    def test_example_eligible_with_the_twelve_checks_in_order(self):
        app = self.new()
        el = app["eligibility"]
        self.assertEqual([c["id"] for c in el["checks"]], INCUBATOR_CHECKS)
        for c in el["checks"]:
            self.assertIs(c["passed"], True, c)
            self.assertIsInstance(c["detail"], str)
            self.assertTrue(c["detail"].strip(), c)
        self.assertEligible(app)
        # An incubator is certified, not paid.
        self.assertAward(app, "as_applied", {})
        # the same after submission, and as a reviewer sees it
        sub = submit(app["id"])
        self.assertEqual([c["id"] for c in sub["eligibility"]["checks"]], INCUBATOR_CHECKS)
        self.assertEligible(sub)
        _, _, seen = req("GET", "/v1/applications/%d" % app["id"], token="municipal_science_tech")
        self.assertEqual(seen["eligibility"], sub["eligibility"])

    def test_mentoring_49_fails_50_passes(self):
        app = self.new()
        v1 = app["version"]
        app = self.revise(app, "applicant_a", lambda d: d.update(mentor_sessions=49))
        self.assertEqual(app["version"], v1 + 1)
        c = self.check(app, "mentoring", False, "49", "50")
        self.assertEligible(app, False)
        self.assertEqual(failed_ids(app), ["mentoring"])
        st, h, got = get(app["id"])
        self.assertEqual(st, 200)
        self.assertEqual(h.get("etag"), '"%d"' % app["version"])
        self.assertEqual(got["version"], v1 + 1)
        self.assertEqual(checks_of(got)["mentoring"], c)
        self.assertEqual(got["eligibility"], app["eligibility"])
        # 不少于 50 人次 includes 50
        app = self.revise(app, "applicant_a", lambda d: d.update(mentor_sessions=50))
        self.check(app, "mentoring", True, "50")
        self.assertEligible(app)

    def test_service_share_exactly_30_percent(self):
        def share(total):
            def change(d):
                d["service_revenue_fen"] = [420000000, 420000000, 420000000]  # no growth
                d["total_revenue_fen"] = total
            return change
        app = self.new(share(1400000000))
        self.check(app, "service_revenue", True)
        self.assertEligible(app)
        app = self.revise(app, "applicant_a", share(1400000001))
        self.check(app, "service_revenue", False)
        self.assertEqual(failed_ids(app), ["service_revenue"])

    def test_service_growth_exactly_5_percent(self):
        def growth(last):
            def change(d):
                d["service_revenue_fen"] = [400000000, 400000000, last]
                d["total_revenue_fen"] = 10000000000  # share under 30 %
            return change
        # (0 % + 10 %) / 2 = 5 %
        app = self.new(growth(440000000))
        self.check(app, "service_revenue", True)
        app = self.revise(app, "applicant_a", growth(439999999))
        self.check(app, "service_revenue", False)

    def test_growth_from_zero_is_undefined(self):
        def change(d):
            d["service_revenue_fen"] = [0, 100000000, 200000000]
            d["total_revenue_fen"] = 10000000000
        app = self.new(change)
        self.check(app, "service_revenue", False, "undefined")
        app = self.revise(app, "applicant_a",
                          lambda d: d.update(incubatee_revenue_fen=[0, 5000000000, 6000000000]))
        self.check(app, "incubatee_growth", False, "undefined")

    def test_incubatee_growth_10_percent(self):
        # (10 % + 10 %) / 2 = 10 %
        app = self.new(lambda d: d.update(incubatee_revenue_fen=[1000000000, 1100000000,
                                                                  1210000000]))
        self.check(app, "incubatee_growth", True)
        app = self.revise(app, "applicant_a",
                          lambda d: d.update(incubatee_revenue_fen=[1000000000, 1100000000,
                                                                    1209999999]))
        self.check(app, "incubatee_growth", False)

    def test_twenty_beijing_incubatees(self):
        app = self.new(lambda d: d.update(incubatees=incubatees(20)))
        self.check(app, "incubatee_count", True, "20")
        self.assertEligible(app)
        app = self.revise(app, "applicant_a", lambda d: d.update(incubatees=incubatees(19)))
        self.check(app, "incubatee_count", False, "19", "20")

    def test_qualifying_incubatee_limits(self):
        # 100 人以下 and 2000 万元以下 include the number.
        def with_last(**kw):
            def change(d):
                d["incubatees"] = incubatees(20)
                d["incubatees"][19].update(kw)
            return change
        for kw, ok in ((dict(employees=100), True), (dict(employees=101), False),
                       (dict(revenue_fen=2000 * WAN), True),
                       (dict(revenue_fen=2000 * WAN + 1), False),
                       (dict(hard_tech=False), False), (dict(prohibited_catalogue=True), False),
                       (dict(uscc="91330100799655058B"), False)):  # Hangzhou
            with self.subTest(**kw):
                app = self.new(with_last(**kw))
                self.check(app, "incubatee_count", ok)

    def test_investment_shares(self):
        # 20 qualifying: 6 invested is 30 %; of those, 1 by the incubator is >= 10 %.
        cases = ((6, 1, True), (5, 1, False), (10, 1, True), (10, 0, False), (0, 0, False))
        for invested, own, ok in cases:
            with self.subTest(invested=invested, by_incubator=own):
                app = self.new(lambda d: d.update(
                    incubatees=incubatees(20, invested=invested, by_incubator=own)))
                self.check(app, "investment", ok)
        app = self.new(lambda d: d.update(has_investment_fund=False))
        self.check(app, "investment", False)

    def test_ip_shares(self):
        # applied >= 50 % or valid >= 30 %, each on its own
        def ip(applied, valid):
            def change(d):
                d["incubatees"] = incubatees(20, ip_applied=applied)
                for i, it in enumerate(d["incubatees"]):
                    it["ip_valid"] = i < valid
            return change
        for applied, valid, ok in ((10, 0, True), (9, 0, False), (0, 6, True), (9, 5, False)):
            with self.subTest(applied=applied, valid=valid):
                self.check(self.new(ip(applied, valid)), "incubatee_ip", ok)

    def test_declarations_and_services(self):
        app = self.new(lambda d: d.update(good_credit=False, team_qualified=False, services=[]))
        self.assertEqual(sorted(failed_ids(app)), ["good_credit", "services", "team"])
        self.assertEqual([c["id"] for c in app["eligibility"]["checks"]], INCUBATOR_CHECKS)


# --------------------------------------------------------------------------
# first_store (RULES.md §3)


def opening(applicant_type="international_brand", category="china_first", rent=60000000,
            decoration=40000000, license_fee=None, **store):
    data = envelope("first_store", "applicant_a")["data"]
    d = {"project": "store_opening", "applicant_type": applicant_type, "category": category,
         "brand": data.get("brand", "Test Brand"), "declarations": data["declarations"]}
    d["store"] = {"name": "测试品牌北京首店", "address": "北京市朝阳区测试路1号",
                  "district": "110105", "registered_on": "2019-03-01",
                  "opened_on": "2019-04-01", "area_m2": 620, "largest_in_beijing": True,
                  "all_categories": True}
    d["store"].update(store)
    if license_fee is None:
        d["rent_12m_fen"] = rent
        d["decoration_fen"] = decoration
    else:
        d["license_fee_fen"] = license_fee
    return d


def introduced(brand, brand_type="international_brand", in_pipeline=False, **kw):
    s = {"brand": brand, "brand_type": brand_type, "category": "beijing_first",
         "registered_on": "2019-06-01", "opened_on": "2019-06-15",
         "rent_12m_fen": 80000000, "decoration_fen": 40000000, "agreement_years": 3,
         "in_pipeline": in_pipeline}
    s.update(kw)
    return s


class FirstStore(RulesTest):
    def new(self, data):
        return create("applicant_a", env=envelope("first_store", "applicant_a",
                                                  review_unit=UNIT_A, data=data))

    def test_example_award_as_applied_capped(self):
        app = create("applicant_a", env=envelope("first_store", "applicant_a",
                                                 review_unit=UNIT_A))
        d = app["data"]
        self.assertEqual(d["project"], "store_opening", "the example is a store opening")
        t, cat = d["applicant_type"], d["category"]
        base = d["license_fee_fen"] if t == "international_agent" \
            else d["rent_12m_fen"] + d["decoration_fen"]
        share = base * OPENING_PERCENT[t] // 100
        cap = OPENING_CAP[t][cat]
        self.assertGreater(share, cap, "the example is meant to reach its category's cap")
        self.assertEligible(app)
        self.assertAward(app, "as_applied", {"store_opening": cap})
        self.assertEqual(items_of(app)["store_opening"]["amount_fen"], cap)

    def test_spend_must_exceed_100_wan(self):
        # 12 months' rent + decoration exactly 100万: 超过 excludes it.
        app = self.new(opening(rent=60000000, decoration=40000000))
        self.check(app, "spend_threshold", False)
        self.assertEqual(failed_ids(app), ["spend_threshold"])
        self.assertEligible(app, False)
        app = self.revise(app, "applicant_a", lambda d: d.update(decoration_fen=40000001))
        self.check(app, "spend_threshold", True)
        self.assertEligible(app)
        # 50 % of 100,000,001 fen rounds down; china_first cap 200万
        self.assertAward(app, "as_applied", {"store_opening": 50000000})

    def test_international_brand_caps(self):
        for cat, cap in OPENING_CAP["international_brand"].items():
            with self.subTest(category=cat):
                app = self.new(opening(category=cat, rent=800000000, decoration=400000000))
                self.check(app, "category_allowed", True)
                self.assertAward(app, "as_applied", {"store_opening": cap})

    def test_domestic_brand_asia_first_is_kept_but_not_funded(self):
        env = envelope("first_store", "applicant_a", review_unit=UNIT_A,
                       data=opening("domestic_brand", "asia_first", rent=80000000,
                                    decoration=40000000))
        r = req("POST", "/v1/applications", env, token="applicant_a")
        self.assertEqual(r[0], 201, r)
        app = r[2]
        self.check(app, "category_allowed", False)
        self.assertEqual(failed_ids(app), ["category_allowed"])
        self.assertEligible(app, False)
        self.assertEqual(app["award"]["total_fen"], 0, app["award"])
        for it in app["award"]["items"]:
            self.assertEqual(it["amount_fen"], 0, it)

    def test_domestic_brand_threshold_and_share(self):
        app = self.new(opening("domestic_brand", "china_first", rent=30000000,
                               decoration=20000000))
        self.check(app, "category_allowed", True)
        self.check(app, "spend_threshold", False)
        app = self.revise(app, "applicant_a", lambda d: d.update(decoration_fen=20000001))
        self.check(app, "spend_threshold", True)
        self.assertEligible(app)
        # 20 % of 50,000,001 fen, rounded down
        self.assertAward(app, "as_applied", {"store_opening": 10000000})

    def test_agent_licence_fee(self):
        app = self.new(opening("international_agent", "asia_first", license_fee=100000000))
        self.check(app, "spend_threshold", False)
        app = self.revise(app, "applicant_a", lambda d: d.update(license_fee_fen=100000001))
        self.check(app, "spend_threshold", True)
        self.assertEligible(app)
        self.assertAward(app, "as_applied", {"store_opening": 50000000})

    def test_flagship_criteria(self):
        app = self.new(opening(category="flagship", area_m2=500, rent=80000000,
                               decoration=40000000))
        self.check(app, "flagship_criteria", True)
        self.assertEligible(app)
        for change in ({"area_m2": 499}, {"largest_in_beijing": False},
                       {"all_categories": False}):
            with self.subTest(**change):
                app2 = self.revise(app, "applicant_a", lambda d: d["store"].update(change))
                self.check(app2, "flagship_criteria", False)
                app = self.revise(app2, "applicant_a",
                                  lambda d: d["store"].update(area_m2=500,
                                                              largest_in_beijing=True,
                                                              all_categories=True))
                self.check(app, "flagship_criteria", True)

    def test_new_since_2019(self):
        app = self.new(opening(registered_on="2019-01-01"))
        self.check(app, "new_since_2019", True)
        app = self.revise(app, "applicant_a",
                          lambda d: d["store"].update(registered_on="2018-12-31"))
        self.check(app, "new_since_2019", False)
        # footnote 7: a store registered earlier that became a flagship on or
        # after 2019-01-01
        app = self.new(opening(category="flagship", rent=80000000, decoration=40000000,
                               registered_on="2015-06-01", opened_on="2019-01-01"))
        self.check(app, "new_since_2019", True)
        self.assertEligible(app)
        app = self.revise(app, "applicant_a", lambda d: d["store"].update(opened_on="2018-12-31"))
        self.check(app, "new_since_2019", False)

    def test_introduction_with_pipeline_bonus(self):
        decl = envelope("first_store", "applicant_a")["data"]["declarations"]
        data = {"project": "store_introduction", "declarations": decl, "stores": [
            introduced("Brand One", in_pipeline=True),
            introduced("品牌二", "domestic_brand", rent_12m_fen=30000000,
                       decoration_fen=20000001),
            introduced("Brand Three", in_pipeline=True, agreement_years=1),
            introduced("Brand Four", in_pipeline=True, rent_12m_fen=60000000,
                       decoration_fen=40000000),
            introduced("Brand Five", registered_on="2018-12-31", in_pipeline=True),
        ]}
        app = self.new(data)
        self.check(app, "stores_qualifying", True, "2 of 5")
        self.assertEligible(app)
        # 10万 for each of the 2 qualifying stores, 2万 for the 1 of them from the pipeline
        self.assertAward(app, "as_applied",
                         {"store_introduction": 20 * WAN, "pipeline_bonus": 2 * WAN})
        # none from the pipeline: no bonus
        app = self.revise(app, "applicant_a", lambda d: d["stores"][0].update(in_pipeline=False))
        self.assertAward(app, "as_applied", {"store_introduction": 20 * WAN})
        # none qualifying
        app = self.revise(app, "applicant_a", lambda d: d.update(stores=d["stores"][2:]))
        self.check(app, "stores_qualifying", False, "0 of 3")
        self.assertEqual(app["award"]["total_fen"], 0)

    def test_launch_event(self):
        decl = envelope("first_store", "applicant_a")["data"]["declarations"]
        data = {"project": "launch_event", "declarations": decl,
                "event": {"name": "测试新品发布会", "held_on": "2020-06-01",
                          "venue_rent_fen": 60000001, "setup_fen": 40000000}}
        app = self.new(data)
        self.check(app, "held_in_period", True)
        self.assertEligible(app)
        self.assertAward(app, "as_applied", {"launch_event": 50000000})
        app = self.revise(app, "applicant_a",
                          lambda d: d["event"].update(venue_rent_fen=200000000))
        self.assertAward(app, "as_applied", {"launch_event": 100 * WAN})
        app = self.revise(app, "applicant_a", lambda d: d["event"].update(held_on="2019-12-31"))
        self.check(app, "held_in_period", False)


# --------------------------------------------------------------------------
# tourism_award (RULES.md §4)


def charter(tourists=60, scheduled=False, nights=2, arrived="2020-05-01", n=1):
    return {"flight": "TEST %d" % n, "tourists": tourists, "scheduled_route": scheduled,
            "arrived_on": arrived, "nights_in_beijing": nights}


class Tourism(RulesTest):
    def env(self, change=None):
        env = envelope("tourism_award", "applicant_b", review_unit=UNIT_B, round=2020)
        if change:
            change(env["data"])
        return env

    def new(self, change=None):
        return create("applicant_b", env=self.env(change))

    def test_example_checks(self):
        app = self.new()
        self.assertEqual([c["id"] for c in app["eligibility"]["checks"]], TOURISM_CHECKS)
        self.assertEligible(app)
        aw = app["award"]
        self.assertEqual(aw["basis"], "as_applied", aw)
        # Not ranked yet; a special award is the authority's grant, not the claim.
        for it in aw["items"]:
            self.assertIn(it["item"], ("charter",), aw)

    def test_charter_60_tourists(self):
        app = self.new(lambda d: d.update(charters=[charter(60)]))
        self.assertAward(app, "as_applied", {"charter": 2 * WAN})
        self.assertEqual(items_of(app)["charter"].get("count"), 1, app["award"])
        app = self.revise(app, "applicant_b", lambda d: d.update(charters=[charter(59)]))
        self.assertAward(app, "as_applied", {})

    def test_charter_conditions(self):
        charters = [charter(60, n=1), charter(59, n=2), charter(60, scheduled=True, n=3),
                    charter(60, nights=1, n=4), charter(200, nights=5, n=5),
                    charter(60, arrived="2019-12-31", n=6)]
        app = self.new(lambda d: d.update(charters=charters))
        self.assertAward(app, "as_applied", {"charter": 4 * WAN})
        self.assertEqual(items_of(app)["charter"].get("count"), 2, app["award"])

    def test_penalties(self):
        for penalty, ok in (("none", True), ("warning", True), ("fine", True),
                            ("heavier", False)):
            with self.subTest(penalty=penalty):
                app = self.new(lambda d: d.update(penalty=penalty))
                self.check(app, "no_heavier_penalty", ok)
                self.assertEligible(app, ok)
        app = self.new(lambda d: d.update(major_accident=True, major_incident=True,
                                          inbound_business=False))
        self.assertEqual(failed_ids(app),
                         ["inbound_business", "no_major_accident", "no_major_incident"])

    def test_groups_that_do_not_add_up(self):
        groups = [
            {"type": "organised", "tourists": 200, "start_on": "2020-09-01",
             "end_on": "2020-09-10"},   # 10 days: 2,000
            {"type": "commissioned", "tourists": 150, "start_on": "2020-11-01",
             "end_on": "2020-11-20"},   # 20 days: 3,000
            {"type": "organised", "tourists": 7, "start_on": "2020-03-01",
             "end_on": "2020-03-01"},   # left the day it came: 1 day, 7
        ]

        def good(d):
            d.update(groups=groups, outbound_person_days=2007, reception_person_days=5007)
        app = self.new(good)
        self.assertEqual(app["data"]["outbound_person_days"], 2007)

        env = self.env(good)
        env["data"]["outbound_person_days"] = 2008
        r = req("POST", "/v1/applications", env, token="applicant_b")
        self.assertProblem(r, 422, ["/data/outbound_person_days"])
        self.assertNotIn("/data/reception_person_days", common.problem_pointers(r))

        env = self.env(good)
        env["data"]["reception_person_days"] = 5000  # organised groups left out
        r = req("POST", "/v1/applications", env, token="applicant_b")
        self.assertProblem(r, 422, ["/data/reception_person_days"])
        self.assertNotIn("/data/outbound_person_days", common.problem_pointers(r))

        # a PUT is validated the same way, and changes nothing
        env = self.env(good)
        env["data"]["outbound_person_days"] = 2006
        r = self.put(app, env, "applicant_b", expect=422)
        self.assertProblem(r, 422, ["/data/outbound_person_days"])
        self.assertEqual(get(app["id"], "applicant_b")[2]["version"], app["version"])


# --------------------------------------------------------------------------
# Dates against the submission day, on a server whose clock is pinned


class DateRules(RulesTest):
    """The server's day is 2020-07-28 (RULES.md §0: registered on 2019-07-28,
    the year is full on 2020-07-28)."""

    CLOCK = "2020-07-28T10:00:00+08:00"

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=cls.CLOCK)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def create(self, kind, change):
        env = self.srv.envelope(kind, "applicant_a", review_unit="110108")
        change(env["data"])
        return self.srv.create("applicant_a", env)

    def test_operating_one_year(self):
        for registered, ok in (("2019-07-28", True), ("2019-07-27", True),
                               ("2019-07-29", False)):
            with self.subTest(registered_on=registered):
                app = self.create("incubator", lambda d: d.update(registered_on=registered))
                self.check(app, "operating_one_year", ok, "2020-07-28")
                self.assertEqual(failed_ids(app), [] if ok else ["operating_one_year"])
                # judged on the submission day once submitted
                sub = self.srv.submit(app["id"], "applicant_a")
                self.assertTrue(sub["submitted_at"].startswith("2020-07-28T"), sub)
                self.check(sub, "operating_one_year", ok, "2020-07-28")

    def test_operated_12_months(self):
        for opened, ok in (("2019-07-28", True), ("2019-07-29", False)):
            with self.subTest(opened_on=opened):
                app = self.create("first_store",
                                  lambda d: d.update(opening(category="china_first",
                                                             rent=80000000,
                                                             decoration=40000000,
                                                             registered_on="2019-07-01",
                                                             opened_on=opened)))
                self.check(app, "operated_12_months", ok)
                self.assertEqual(failed_ids(app), [] if ok else ["operated_12_months"])
                sub = self.srv.submit(app["id"], "applicant_a")
                self.check(sub, "operated_12_months", ok)

    def test_introduced_store_12_months_from_registration(self):
        decl = envelope("first_store", "applicant_a")["data"]["declarations"]
        data = {"project": "store_introduction", "declarations": decl,
                "stores": [introduced("Brand One", registered_on="2019-07-28",
                                      opened_on="2019-08-15"),
                           introduced("Brand Two", registered_on="2019-07-29",
                                      opened_on="2019-07-29")]}
        app = self.create("first_store", lambda d: (d.clear(), d.update(data)))
        self.check(app, "stores_qualifying", True, "1 of 2")
        self.assertAward(app, "as_applied", {"store_introduction": 10 * WAN})


# --------------------------------------------------------------------------
# The 2-year ban (京科发〔2020〕13号 第十三条)


class Ban(RulesTest):
    """Bans are written straight into the database, as a revocation would;
    each case has an organisation of its own."""

    def new_org(self, label):
        uscc = common.uscc_new("110108")
        name = "北京禁入测试%s孵化器有限公司" % label
        r = req("POST", "/v1/accounts", {"role": "applicant", "name": name, "uscc": uscc},
                token="admin")
        self.assertEqual(r[0], 201, r)
        return r[2]["token"], {"name": name, "uscc": uscc}

    def draft(self, tok, applicant, kind):
        env = envelope(kind, "applicant_a", review_unit=UNIT_A)
        env["applicant"] = applicant
        r = req("POST", "/v1/applications", env, token=tok)
        self.assertEqual(r[0], 201, r)
        common.attach_materials(r[2]["id"], tok)
        return r[2]

    @staticmethod
    def server_day(app):
        """The server's day (Asia/Shanghai) from the created_at it stamped."""
        t = datetime.datetime.strptime(app["created_at"][:19], "%Y-%m-%dT%H:%M:%S")
        return t.replace(tzinfo=datetime.timezone.utc).astimezone(SHANGHAI).date()

    @staticmethod
    def add_ban(uscc, kind, starts_on, until_on, reason="资质被撤销（测试）"):
        db = common.ctx.db
        assert db, "run.py did not say where the database is (ctx.db)"
        common.db_exec(db, "INSERT INTO bans (uscc, kind, starts_on, until_on, reason)"
                       " VALUES (?, ?, ?, ?, ?)",
                       (uscc, kind, starts_on.isoformat(), until_on.isoformat(), reason))

    def test_ban_in_force_refuses_submission(self):
        tok, org = self.new_org("甲")
        app = self.draft(tok, org, "incubator")
        today = self.server_day(app)
        day = datetime.timedelta(days=1)
        until = today + 600 * day
        self.add_ban(org["uscc"], "incubator", today - 130 * day, until)
        self.add_ban(org["uscc"], "incubator", today - 400 * day, today + 300 * day)
        r = req("POST", "/v1/applications/%d/submit" % app["id"], token=tok)
        body = self.assertProblem(r, 409)
        self.assertEqual(body.get("may_apply_from"), until.isoformat(), body)
        self.assertIn(until.isoformat(), body["detail"])
        st, _, got = req("GET", "/v1/applications/%d" % app["id"], token=tok)
        self.assertEqual(got["status"], "draft")
        self.assertEqual(got["version"], app["version"])
        self.assertIsNone(got["submitted_at"])
        # the ban is for incubator certification only
        fs = self.draft(tok, org, "first_store")
        r = req("POST", "/v1/applications/%d/submit" % fs["id"], token=tok)
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "district_review")

    def test_ban_ending_today_does_not_block(self):
        tok, org = self.new_org("乙")
        app = self.draft(tok, org, "incubator")
        today = self.server_day(app)
        self.add_ban(org["uscc"], "incubator", today - datetime.timedelta(days=730), today)
        r = req("POST", "/v1/applications/%d/submit" % app["id"], token=tok)
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "district_review")

    def test_ban_starting_later_does_not_block_yet(self):
        tok, org = self.new_org("丙")
        app = self.draft(tok, org, "incubator")
        today = self.server_day(app)
        self.add_ban(org["uscc"], "incubator", today + datetime.timedelta(days=30),
                     today + datetime.timedelta(days=760))
        r = req("POST", "/v1/applications/%d/submit" % app["id"], token=tok)
        self.assertEqual(r[0], 200, r)

    def test_ban_of_another_organisation_does_not_block(self):
        tok, org = self.new_org("丁")
        other = common.uscc_new("110108")
        app = self.draft(tok, org, "incubator")
        today = self.server_day(app)
        self.add_ban(other, "incubator", today - datetime.timedelta(days=1),
                     today + datetime.timedelta(days=700))
        r = req("POST", "/v1/applications/%d/submit" % app["id"], token=tok)
        self.assertEqual(r[0], 200, r)

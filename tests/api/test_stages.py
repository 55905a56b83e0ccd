"""Each kind's own stages (RULES.md §1, the gazette's measures) and the
configuration `stages` that changes them: an incubator goes straight to the
municipal stage and then to the notice; first-store funding has a district
stage and no notice; a tourism award has neither.  A kind without a notice
issues what it issues at the municipal approval."""

import json
import os
import subprocess
import tempfile

import common

CLOCK = "2020-09-29T10:00:00+08:00"


class Defaults(common.ApiTest):
    """A server with no `stages` setting: the gazette's stages."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config({"stages": {}}, clock=CLOCK)
        cls.flow = common.Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def municipal(self, kind):
        return self.flow.municipal_of(kind)

    def test_kinds_say_their_stages(self):
        r = self.srv.req("GET", "/v1/kinds")
        items = {k["name"]: k for k in self.assertStatus(r, 200)["items"]}
        self.assertEqual(items["incubator"]["stages"], ["municipal", "notice"])
        self.assertEqual(items["first_store"]["stages"], ["district", "municipal"])
        self.assertEqual(items["tourism_award"]["stages"], ["municipal"])
        one = self.assertStatus(self.srv.req("GET", "/v1/kinds/first_store"), 200)
        self.assertEqual(one["stages"], ["district", "municipal"])
        self.assertEqual(one["authority"], "commerce")
        self.assertIn("audited_amount_fen", one["municipal_records"]["properties"])
        self.assertIsNone(one["district_records"])
        self.assertIn("closed_within_year", one["revocation_grounds"])
        # the round of a ranked kind is the award year, applied for after it
        self.assertEqual([k["name"] for k in items.values() if k["round_is_award_year"]],
                         [k["name"] for k in items.values() if k["ranked"]])
        self.assertTrue(items["tourism_award"]["round_is_award_year"])
        self.assertFalse(one["round_is_award_year"])
        self.assertProblem(self.srv.req("GET", "/v1/kinds/lottery"), 404)
        # what a decision does and what its amount is called, as the bureaus
        # word them (RULES.md §5): 予以认定 / 支持 / 奖励, 拟支持金额 / 拟奖励金额
        self.assertEqual([(k["decides_zh"], k["decides_en"], k["issues"].get("amount_zh"))
                          for k in (items["incubator"], items["first_store"], items["tourism_award"])],
                         [("认定", "certify", None), ("支持", "fund", "支持金额"),
                          ("奖励", "award", "奖励金额")])
        self.assertEqual(one["source"], "京商消促字〔2020〕48号")

    def test_incubator_skips_the_district(self):
        app = self.flow.create("incubator")
        owner = self.flow.owner(app)
        app = self.flow.act(app["id"], "submit", owner)
        self.assertEqual(app["status"], "municipal_review")
        # no district reviewer sees it, nor may act on it
        dist = self.flow.district_of(app["review_unit"])
        self.assertProblem(self.srv.req("GET", "/v1/applications/%d" % app["id"], token=dist), 404)
        # the municipal stage publishes the notice
        app = self.flow.review(app, "municipal", "approve")
        self.assertEqual(app["status"], "public_notice")
        self.assertIsNotNone(app["notice"])
        self.assertIsNone(app["certificate_serial"])
        actions = [e["action"] for e in self.flow.events(app["id"])]
        self.assertEqual(actions, ["create", "submit", "municipal_approve"])

    def test_first_store_issues_at_municipal_approval(self):
        app = self.flow.create("first_store")
        owner = self.flow.owner(app)
        app = self.flow.act(app["id"], "submit", owner)
        self.assertEqual(app["status"], "district_review")
        app = self.flow.review(app, "district", "approve")
        self.assertEqual(app["status"], "municipal_review")
        app = self.flow.review(app, "municipal", "approve")
        # no notice in 48号: approved, and the decision issued, at once
        self.assertEqual(app["status"], "approved")
        self.assertIsNone(app["notice"])
        serial = app["certificate_serial"]
        self.assertTrue(serial)
        cert = self.assertStatus(
            self.srv.req("GET", "/v1/applications/%d/certificate" % app["id"], token=owner), 200)
        self.assertEqual(cert["certificate"]["serial"], serial)
        self.assertEqual(cert["status"], "active")
        # what was issued carries the award on the audited figures
        self.assertEqual(cert["certificate"]["amount_fen"], app["award"]["total_fen"])
        self.assertEqual(app["award"]["basis"], "audited")
        self.assertNotIn(app["id"], [n["id"] for n in
                                     self.srv.req("GET", "/v1/notices")[2]["items"]])
        events = self.flow.events(app["id"])
        self.assertEqual([e["action"] for e in events],
                         ["create", "submit", "district_approve", "municipal_approve"])
        self.assertEqual(events[-1]["to"], "approved")
        self.assertEqual(events[-1]["details"]["certificate_serial"], serial)
        v = self.srv.req("POST", "/v1/certificates/verify", {"jws": cert["jws"]})
        self.assertTrue(self.assertStatus(v, 200)["valid"])

    def test_tourism_award_goes_straight_to_the_authority(self):
        app = self.flow.create("tourism_award")
        owner = self.flow.owner(app)
        app = self.flow.act(app["id"], "submit", owner)
        self.assertEqual(app["status"], "municipal_review")
        app = self.flow.review(app, "municipal", "approve")
        self.assertEqual(app["status"], "approved")
        self.assertTrue(app["certificate_serial"])
        actions = [e["action"] for e in self.flow.events(app["id"])]
        self.assertEqual(actions, ["create", "submit", "ranked", "municipal_approve"])

    def test_a_return_resubmits_to_the_first_stage(self):
        app = self.flow.create("incubator")
        owner = self.flow.owner(app)
        app = self.flow.act(app["id"], "submit", owner)
        app = self.flow.review(app, "municipal", "return")
        self.assertEqual(app["status"], "returned")
        app = self.flow.act(app["id"], "submit", owner)
        self.assertEqual(app["status"], "municipal_review")

    def test_no_district_review_for_a_kind_without_one(self):
        app = self.flow.create("incubator")
        owner = self.flow.owner(app)
        app = self.flow.act(app["id"], "submit", owner)
        # the district stage's action is not one of this application's
        body = common.review_body("district", "approve")
        r = self.srv.req("POST", "/v1/applications/%d/reviews" % app["id"], body,
                         token=self.flow.district_of(app["review_unit"]))
        self.assertProblem(r, 404)


class Configured(common.ApiTest):
    """`stages` switches a stage on for a kind where its authority works so."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config(
            {"stages": {"first_store": ["district", "municipal", "notice"],
                        "incubator": ["district", "municipal", "notice"]}}, clock=CLOCK)
        cls.flow = common.Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_a_notice_for_funding_decisions(self):
        r = self.srv.req("GET", "/v1/kinds")
        items = {k["name"]: k for k in self.assertStatus(r, 200)["items"]}
        self.assertEqual(items["first_store"]["stages"], ["district", "municipal", "notice"])
        self.assertEqual(items["tourism_award"]["stages"], ["municipal"])
        app = self.flow.to(self.flow.create("first_store"), "public_notice")
        self.assertIsNone(app["certificate_serial"])

    def test_a_district_recommendation_for_incubators(self):
        app = self.flow.create("incubator")
        app = self.flow.act(app["id"], "submit", self.flow.owner(app))
        self.assertEqual(app["status"], "district_review")


class Refused(common.ApiTest):
    """A `stages` setting that cannot work stops the server at start."""

    def start(self, stages):
        tmp = tempfile.mkdtemp(prefix="shenbao-stages-")
        cfg = os.path.join(tmp, "config.json")
        with open(cfg, "w") as f:
            json.dump({"db": common.new_db(tmp), "keys": os.path.join(tmp, "keys"),
                       "listen": "127.0.0.1:1", "stages": stages}, f)
        p = subprocess.run([common.ctx.shenbao, "serve", "--config", cfg],
                           capture_output=True, timeout=60)
        return p.returncode, p.stderr.decode("utf-8", "replace")

    def test_refused(self):
        for stages, says in (
                ({"lottery": ["municipal"]}, 'no kind "lottery"'),
                ({"incubator": ["district", "notice"]}, "municipal"),
                ({"incubator": ["notice", "municipal"]}, "in that order"),
                ({"incubator": ["municipal", "municipal"]}, "each once"),
                ({"incubator": "municipal"}, "list of stages")):
            rc, err = self.start(stages)
            self.assertNotEqual(rc, 0, stages)
            self.assertIn(says, err, stages)
            self.assertEqual(len(err.strip().splitlines()), 1, err)

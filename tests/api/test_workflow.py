"""The review workflow end to end (RULES.md §1, CONTRACT.md): every kind from
draft to `approved`, and the side paths (return, reject, withdraw, objections),
checking after each step the status and the one event the step wrote.

On a server of its own with a pinned clock: Monday 2020-11-02, so that the
5-working-day notice of a municipal approval that day is 2020-11-02 ..
2020-11-06 and `shenbao tick --now 2020-11-07T00:00:00+08:00` ends it.  A
tick approves every application of this server whose notice has ended:
each test finishes what it checks before it ticks.
"""

import json

import common
from common import ApiTest, Flow, RFC3339_UTC

CLOCK = "2020-11-02T10:00:00+08:00"


def review_body(*args, **kw):
    """common.review_body() with its records dated on the server's day."""
    return common.review_body(*args, day=common.beijing_day(CLOCK), **kw)
NOTICE = {"starts_on": "2020-11-02", "ends_on": "2020-11-06"}
LAST_MOMENT = "2020-11-06T23:59:59+08:00"
AFTER_NOTICE = "2020-11-07T00:00:00+08:00"
DAY = "2020-11-02"   # the server's day in UTC too (10:00+08:00 is 02:00Z)

DISTRICT = "district_110108"   # the examples' review unit is 110108
MUNICIPAL = {k: "municipal_" + a for k, a in common.AUTHORITY_OF_KIND.items()}
OWNER = {"incubator": "applicant_a", "first_store": "applicant_a",
         "tourism_award": "applicant_b"}


class WorkflowTest(ApiTest):
    """Steps that check the status and the event they write."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)
        cls.flow = Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    # -- building blocks -----------------------------------------------------

    def events(self, app_id, who):
        r = self.srv.req("GET", "/v1/applications/%d/events" % app_id, token=who)
        self.assertStatus(r, 200)
        self.assertEqual(set(r[2]), {"items"}, r)
        return r[2]["items"]

    def actor(self, who):
        """The actor as events name it: as it was, inside what is hashed."""
        none = {"name": None, "unit": None, "authority": None}
        if who in ("system", "public"):
            return dict(none, account=None, role=who)
        acct = self.srv.accounts[who]
        return {"account": self.flow.account_id(who), "role": acct["role"],
                "name": acct["name"], "unit": acct.get("unit"),
                "authority": acct.get("authority")}

    def check_event(self, e, action, frm, to, who, opinion=None, at_prefix=DAY):
        for m in ("id", "at", "action", "from", "to", "actor", "opinion"):
            self.assertIn(m, e, "event lacks %r: %r" % (m, e))
        self.assertEqual(e["action"], action, e)
        self.assertEqual(e["from"], frm, e)
        self.assertEqual(e["to"], to, e)
        self.assertEqual(e["actor"], self.actor(who), e)
        self.assertEqual(e["opinion"], opinion, e)
        self.assertRegex(e["at"], RFC3339_UTC)
        if at_prefix:
            self.assertTrue(e["at"].startswith(at_prefix), e)

    def step(self, app_id, do, status, action, frm, who, opinion=None, reader=None,
             to=None, at_prefix=DAY):
        """Runs do() (a request that must succeed), then checks the status, the
        version (+1) and that exactly one event was appended, as described."""
        reader = reader or who
        if self.srv.accounts.get(reader, {}).get("role") not in ("applicant", "auditor"):
            reader = "auditor"
        before_app = self.srv.get(app_id, reader)
        before = self.events(app_id, reader)
        result = do()
        app = self.srv.get(app_id, reader)
        self.assertEqual(app["status"], status, app)
        if result is not None:
            self.assertEqual(result["status"], status, result)
            self.assertEqual(result["version"], app["version"])
        if action not in ("objection_filed",):
            self.assertEqual(app["version"], before_app["version"] + 1)
        after = self.events(app_id, reader)
        self.assertEqual(after[:len(before)], before, "earlier events changed")
        self.assertEqual(len(after), len(before) + 1,
                         "expected one new event, got %s"
                         % json.dumps(after[len(before):], ensure_ascii=False))
        self.check_event(after[-1], action, frm, to or status, who, opinion, at_prefix)
        if before:
            self.assertGreater(after[-1]["id"], before[-1]["id"])
        return app

    def act(self, app_id, path, who, body=None, expect=200):
        r = self.srv.req("POST", "/v1/applications/%d/%s" % (app_id, path), body, token=who)
        if expect >= 400:
            self.assertProblem(r, expect)
        else:
            self.assertStatus(r, expect)
        return r[2]

    def review(self, app_id, kind, stage, decision, opinion=None, expect=200, **extra):
        who = DISTRICT if stage == "district" else MUNICIPAL[kind]
        body = review_body(stage, decision, kind, opinion, **extra)
        return self.act(app_id, "reviews", who, body, expect)

    def create(self, kind):
        owner = OWNER[kind]
        env = self.srv.envelope(kind, owner)
        if kind == "tourism_award":
            env = common.tourism_in_year(env, self.flow.tourism_year())
        app = self.srv.create(owner, env)
        self.assertEqual(app["status"], "draft")
        self.assertEqual(app["version"], 1)
        ev = self.events(app["id"], owner)
        self.assertEqual(len(ev), 1, ev)
        self.check_event(ev[0], "create", None, "draft", owner)
        return app

    def submit(self, app_id, owner, frm="draft"):
        return self.step(app_id, lambda: self.act(app_id, "submit", owner),
                         "district_review", "submit", frm, owner)

    def district(self, app_id, kind, decision, opinion, status):
        return self.step(app_id, lambda: self.review(app_id, kind, "district", decision,
                                                     opinion),
                         status, "district_" + decision, "district_review", DISTRICT,
                         opinion, reader=OWNER[kind])

    def municipal(self, app_id, kind, decision, opinion, status, **extra):
        if kind == "tourism_award" and decision == "approve":
            self.flow.ensure_ranking(self.srv.get(app_id, OWNER[kind])["round"])
        return self.step(app_id, lambda: self.review(app_id, kind, "municipal", decision,
                                                     opinion, **extra),
                         status, "municipal_" + decision, "municipal_review", MUNICIPAL[kind],
                         opinion, reader=OWNER[kind])

    def to_public_notice(self, kind):
        app = self.create(kind)
        self.submit(app["id"], OWNER[kind])
        self.district(app["id"], kind, "approve", None, "municipal_review")
        app = self.municipal(app["id"], kind, "approve", None, "public_notice")
        self.assertEqual(app["notice"], NOTICE)
        return app

    def refused(self, app_id, who, path, body=None, status=None, allowed=None):
        """A request refused with 409 in `status`, changing nothing."""
        reader = who if self.srv.accounts[who]["role"] == "applicant" else "auditor"
        before = self.srv.get(app_id, reader)
        n = len(self.events(app_id, reader))
        r = self.srv.req("POST", "/v1/applications/%d/%s" % (app_id, path), body, token=who)
        doc = self.assertProblem(r, 409)
        if status is not None:
            self.assertEqual(doc.get("current_status"), status, r)
        if allowed is not None:
            self.assertEqual(sorted(doc.get("allowed_actions", [None])), sorted(allowed), r)
        after = self.srv.get(app_id, reader)
        self.assertEqual((after["status"], after["version"]),
                         (before["status"], before["version"]))
        self.assertEqual(len(self.events(app_id, reader)), n)
        return doc


class WalkToApproval(WorkflowTest):
    """Each kind from draft to approved."""

    def walk(self, kind, **records):
        owner = OWNER[kind]
        app = self.create(kind)
        app_id = app["id"]
        self.assertIsNone(app["submitted_at"])
        self.assertIsNone(app["notice"])
        app = self.submit(app_id, owner)
        self.assertRegex(app["submitted_at"], RFC3339_UTC)
        self.district(app_id, kind, "approve", "初审通过，材料齐全。", "municipal_review")
        if kind == "tourism_award":
            # not before the year's ranking; the culture_tourism reviewer
            # computes it, with this application in it
            doc = self.refused(app_id, MUNICIPAL[kind], "reviews",
                               review_body("municipal", "approve", kind))
            self.assertIn("ranking", doc["detail"])
            r = self.srv.req("POST", "/v1/rounds/tourism_award/%d/ranking" % app["round"],
                             token=MUNICIPAL[kind])
            ranking = self.assertStatus(r, 200)
            self.assertIn(app_id, [e["application_id"] for e in ranking["entries"]])
        app = self.municipal(app_id, kind, "approve", "复审通过，予以公示。", "public_notice")
        self.assertEqual(app["notice"], NOTICE)

        # the municipal stage's records are kept with the event
        ev = self.events(app_id, owner)[-1]
        for name, value in common.dated_records(kind, common.beijing_day(CLOCK)).items():
            self.assertEqual(ev["details"].get(name), value, ev)

        # published: the public list has it
        r = self.srv.req("GET", "/v1/notices")
        self.assertStatus(r, 200)
        listed = [n for n in r[2]["items"] if n["id"] == app_id]
        self.assertEqual(len(listed), 1, r)
        self.assertEqual(listed[0]["kind"], kind)
        self.assertEqual((listed[0]["starts_on"], listed[0]["ends_on"]),
                         (NOTICE["starts_on"], NOTICE["ends_on"]))

        # the last moment of the notice changes nothing; the next day approves
        n = len(self.events(app_id, owner))
        common.run_tick(self.srv.config, LAST_MOMENT)
        self.assertEqual(self.srv.get(app_id, owner)["status"], "public_notice")
        self.assertEqual(len(self.events(app_id, owner)), n)
        app = self.step(app_id, lambda: common.run_tick(self.srv.config, AFTER_NOTICE) and None,
                        "approved", "notice_ended", "public_notice", "system", reader=owner,
                        at_prefix="2020-11-06T16:00:00")
        r = self.srv.req("GET", "/v1/notices")
        self.assertNotIn(app_id, [n["id"] for n in r[2]["items"]])

        # the whole history, oldest first
        ev = self.events(app_id, owner)
        # the year's ranking fixed a tourism award's items: an event of its own
        ranked = ["ranked"] if kind == "tourism_award" else []
        self.assertEqual([e["action"] for e in ev],
                         ["create", "submit", "district_approve"] + ranked +
                         ["municipal_approve", "notice_ended"])
        self.assertEqual([e["id"] for e in ev], sorted(e["id"] for e in ev))
        # every reader in scope sees the same history
        for who in (DISTRICT, MUNICIPAL[kind], "auditor"):
            with self.subTest(reader=who):
                self.assertEqual(self.events(app_id, who), ev)

        # approved is final for the applicant; what remains are its duties
        # (RULES.md §8): the reports its kind asks for
        after = [] if kind == "tourism_award" else ["report_filed"]
        self.refused(app_id, owner, "withdraw", status="approved", allowed=after)
        self.refused(app_id, owner, "submit", status="approved", allowed=after)
        return app

    def test_incubator(self):
        app = self.walk("incubator")
        self.assertEqual(app["award"]["total_fen"], 0)

    def test_first_store(self):
        app = self.walk("first_store")
        self.assertEqual(app["award"]["basis"], "audited")

    def test_tourism_award(self):
        app = self.walk("tourism_award")
        self.assertEqual(app["award"]["basis"], "ranked")


class SidePaths(WorkflowTest):

    def test_return_at_district_then_edit_and_resubmit(self):
        kind, owner = "incubator", "applicant_a"
        app = self.create(kind)
        app_id = app["id"]
        self.submit(app_id, owner)
        # a return needs an opinion
        r = self.srv.req("POST", "/v1/applications/%d/reviews" % app_id,
                         {"stage": "district", "decision": "return"}, token=DISTRICT)
        self.assertProblem(r, 422, ["/opinion"])
        self.assertEqual(self.srv.get(app_id, owner)["status"], "district_review")
        self.district(app_id, kind, "return", "请补充在孵企业知识产权证明。", "returned")
        self.assertEqual(len(self.events(app_id, owner)), 3)

        # the applicant edits it (PUT) and submits it again: district stage
        env = self.srv.envelope(kind, owner)
        env["data"]["mentor_sessions"] = 88
        app = self.step(app_id, lambda: self.srv.req("PUT", "/v1/applications/%d" % app_id,
                                                     env, token=owner)[2],
                        "returned", "edit", "returned", owner)
        self.assertEqual(app["data"]["mentor_sessions"], 88)
        self.submit(app_id, owner, frm="returned")
        # and it can go on from there
        self.district(app_id, kind, "approve", None, "municipal_review")

    def test_return_at_municipal_then_edit_and_resubmit(self):
        kind, owner = "first_store", "applicant_a"
        app = self.create(kind)
        app_id = app["id"]
        self.submit(app_id, owner)
        self.district(app_id, kind, "approve", None, "municipal_review")
        r = self.srv.req("POST", "/v1/applications/%d/reviews" % app_id,
                         {"stage": "municipal", "decision": "return"}, token=MUNICIPAL[kind])
        self.assertProblem(r, 422, ["/opinion"])
        self.assertEqual(self.srv.get(app_id, owner)["status"], "municipal_review")
        self.municipal(app_id, kind, "return", "请补充租赁合同与装修发票。", "returned")
        env = self.srv.envelope(kind, owner)
        env["data"]["decoration_fen"] = 90000000
        self.step(app_id, lambda: self.srv.req("PUT", "/v1/applications/%d" % app_id, env,
                                               token=owner)[2],
                  "returned", "edit", "returned", owner)
        # back to the district stage, not to the municipal one
        self.submit(app_id, owner, frm="returned")
        self.refused(app_id, MUNICIPAL[kind], "reviews",
                     review_body("municipal", "approve", kind),
                     status="district_review", allowed=[])

    def reject_then_final(self, app_id, kind, owner):
        doc = self.refused(app_id, owner, "submit", status="rejected", allowed=[])
        self.assertIn("rejected", doc["detail"])
        self.refused(app_id, owner, "withdraw", status="rejected", allowed=[])
        r = self.srv.req("PUT", "/v1/applications/%d" % app_id, self.srv.envelope(kind, owner),
                         token=owner)
        self.assertProblem(r, 409)
        for stage in ("district", "municipal"):
            who = DISTRICT if stage == "district" else MUNICIPAL[kind]
            self.refused(app_id, who, "reviews", review_body(stage, "approve", kind),
                         status="rejected", allowed=[])

    def test_reject_at_district(self):
        kind, owner = "tourism_award", "applicant_b"
        app = self.create(kind)
        self.submit(app["id"], owner)
        r = self.srv.req("POST", "/v1/applications/%d/reviews" % app["id"],
                         {"stage": "district", "decision": "reject"}, token=DISTRICT)
        self.assertProblem(r, 422, ["/opinion"])
        self.district(app["id"], kind, "reject", "不符合申报条件。", "rejected")
        self.reject_then_final(app["id"], kind, owner)

    def test_reject_at_municipal(self):
        for kind in common.KINDS:
            with self.subTest(kind=kind):
                owner = OWNER[kind]
                app = self.create(kind)
                self.submit(app["id"], owner)
                self.district(app["id"], kind, "approve", None, "municipal_review")
                r = self.srv.req("POST", "/v1/applications/%d/reviews" % app["id"],
                                 {"stage": "municipal", "decision": "reject"},
                                 token=MUNICIPAL[kind])
                self.assertProblem(r, 422, ["/opinion"])
                self.municipal(app["id"], kind, "reject", "经复审，不予支持。", "rejected")
                self.reject_then_final(app["id"], kind, owner)

    def withdrawn_is_final(self, app_id, owner):
        self.refused(app_id, owner, "withdraw", status="withdrawn", allowed=[])
        self.refused(app_id, owner, "submit", status="withdrawn", allowed=[])

    def test_withdraw_from_draft(self):
        app = self.create("incubator")
        self.step(app["id"], lambda: self.act(app["id"], "withdraw", "applicant_a"),
                  "withdrawn", "withdraw", "draft", "applicant_a")
        self.withdrawn_is_final(app["id"], "applicant_a")

    def test_withdraw_from_district_review(self):
        app = self.create("first_store")
        self.submit(app["id"], "applicant_a")
        self.step(app["id"], lambda: self.act(app["id"], "withdraw", "applicant_a"),
                  "withdrawn", "withdraw", "district_review", "applicant_a")
        self.withdrawn_is_final(app["id"], "applicant_a")
        # the reviewer can no longer decide
        self.refused(app["id"], DISTRICT, "reviews",
                     review_body("district", "approve"), status="withdrawn",
                     allowed=[])

    def test_withdraw_from_municipal_review(self):
        app = self.create("incubator")
        self.submit(app["id"], "applicant_a")
        self.district(app["id"], "incubator", "approve", None, "municipal_review")
        self.step(app["id"], lambda: self.act(app["id"], "withdraw", "applicant_a"),
                  "withdrawn", "withdraw", "municipal_review", "applicant_a")
        self.withdrawn_is_final(app["id"], "applicant_a")

    def test_withdraw_from_public_notice(self):
        app = self.to_public_notice("incubator")
        self.step(app["id"], lambda: self.act(app["id"], "withdraw", "applicant_a"),
                  "withdrawn", "withdraw", "public_notice", "applicant_a")
        self.withdrawn_is_final(app["id"], "applicant_a")
        # no longer under notice: off the list, no objections, tick leaves it
        r = self.srv.req("GET", "/v1/notices")
        self.assertNotIn(app["id"], [n["id"] for n in r[2]["items"]])
        self.assertProblem(common.file_objection(self.srv.port, app["id"]), 404)
        n = len(self.events(app["id"], "applicant_a"))
        common.run_tick(self.srv.config, AFTER_NOTICE)
        self.assertEqual(self.srv.get(app["id"], "applicant_a")["status"], "withdrawn")
        self.assertEqual(len(self.events(app["id"], "applicant_a")), n)

    def test_withdraw_after_approval_is_409(self):
        app = self.to_public_notice("first_store")
        common.run_tick(self.srv.config, AFTER_NOTICE)
        self.assertEqual(self.srv.get(app["id"], "applicant_a")["status"], "approved")
        # a funded store reports a closure within its year (48号 四)
        doc = self.refused(app["id"], "applicant_a", "withdraw", status="approved",
                           allowed=["report_filed"])
        self.assertIn("approved", doc["detail"])

    def objection(self, app_id, owner):
        def do():
            r = common.file_objection(self.srv.port, app_id)
            self.assertStatus(r, 201)
            self.objection_id = r[2]["id"]
            return None
        self.step(app_id, do, "public_notice", "objection_filed", "public_notice", "public",
                  reader=owner)
        return self.objection_id

    def resolve(self, app_id, oid, kind, outcome, status):
        opinion = "经核查，异议%s。" % ("属实" if outcome == "upheld" else "不成立")
        body = {"outcome": outcome, "opinion": opinion}
        path = "/v1/applications/%d/objections/%d/resolution" % (app_id, oid)
        return self.step(app_id, lambda: self.srv.req("POST", path, body,
                                                      token=MUNICIPAL[kind])[2],
                         status, "objection_" + outcome, "public_notice", MUNICIPAL[kind],
                         opinion, reader=OWNER[kind])

    def test_objection_upheld_rejects(self):
        kind = "incubator"
        app = self.to_public_notice(kind)
        oid = self.objection(app["id"], "applicant_a")
        self.resolve(app["id"], oid, kind, "upheld", "rejected")
        self.reject_then_final(app["id"], kind, "applicant_a")
        common.run_tick(self.srv.config, AFTER_NOTICE)
        self.assertEqual(self.srv.get(app["id"], "applicant_a")["status"], "rejected")

    def test_objection_dismissed_notice_runs_on(self):
        kind = "tourism_award"
        owner = OWNER[kind]
        app = self.to_public_notice(kind)
        oid = self.objection(app["id"], owner)
        self.resolve(app["id"], oid, kind, "dismissed", "public_notice")
        # still published, and the end of the notice approves it
        r = self.srv.req("GET", "/v1/notices")
        self.assertIn(app["id"], [n["id"] for n in r[2]["items"]])
        common.run_tick(self.srv.config, LAST_MOMENT)
        self.assertEqual(self.srv.get(app["id"], owner)["status"], "public_notice")
        self.step(app["id"], lambda: common.run_tick(self.srv.config, AFTER_NOTICE) and None,
                  "approved", "notice_ended", "public_notice", "system", reader=owner,
                  at_prefix=None)
        self.assertEqual([e["action"] for e in self.events(app["id"], owner)],
                         ["create", "submit", "district_approve", "ranked", "municipal_approve",
                          "objection_filed", "objection_dismissed", "notice_ended"])

    def test_applicant_actions_in_each_status(self):
        # what a 409 offers the applicant, by status (the transition table)
        owner = "applicant_a"
        expect = {"district_review": ["withdraw"], "municipal_review": ["withdraw"],
                  "public_notice": ["withdraw"]}
        for status, allowed in expect.items():
            with self.subTest(status=status):
                app = self.flow.to(self.flow.create("incubator"), status)
                self.refused(app["id"], owner, "submit", status=status, allowed=allowed)

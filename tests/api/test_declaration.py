"""The 承诺书 accepted with a submission (CONTRACT.md "The 承诺书"): the
body {"declaration": {"version", "accepted": true}} names the version of
the kind's text the applicant read (GET /v1/kinds/{kind}); the submit
event records it with the SHA-256 of the Chinese text and the time.  A
version that is not the current one, accepted false, or a malformed body
is 422 and submits nothing."""

import hashlib

import common

ZH = {"Accept-Language": "zh-CN"}


def declaration(kind):
    r = common.req("GET", "/v1/kinds/%s" % kind)
    assert r[0] == 200, r
    return r[2]["declaration"]


def submit_with(app_id, body, headers=None, who="applicant_a"):
    return common.req("POST", "/v1/applications/%d/submit" % app_id, body, token=who,
                      headers=headers)


def submit_event(app_id, who="applicant_a"):
    r = common.req("GET", "/v1/applications/%d/events" % app_id, token=who)
    assert r[0] == 200, r
    items = r[2]["items"] if isinstance(r[2], dict) else r[2]
    return [e for e in items if e["action"] == "submit"]


class Declaration(common.ApiTest):
    def test_the_accepted_version_is_recorded_in_the_submit_event(self):
        d = declaration("incubator")
        app = common.create()
        r = submit_with(app["id"], {"declaration": {"version": d["version"], "accepted": True}})
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "district_review")
        events = submit_event(app["id"])
        self.assertEqual(len(events), 1)
        rec = events[0]["details"]["declaration"]
        self.assertEqual(rec["version"], d["version"])
        self.assertEqual(rec["text_sha256"],
                         hashlib.sha256(d["text_zh"].encode("utf-8")).hexdigest())
        self.assertEqual(rec["accepted_at"], r[2]["submitted_at"])
        # the materials are still listed beside it
        self.assertTrue(events[0]["details"]["materials"])

    def test_each_kind_records_its_own_version(self):
        for kind in ("first_store", "tourism_award", "experience_base"):
            with self.subTest(kind=kind):
                d = declaration(kind)
                app = common.create(kind=kind)
                r = submit_with(app["id"],
                                {"declaration": {"version": d["version"], "accepted": True}})
                self.assertEqual(r[0], 200, r)
                rec = submit_event(app["id"])[0]["details"]["declaration"]
                self.assertEqual(rec["version"], d["version"])

    def test_a_version_not_in_force_is_refused_and_submits_nothing(self):
        d = declaration("incubator")
        app = common.create()
        r = submit_with(app["id"], {"declaration": {"version": d["version"] + "x",
                                                    "accepted": True}}, headers=ZH)
        body = self.assertProblem(r, 422, ["/declaration/version"])
        detail = body["errors"][0]["detail"]
        self.assertIn("现行承诺书为 %s 版" % d["version"], detail)
        self.assertEqual(common.get(app["id"])[2]["status"], "draft")
        self.assertEqual(submit_event(app["id"]), [])

    def test_not_accepted_is_refused(self):
        d = declaration("incubator")
        app = common.create()
        r = submit_with(app["id"], {"declaration": {"version": d["version"], "accepted": False}})
        body = self.assertProblem(r, 422, ["/declaration/accepted"])
        self.assertIn("must be true", body["errors"][0]["detail"])
        r = submit_with(app["id"], {"declaration": {"version": d["version"], "accepted": False}},
                        headers=ZH)
        body = self.assertProblem(r, 422, ["/declaration/accepted"])
        self.assertIn("确认承诺书后方可提交", body["errors"][0]["detail"])
        self.assertEqual(common.get(app["id"])[2]["status"], "draft")

    def test_malformed_bodies_are_422_naming_the_field(self):
        d = declaration("incubator")
        app = common.create()
        cases = [
            ({}, "/declaration"),
            ({"declaration": {"accepted": True}}, "/declaration/version"),
            ({"declaration": {"version": d["version"]}}, "/declaration/accepted"),
            ({"declaration": {"version": d["version"], "accepted": "yes"}},
             "/declaration/accepted"),
            ({"declaration": {"version": "", "accepted": True}}, "/declaration/version"),
            ({"declaration": {"version": d["version"], "accepted": True, "extra": 1}},
             "/declaration/extra"),
            ({"declaration": True}, "/declaration"),
            ({"declaration": {"version": d["version"], "accepted": True}, "more": 1}, "/more"),
        ]
        for body, pointer in cases:
            with self.subTest(body=body):
                self.assertProblem(submit_with(app["id"], body), 422, [pointer])
        self.assertEqual(common.get(app["id"])[2]["status"], "draft")

    def test_an_incomplete_draft_lists_its_gaps_and_the_declaration_together(self):
        env = common.envelope("incubator")
        env["data"] = {"mentor_sessions": 12}
        r = common.req("POST", "/v1/applications", env, token="applicant_a",
                       headers={"Prefer": "handling=lenient"})
        self.assertEqual(r[0], 201, r)
        r = submit_with(r[2]["id"], {"declaration": {"version": "old", "accepted": False}})
        pointers = common.problem_pointers(r)
        self.assertEqual(r[0], 422, r)
        self.assertIn("/declaration/version", pointers)
        self.assertIn("/declaration/accepted", pointers)
        self.assertIn("/data/incubatees", pointers)

    def test_without_a_body_the_submission_records_no_declaration(self):
        app = common.create()
        common.submit(app["id"])
        self.assertNotIn("declaration", submit_event(app["id"])[0]["details"])

    def test_another_applicants_application_stays_hidden(self):
        d = declaration("incubator")
        app = common.create()
        r = submit_with(app["id"], {"declaration": {"version": d["version"], "accepted": True}},
                        who="applicant_b")
        self.assertEqual(r[0], 404, r)

"""Lenient drafts (CONTRACT.md "Every request"): with `Prefer:
handling=lenient` (RFC 7240) a POST or PUT stores data with members
missing or not yet consistent, answers `Preference-Applied:
handling=lenient` and says what is missing in `completeness`; wrong JSON
types (and values out of their bounds) are still 422; without the
preference a write is strict as before; submit refuses an incomplete
application with a 422 listing every error."""

import common

LENIENT = {"Prefer": "handling=lenient"}


def pointers(items):
    return [e["pointer"] for e in items]


class LenientDrafts(common.ApiTest):
    def post(self, env, headers=LENIENT, who="applicant_a"):
        return common.req("POST", "/v1/applications", env, token=who, headers=headers)

    def put(self, app, env, headers=LENIENT, who="applicant_a"):
        return common.req("PUT", "/v1/applications/%d" % app["id"], env, token=who,
                          headers=dict(headers, **{"If-Match": '"%d"' % app["version"]}))

    def test_an_empty_form_is_stored_and_says_what_is_missing(self):
        env = common.envelope("incubator")
        env["data"] = {"mentor_sessions": 12}
        r = self.post(env)
        self.assertEqual(r[0], 201, r)
        self.assertEqual(r[1].get("preference-applied"), "handling=lenient")
        app = r[2]
        self.assertEqual(app["status"], "draft")
        self.assertEqual(app["data"], {"mentor_sessions": 12})
        c = app["completeness"]
        self.assertFalse(c["complete"])
        missing = pointers(c["errors"])
        for member in ("registered_on", "good_credit", "field", "incubatees",
                       "team_description"):
            self.assertIn("/data/" + member, missing)
        self.assertNotIn("/data/mentor_sessions", missing)
        for e in c["errors"]:
            self.assertTrue(e["detail"])
            self.assertTrue(e["detail_zh"])
        # no rule runs on incomplete data: eligibility waits, no amount
        self.assertFalse(app["eligibility"]["eligible"])
        self.assertEqual([x["id"] for x in app["eligibility"]["checks"]], ["complete"])
        self.assertEqual(app["award"]["total_fen"], 0)
        # as stored: GET says the same, and the list too
        got = common.get(app["id"])[2]
        self.assertEqual(got["completeness"], c)
        self.assertEqual(got["data"], {"mentor_sessions": 12})
        listed = [a for a in common.list_all("applicant_a") if a["id"] == app["id"]][0]
        self.assertFalse(listed["completeness"]["complete"])

    def test_wrong_types_are_still_refused(self):
        env = common.envelope("incubator")
        env["data"] = {"mentor_sessions": "twelve", "good_credit": 1, "incubatees": {}}
        r = self.post(env)
        body = self.assertProblem(r, 422, ["/data/mentor_sessions", "/data/good_credit",
                                           "/data/incubatees"])
        # only what is there and wrong: nothing is required yet
        self.assertEqual(len(body["errors"]), 3, body)

    def test_values_out_of_their_bounds_are_refused(self):
        env = common.envelope("incubator")
        env["data"] = {"mentor_sessions": -1, "field": "astrology",
                       "service_revenue_fen": [1, 2, 3, 4], "registered_on": "2019-02-30"}
        r = self.post(env)
        self.assertProblem(r, 422, ["/data/mentor_sessions", "/data/field",
                                    "/data/service_revenue_fen", "/data/registered_on"])

    def test_the_envelope_itself_is_needed(self):
        # no kind, year, unit or organisation: nothing to store a draft as
        env = common.envelope("incubator")
        env["data"] = {}
        del env["review_unit"]
        self.assertProblem(self.post(env), 422, ["/review_unit"])
        env = common.envelope("incubator")
        env["data"] = {}
        env["applicant"]["uscc"] = common.USCC_B
        self.assertProblem(self.post(env), 422, ["/applicant/uscc"])

    def test_without_the_preference_a_write_is_strict(self):
        env = common.envelope("incubator")
        env["data"] = {"mentor_sessions": 12}
        r = self.post(env, headers={})
        body = self.assertProblem(r, 422, ["/data/registered_on"])
        self.assertNotIn("preference-applied", r[1])
        self.assertTrue(any(e["detail"] == "is required" for e in body["errors"]))
        r = self.post(env, headers={"Prefer": "handling=strict"})
        self.assertProblem(r, 422, ["/data/registered_on"])
        # a strict PUT of an incomplete draft is refused too
        app = self.post(env)[2]
        self.assertProblem(self.put(app, env, headers={}), 422, ["/data/registered_on"])

    def test_the_preference_as_rfc_7240_writes_it(self):
        env = common.envelope("incubator")
        env["data"] = {}
        for prefer in ("respond-async, handling=lenient", 'HANDLING="lenient"',
                       "return=minimal; foo=bar, handling = lenient ; x=y"):
            r = self.post(env, headers={"Prefer": prefer})
            self.assertEqual(r[0], 201, (prefer, r))
            self.assertEqual(r[1].get("preference-applied"), "handling=lenient")
        for prefer in ("handling=lenientish", "xhandling=lenient", "handling"):
            r = self.post(env, headers={"Prefer": prefer})
            self.assertEqual(r[0], 422, (prefer, r))

    def test_saved_from_the_first_field_to_the_last(self):
        full = common.envelope("incubator")
        env = common.envelope("incubator")
        env["data"] = {}
        app = self.post(env)[2]
        total = len(app["completeness"]["errors"])
        # field after field, each save lenient: what is missing shrinks
        for i, (member, value) in enumerate(full["data"].items()):
            env["data"][member] = value
            r = self.put(app, env)
            self.assertEqual(r[0], 200, r)
            self.assertEqual(r[1].get("preference-applied"), "handling=lenient")
            app = r[2]
            self.assertNotIn("/data/" + member, pointers(app["completeness"]["errors"]))
        self.assertLess(len(app["completeness"]["errors"]), total)
        self.assertTrue(app["completeness"]["complete"], app["completeness"])
        self.assertEqual(app["completeness"]["errors"], [])
        # complete: the rules run
        self.assertNotIn("complete", [x["id"] for x in app["eligibility"]["checks"]])
        self.assertGreater(len(app["eligibility"]["checks"]), 5)
        common.attach_materials(app["id"], "applicant_a")
        done = common.submit(app["id"])
        self.assertEqual(done["status"], "district_review")

    def test_submit_lists_everything_incomplete(self):
        env = common.envelope("incubator")
        rows = env["data"]["incubatees"]
        rows[3]["uscc"] = rows[2]["uscc"]           # not yet consistent
        del env["data"]["team_description"]         # missing
        env["data"]["service_revenue_fen"] = [None, 500000, None]   # half filled
        r = self.post(env)
        self.assertEqual(r[0], 201, r)
        app = r[2]
        gaps = pointers(app["completeness"]["errors"])
        self.assertIn("/data/team_description", gaps)
        self.assertIn("/data/service_revenue_fen/0", gaps)
        self.assertIn("/data/service_revenue_fen/2", gaps)
        # the consistency rules run once the table passes: not yet
        self.assertNotIn("/data/incubatees/3/uscc", gaps)
        r = common.req("POST", "/v1/applications/%d/submit" % app["id"], token="applicant_a",
                       headers={"Accept-Language": "zh-CN"})
        body = self.assertProblem(r, 422, gaps)
        self.assertEqual(sorted(pointers(body["errors"])), sorted(gaps))
        self.assertEqual(common.get(app["id"])[2]["status"], "draft")
        # the table passes now; the duplicate is what is left, in words
        # that count rows from 1
        env["data"]["team_description"] = "专职运营团队 12 人"
        env["data"]["service_revenue_fen"] = [400000, 500000, 600000]
        app = self.put(app, env)[2]
        self.assertEqual(pointers(app["completeness"]["errors"]), ["/data/incubatees/3/uscc"])
        self.assertEqual(app["completeness"]["errors"][0]["detail_zh"],
                         "与第 3 家在孵企业是同一家企业；每家在孵企业只列一次")
        body = self.assertProblem(
            common.req("POST", "/v1/applications/%d/submit" % app["id"], token="applicant_a"),
            422, ["/data/incubatees/3/uscc"])
        self.assertEqual(len(body["errors"]), 1)

    def test_a_returned_application_is_corrected_leniently_too(self):
        app = common.create()
        common.submit(app["id"])
        r = common.req("POST", "/v1/applications/%d/reviews" % app["id"],
                       {"stage": "district", "decision": "return", "opinion": "补充在孵企业"},
                       token="district_110108")
        self.assertEqual(r[0], 200, r)
        app = r[2]
        env = common.envelope("incubator")
        del env["data"]["incubatees"]
        app = common.get(app["id"])[2]
        r = self.put(app, env)
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2]["status"], "returned")
        self.assertFalse(r[2]["completeness"]["complete"])
        self.assertProblem(common.req("POST", "/v1/applications/%d/submit" % app["id"],
                                      token="applicant_a"), 422, ["/data/incubatees"])

    def test_a_complete_application_says_so(self):
        app = common.create()
        self.assertEqual(app["completeness"], {"complete": True, "errors": []})

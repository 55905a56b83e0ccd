"""How often a request parses JSON (issue: one application engine).

Every JSON parse in the server is counted per request (server/base/jsontext.h)
and logged with the request ("json_parses").  A submission parses its body
once: validated and decoded in one pass, stored as written, answered from
what was parsed — nothing reads back what it just wrote."""

import json
import time

import common


class Parses(common.ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def parses(self, resp):
        """The json_parses the server logged for the request of resp."""
        rid = resp[1].get("x-request-id")
        self.assertTrue(rid, resp)
        for _ in range(100):
            with open(self.srv.errpath, encoding="utf-8") as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if entry.get("msg") == "request" and entry.get("request_id") == rid:
                        return entry["json_parses"]
            time.sleep(0.05)
        self.fail("no log line for request %s" % rid)

    def test_a_submission_parses_its_body_once(self):
        for kind in ("incubator", "first_store", "tourism_award"):
            who = "applicant_b" if kind == "tourism_award" else "applicant_a"
            env = self.srv.envelope(kind, who)
            r = self.srv.req("POST", "/v1/applications", env, token=who)
            self.assertStatus(r, 201)
            # the answer carries the evaluation, from the one parse
            self.assertIn("eligibility", r[2])
            self.assertEqual(self.parses(r), 1, kind)

    def test_reads(self):
        env = self.srv.envelope("incubator", "applicant_a")
        app = self.assertStatus(self.srv.req("POST", "/v1/applications", env,
                                             token="applicant_a"), 201)
        path = "/v1/applications/%d" % app["id"]
        first = self.srv.req("GET", path, token="applicant_a")
        # the stored data and facts, once each
        self.assertEqual(self.parses(first), 2)
        again = self.srv.req("GET", path, token="applicant_a")
        # then the rendering kept for this version
        self.assertEqual(self.parses(again), 0)
        self.assertEqual(first[2], again[2])
        # a change with no body reads the application it changes, once
        common.attach_materials(app["id"], "applicant_a", self.srv.req)
        r = self.srv.req("POST", path + "/submit", token="applicant_a")
        self.assertStatus(r, 200)
        self.assertEqual(self.parses(r), 2)

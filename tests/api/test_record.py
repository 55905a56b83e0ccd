"""The record (CONTRACT.md "The record"; docs/RECORD.md): what an auditor
two years later can prove from the history alone.

Every stored version of an application is kept, byte for byte, and the
create, edit and submit events name it (data_sha256, version); the figures
before a return and after the resubmission both stay readable; the submit
event lists every file with its hash, and so does what an approval issues;
decisions keep the checks and the award they were taken on (basis), the
stage records and the override reason; a withdrawal keeps its reason; the
actor of every event is named as it was."""

import base64
import hashlib
import http.client
import json

import common
from common import Flow

CLOCK = "2020-09-29T10:00:00+08:00"


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


class Record(common.ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)
        cls.flow = Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def version(self, app_id, n, who="applicant_a"):
        """Version n as served: (the envelope, the SHA-256 of its bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        try:
            c.request("GET", "/v1/applications/%d/versions/%d" % (app_id, n),
                      headers={"Authorization": "Bearer " + self.srv.tokens[who]})
            r = c.getresponse()
            raw = r.read()
            self.assertEqual(r.status, 200, raw)
            self.assertEqual(r.getheader("Content-Type"), "application/json")
            self.assertEqual(r.getheader("ETag"), '"%d"' % n)
            digest = base64.b64encode(hashlib.sha256(raw).digest()).decode()
            self.assertEqual(r.getheader("Repr-Digest"), "sha-256=:%s:" % digest)
        finally:
            c.close()
        return json.loads(raw), sha256_hex(raw)

    def events(self, app_id):
        return self.flow.events(app_id)

    def test_versions_before_and_after_a_return(self):
        srv, flow = self.srv, self.flow
        env = srv.envelope("incubator", "applicant_a")
        app = srv.create("applicant_a", env)
        i = app["id"]
        before = env["data"]["mentor_sessions"]
        app = flow.to(app, "returned")
        self.assertEqual(app["version"], 3)        # created, submitted, returned
        env2 = json.loads(json.dumps(env))
        env2["data"]["mentor_sessions"] = before + 11
        env2["data"]["total_revenue_fen"] += 100
        r = srv.req("PUT", "/v1/applications/%d" % i, env2, token="applicant_a")
        self.assertEqual(r[0], 200, r)
        app = flow.act(i, "submit", "applicant_a")
        self.assertEqual(app["version"], 5)

        v = {n: self.version(i, n) for n in range(1, 6)}
        members = {"kind", "round", "review_unit", "applicant", "data"}
        for n, (doc, _) in v.items():
            self.assertEqual(set(doc), members, n)
        # the figures as submitted first, and as corrected
        self.assertEqual(v[1][0]["data"]["mentor_sessions"], before)
        self.assertEqual(v[3][0]["data"]["mentor_sessions"], before)
        self.assertEqual(v[4][0]["data"]["mentor_sessions"], before + 11)
        self.assertEqual(v[1][0]["data"]["total_revenue_fen"] + 100,
                         v[5][0]["data"]["total_revenue_fen"])
        # each is the envelope as it was sent
        self.assertEqual(v[1][0], {k: env[k] for k in members})
        self.assertEqual(v[5][0], {k: env2[k] for k in members})
        # the reviews changed nothing of the envelope
        self.assertEqual(v[1][1], v[2][1])
        self.assertEqual(v[2][1], v[3][1])
        self.assertNotEqual(v[3][1], v[4][1])
        self.assertEqual(v[4][1], v[5][1])

        # each create, edit and submit names the version it wrote
        named = [(e["action"], e["details"].get("version"), e["details"].get("data_sha256"))
                 for e in self.events(i) if e["action"] in ("create", "edit", "submit")]
        self.assertEqual(named, [("create", 1, v[1][1]), ("submit", 2, v[2][1]),
                                 ("edit", 4, v[4][1]), ("submit", 5, v[5][1])])
        # versions do not change, and there are no others
        self.assertEqual(self.version(i, 1), v[1])
        for n in (0, 6, 99):
            self.assertProblem(srv.req("GET", "/v1/applications/%d/versions/%d" % (i, n),
                                       token="applicant_a"), 404)
        # seen as the application is
        self.version(i, 2, "district_110108")
        self.version(i, 5, "auditor")
        for who in ("applicant_b", "district_110105", "municipal_commerce"):
            self.assertProblem(srv.req("GET", "/v1/applications/%d/versions/1" % i,
                                       token=who), 404)

    def test_submission_and_certificate_carry_the_files(self):
        srv, flow = self.srv, self.flow
        app = flow.create("incubator")
        i = app["id"]
        path = "/v1/applications/%d/materials" % i
        # one file replaced before submitting: the old one is not submitted
        old = [m for m in srv.req("GET", path, token="applicant_a")[2]["items"]
               if m["type"] == "audit_report"][0]
        report = b"%PDF-1.7\n% the audit report, final\n"
        r = srv.req("POST", path + "?type=audit_report", token="applicant_a", raw=report,
                    headers={"Content-Type": "application/pdf"})
        self.assertEqual(r[0], 201, r)
        self.assertEqual(srv.req("DELETE", path + "/%d" % old["id"], token="applicant_a")[0], 204)
        files = srv.req("GET", path, token="applicant_a")[2]["items"]
        self.assertIn(sha256_hex(report), [m["sha256"] for m in files])
        self.assertNotIn(old["id"], [m["id"] for m in files])

        app = flow.to(app, "approved")
        submit = [e for e in self.events(i) if e["action"] == "submit"][0]
        self.assertEqual(sorted((m["type"], m["sha256"], m["bytes"])
                                for m in submit["details"]["materials"]),
                         sorted((m["type"], m["sha256"], m["bytes"]) for m in files))
        cert = srv.req("GET", "/v1/applications/%d/certificate" % i, token="applicant_a")
        self.assertEqual(cert[0], 200, cert)
        self.assertEqual(sorted((m["type"], m["sha256"])
                                for m in cert[2]["certificate"]["materials"]),
                         sorted((m["type"], m["sha256"]) for m in files))
        # what was signed says so: the JWS payload is the certificate
        payload = cert[2]["jws"].split(".")[1]
        signed = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        self.assertEqual(signed["materials"], cert[2]["certificate"]["materials"])
        # and the bytes behind each hash are there to read
        for m in files:
            got = srv.req("GET", path + "/%d" % m["id"], token="auditor")
            self.assertEqual(sha256_hex(got[2]), m["sha256"])

    def test_decisions_keep_their_basis(self):
        srv, flow = self.srv, self.flow
        env = srv.envelope("incubator", "applicant_a")
        env["data"]["mentor_sessions"] = 3          # a check that fails
        app = flow.to(srv.create("applicant_a", env), "municipal_review")
        self.assertFalse(app["eligibility"]["eligible"])
        seen = srv.get(app["id"], "municipal_science_tech")
        app = flow.review(seen, "municipal", "approve",
                          override_reason="经专家复核，导师服务次数以补充材料为准。")
        ev = {e["action"]: e for e in self.events(app["id"])}
        for action in ("district_approve", "municipal_approve"):
            basis = ev[action]["details"]["basis"]
            self.assertEqual(set(basis), {"eligibility", "award"}, action)
            self.assertFalse(basis["eligibility"]["eligible"], action)
        muni = ev["municipal_approve"]["details"]
        self.assertEqual(muni["basis"]["eligibility"], seen["eligibility"])
        self.assertEqual(muni["basis"]["award"], seen["award"])
        self.assertEqual(muni["override_reason"], "经专家复核，导师服务次数以补充材料为准。")
        sent = common.dated_records("incubator", flow.day())
        for record in sent:
            self.assertEqual(muni[record], sent[record])
        # a return keeps what it was decided on too
        other = flow.to(flow.create("first_store"), "returned")
        ret = [e for e in self.events(other["id"]) if e["action"] == "district_return"][0]
        self.assertEqual(ret["details"]["basis"]["award"]["total_fen"],
                         other["award"]["total_fen"])

    def test_withdraw_keeps_its_reason(self):
        srv, flow = self.srv, self.flow
        app = flow.to(flow.create("incubator"), "district_review")
        path = "/v1/applications/%d/withdraw" % app["id"]
        for bad in ({"opinion": ""}, {"opinion": 7}, {"reason": "x"}):
            self.assertProblem(srv.req("POST", path, bad, token="applicant_a"), 422)
        self.assertProblem(srv.req("POST", path, token="applicant_a", raw=b"{",
                                   headers={"Content-Type": "application/json"}), 400)
        r = srv.req("POST", path, {"opinion": "项目场地调整，本年度暂不申报。"},
                    token="applicant_a")
        self.assertEqual(r[0], 200, r)
        last = self.events(app["id"])[-1]
        self.assertEqual((last["action"], last["opinion"]),
                         ("withdraw", "项目场地调整，本年度暂不申报。"))
        # without a body, as before
        other = flow.create("incubator")
        r = srv.req("POST", "/v1/applications/%d/withdraw" % other["id"], token="applicant_a")
        self.assertEqual(r[0], 200, r)
        self.assertIsNone(self.flow.events(other["id"], "applicant_a")[-1]["opinion"])

    def test_events_name_the_actor_as_it_was(self):
        srv, flow = self.srv, self.flow
        app = flow.to(flow.create("first_store"), "public_notice")
        actors = {e["action"]: e["actor"] for e in self.events(app["id"])}
        acct = srv.accounts
        district = flow.district_of(app["review_unit"])
        self.assertEqual(actors["create"]["name"], acct["applicant_a"]["name"])
        self.assertEqual(actors["district_approve"],
                         {"account": flow.account_id(district),
                          "role": "district_reviewer", "name": acct[district]["name"],
                          "unit": app["review_unit"], "authority": None})
        self.assertEqual(actors["municipal_approve"],
                         {"account": flow.account_id("municipal_commerce"),
                          "role": "municipal_reviewer",
                          "name": acct["municipal_commerce"]["name"], "unit": None,
                          "authority": "commerce"})
        rc, out, err = common.shenbao_cli(["audit", "verify", "--config", srv.config])
        self.assertEqual(rc, 0, err)


class OlderDatabase(common.ApiTest):
    """An application stored before versions were kept (a database migrated
    from an older release) has its current version, read from the row
    itself, and no earlier one."""

    def test_current_version_from_the_row(self):
        srv = common.start_server()
        again = None
        try:
            flow = Flow(srv)
            app = flow.to(flow.create("incubator"), "district_review")
            i = app["id"]
            want = srv.req("GET", "/v1/applications/%d/versions/2" % i, token="applicant_a")
            self.assertEqual(want[0], 200, want)
            srv.tampered = True  # the file is changed below, as a test of its own
            common.stop_keeping_data(srv)
            if common.is_pg(srv.db):
                common.db_script(srv.db, "DROP TRIGGER application_versions_no_delete"
                                 " ON application_versions;"
                                 " DELETE FROM application_versions WHERE application_id = %d"
                                 % i)
            else:
                common.db_script(srv.db, "DROP TRIGGER application_versions_no_delete;"
                                 " DELETE FROM application_versions WHERE application_id = %d"
                                 % i)
            again = common.serve_again(srv)
            again.tampered = True
            r = again.req("GET", "/v1/applications/%d/versions/2" % i, token="applicant_a")
            self.assertEqual(r[0], 200, r)
            self.assertEqual(r[2], want[2])
            self.assertEqual(r[1]["repr-digest"], want[1]["repr-digest"])
            p = self.assertProblem(again.req("GET", "/v1/applications/%d/versions/1" % i,
                                             token="applicant_a"), 404)
            self.assertIn("before versions were kept", p["detail"])
            p = self.assertProblem(again.req("GET", "/v1/applications/%d/versions/3" % i,
                                             token="applicant_a"), 404)
            self.assertIn("versions 1 to 2", p["detail"])
        finally:
            if again is not None:
                again.stop()
            srv.stop()

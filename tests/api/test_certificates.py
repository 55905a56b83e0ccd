"""Certificates (CONTRACT.md, "Certificates" and the certificate endpoints;
RULES.md §1 approval and revocation, §2 the incubator's validity and the
2-year bar, §3 and §4 revocation with refund).

Runs on a server of its own whose clock starts at 2020-09-29 10:00 in
Beijing: a municipal approval then publishes a notice ending on 2020-10-12,
and `shenbao tick --now 2020-10-13T00:00:00+08:00` approves and issues.
An incubator certificate is valid 3 years from the approval date (第十条):
issued on 2020-10-13, its last valid day is 2023-10-12.

One application of each kind, plus two incubators of organisations of their
own for the revocation grounds, are approved by a single tick in
setUpModule; the tests share them, and each revocation test revokes only its
own certificate.
"""

import datetime
import json
import os
import shutil
import tempfile

import common
from common import ApiTest

CLOCK = "2020-09-29T10:00:00+08:00"
NOTICE_ENDS = "2020-10-12"
TICK = "2020-10-13T00:00:00+08:00"
ISSUED_ON = "2020-10-13"
VALID_UNTIL = "2023-10-12"
# Beijing time: the last hour of the last valid day, and the first of the next.
LAST_VALID_HOUR = "2023-10-12T23:00:00+08:00"
FIRST_EXPIRED_HOUR = "2023-10-13T00:30:00+08:00"

# The serial names the round (a tourism award of Flow's has a year of its own).
SERIAL = r"^SB-%d-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$"

srv = None
flow = None
files = None      # a temporary directory for certificate and JWKS files
apps = {}         # name -> the application as approved
issued = {}       # name -> GET …/certificate right after the tick
events_at_issue = {}  # name -> GET …/events right after the tick
tick_output = None


def setUpModule():
    global files, srv
    files = tempfile.mkdtemp(prefix="shenbao-api-certs-")
    try:
        srv = common.start_server(clock=CLOCK)
        approve_all()
    except BaseException:
        tearDownModule()   # unittest does not when setUpModule fails
        raise


def approve_all():
    global flow, tick_output
    flow = common.Flow(srv)
    srv.add_applicant("applicant_fraud", "北京撤销测试孵化器有限公司",
                      common.uscc_new("110108"))
    srv.add_applicant("applicant_other", "北京另一测试孵化器有限公司",
                      common.uscc_new("110108"))
    drafts = {
        "incubator": flow.create("incubator", who="applicant_a"),
        "first_store": flow.create("first_store", who="applicant_a"),
        "tourism_award": flow.create("tourism_award", who="applicant_b"),
        "incubator_fraud": flow.create("incubator", who="applicant_fraud"),
        "incubator_other": flow.create("incubator", who="applicant_other"),
    }
    noticed = {name: flow.to(app, "public_notice") for name, app in drafts.items()}
    for name, app in noticed.items():
        if app["notice"]["ends_on"] != NOTICE_ENDS:
            raise AssertionError("%s: notice %r, expected to end on %s"
                                 % (name, app["notice"], NOTICE_ENDS))
    tick_output = common.run_tick(srv.config, TICK)
    for name, app in noticed.items():
        apps[name] = flow.get(app["id"])
        r = srv.req("GET", "/v1/applications/%d/certificate" % app["id"], token="auditor")
        if r[0] != 200:
            raise AssertionError("%s: no certificate after the tick: %r" % (name, r))
        issued[name] = r[2]
        events_at_issue[name] = flow.events(app["id"])


def tearDownModule():
    if srv is not None:
        srv.stop()
    if files is not None:
        shutil.rmtree(files, ignore_errors=True)


def issued_pair(name):
    """The {certificate, jws} object as issued (what a holder keeps)."""
    return {"certificate": issued[name]["certificate"], "jws": issued[name]["jws"]}


def beijing_date(rfc3339):
    t = datetime.datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
    return t.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()


def two_years_after(day):
    return day.replace(year=day.year + 2).isoformat()   # never 29 February here


MEASURE = {"incubator": "京科发〔2020〕13号", "first_store": "京商消促字〔2020〕48号",
           "tourism_award": "京文旅发〔2020〕190号"}


class Issuing(ApiTest):
    """What the approval issues, once, and who may read it."""

    def test_tick_approved_all_five(self):
        self.assertIn("5 applications approved", tick_output)
        for name, app in apps.items():
            self.assertEqual(app["status"], "approved", name)

    def test_certificate_document(self):
        for name, app in apps.items():
            with self.subTest(name):
                got = issued[name]
                # what a reader would want to know of the holder's duties
                # (RULES.md §8), for the kinds that have any
                duties = {"duties"} if app["kind"] != "tourism_award" else set()
                self.assertEqual(set(got), {"certificate", "jws", "status"} | duties)
                self.assertEqual(got["status"], "active")
                cert = got["certificate"]
                kind = app["kind"]
                self.assertEqual(cert["kind"], kind)
                self.assertRegex(cert["serial"], SERIAL % app["round"])
                self.assertEqual(cert["measure"], MEASURE[kind])
                self.assertEqual(app["certificate_serial"], cert["serial"])
                self.assertEqual(cert["application_id"], app["id"])
                self.assertEqual(cert["holder"], {"name": app["applicant"]["name"],
                                                  "uscc": app["applicant"]["uscc"]})
                for member in ("title_zh", "title_en"):
                    self.assertIsInstance(cert[member], str)
                    self.assertTrue(cert[member].strip(), member)
                issuer = cert["issuer"]
                self.assertEqual(issuer["authority"], common.AUTHORITY_OF_KIND[kind])
                self.assertTrue(issuer["name_zh"].strip() and issuer["name_en"].strip())
                self.assertEqual(cert["issued_on"], ISSUED_ON)
                if kind == "incubator":
                    self.assertEqual(cert["title_zh"], "北京市科技企业孵化器认定证书")
                    self.assertEqual(cert["valid_until"], VALID_UNTIL)
                    self.assertNotIn("amount_fen", cert)
                else:
                    self.assertNotIn("valid_until", cert)
                    self.assertIsInstance(cert["amount_fen"], int)
                    self.assertGreater(cert["amount_fen"], 0)
                    self.assertIsInstance(cert["items"], list)
                    self.assertTrue(cert["items"])
                    self.assertEqual(sum(i["amount_fen"] for i in cert["items"]),
                                     cert["amount_fen"])
                    self.assertEqual(cert["amount_fen"], app["award"]["total_fen"])
                    self.assertEqual(cert["items"], app["award"]["items"])
                    # what the decision granted, on the application too
                    self.assertEqual(app["granted_fen"], cert["amount_fen"])
                    self.assertNotIn("proposed_fen", cert)
                if kind == "first_store":
                    # a funding decision names the brand and the store
                    self.assertEqual(cert["brand"], app["data"]["brand"])
                    self.assertEqual(cert["store"]["name"], app["data"]["store"]["name"])

    def test_cites_the_approving_event(self):
        for name in apps:
            with self.subTest(name):
                events = events_at_issue[name]
                last = events[-1]
                self.assertEqual(last["action"], "notice_ended")
                self.assertEqual(last["to"], "approved")
                self.assertEqual(issued[name]["certificate"]["application_event_hash"],
                                 last["hash"])
                # Exactly one approval, citing the serial issued.
                ended = [e for e in events if e["action"] == "notice_ended"]
                self.assertEqual(len(ended), 1)
                self.assertEqual(ended[0]["details"].get("certificate_serial"),
                                 issued[name]["certificate"]["serial"])

    def test_jws_is_the_certificate_signed(self):
        for name in apps:
            with self.subTest(name):
                jws = issued[name]["jws"]
                self.assertEqual(jws.count("."), 2)
                header = common.jws_header(jws)
                self.assertEqual(header["alg"], "EdDSA")
                self.assertIsInstance(header.get("kid"), str)
                self.assertEqual(json.loads(common.jws_payload(jws)),
                                 issued[name]["certificate"])

    def test_owner_and_reviewers_read_it(self):
        app = apps["first_store"]
        for who in ("applicant_a", "district_110108", "municipal_commerce", "auditor"):
            with self.subTest(who):
                r = srv.req("GET", "/v1/applications/%d/certificate" % app["id"], token=who)
                self.assertStatus(r, 200)
                self.assertEqual(r[2]["jws"], issued["first_store"]["jws"])
        # Another organisation's application is not visible to it: 404.
        r = srv.req("GET", "/v1/applications/%d/certificate" % app["id"], token="applicant_b")
        self.assertProblem(r, 404)

    def test_no_certificate_before_approval(self):
        app = flow.to(flow.create("incubator", who="applicant_a"), "district_review")
        try:
            r = srv.req("GET", "/v1/applications/%d/certificate" % app["id"], token="auditor")
            self.assertProblem(r, 404)
            self.assertIsNone(flow.get(app["id"]).get("certificate_serial"))
        finally:
            flow.act(app["id"], "withdraw", "applicant_a")

    def test_tick_again_issues_nothing(self):
        for now in (TICK, "2020-11-30T12:00:00+08:00"):
            with self.subTest(now):
                out = common.run_tick(srv.config, now)
                self.assertIn("0 applications approved", out)
        for name, app in apps.items():
            with self.subTest(name):
                again = flow.get(app["id"])
                self.assertEqual(again["certificate_serial"], app["certificate_serial"])
                r = srv.req("GET", "/v1/applications/%d/certificate" % app["id"],
                            token="auditor")
                self.assertStatus(r, 200)
                self.assertEqual(r[2]["jws"], issued[name]["jws"])
                ended = [e for e in flow.events(app["id"]) if e["action"] == "notice_ended"]
                self.assertEqual(len(ended), 1)

    def test_public_get_without_token(self):
        for name in ("incubator", "tourism_award"):
            with self.subTest(name):
                serial = issued[name]["certificate"]["serial"]
                r = srv.req("GET", "/v1/certificates/%s" % serial)
                body = self.assertStatus(r, 200)
                self.assertEqual(body["certificate"], issued[name]["certificate"])
                self.assertEqual(body["jws"], issued[name]["jws"])
                self.assertEqual(body["status"], "active")
                self.assertNotIn("revocation", body)

    def test_unknown_serial_is_404(self):
        for serial in ("SB-2020-0000-0000-0000-0000", "nope"):
            with self.subTest(serial):
                self.assertProblem(srv.req("GET", "/v1/certificates/%s" % serial), 404)
        serial = issued["incubator"]["certificate"]["serial"]
        self.assertProblem(srv.req("GET", "/v1/certificates/%s" % serial.lower()), 404)
        r = srv.req("POST", "/v1/certificates/SB-2020-0000-0000-0000-0000/revocation",
                    {"reason": "不存在"}, token="municipal_science_tech")
        self.assertProblem(r, 404)


class Expiry(ApiTest):
    """`expired` after valid_until, on the server's clock: a second server on
    the same database, its clock on the last valid day, then the day after."""

    def status_at(self, clock, names):
        other = common.serve_again(srv, clock=clock)
        try:
            got = {}
            for name in names:
                serial = issued[name]["certificate"]["serial"]
                r = other.req("GET", "/v1/certificates/%s" % serial)
                got[name] = self.assertStatus(r, 200)["status"]
                v = other.req("POST", "/v1/certificates/verify", issued_pair(name))
                body = self.assertStatus(v, 200)
                self.assertIs(body["valid"], True, name)
                self.assertEqual(body["status"], got[name], name)
            return got
        finally:
            other.stop()

    def test_expired_after_valid_until(self):
        names = ("incubator", "tourism_award")
        self.assertEqual(self.status_at(LAST_VALID_HOUR, names),
                         {"incubator": "active", "tourism_award": "active"})
        # An award carries no validity: it does not expire.
        self.assertEqual(self.status_at(FIRST_EXPIRED_HOUR, names),
                         {"incubator": "expired", "tourism_award": "active"})


class Verify(ApiTest):
    """POST /v1/certificates/verify: anyone, {certificate, jws} or {jws}."""

    def verify(self, body):
        return self.assertStatus(srv.req("POST", "/v1/certificates/verify", body), 200)

    def test_issued_certificates_verify(self):
        for name in ("incubator", "tourism_award"):
            with self.subTest(name):
                body = self.verify(issued_pair(name))
                self.assertIs(body["valid"], True)
                self.assertEqual(body["status"], "active")

    def test_jws_alone_verifies(self):
        body = self.verify({"jws": issued["incubator"]["jws"]})
        self.assertIs(body["valid"], True)
        self.assertEqual(body["status"], "active")

    def test_altered_certificate_is_invalid(self):
        for change in ("holder", "amount", "extra", "missing"):
            with self.subTest(change):
                pair = json.loads(json.dumps(issued_pair("tourism_award")))
                cert = pair["certificate"]
                if change == "holder":
                    cert["holder"]["name"] += "（变更）"
                elif change == "amount":
                    cert["amount_fen"] += 100
                elif change == "extra":
                    cert["note"] = "added"
                else:
                    del cert["issued_on"]
                body = self.verify(pair)
                self.assertIs(body["valid"], False)
                self.assertNotEqual(body["status"], "active")

    def test_tampered_payload_is_invalid(self):
        body = self.verify(common.tampered_certificate(issued_pair("incubator")))
        self.assertIs(body["valid"], False)

    def test_flipped_character_is_invalid(self):
        jws = issued["incubator"]["jws"]
        header, payload, sig = jws.split(".")
        cases = {
            "signature": "%s.%s.%s" % (header, payload,
                                       sig[:20] + ("B" if sig[20] != "B" else "C") + sig[21:]),
            "payload": "%s.%s.%s" % (header, payload[:30] + ("x" if payload[30] != "x" else "y")
                                     + payload[31:], sig),
        }
        for where, bad in cases.items():
            with self.subTest(where):
                self.assertIs(self.verify({"jws": bad})["valid"], False)
                pair = issued_pair("incubator")
                pair["jws"] = bad
                self.assertIs(self.verify(pair)["valid"], False)

    def test_another_certificates_jws_is_invalid(self):
        pair = {"certificate": issued["incubator"]["certificate"],
                "jws": issued["incubator_other"]["jws"]}
        self.assertIs(self.verify(pair)["valid"], False)

    def test_malformed_bodies(self):
        cert = issued["incubator"]["certificate"]
        r = srv.req("POST", "/v1/certificates/verify", {"certificate": cert})
        self.assertProblem(r, 422, ["/jws"])
        r = srv.req("POST", "/v1/certificates/verify", {"jws": 12, "certificate": cert})
        self.assertProblem(r, 422, ["/jws"])
        r = srv.req("POST", "/v1/certificates/verify",
                    raw=b'{"jws": ', headers={"Content-Type": "application/json"})
        self.assertProblem(r, 400)
        body = self.verify({"jws": "not.a.jws"})
        self.assertIs(body["valid"], False)


class Revocation(ApiTest):
    """POST /v1/certificates/{serial}/revocation: a municipal reviewer of the
    issuing authority; 2-year bar on the incubator's grounds of 第十三条."""

    def revoke(self, name, body, who, expect=200):
        serial = issued[name]["certificate"]["serial"]
        r = srv.req("POST", "/v1/certificates/%s/revocation" % serial, body, token=who)
        if expect == 200:
            return self.assertStatus(r, 200)
        return r

    def check_revoked(self, name, body, reason, ground, refund_fen=None):
        """The revocation response, the public status and verify, the
        application and its history."""
        self.assertEqual(body["status"], "revoked")
        self.assertEqual(body["certificate"], issued[name]["certificate"])
        self.assertEqual(body["jws"], issued[name]["jws"])
        rev = body["revocation"]
        self.assertRegex(rev["revoked_at"], r"^\d{4}-\d{2}-\d{2}T")
        self.assertEqual(rev["reason"], reason)
        self.assertEqual(rev["ground"], ground)
        if refund_fen is not None:
            self.assertEqual(rev["refund_fen"], refund_fen)
        serial = issued[name]["certificate"]["serial"]
        public = self.assertStatus(srv.req("GET", "/v1/certificates/%s" % serial), 200)
        self.assertEqual(public["status"], "revoked")
        self.assertEqual(public["revocation"], rev)
        v = self.assertStatus(srv.req("POST", "/v1/certificates/verify", issued_pair(name)), 200)
        self.assertIs(v["valid"], True)
        self.assertEqual(v["status"], "revoked")
        app = flow.get(apps[name]["id"])
        self.assertEqual(app["status"], "revoked")
        self.assertEqual(app["certificate_serial"], serial)
        last = flow.events(apps[name]["id"])[-1]
        self.assertEqual(last["action"], "revoke")
        self.assertEqual((last["from"], last["to"]), ("approved", "revoked"))
        self.assertEqual(last["opinion"], reason)
        return rev

    def test_first_store_revoked_with_refund(self):
        name = "first_store"
        amount = issued[name]["certificate"]["amount_fen"]
        reason = "门店开业未满一年即关闭，依规退回支持资金。"
        body = {"reason": reason, "ground": "closed_within_year", "refund_fen": amount // 2}
        # Not the issuing authority, not a municipal reviewer, no token.
        self.assertProblem(self.revoke(name, body, "municipal_science_tech", 403), 403)
        self.assertProblem(self.revoke(name, body, "municipal_culture_tourism", 403), 403)
        self.assertProblem(self.revoke(name, body, "district_110108", 403), 403)
        self.assertProblem(self.revoke(name, body, "applicant_a", 403), 403)
        self.assertProblem(self.revoke(name, body, None, 401), 401)
        # Invalid bodies.
        too_much = dict(body, refund_fen=amount + 1)
        self.assertProblem(self.revoke(name, too_much, "municipal_commerce", 422), 422,
                           ["/refund_fen"])
        self.assertProblem(self.revoke(name, dict(body, refund_fen=-1),
                                       "municipal_commerce", 422), 422, ["/refund_fen"])
        self.assertProblem(self.revoke(name, {"ground": "closed_within_year"},
                                       "municipal_commerce", 422), 422, ["/reason"])
        self.assertProblem(self.revoke(name, dict(body, ground="fraudulent"),
                                       "municipal_commerce", 422), 422, ["/ground"])
        # Nothing of that changed it.
        serial = issued[name]["certificate"]["serial"]
        still = self.assertStatus(srv.req("GET", "/v1/certificates/%s" % serial), 200)
        self.assertEqual(still["status"], "active")
        self.assertEqual(flow.get(apps[name]["id"])["status"], "approved")

        # The whole amount may be refunded (cannot exceed it: equal is allowed).
        whole = dict(body, refund_fen=amount)
        done = self.revoke(name, whole, "municipal_commerce")
        self.check_revoked(name, done, reason, "closed_within_year", amount)
        again = self.revoke(name, body, "municipal_commerce", 409)
        self.assertProblem(again, 409)

    def test_incubator_fraud_bars_two_years(self):
        name = "incubator_fraud"
        reason = "核查发现申报材料弄虚作假。"
        body = {"reason": reason, "ground": "fraud"}
        self.assertProblem(self.revoke(name, body, "municipal_commerce", 403), 403)
        self.assertProblem(self.revoke(name, body, "district_110108", 403), 403)
        # An incubator certificate carries no amount: no refund above 0.
        self.assertProblem(self.revoke(name, dict(body, refund_fen=1),
                                       "municipal_science_tech", 422), 422, ["/refund_fen"])
        done = self.revoke(name, body, "municipal_science_tech")
        rev = self.check_revoked(name, done, reason, "fraud")
        self.assertProblem(self.revoke(name, body, "municipal_science_tech", 409), 409)

        # The organisation's next incubator application is refused at
        # submission until the same day two years later.
        draft = flow.create("incubator", who="applicant_fraud")
        r = srv.req("POST", "/v1/applications/%d/submit" % draft["id"], token="applicant_fraud")
        problem = self.assertProblem(r, 409)
        self.assertEqual(problem.get("may_apply_from"),
                         two_years_after(beijing_date(rev["revoked_at"])))
        self.assertEqual(flow.get(draft["id"], "applicant_fraud")["status"], "draft")

    def test_incubator_other_ground_bars_nothing(self):
        name = "incubator_other"
        reason = "孵化器主动申请注销认定。"
        done = self.revoke(name, {"reason": reason, "ground": "other"},
                           "municipal_science_tech")
        self.check_revoked(name, done, reason, "other")
        draft = flow.create("incubator", who="applicant_other")
        submitted = flow.act(draft["id"], "submit", "applicant_other")
        self.assertEqual(submitted["status"], "district_review")
        flow.act(draft["id"], "withdraw", "applicant_other")


class CommandLineVerify(ApiTest):
    """`shenbao verify FILE [--jwks FILE_OR_URL]`, offline, and the same
    files checked by jose (tests/interop/verify.mjs)."""

    @classmethod
    def setUpClass(cls):
        r = srv.req("GET", "/.well-known/jwks.json")
        if r[0] != 200:
            raise AssertionError("JWKS: %r" % (r,))
        cls.jwks = r[2]
        cls.jwks_path = common.write_json(os.path.join(files, "jwks.json"), cls.jwks)
        cls.cert_paths = {name: common.write_json(os.path.join(files, name + ".json"),
                                                  issued_pair(name))
                          for name in ("incubator", "first_store", "tourism_award")}
        cls.tampered_path = common.write_json(
            os.path.join(files, "tampered.json"),
            common.tampered_certificate(issued_pair("incubator")))
        altered = json.loads(json.dumps(issued_pair("incubator")))
        altered["certificate"]["valid_until"] = "2099-12-31"
        cls.altered_path = common.write_json(os.path.join(files, "altered.json"), altered)

    def cli(self, *args):
        return common.shenbao_cli(["verify"] + list(args))

    def assertAccepted(self, *args):
        rc, out, err = self.cli(*args)
        self.assertEqual(rc, 0, "shenbao verify %s: exit %d\n%s%s" % (args, rc, out, err))
        return out

    def assertRefused(self, *args):
        rc, out, err = self.cli(*args)
        self.assertNotEqual(rc, 0, "shenbao verify %s accepted it:\n%s" % (args, out))
        self.assertTrue(err.strip(), "no message on stderr")
        return err

    def test_jwks_file(self):
        for name, path in self.cert_paths.items():
            with self.subTest(name):
                out = self.assertAccepted(path, "--jwks", self.jwks_path)
                self.assertIn(issued[name]["certificate"]["serial"], out)

    def test_bare_jws_file(self):
        path = os.path.join(files, "bare.jws")
        with open(path, "w", encoding="ascii") as f:
            f.write(issued["incubator"]["jws"] + "\n")
        self.assertAccepted(path, "--jwks", self.jwks_path)

    def test_tampered_and_altered_files_refused(self):
        self.assertRefused(self.tampered_path, "--jwks", self.jwks_path)
        self.assertRefused(self.altered_path, "--jwks", self.jwks_path)
        self.assertRefused(self.tampered_path, "--config", srv.config)

    def test_unknown_kid_refused(self):
        kid = common.jws_header(issued["incubator"]["jws"])["kid"]
        empty = common.write_json(os.path.join(files, "jwks-empty.json"), {"keys": []})
        self.assertRefused(self.cert_paths["incubator"], "--jwks", empty)
        renamed = json.loads(json.dumps(self.jwks))
        for k in renamed["keys"]:
            k["kid"] = "X" + k["kid"][1:] if not k["kid"].startswith("X") else "Y" + k["kid"][1:]
        self.assertNotIn(kid, [k["kid"] for k in renamed["keys"]])
        other = common.write_json(os.path.join(files, "jwks-renamed.json"), renamed)
        err = self.assertRefused(self.cert_paths["incubator"], "--jwks", other)
        self.assertIn(kid, err)

    def test_keys_from_the_database(self):
        for name, path in self.cert_paths.items():
            with self.subTest(name):
                self.assertAccepted(path, "--config", srv.config)

    def test_jwks_url(self):
        url = "http://127.0.0.1:%d/.well-known/jwks.json" % srv.port
        self.assertAccepted(self.cert_paths["incubator"], "--jwks", url)
        self.assertRefused(self.tampered_path, "--jwks", url)

    def test_missing_file_refused(self):
        self.assertRefused(os.path.join(files, "no-such-file.json"), "--jwks", self.jwks_path)

    def test_jose_interop(self):
        for name, path in self.cert_paths.items():
            with self.subTest(name):
                rc, out, err = common.interop_verify(path, self.jwks_path)
                self.assertEqual(rc, 0, "jose refused %s:\n%s%s" % (name, out, err))
                self.assertIn(issued[name]["certificate"]["serial"], out)
        for path in (self.tampered_path, self.altered_path):
            with self.subTest(os.path.basename(path)):
                rc, out, err = common.interop_verify(path, self.jwks_path)
                self.assertEqual(rc, 1, "jose on %s: exit %d\n%s%s"
                                 % (os.path.basename(path), rc, out, err))

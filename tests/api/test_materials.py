"""Materials (申报材料, RULES.md §6; CONTRACT.md "Materials").

Each kind's types and which of them block submission; content recognised
by its bytes (415 when it is not what Content-Type says); the limits per
file and per application (413), the status (409), the type (422) and the
uploads an account may make (429); download of the same bytes with their
digest (RFC 9530 Repr-Digest); visibility exactly as the application's; a
20 MiB upload and download with the server's memory bounded; an upload cut
short leaving nothing behind; and a backup that carries the files."""

import base64
import hashlib
import http.client
import io
import json
import os
import socket
import threading
import time
import zipfile

import common
from common import req

KB = 1024
MIB = 1024 * 1024

PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0\0\x10JFIF\0" + b"\0" * 32
MP4 = b"\0\0\0\x20ftypisom\0\0\2\0isomiso2mp41" + b"\0" * 32


def pdf(n=64, seed=b""):
    """A PDF by its magic bytes, n bytes long, its content varied by seed."""
    body = b"%PDF-1.7\n" + seed
    filler = hashlib.sha256(seed or b"x").digest()
    return (body + filler * (n // len(filler) + 1))[:n]


def ofd(root="OFD.xml"):
    """An OFD package (GB/T 33190): a ZIP whose root holds OFD.xml."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(root, '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD/>')
        z.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buf.getvalue()


def materials_path(app_id):
    return "/v1/applications/%d/materials" % app_id


def upload(app_id, type_, body, ctype="application/pdf", who="applicant_a", request=req,
           headers=None):
    h = {"Content-Type": ctype} if ctype else {}
    h.update(headers or {})
    return request("POST", materials_path(app_id) + "?type=" + type_, token=who, raw=body,
                   headers=h)


def b64sha(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


# What RULES.md §6 asks of each kind: type -> True (required), False
# (optional), "conditional".
RULES_TYPES = {
    "incubator": {"application_form": True, "business_licence": True,
                  "service_description": True, "audit_report": True,
                  "financial_statements": True, "report_attachment": False},
    "first_store": {"application_form": True, "expense_list": True, "commitment": True,
                    "funding_summary": True, "legal_documents": True,
                    "financial_statements": True, "store_evidence": "conditional",
                    "agency_agreement": "conditional", "introduction_agreement": "conditional",
                    "event_photos": "conditional", "other": False, "report_attachment": False},
    "tourism_award": {"written_application": True, "annual_financials": True,
                      "statistics_report": True, "charter_evidence": "conditional",
                      "special_award_evidence": "conditional", "other": False},
    "experience_base": {"application_form": True, "legal_certificate": True,
                        "introduction": True, "licences": True, "media": True, "other": False,
                        "report_attachment": False},
}
DOCUMENTS = ["application/pdf", "application/ofd", "image/jpeg", "image/png"]
# RULES.md §6: MP4 is taken for one type of one kind only.
TAKES_VIDEO = {("experience_base", "media")}


class Types(common.ApiTest):
    def test_each_kind_lists_its_types(self):
        for kind, want in RULES_TYPES.items():
            with self.subTest(kind=kind):
                items = self.assertStatus(req("GET", "/v1/kinds/%s/materials" % kind), 200)["items"]
                self.assertEqual([i["type"] for i in items], list(want))
                for i in items:
                    self.assertEqual(i["required"], want[i["type"]], i)
                    video = ["video/mp4"] if (kind, i["type"]) in TAKES_VIDEO else []
                    self.assertEqual(i["accept"], DOCUMENTS + video, i)
                    self.assertEqual(i["max_bytes"], 20 * MIB, i)
                    self.assertTrue(i["title_zh"] and i["title_en"], i)
                    # RULES.md §8: the kinds with duties after approval take
                    # a report's files, uploaded once approved
                    self.assertIs(i["for_reports"], i["type"] == "report_attachment", i)
                    if i["required"] == "conditional":
                        self.assertTrue(i["condition"] and i["condition_zh"], i)
                    else:
                        self.assertIsNone(i["condition"], i)

    def test_no_such_kind(self):
        self.assertProblem(req("GET", "/v1/kinds/lottery/materials"), 404)


class Required(common.ApiTest):
    """Submission needs a file of every type the application needs: 422
    naming each /materials/<type> until the last one is there."""

    def walk(self, who, env, need):
        app = common.create(who, env=env, materials=False)
        path = "/v1/applications/%d" % app["id"]
        r = req("POST", path + "/submit", token=who)
        self.assertProblem(r, 422, ["/materials/" + t for t in need])
        self.assertEqual(common.problem_pointers(r), {"/materials/" + t for t in need})
        listed = self.assertStatus(req("GET", materials_path(app["id"]), token=who), 200)
        self.assertEqual(listed["missing"], need)
        self.assertEqual(listed["needed"], need)
        self.assertEqual(listed["items"], [])
        # every one but the last still blocks
        for i, t in enumerate(need[:-1]):
            self.assertStatus(upload(app["id"], t, pdf(seed=t.encode()), who=who), 201)
            r = req("POST", path + "/submit", token=who)
            self.assertEqual(common.problem_pointers(r), {"/materials/" + x for x in need[i + 1:]})
        # an optional file does not stand in for a required one
        if "other" in RULES_TYPES[env["kind"]]:
            self.assertStatus(upload(app["id"], "other", pdf(seed=b"o"), who=who), 201)
            self.assertProblem(req("POST", path + "/submit", token=who), 422,
                               ["/materials/" + need[-1]])
        self.assertStatus(upload(app["id"], need[-1], pdf(seed=b"last"), who=who), 201)
        app = self.assertStatus(req("POST", path + "/submit", token=who), 200)
        self.assertNotEqual(app["status"], "draft")
        return app

    def test_incubator(self):
        self.walk("applicant_a", common.envelope("incubator", "applicant_a"),
                  ["application_form", "business_licence", "service_description",
                   "audit_report", "financial_statements"])

    def test_in_chinese(self):
        app = common.create("applicant_a", "incubator", materials=False)
        zh = {"Accept-Language": "zh-CN"}
        r = req("POST", "/v1/applications/%d/submit" % app["id"], token="applicant_a",
                headers=zh)
        p = self.assertProblem(r, 422, ["/materials/audit_report"])
        self.assertEqual(p["detail"], "缺少 5 项必需材料，详见 errors")
        audit = [e for e in p["errors"] if e["pointer"] == "/materials/audit_report"][0]
        self.assertIn("近两个会计年度专业服务收入专项审计报告", audit["detail"])
        self.assertIn("请通过 POST /v1/applications/%d/materials?type=audit_report" % app["id"],
                      audit["detail"])
        p = self.assertProblem(upload(app["id"], "nope", pdf(), headers=zh), 422)
        self.assertIn("不是本类申报（incubator）的材料类型", p["errors"][0]["detail"])

    def test_first_store_store_opening(self):
        env = common.envelope("first_store", "applicant_a")
        self.assertEqual(env["data"]["project"], "store_opening")
        self.assertNotEqual(env["data"]["applicant_type"], "international_agent")
        self.walk("applicant_a", env,
                  ["application_form", "expense_list", "commitment", "funding_summary",
                   "legal_documents", "financial_statements", "store_evidence"])

    def test_first_store_through_an_agent(self):
        env = common.envelope("first_store", "applicant_a")
        env["data"]["applicant_type"] = "international_agent"
        env["data"]["license_fee_fen"] = 10000000
        env["data"].pop("rent_12m_fen", None)
        env["data"].pop("decoration_fen", None)
        app = common.create("applicant_a", env=env, materials=False)
        listed = self.assertStatus(req("GET", materials_path(app["id"]), token="applicant_a"),
                                   200)
        self.assertIn("store_evidence", listed["missing"])
        self.assertIn("agency_agreement", listed["missing"])
        self.assertNotIn("introduction_agreement", listed["missing"])

    @staticmethod
    def plain_tourism():
        """The tourism example without charters and the special award."""
        env = common.envelope("tourism_award", "applicant_b")
        env["data"].pop("charters", None)
        env["data"].pop("special_award_claim", None)
        return env

    def test_tourism_award(self):
        self.walk("applicant_b", self.plain_tourism(),
                  ["written_application", "annual_financials", "statistics_report"])

    def test_tourism_award_with_charters_and_the_special_award(self):
        env = self.plain_tourism()
        env["data"]["charters"] = [{"flight": "CA1234", "tourists": 180,
                                    "scheduled_route": False, "arrived_on": "2020-05-01",
                                    "nights_in_beijing": 3}]
        env["data"]["special_award_claim"] = "为北京入境旅游市场作出重要贡献。"
        self.walk("applicant_b", env,
                  ["written_application", "annual_financials", "statistics_report",
                   "charter_evidence", "special_award_evidence"])

    def test_the_data_decides_what_is_needed_when_it_changes(self):
        """A conditional type follows the application's data as stored."""
        env = self.plain_tourism()
        app = common.create("applicant_b", env=env)
        path = "/v1/applications/%d" % app["id"]
        env["data"]["special_award_claim"] = "特别奖申请。"
        self.assertStatus(req("PUT", path, env, token="applicant_b"), 200)
        self.assertProblem(req("POST", path + "/submit", token="applicant_b"), 422,
                           ["/materials/special_award_evidence"])


class Content(common.ApiTest):
    """The bytes must be what Content-Type says (415), of a media type the
    type takes (415), of a type the kind has (422)."""

    @classmethod
    def setUpClass(cls):
        cls.app = common.create("applicant_a", "incubator", materials=False)

    def test_what_each_media_type_takes(self):
        i = self.app["id"]
        for body, ctype in ((pdf(), "application/pdf"), (ofd(), "application/ofd"),
                            (JPEG, "image/jpeg"), (PNG, "image/png"),
                            (pdf(), "Application/PDF; charset=binary")):
            with self.subTest(ctype=ctype):
                m = self.assertStatus(upload(i, "application_form", body, ctype), 201)
                self.assertEqual(m["content_type"], ctype.split(";")[0].lower())
                self.assertEqual(m["bytes"], len(body))
                self.assertEqual(m["sha256"], hashlib.sha256(body).hexdigest())

    def test_wrong_magic_bytes(self):
        i = common.create("applicant_a", "incubator", materials=False)["id"]
        cases = [
            (PNG, "application/pdf", "a PNG image"),
            (pdf(), "image/png", "a PDF document"),
            (pdf(), "image/jpeg", "a PDF document"),
            (JPEG, "image/png", "a JPEG image"),
            (ofd(root="Doc_0/OFD.xml"), "application/ofd", "not an OFD"),
            (ofd(), "application/pdf", "an OFD document"),
            (b"%PDF", "application/pdf", "of no type"),
            (b"just text", "application/pdf", "of no type"),
            (b"PK\x03\x04 broken zip", "application/ofd", "ZIP end of central directory"),
        ]
        for body, ctype, says in cases:
            with self.subTest(ctype=ctype, says=says):
                p = self.assertProblem(upload(i, "business_licence", body, ctype), 415)
                self.assertIn(says if says != "not an OFD" else "no OFD.xml", p["detail"])
        listed = req("GET", materials_path(i), token="applicant_a")[2]
        self.assertNotIn("business_licence", [m["type"] for m in listed["items"]])

    def test_empty_body(self):
        p = self.assertProblem(upload(self.app["id"], "business_licence", b""), 415)
        self.assertIn("empty", p["detail"])

    def test_video_for_the_experience_base_media_only(self):
        app = common.create(kind="experience_base", materials=False)
        got = self.assertStatus(upload(app["id"], "media", MP4, "video/mp4"), 201)
        self.assertEqual((got["type"], got["content_type"]), ("media", "video/mp4"))
        # a picture of the experience is a document the type takes too
        self.assertStatus(upload(app["id"], "media", pdf(), "application/pdf"), 201)
        self.assertProblem(upload(app["id"], "application_form", MP4, "video/mp4"), 415)
        # an MP4 declared as a PDF is what its bytes say
        self.assertProblem(upload(app["id"], "media", MP4, "application/pdf"), 415)

    def test_media_types_not_taken(self):
        i = self.app["id"]
        # video only where RULES.md allows it (experience_base media)
        p = self.assertProblem(upload(i, "business_licence", MP4, "video/mp4"), 415)
        self.assertIn("application/pdf", p["detail"])
        self.assertProblem(upload(i, "business_licence", b"PK\x05\x06" + b"\0" * 18,
                                  "application/zip"), 415)
        self.assertProblem(upload(i, "business_licence", pdf(), None), 415)
        self.assertProblem(upload(i, "business_licence", pdf(), "not a media type"), 415)

    def test_unknown_type(self):
        i = self.app["id"]
        p = self.assertProblem(upload(i, "lottery_ticket", pdf()), 422, ["/type"])
        self.assertIn("application_form", p["errors"][0]["detail"])
        # a first_store type is not an incubator's
        self.assertProblem(upload(i, "store_evidence", pdf()), 422, ["/type"])
        self.assertProblem(req("POST", materials_path(i), token="applicant_a", raw=pdf(),
                               headers={"Content-Type": "application/pdf"}), 422, ["/type"])
        r = req("POST", materials_path(i) + "?type=other&kind=x", token="applicant_a",
                raw=pdf(), headers={"Content-Type": "application/pdf"})
        self.assertProblem(r, 400)

    def test_file_names(self):
        i = self.app["id"]
        name = "营业执照 副本（2020）.pdf"
        quoted = "".join("%%%02X" % b for b in name.encode())
        m = self.assertStatus(upload(i, "business_licence", pdf(seed=b"n"), headers={
            "Content-Disposition": "attachment; filename*=UTF-8''" + quoted}), 201)
        self.assertEqual(m["filename"], name)
        got = req("GET", materials_path(i) + "/%d" % m["id"], token="applicant_a")
        ascii_ = "".join(c if " " <= c < "\x7f" and c not in '"\\' else "_" for c in name)
        attr = set(b"!#$&+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        ext = "".join(chr(b) if b in attr else "%%%02X" % b for b in name.encode())
        self.assertEqual(got[1]["content-disposition"],
                         "attachment; filename=\"%s\"; filename*=UTF-8''%s" % (ascii_, ext))
        # a path is no part of a name; none gives one of the type's own
        m = self.assertStatus(upload(i, "business_licence", pdf(seed=b"p"), headers={
            "Content-Disposition": 'attachment; filename="C:\\\\docs\\\\licence.pdf"'}), 201)
        self.assertEqual(m["filename"], "licence.pdf")
        m = self.assertStatus(upload(i, "business_licence", PNG, "image/png"), 201)
        self.assertEqual(m["filename"], "business_licence.png")


class Limits(common.ApiTest):
    """413 over the file's or the application's limit (configuration); 429
    over the uploads an account may make in an hour."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config({"material_max_bytes": 4 * KB,
                                              "materials_max_bytes_per_application": 10 * KB,
                                              "material_uploads_per_hour": 12})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_limits(self):
        srv = self.srv
        types = self.assertStatus(srv.req("GET", "/v1/kinds/incubator/materials"), 200)["items"]
        self.assertEqual({t["max_bytes"] for t in types}, {4 * KB})
        app = srv.create("applicant_a", srv.envelope("incubator", "applicant_a"),
                         materials=False)
        i = app["id"]
        # exactly the limit is taken, one byte more is not (told before a
        # byte of it is read: the connection then closes)
        self.assertStatus(upload(i, "application_form", pdf(4 * KB), request=srv.req), 201)
        p = self.assertProblem(upload(i, "application_form", pdf(4 * KB + 1), request=srv.req),
                               413)
        self.assertIn("4096", p["detail"])
        # a chunked body gives no length: refused once it passes the limit
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        body = pdf(6 * KB)
        c.request("POST", materials_path(i) + "?type=business_licence",
                  body=iter([body[:3000], body[3000:]]), encode_chunked=True,
                  headers={"Authorization": "Bearer " + srv.tokens["applicant_a"],
                           "Content-Type": "application/pdf", "Transfer-Encoding": "chunked"})
        r = c.getresponse()
        self.assertEqual(r.status, 413, r.read())
        c.close()
        # the application's files together: 4 + 4 KiB, then 4 KiB more is over 10
        self.assertStatus(upload(i, "business_licence", pdf(4 * KB, b"2"), request=srv.req), 201)
        p = self.assertProblem(upload(i, "audit_report", pdf(4 * KB, b"3"), request=srv.req), 413)
        self.assertIn("10240", p["detail"])
        self.assertStatus(upload(i, "audit_report", pdf(2 * KB, b"4"), request=srv.req), 201)
        listed = srv.req("GET", materials_path(i), token="applicant_a")[2]
        self.assertEqual(sum(m["bytes"] for m in listed["items"]), 10 * KB)
        # a deleted file no longer counts
        first = listed["items"][0]
        self.assertEqual(srv.req("DELETE", materials_path(i) + "/%d" % first["id"],
                                 token="applicant_a")[0], 204)
        self.assertStatus(upload(i, "application_form", pdf(4 * KB, b"5"), request=srv.req), 201)

    def test_uploads_per_hour(self):
        srv = self.srv
        app = srv.create("applicant_b", srv.envelope("tourism_award", "applicant_b"),
                         materials=False)
        codes = [upload(app["id"], "other", pdf(16), who="applicant_b", request=srv.req)[0]
                 for _ in range(12)]
        self.assertEqual(codes, [201] * 12)
        r = upload(app["id"], "other", pdf(16), who="applicant_b", request=srv.req)
        self.assertProblem(r, 429)
        self.assertTrue(int(r[1]["retry-after"]) > 0)
        # another account has uploads of its own
        self.assertStatus(srv.req("GET", "/v1/kinds/incubator/materials"), 200)


class Status(common.ApiTest):
    def test_only_a_draft_or_returned_application_changes_its_files(self):
        app = common.create("applicant_a", "incubator")
        listed = req("GET", materials_path(app["id"]), token="applicant_a")[2]
        self.assertEqual(listed["missing"], [])
        one = listed["items"][0]
        common.submit(app["id"])
        p = self.assertProblem(upload(app["id"], "application_form", pdf()), 409)
        self.assertEqual(p["current_status"], "district_review")
        self.assertProblem(req("DELETE", materials_path(app["id"]) + "/%d" % one["id"],
                               token="applicant_a"), 409)
        wd = common.create("applicant_a", "incubator")
        common.withdraw(wd["id"])
        self.assertProblem(upload(wd["id"], "application_form", pdf()), 409)


class Download(common.ApiTest):
    def test_same_bytes_and_digest(self):
        app = common.create("applicant_a", "incubator", materials=False)
        body = pdf(300 * KB, os.urandom(16))
        m = self.assertStatus(upload(app["id"], "audit_report", body, headers={
            "Content-Disposition": 'attachment; filename="audit 2019.pdf"'}), 201)
        self.assertEqual(m["sha256"], hashlib.sha256(body).hexdigest())
        r = req("GET", materials_path(app["id"]) + "/%d" % m["id"], token="applicant_a")
        self.assertEqual(r[0], 200)
        self.assertEqual(r[2], body)
        self.assertEqual(r[1]["content-type"], "application/pdf")
        self.assertEqual(r[1]["repr-digest"], "sha-256=:%s:" % b64sha(body))
        self.assertEqual(r[1]["content-length"], str(len(body)))
        self.assertEqual(r[1]["content-disposition"],
                         "attachment; filename=\"audit 2019.pdf\"; "
                         "filename*=UTF-8''audit%202019.pdf")
        self.assertEqual(r[1]["x-content-type-options"], "nosniff")
        # a file of another application is not this one's
        other = common.create("applicant_a", "incubator", materials=False)
        self.assertProblem(req("GET", materials_path(other["id"]) + "/%d" % m["id"],
                               token="applicant_a"), 404)
        for bad in ("0", "x", "-1", "99999999"):
            self.assertProblem(req("GET", materials_path(app["id"]) + "/" + bad,
                                   token="applicant_a"), 404)

    def test_delete(self):
        app = common.create("applicant_a", "incubator", materials=False)
        m = self.assertStatus(upload(app["id"], "audit_report", pdf(seed=b"d")), 201)
        path = materials_path(app["id"]) + "/%d" % m["id"]
        self.assertEqual(req("DELETE", path, token="applicant_a")[0], 204)
        # never submitted: gone
        self.assertProblem(req("GET", path, token="applicant_a"), 404)
        self.assertProblem(req("DELETE", path, token="applicant_a"), 404)
        listed = req("GET", materials_path(app["id"]), token="applicant_a")[2]
        self.assertEqual(listed["items"], [])
        self.assertIn("audit_report", listed["missing"])

    def test_a_submitted_file_deleted_after_a_return_stays_readable(self):
        srv = common.start_server()
        try:
            flow = common.Flow(srv)
            app = flow.to(flow.create("incubator"), "returned")
            path = materials_path(app["id"])
            listed = srv.req("GET", path, token="applicant_a")[2]
            old = [m for m in listed["items"] if m["type"] == "audit_report"][0]
            self.assertEqual(srv.req("DELETE", path + "/%d" % old["id"], token="applicant_a")[0],
                             204)
            listed = srv.req("GET", path, token="applicant_a")[2]
            self.assertEqual(listed["missing"], ["audit_report"])
            r = srv.req("GET", path + "/%d" % old["id"], token="applicant_a")
            self.assertEqual(r[0], 200)
            self.assertEqual(r[2], common.TINY_PDF)
            self.assertIn("x-material-deleted-at", r[1])
            # reviewers still read what was submitted
            r = srv.req("GET", path + "/%d" % old["id"], token="district_110108")
            self.assertEqual(r[2], common.TINY_PDF)
            self.assertProblem(srv.req("POST", "/v1/applications/%d/submit" % app["id"],
                                       token="applicant_a"), 422, ["/materials/audit_report"])
        finally:
            srv.stop()


class Visibility(common.ApiTest):
    """As the application: another organisation's is a 404, a reviewer's
    view begins with the submission and stays within its scope."""

    def test_visibility(self):
        srv = common.start_server()
        try:
            app = srv.create("applicant_a", srv.envelope("incubator", "applicant_a"))
            path = materials_path(app["id"])
            mid = srv.req("GET", path, token="applicant_a")[2]["items"][0]["id"]
            one = path + "/%d" % mid

            def cannot(who):
                self.assertProblem(srv.req("GET", path, token=who), 404)
                self.assertProblem(srv.req("GET", one, token=who), 404)

            # another organisation: as if there were nothing
            cannot("applicant_b")
            self.assertProblem(upload(app["id"], "other", pdf(), who="applicant_b",
                                      request=srv.req), 404)
            self.assertProblem(srv.req("DELETE", one, token="applicant_b"), 404)
            # reviewers and auditors see nothing of a draft
            for who in ("district_110108", "municipal_science_tech", "auditor"):
                cannot(who)
            # no token: 401; a reviewer may not upload: 403
            self.assertProblem(srv.req("GET", path), 401)
            self.assertProblem(upload(app["id"], "other", pdf(), who="district_110108",
                                      request=srv.req), 403)
            srv.submit(app["id"], "applicant_a")
            for who in ("district_110108", "municipal_science_tech", "auditor", "applicant_a"):
                r = srv.req("GET", one, token=who)
                self.assertEqual(r[0], 200, who)
                self.assertEqual(r[2], common.TINY_PDF)
                self.assertStatus(srv.req("GET", path, token=who), 200)
            # out of scope: another district, another authority
            for who in ("district_110105", "municipal_commerce", "applicant_b"):
                cannot(who)
            self.assertProblem(srv.req("DELETE", one, token="district_110108"), 403)
        finally:
            srv.stop()


def vm_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


class Sampler(threading.Thread):
    """Samples a process's resident memory until stopped."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.samples = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            self.peak = max(self.peak, vm_rss_kib(self.pid))
            self.samples += 1
            time.sleep(0.005)

    def stop(self):
        self.stopping.set()
        self.join()
        self.peak = max(self.peak, vm_rss_kib(self.pid))
        return self.peak


def sanitized():
    """Whether the binary under test is built with AddressSanitizer."""
    with open(common.ctx.shenbao, "rb") as f:
        return b"__asan_init" in f.read()


class Large(common.ApiTest):
    """A 20 MiB file goes in and out with the server's resident memory under
    64 MiB: never whole in memory on the way."""

    LIMIT_KIB = 64 * 1024

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config({"upload_dir": "uploads"})
        os.makedirs(os.path.join(cls.srv.tmp, "uploads"), exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_20_mib_in_and_out(self):
        srv = self.srv
        app = srv.create("applicant_a", srv.envelope("incubator", "applicant_a"),
                         materials=False)
        body = pdf(20 * MIB, os.urandom(32))
        before = vm_rss_kib(srv.proc.pid)
        s = Sampler(srv.proc.pid)
        s.start()
        r = upload(app["id"], "audit_report", body, request=srv.req)
        up = s.stop()
        m = self.assertStatus(r, 201)
        self.assertEqual(m["bytes"], 20 * MIB)
        self.assertEqual(m["sha256"], hashlib.sha256(body).hexdigest())
        s = Sampler(srv.proc.pid)
        s.start()
        r = srv.req("GET", materials_path(app["id"]) + "/%d" % m["id"], token="applicant_a")
        down = s.stop()
        self.assertEqual(r[0], 200)
        self.assertTrue(r[2] == body, "the download differs from the upload")
        self.assertEqual(r[1]["repr-digest"], "sha-256=:%s:" % b64sha(body))
        self.assertLess(up, self.LIMIT_KIB, "RSS %d KiB during the upload" % up)
        self.assertLess(down, self.LIMIT_KIB, "RSS %d KiB during the download" % down)
        # The file held whole in memory once would add its 20 MiB: it is
        # not.  (AddressSanitizer's quarantine keeps every freed piece a
        # while, so there only the limit above is asked.)
        if not sanitized():
            self.assertLess(max(up, down) - before, 8 * 1024,
                            "RSS grew from %d KiB to %d/%d KiB" % (before, up, down))
        print("  RSS before %d KiB, upload peak %d KiB, download peak %d KiB"
              % (before, up, down))

    def open_files(self):
        """The server's open descriptors that are files in its upload
        directory (named or not)."""
        fds = os.path.join("/proc", str(self.srv.proc.pid), "fd")
        up = os.path.realpath(os.path.join(self.srv.tmp, "uploads"))
        found = []
        for fd in os.listdir(fds):
            try:
                target = os.readlink(os.path.join(fds, fd))
            except OSError:
                continue
            if target.startswith(up + "/"):
                found.append(target)
        return found

    def test_an_upload_cut_short_leaves_nothing(self):
        srv = self.srv
        app = srv.create("applicant_a", srv.envelope("incubator", "applicant_a"),
                         materials=False)
        total = 8 * MIB
        head = ("POST %s?type=audit_report HTTP/1.1\r\nHost: x\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/pdf\r\n"
                "Content-Length: %d\r\n\r\n"
                % (materials_path(app["id"]), srv.tokens["applicant_a"], total)).encode()
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        s.sendall(head + pdf(3 * MIB, b"cut"))
        # while it arrives, the file being received has no name
        for _ in range(200):
            open_now = self.open_files()
            if open_now:
                break
            time.sleep(0.01)
        self.assertTrue(open_now, "no file open for the upload")
        self.assertTrue(all(t.endswith("(deleted)") for t in open_now), open_now)
        self.assertEqual(os.listdir(os.path.join(srv.tmp, "uploads")), [])
        s.close()
        for _ in range(300):
            if not self.open_files():
                break
            time.sleep(0.01)
        self.assertEqual(self.open_files(), [])
        self.assertEqual(os.listdir(os.path.join(srv.tmp, "uploads")), [])
        listed = self.assertStatus(srv.req("GET", materials_path(app["id"]),
                                           token="applicant_a"), 200)
        self.assertEqual(listed["items"], [])
        # nothing stored for it (the class's other tests store theirs)
        rows = common.db_rows(srv.db, "SELECT count(*) FROM materials WHERE application_id = ?",
                              (app["id"],))
        self.assertEqual(rows[0][0], 0)


class Backup(common.ApiTest):
    def test_backup_restores_the_files_byte_for_byte(self):
        srv = common.start_server()
        again = None
        try:
            app = srv.create("applicant_a", srv.envelope("incubator", "applicant_a"),
                             materials=False)
            body = pdf(3 * MIB + 17, os.urandom(32))
            m = self.assertStatus(upload(app["id"], "audit_report", body, request=srv.req),
                                  201)
            target = os.path.join(srv.tmp, "backup.db")
            rc, out, err = common.shenbao_cli(["backup", "--to", target, "--config", srv.config])
            self.assertEqual(rc, 0, err)
            # gone from the live database …
            one = materials_path(app["id"]) + "/%d" % m["id"]
            self.assertEqual(srv.req("DELETE", one, token="applicant_a")[0], 204)
            self.assertProblem(srv.req("GET", one, token="applicant_a"), 404)
            common.stop_keeping_data(srv)
            into = []
            if common.is_pg(srv.db):
                # PostgreSQL restores into an empty database only: the
                # server is then pointed at it
                fresh = common.new_db(srv.tmp)
                into = ["--db", fresh]
            rc, out, err = common.shenbao_cli(["restore", "--from", target, "--config",
                                               srv.config] + into)
            self.assertEqual(rc, 0, err)
            if into:
                with open(srv.config, encoding="utf-8") as f:
                    cfg = json.load(f)
                cfg["db"] = srv.db = into[1]
                common.write_json(srv.config, cfg)
            # … and back from the backup, byte for byte
            again = common.serve_again(srv)
            r = again.req("GET", one, token="applicant_a")
            self.assertEqual(r[0], 200)
            self.assertTrue(r[2] == body, "the restored file differs")
            self.assertEqual(r[1]["repr-digest"], "sha-256=:%s:" % b64sha(body))
        finally:
            if again:
                again.stop()
            srv.stop()

"""Lists, exports and statistics (CONTRACT.md "Lists, exports, statistics").

One server of its own, served three times on the same database with clocks
that put submissions on either side of midnight in Beijing (where UTC is
still on the same day):

- 2020-09-28 23:50 (Beijing): A1, a first store of an organisation of its own;
- 2020-09-29 00:10: B1 a tourism award (unit 110105), B2 an incubator (110108),
  B3 a store introduction (110105) that the district approves;
- 2020-10-09 10:00: C1 a first store (110108) that the district returns, a
  draft D, and names a spreadsheet could trip on.

Then, on 2020-10-20, B3 is approved at the municipal stage granting less
than proposed, the clock approves it after its notice, and its decision is
revoked with a refund.  A second server holds 250 applications waiting at the district,
the one waiting longest made last.
"""

import csv
import io
import os
import shutil
import subprocess
import tempfile

import common
from common import ApiTest, Flow

WAN = 1000000
CLOCKS = ("2020-09-28T23:50:00+08:00", "2020-09-29T00:10:00+08:00", "2020-10-09T10:00:00+08:00",
          "2020-10-20T10:00:00+08:00")
HEADER = ["id", "kind", "round", "review_unit", "applicant", "uscc", "status", "submitted_at",
          "decided_at", "proposed_fen", "granted_fen", "refund_fen"]
# Names are one line (the accounts refuse line breaks); these have a
# quote and a comma, and a spreadsheet formula.
ODD_NAMES = {"odd_quote": '北京"甲乙",丙丁有限公司', "odd_formula": "=HYPERLINK(\"http://x\")北京公司",
             "odd_plus": "+86 北京测试有限公司"}

srv = None      # the server of the last clock
apps = {}       # label -> application as last seen
servers = []


def setUpModule():
    global srv
    first = common.start_server(clock=CLOCKS[0])
    servers.append(first)
    flow = Flow(first)
    first.add_applicant("alpha", "北京阿尔法商业管理有限公司", common.uscc_new("110108"))
    apps["A1"] = flow.to(flow.create("first_store", who="alpha"), "district_review")
    common.stop_keeping_data(first)

    second = common.serve_again(first, clock=CLOCKS[1])
    servers.append(second)
    flow = Flow(second)
    apps["B1"] = flow.to(flow.create("tourism_award", review_unit="110105"), "district_review")
    apps["B2"] = flow.to(flow.create("incubator"), "district_review")
    second.add_applicant("beta", "北京贝塔引进有限公司", common.uscc_new("110105"))
    env = second.envelope("first_store", "beta", review_unit="110105")
    store = {"brand": "Zeta Lux", "brand_type": "international_brand", "category": "china_first",
             "registered_on": "2019-03-01", "opened_on": "2019-03-01", "rent_12m_fen": 80 * WAN,
             "decoration_fen": 30 * WAN, "agreement_years": 3, "in_pipeline": False}
    env["data"] = {"project": "store_introduction", "stores": [store, dict(store, brand="Omega")],
                   "declarations": env["data"]["declarations"]}
    apps["B3"] = flow.to(second.create("beta", env), "municipal_review")
    common.stop_keeping_data(second)

    srv = common.serve_again(first, clock=CLOCKS[2])
    servers.append(srv)
    flow = Flow(srv)
    env = srv.envelope("first_store", "applicant_a", review_unit="110108")
    env["data"]["brand"] = "Autre"
    env["data"]["store"]["name"] = "Autre 三里屯店"
    apps["C1"] = flow.to(srv.create("applicant_a", env), "returned")
    apps["D"] = flow.create("incubator")
    for key, name in ODD_NAMES.items():
        srv.add_applicant(key, name, common.uscc_new("110108"))
        apps[key] = flow.to(flow.create("incubator", who=key), "district_review")
    common.stop_keeping_data(srv)
    # 2020-10-20: B3, 2 stores of 10万, granted 12万 with a reason; the clock
    # approves it after its notice; revoked with a refund of 5万.
    srv = common.serve_again(first, clock=CLOCKS[3])
    servers.append(srv)
    flow = Flow(srv)
    r = srv.review(apps["B3"]["id"], "municipal_commerce", {
        "stage": "municipal", "decision": "approve",
        "store_decisions": [{"included": True}, {"included": True}],
        "granted_fen": 12 * WAN, "grant_reason": "年度预算有限。"})
    if r[0] != 200:
        raise AssertionError("B3 approval: %r" % (r,))
    common.run_tick(srv.config, common.day_after(r[2]["notice"]["ends_on"]))
    b3 = flow.get(apps["B3"]["id"])
    r = srv.req("POST", "/v1/certificates/%s/revocation" % b3["certificate_serial"],
                {"reason": "门店闭店。", "ground": "closed_within_year", "refund_fen": 5 * WAN},
                token="municipal_commerce")
    if r[0] != 200:
        raise AssertionError("revocation: %r" % (r,))
    for label, app in list(apps.items()):
        apps[label] = flow.get(app["id"], flow.owner(app))


def tearDownModule():
    problems = []
    for s in reversed(servers):
        try:
            s.stop()
        except AssertionError as e:
            problems.append(str(e))
    if problems:
        raise AssertionError("\n".join(problems))


def ids(label_list):
    return {apps[x]["id"] for x in label_list}


def listing(query, who="auditor", limit=100):
    """Every item of a query, following next_cursor."""
    out, cursor = [], None
    for _ in range(100):
        q = query + "&limit=%d" % limit + ("&cursor=" + common.urlquote(cursor) if cursor else "")
        r = srv.req("GET", "/v1/applications?" + q.lstrip("&"), token=who)
        if r[0] != 200:
            raise AssertionError("list: %r" % (r,))
        out += r[2]["items"]
        cursor = r[2]["next_cursor"]
        if cursor is None:
            return out
    raise AssertionError("no end")


SUBMITTED = ("A1", "B1", "B2", "B3", "C1", "odd_quote", "odd_formula", "odd_plus")


class Filters(ApiTest):
    def ids(self, query, who="auditor"):
        return {a["id"] for a in listing(query, who)}

    def test_status_list(self):
        self.assertEqual(self.ids("status=returned"), ids(["C1"]))
        self.assertEqual(self.ids("status=revoked,returned"), ids(["B3", "C1"]))
        self.assertEqual(self.ids("status=district_review,returned,district_review"),
                         ids(["A1", "B1", "B2", "C1", "odd_quote", "odd_formula", "odd_plus"]))
        for bad in ("status=approved,nope", "status=,", "status="):
            with self.subTest(query=bad):
                body = self.assertProblem(srv.req("GET", "/v1/applications?" + bad,
                                                  token="auditor"), 400)
                self.assertEqual(body["errors"][0]["parameter"], "status")

    def test_authority(self):
        self.assertEqual(self.ids("authority=commerce"), ids(["A1", "B3", "C1"]))
        self.assertEqual(self.ids("authority=culture_tourism"), ids(["B1"]))
        # the caller's scope stays: the commerce reviewer asking for another
        # authority's kinds gets none
        self.assertEqual(self.ids("authority=science_tech", "municipal_commerce"), set())
        self.assertProblem(srv.req("GET", "/v1/applications?authority=tax", token="auditor"),
                           400)

    def test_submission_dates_in_beijing(self):
        # A1 was submitted at 23:50 and B* at 00:10 in Beijing: both on
        # 2020-09-28 in UTC
        self.assertEqual(self.ids("submitted_to=2020-09-28"), ids(["A1"]))
        self.assertEqual(self.ids("submitted_from=2020-09-29&submitted_to=2020-09-29"),
                         ids(["B1", "B2", "B3"]))
        self.assertEqual(self.ids("submitted_from=2020-09-29"),
                         ids(SUBMITTED) - ids(["A1"]))
        self.assertEqual(self.ids("submitted_from=2020-10-10"), set())
        for bad in ("submitted_from=2020-9-29", "submitted_to=yesterday"):
            with self.subTest(query=bad):
                self.assertProblem(srv.req("GET", "/v1/applications?" + bad, token="auditor"),
                                   400)

    def test_updated_since(self):
        got = self.ids("updated_since=" + common.urlquote("2020-10-09T09:59:00+08:00"))
        self.assertEqual(got, ids(["B3", "C1", "odd_quote", "odd_formula", "odd_plus"]))
        self.assertEqual(self.ids("updated_since=2020-10-09T01:59:00Z"), got)
        self.assertEqual(self.ids("updated_since=2030-01-01T00:00:00Z"), set())
        self.assertProblem(srv.req("GET", "/v1/applications?updated_since=2020-10-09",
                                   token="auditor"), 400)

    def test_q(self):
        self.assertEqual(self.ids("q=maison"), ids(["A1"]))           # brand, any case
        self.assertEqual(self.ids("q=" + common.urlquote("三里屯")), ids(["C1"]))  # store name
        self.assertEqual(self.ids("q=zeta"), ids(["B3"]))             # a store introduced
        self.assertEqual(self.ids("q=" + common.urlquote("阿尔法")), ids(["A1"]))  # applicant
        uscc = apps["B1"]["applicant"]["uscc"]
        self.assertIn(apps["B1"]["id"], self.ids("q=" + uscc[2:10].lower()))
        self.assertEqual(self.ids("q=" + common.urlquote("没有这个")), set())
        # the applicant's own list: a draft is found too
        self.assertIn(apps["D"]["id"], self.ids("q=" + common.urlquote(
            apps["D"]["applicant"]["name"][2:6]), "applicant_a"))
        self.assertProblem(srv.req("GET", "/v1/applications?q=", token="auditor"), 400)
        self.assertProblem(srv.req("GET", "/v1/applications?q=" + "x" * 101, token="auditor"),
                           400)

    def test_scope_stays(self):
        self.assertEqual(self.ids("", "district_110105"), ids(["B1", "B3"]))
        self.assertEqual(self.ids("status=revoked", "district_110108"), set())

    def test_sorts_and_cursors(self):
        subs = [apps[x] for x in SUBMITTED]

        def order(key, reverse):
            return [a["id"] for a in sorted(subs, key=lambda a: (key(a), a["id"]),
                                            reverse=reverse)]

        want = {
            "": order(lambda a: a["submitted_at"], True),
            "sort=-submitted_at": order(lambda a: a["submitted_at"], True),
            "sort=submitted_at": order(lambda a: a["submitted_at"], False),
            "sort=waiting": order(lambda a: a["review"]["status_since"], False),
        }
        self.assertNotEqual(want["sort=waiting"], want["sort=submitted_at"],
                            [(a["id"], a["submitted_at"], a["review"]["status_since"])
                             for a in subs])
        for query, expected in want.items():
            for limit in (1, 3, 100):
                with self.subTest(query=query, limit=limit):
                    got = [a["id"] for a in listing(query, limit=limit)]
                    self.assertEqual(got, expected)
        # a cursor belongs to its sort
        r = srv.req("GET", "/v1/applications?limit=1&sort=waiting", token="auditor")
        cursor = self.assertStatus(r, 200)["next_cursor"]
        body = self.assertProblem(srv.req("GET", "/v1/applications?limit=1&cursor=%s"
                                          % common.urlquote(cursor), token="auditor"), 400)
        self.assertEqual(body["errors"][0]["parameter"], "cursor")
        for bad in ("12", "bm9wZQ", "!!", "MHwyMDIwfDA"):
            with self.subTest(cursor=bad):
                self.assertProblem(srv.req("GET", "/v1/applications?cursor=" + bad,
                                           token="auditor"), 400)
        self.assertProblem(srv.req("GET", "/v1/applications?sort=oldest", token="auditor"), 400)

    def test_count(self):
        r = srv.req("GET", "/v1/applications?count=true&limit=2", token="auditor")
        body = self.assertStatus(r, 200)
        self.assertEqual(body["total"], len(SUBMITTED))
        self.assertEqual(len(body["items"]), 2)
        r = srv.req("GET", "/v1/applications?count=true&status=returned,revoked&limit=1",
                    token="auditor")
        self.assertEqual(self.assertStatus(r, 200)["total"], 2)
        r = srv.req("GET", "/v1/applications?count=true", token="district_110105")
        self.assertEqual(self.assertStatus(r, 200)["total"], 2)
        self.assertNotIn("total", self.assertStatus(srv.req("GET", "/v1/applications",
                                                            token="auditor"), 200))
        self.assertProblem(srv.req("GET", "/v1/applications?count=yes", token="auditor"), 400)

    def test_items_carry_the_desk(self):
        b3 = apps["B3"]
        self.assertEqual((b3["status"], b3["granted_fen"], b3["refund_fen"]),
                         ("revoked", 12 * WAN, 5 * WAN))
        self.assertEqual(b3["award"]["total_fen"], 20 * WAN)
        self.assertIsNotNone(b3["decided_at"])
        c1 = apps["C1"]
        self.assertEqual(c1["review"]["times_returned"], 1)
        self.assertEqual(c1["review"]["due_on"], "2020-10-26")   # 10-09 + 15 = Saturday 10-24
        self.assertIsNone(c1["granted_fen"])


class Export(ApiTest):
    def export(self, query="", who="auditor"):
        return srv.req("GET", "/v1/exports/applications.csv" + ("?" + query if query else ""),
                       token=who)

    def rows(self, body):
        self.assertTrue(body.startswith(b"\xef\xbb\xbf"), body[:10])
        text = body[3:].decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(rows[0], HEADER)
        return rows[1:]

    def test_rfc4180_utf8_with_bom(self):
        r = self.export("sort=submitted_at")
        self.assertEqual(r[0], 200, r)
        self.assertTrue(r[1]["content-type"].startswith("text/csv"), r[1])
        self.assertIn("charset=utf-8", r[1]["content-type"])
        self.assertIn('filename="applications.csv"', r[1]["content-disposition"])
        body = r[2]
        # every record ends with CRLF; a quote and a comma are quoted
        self.assertTrue(body.endswith(b"\r\n"))
        self.assertIn('"北京""甲乙"",丙丁有限公司"'.encode(), body)
        self.assertEqual(body.count(b"\r\n"), len(SUBMITTED) + 1)
        rows = self.rows(body)
        by_id = {int(row[0]): row for row in rows}
        self.assertEqual([int(row[0]) for row in rows],
                         [a["id"] for a in listing("sort=submitted_at")])
        for label in SUBMITTED:
            app = apps[label]
            row = by_id[app["id"]]
            with self.subTest(label=label):
                want_name = app["applicant"]["name"]
                if want_name[0] in "=+":
                    want_name = "'" + want_name   # never a formula in a spreadsheet
                self.assertEqual(row, [
                    str(app["id"]), app["kind"], str(app["round"]), app["review_unit"],
                    want_name, app["applicant"]["uscc"], app["status"], app["submitted_at"],
                    app["decided_at"] or "", str(app["award"]["total_fen"]),
                    "" if app["granted_fen"] is None else str(app["granted_fen"]),
                    "" if app["refund_fen"] is None else str(app["refund_fen"])])
        self.assertEqual(by_id[apps["B3"]["id"]][9:], [str(20 * WAN), str(12 * WAN),
                                                       str(5 * WAN)])

    def test_filters_and_scope(self):
        rows = self.rows(self.export("status=returned")[2])
        self.assertEqual([int(r[0]) for r in rows], [apps["C1"]["id"]])
        rows = self.rows(self.export("", "district_110105")[2])
        self.assertEqual({int(r[0]) for r in rows}, ids(["B1", "B3"]))
        rows = self.rows(self.export("", "applicant_a")[2])
        self.assertIn(apps["D"]["id"], {int(r[0]) for r in rows})   # its own draft
        rows = self.rows(self.export("q=zeta")[2])
        self.assertEqual([int(r[0]) for r in rows], [apps["B3"]["id"]])
        for bad in ("limit=10", "cursor=x", "status=nope"):
            with self.subTest(query=bad):
                self.assertProblem(self.export(bad), 400)
        self.assertProblem(self.export("", "admin"), 403)
        self.assertProblem(srv.req("GET", "/v1/exports/applications.csv"), 401)

    def test_libreoffice_reads_it_back(self):
        """LibreOffice Calc (Debian's) imports the file as UTF-8 CSV, saves it
        as xlsx, and that reads back with every name intact."""
        soffice = shutil.which("soffice")
        if soffice is None:
            raise AssertionError("LibreOffice Calc is needed: tools/install-deps --test")
        tmp = tempfile.mkdtemp(prefix="shenbao-api-calc-")
        try:
            src = os.path.join(tmp, "applications.csv")
            with open(src, "wb") as f:
                f.write(self.export("sort=submitted_at")[2])
            profile = "-env:UserInstallation=file://" + os.path.join(tmp, "profile")

            def convert(args):
                p = subprocess.run([soffice, profile, "--headless", "--norestore"] + args,
                                   capture_output=True, timeout=120, cwd=tmp)
                self.assertEqual(p.returncode, 0, p.stderr)

            # 44: comma, 34: double quote, 76: UTF-8 (LibreOffice's CSV
            # filter options; its import dialog picks UTF-8 from the BOM)
            convert(["--infilter=CSV:44,34,76", "--convert-to", "xlsx", "--outdir",
                     os.path.join(tmp, "xlsx"), src])
            convert(["--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                     os.path.join(tmp, "back"), os.path.join(tmp, "xlsx", "applications.xlsx")])
            with open(os.path.join(tmp, "back", "applications.csv"), encoding="utf-8-sig",
                      newline="") as f:
                back = list(csv.reader(f))
            self.assertEqual(back[0], HEADER)
            names = {row[0]: row[4] for row in back[1:]}
            for label in SUBMITTED:
                app = apps[label]
                want = app["applicant"]["name"]
                if want[0] in "=+":
                    want = "'" + want
                self.assertEqual(names[str(app["id"])], want, label)
            self.assertIn('北京"甲乙",丙丁有限公司', names.values())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class Statistics(ApiTest):
    def stats(self, query="", who="auditor"):
        return srv.req("GET", "/v1/statistics" + ("?" + query if query else ""), token=who)

    def test_counts_and_sums(self):
        doc = self.assertStatus(self.stats(), 200)
        subs = [apps[x] for x in SUBMITTED]
        self.assertEqual(doc["count"], len(subs))
        by_status = {}
        for a in subs:
            by_status[a["status"]] = by_status.get(a["status"], 0) + 1
        self.assertEqual(doc["by_status"], by_status)
        # granted and refunded: what the decisions said; proposed: only what
        # still awaits a decision (never added to a grant)
        self.assertEqual(doc["granted_fen"], 12 * WAN)
        self.assertEqual(doc["refund_fen"], 5 * WAN)
        pending = ("district_review", "municipal_review", "public_notice", "returned")
        self.assertEqual(doc["proposed_fen"],
                         sum(a["award"]["total_fen"] for a in subs if a["status"] in pending))
        groups = {(g["review_unit"], g["kind"]): g for g in doc["by_unit_kind"]}
        self.assertEqual(set(groups), {(a["review_unit"], a["kind"]) for a in subs})
        self.assertEqual([(g["review_unit"], g["kind"]) for g in doc["by_unit_kind"]],
                         sorted(groups))
        g = groups[("110105", "first_store")]
        self.assertEqual((g["count"], g["granted_fen"], g["refund_fen"], g["by_status"]),
                         (1, 12 * WAN, 5 * WAN, {"revoked": 1}))
        self.assertEqual(sum(g["count"] for g in doc["by_unit_kind"]), doc["count"])

    def test_filters_and_scope(self):
        doc = self.assertStatus(self.stats("kind=first_store"), 200)
        self.assertEqual((doc["kind"], doc["count"]), ("first_store", 3))
        doc = self.assertStatus(self.stats("round=2020&kind=incubator"), 200)
        self.assertEqual(doc["count"], 4)
        doc = self.assertStatus(self.stats("round=2019"), 200)
        self.assertEqual((doc["count"], doc["by_unit_kind"], doc["granted_fen"]), (0, [], 0))
        doc = self.assertStatus(self.stats("", "district_110105"), 200)
        self.assertEqual(doc["count"], 2)
        doc = self.assertStatus(self.stats("", "municipal_culture_tourism"), 200)
        self.assertEqual(doc["count"], 1)
        for who, status in (("applicant_a", 403), ("admin", 403), (None, 401)):
            with self.subTest(who=who):
                self.assertProblem(self.stats("", who), status)
        for bad in ("kind=lottery", "round=1999", "limit=3"):
            with self.subTest(query=bad):
                self.assertProblem(self.stats(bad), 400)


class Worklist250(ApiTest):
    """250 applications wait at the district; the one waiting longest was
    made last (the highest id).  The worklist, sorted by waiting and followed
    page by page, starts with it and reaches every one once; newest first it
    would be on the third page of 100."""

    N = 250

    def test_the_oldest_comes_first_and_every_one_is_reached(self):
        first = common.start_server(clock="2020-09-10T10:00:00+08:00")
        own = [first]
        try:
            made = []
            for i in range(self.N):
                env = first.envelope("first_store", "applicant_a", review_unit="110108")
                env["data"]["store"]["name"] = "第%03d号门店" % i
                made.append(first.create("applicant_a", env)["id"])
            oldest = made[-1]
            first.submit(oldest, "applicant_a")
            common.stop_keeping_data(first)
            later = common.serve_again(first, clock="2020-09-29T10:00:00+08:00")
            own.append(later)
            for app_id in made[:-1]:
                later.submit(app_id, "applicant_a")
            seen, cursor, pages = [], None, 0
            while True:
                q = "status=district_review&sort=waiting&limit=100&count=true"
                if cursor:
                    q += "&cursor=" + common.urlquote(cursor)
                body = self.assertStatus(later.req("GET", "/v1/applications?" + q,
                                                   token="district_110108"), 200)
                self.assertEqual(body["total"], self.N)
                pages += 1
                seen += [a["id"] for a in body["items"]]
                for a in body["items"]:
                    self.assertEqual(a["status"], "district_review")
                cursor = body["next_cursor"]
                if cursor is None:
                    break
            self.assertEqual(pages, 3)
            self.assertEqual(seen[0], oldest)
            self.assertEqual(seen, [oldest] + made[:-1])
            self.assertNotIn(oldest, first_page_default(later))
            self.assertEqual(later.get(oldest, "district_110108")["review"]["days_waiting"], 19)
        finally:
            for s in reversed(own):
                s.stop()


def first_page_default(s):
    """The first 100 of the district's list newest first (the old console's
    one request): the oldest is not among them."""
    r = s.req("GET", "/v1/applications?status=district_review&limit=100",
              token="district_110108")
    return [a["id"] for a in r[2]["items"]]

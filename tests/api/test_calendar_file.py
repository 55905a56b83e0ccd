"""An operator's working-day calendar (config `workdays_file`, RULES.md §0):
the server counts the public notice with it, and refuses to start with one
that is broken, saying which file and what is wrong.

The files here are the built-in config/cn-workdays.json as an operator would
edit it: a year added, a day changed, a year dropped, an entry mistyped.
"""

import copy
import json
import os
import shutil
import tempfile

import common
from common import ApiTest, Flow

BUILTIN = os.path.join(common.REPO, "config", "cn-workdays.json")


def builtin():
    with open(BUILTIN, encoding="utf-8") as f:
        return json.load(f)


def with_2027(doc):
    """The next year's arrangement added, as when the State Council
    publishes it before a new release: here 2027-06-02 (a Wednesday) off."""
    doc = copy.deepcopy(doc)
    doc["covered_years"].append(2027)
    doc["years"]["2027"] = {"notices": [], "days": [
        {"date": "2027-01-01", "name": "元旦", "off": True},
        {"date": "2027-06-02", "name": "测试", "off": True},
    ]}
    return doc


class OperatorCalendar(ApiTest):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="shenbao-api-calendar-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    _n = [0]

    def write(self, doc, raw=None):
        self._n[0] += 1
        path = os.path.join(self.tmp, "workdays-%d.json" % self._n[0])
        with open(path, "w", encoding="utf-8") as f:
            if raw is not None:
                f.write(raw)
            else:
                json.dump(doc, f, ensure_ascii=False)
        return path

    def test_the_server_counts_with_the_operators_file(self):
        doc = with_2027(builtin())
        # One more day off in the 2020 National Day week: 2020-09-30.
        doc["years"]["2020"]["days"].append(
            {"date": "2020-09-30", "name": "测试", "off": True})
        path = self.write(doc)
        srv = common.start_server_config({"workdays_file": path},
                                         clock="2020-09-29T10:00:00+08:00")
        again = None
        try:
            flow = Flow(srv)
            app = flow.to(flow.create("incubator"), "public_notice")
            # Built in, 09-29 + 5 working days ends on 10-12; without 09-30
            # it is 09-29, 10-09, 10-10 (a Saturday worked), 10-12, 10-13.
            self.assertEqual(app["notice"], {"starts_on": "2020-09-29", "ends_on": "2020-10-13"})
            # And a year the built-in copy does not cover: 2027-06-01 is a
            # Tuesday, 06-02 is off in this file.
            again = common.serve_again(srv, clock="2027-06-01T10:00:00+08:00")
            flow = Flow(again)
            app = flow.to(flow.create("incubator"), "public_notice")
            self.assertEqual(app["notice"], {"starts_on": "2027-06-01", "ends_on": "2027-06-08"})
        finally:
            if again is not None:
                again.stop()
            srv.stop()

    def test_the_builtin_calendar_does_not_cover_2027(self):
        # The counterpart of the test above: without the file, 2027 cannot
        # be counted and the approval is refused, not guessed.
        srv = common.start_server(clock="2027-06-01T10:00:00+08:00")
        try:
            flow = Flow(srv)
            app = flow.to(flow.create("incubator"), "municipal_review")
            r = flow.review(app, "municipal", "approve", expect=409)
            self.assertIn("2019-2026", r["detail"])
            self.assertEqual(flow.get(app["id"])["status"], "municipal_review")
        finally:
            srv.stop()

    def assertRefusesToStart(self, path, *reason_has):
        """`shenbao serve` with workdays_file = path exits non-zero at once
        with one line naming the file, the config key and the reason."""
        d = tempfile.mkdtemp(dir=self.tmp)
        cfg = os.path.join(d, "config.json")
        with open(cfg, "w", encoding="utf-8") as f:
            json.dump({"db": common.new_db(d), "keys": os.path.join(d, "keys"),
                       "workdays_file": path}, f)
        import run as harness
        rc, out, err = common.shenbao_cli(
            ["serve", "--config", cfg, "--listen", "127.0.0.1:%d" % harness.free_port()],
            timeout=30)
        self.assertNotEqual(rc, 0, "served with %s: %s" % (path, err))
        lines = [line for line in err.splitlines() if line.strip() and not line.startswith("{")]
        self.assertEqual(len(lines), 1, "one line expected: %r" % err)
        self.assertIn(path, lines[0])
        self.assertIn("workdays_file", lines[0])
        for text in reason_has:
            self.assertIn(text, lines[0])
        return lines[0]

    def test_a_broken_file_stops_the_server_from_starting(self):
        good = builtin()

        gap = copy.deepcopy(good)
        gap["covered_years"].remove(2021)
        del gap["years"]["2021"]

        gap_kept = copy.deepcopy(good)
        gap_kept["covered_years"].remove(2022)

        missing = copy.deepcopy(good)
        del missing["years"]["2020"]

        not_covered = copy.deepcopy(with_2027(good))
        not_covered["covered_years"].remove(2027)

        twice = copy.deepcopy(good)
        twice["covered_years"].append(2020)

        bad_date = copy.deepcopy(good)
        bad_date["years"]["2020"]["days"].append({"date": "2020-02-30", "off": True})

        bad_off = copy.deepcopy(good)
        bad_off["years"]["2020"]["days"].append({"date": "2020-10-09", "off": "no"})

        far_day = copy.deepcopy(good)
        far_day["years"]["2020"]["days"].append({"date": "2025-10-09", "off": True})

        contradiction = copy.deepcopy(good)
        contradiction["years"]["2020"]["days"].append({"date": "2020-10-01", "off": False})

        not_a_year = copy.deepcopy(good)
        not_a_year["covered_years"].append("2027")

        cases = [
            ("gap", gap, None, ["gap", "2021"]),
            ("gap, list kept", gap_kept, None, ["gap", "2022"]),
            ("missing year", missing, None, ["2020", "no \"2020\" entry"]),
            ("year not covered", not_covered, None, ["2027", "covered_years"]),
            ("year twice", twice, None, ["2020", "twice"]),
            ("bad date", bad_date, None, ["year 2020", "needs a date"]),
            ("bad off", bad_off, None, ["year 2020", "off: true/false"]),
            ("day of another year", far_day, None, ["2025-10-09"]),
            ("off and worked", contradiction, None, ["2020-10-01", "both"]),
            ("year as text", not_a_year, None, ["covered_years[8]"]),
            ("no covered_years", {"years": good["years"]}, None, ["covered_years"]),
            ("not JSON", None, '{"covered_years": [2020], "years": {', ["calendar"]),
            ("empty", None, "", ["calendar"]),
        ]
        for label, doc, raw, reason in cases:
            with self.subTest(case=label):
                self.assertRefusesToStart(self.write(doc, raw), *reason)
        with self.subTest(case="no such file"):
            self.assertRefusesToStart(os.path.join(self.tmp, "nonexistent.json"),
                                      "No such file")

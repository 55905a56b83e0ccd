"""The append-only, chained history (RULES.md §1; migrations/0003_history.sql)
and `shenbao audit verify`.

A server of its own writes a history with every kind of event; copies of its
database (taken with SQLite's backup API while it runs, so the WAL is
included) are then tampered with through Python's sqlite3, and `audit
verify` must notice and name the event where the chain breaks.
"""

import os
import re
import sqlite3
import tempfile

import common
from common import ApiTest, Flow

CLOCK = "2020-11-02T10:00:00+08:00"
COLUMNS = ("application_id", "at", "action", "from_status", "to_status", "actor_account",
           "actor_role", "opinion", "request_id", "details")


class AuditVerify(ApiTest):

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)
        cls.tmp = tempfile.mkdtemp(prefix="shenbao-api-audit-")
        flow = Flow(cls.srv)
        try:
            # creation, edits, both stages, returns, rejections, withdrawals,
            # objections filed and resolved, the end of the notice
            flow.to(flow.create("incubator"), "approved")
            flow.to(flow.create("first_store"), "returned")
            flow.to(flow.create("tourism_award"), "rejected")
            flow.to(flow.create("incubator"), "withdrawn")
            app = flow.to(flow.create("first_store"), "public_notice")
            r = common.file_objection(cls.srv.port, app["id"])
            assert r[0] == 201, r
            r = cls.srv.req("POST", "/v1/applications/%d/objections/%d/resolution"
                            % (app["id"], r[2]["id"]),
                            {"outcome": "upheld", "opinion": "异议属实。"},
                            token="municipal_commerce")
            assert r[0] == 200, r
            app = flow.create("incubator")
            env = cls.srv.envelope("incubator", "applicant_a")
            env["data"]["mentor_sessions"] = 77
            r = cls.srv.req("PUT", "/v1/applications/%d" % app["id"], env, token="applicant_a")
            assert r[0] == 200, r
            flow.to(app, "district_review")
        except BaseException:
            cls.srv.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        for name in os.listdir(cls.tmp):
            os.unlink(os.path.join(cls.tmp, name))
        os.rmdir(cls.tmp)

    # -- building blocks -----------------------------------------------------

    _n = [0]

    def copy(self):
        """A consistent copy of the server's database, taken while it runs."""
        self._n[0] += 1
        path = os.path.join(self.tmp, "copy%d.db" % self._n[0])
        src = sqlite3.connect("file:%s?mode=ro" % self.srv.db, uri=True)
        dst = sqlite3.connect(path)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return path

    def verify(self, db=None):
        args = ["audit", "verify", "--config", self.srv.config]
        if db:
            args += ["--db", db]
        return common.shenbao_cli(args)

    def assertIntact(self, db=None):
        rc, out, err = self.verify(db)
        self.assertEqual(rc, 0, "audit verify: exit %d\nstdout: %s\nstderr: %s" % (rc, out, err))
        self.assertRegex(out, r"chain is intact")
        return out

    def assertBroken(self, db, event_id):
        rc, out, err = self.verify(db)
        self.assertNotEqual(rc, 0, "audit verify did not notice: %s" % out)
        self.assertNotIn("intact", out)
        lines = [line for line in err.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, "one line on stderr expected: %r" % err)
        named = [int(n) for n in re.findall(r"\bevent (\d+)\b", err)]
        self.assertTrue(named, "stderr names no event: %r" % err)
        self.assertEqual(named[0], event_id, "stderr names the wrong event: %r" % err)
        return err

    def events(self, db):
        con = sqlite3.connect(db)
        try:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM events ORDER BY id")]
        finally:
            con.close()

    def tamper(self, db, *sql):
        con = sqlite3.connect(db)
        try:
            for stmt in sql:
                con.execute(stmt[0], stmt[1:]) if isinstance(stmt, tuple) else con.execute(stmt)
            con.commit()
        finally:
            con.close()

    # -- tests --------------------------------------------------------------

    def test_untouched_database_is_intact(self):
        out = self.assertIntact()
        rows = self.events(self.copy())
        n = len(rows)
        self.assertGreaterEqual({e["action"] for e in rows},
                                {"create", "edit", "submit", "district_approve", "district_return",
                                 "district_reject", "municipal_approve", "withdraw",
                                 "objection_filed", "objection_upheld", "notice_ended"})
        m = re.search(r"(\d+) events", out)
        self.assertIsNotNone(m, out)
        self.assertEqual(int(m.group(1)), n, out)
        # and a copy verifies the same
        self.assertIntact(self.copy())

    def test_changed_opinion_is_found(self):
        db = self.copy()
        rows = self.events(db)
        target = [e for e in rows if e["opinion"]][0]
        self.assertLess(target["id"], rows[-1]["id"])
        self.tamper(db, "DROP TRIGGER events_no_update",
                    ("UPDATE events SET opinion = ? WHERE id = ?", "同意。", target["id"]))
        changed = {e["id"]: e for e in self.events(db)}[target["id"]]
        self.assertEqual(changed["opinion"], "同意。")
        self.assertBroken(db, target["id"])
        self.assertIntact()   # the server's own database is untouched

    def test_every_column_is_covered(self):
        rows = self.events(self.copy())
        for column in COLUMNS:
            with self.subTest(column=column):
                row = next(e for e in rows[len(rows) // 3:] if e[column] is not None)
                value = row[column]
                if column == "details":
                    new = '{"tampered":true}'
                elif isinstance(value, int):
                    new = value + 1 if column != "actor_account" else value % 3 + 1
                elif column in ("from_status", "to_status"):
                    new = "approved" if value != "approved" else "rejected"
                elif column == "at":
                    new = value.replace("2020", "2019", 1)
                else:
                    new = value + "x"
                db = self.copy()
                self.tamper(db, "DROP TRIGGER events_no_update",
                            ("UPDATE events SET %s = ? WHERE id = ?" % column, new, row["id"]))
                self.assertBroken(db, row["id"])

    def test_deleted_event_is_found(self):
        db = self.copy()
        rows = self.events(db)
        gone, after = rows[-2], rows[-1]
        self.tamper(db, "DROP TRIGGER events_no_delete",
                    ("DELETE FROM events WHERE id = ?", gone["id"]))
        self.assertEqual(len(self.events(db)), len(rows) - 1)
        self.assertBroken(db, after["id"])

    def test_deleted_event_in_the_middle_is_found(self):
        db = self.copy()
        rows = self.events(db)
        gone = rows[len(rows) // 2]
        self.tamper(db, "DROP TRIGGER events_no_delete",
                    ("DELETE FROM events WHERE id = ?", gone["id"]))
        self.assertBroken(db, gone["id"] + 1)

    def test_triggers_refuse_update_and_delete(self):
        db = self.copy()
        rows = self.events(db)
        con = sqlite3.connect(db)
        try:
            for sql, args in (("UPDATE events SET opinion = ? WHERE id = ?", ("x", rows[3]["id"])),
                              ("UPDATE events SET action = 'edit'", ()),
                              ("DELETE FROM events WHERE id = ?", (rows[-1]["id"],)),
                              ("DELETE FROM events", ())):
                with self.subTest(sql=sql):
                    with self.assertRaises(sqlite3.DatabaseError) as cm:
                        con.execute(sql, args)
                    self.assertIn("append-only", str(cm.exception))
            con.rollback()
        finally:
            con.close()
        self.assertEqual(self.events(db), rows)
        self.assertIntact(db)

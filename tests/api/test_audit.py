"""The append-only, chained history (RULES.md §1; migrations/0003_history.sql)
and `shenbao audit verify`.

A server of its own writes a history with every kind of event; copies of its
database (taken while it runs: SQLite's backup API, so the WAL is included,
or on PostgreSQL pg_dump into a new database) are then tampered with (through
Python's sqlite3, or psql), and `audit verify` must notice and name the event
where the chain breaks.
"""

import hashlib
import json
import os
import re
import sqlite3
import tempfile

import common
from common import ApiTest, Flow

CLOCK = "2020-11-02T10:00:00+08:00"
COLUMNS = ("application_id", "at", "action", "from_status", "to_status", "actor_account",
           "actor_role", "opinion", "request_id", "details", "format", "actor_name",
           "actor_unit", "actor_authority")


# --------------------------------------------------------------------------
# The chain as server/crypto/chain.c computes it, rebuilt here as an attacker
# with the database file would: each event's hash is BLAKE2b-256 over the
# previous event's hash and the event's canonical encoding, a compact JSON
# array written as Jansson writes it (JSON_COMPACT | JSON_SORT_KEYS |
# JSON_ENSURE_ASCII).

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
            "\t": "\\t"}


def _jansson_string(text):
    out = ['"']
    for ch in text:
        c = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif c < 0x20 or (0x7F < c < 0x10000):
            out.append("\\u%04X" % c)
        elif c >= 0x10000:
            c -= 0x10000
            out.append("\\u%04X\\u%04X" % (0xD800 | (c >> 10), 0xDC00 | (c & 0x3FF)))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _jansson_dumps(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _jansson_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_jansson_dumps(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(_jansson_string(k) + ":" + _jansson_dumps(value[k])
                              for k in sorted(value, key=lambda k: k.encode("utf-8"))) + "}"
    raise TypeError("no canonical form for %r" % (value,))


def event_canonical(row):
    """chain_canonical() of an events row (a dict of its columns).  Format 2
    (docs/RECORD.md) has the format and the actor as it was after the
    details, before the previous hash."""
    fields = [
        row["id"], row["application_id"], row["at"], row["action"], row["from_status"] or "",
        row["to_status"] or "", row["actor_account"] or None, row["actor_role"], row["opinion"],
        row["request_id"] or "", json.loads(row["details"])]
    if row.get("format", 1) >= 2:
        fields += [row["format"], row["actor_name"], row["actor_unit"] or None,
                   row["actor_authority"] or None]
    return _jansson_dumps(fields + [bytes(row["prev_hash"]).hex()])


def event_hash(row):
    """chain_hash() of an events row."""
    h = hashlib.blake2b(digest_size=32)
    h.update(bytes(row["prev_hash"]))
    h.update(event_canonical(row).encode("ascii"))
    return h.digest()


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
        return common.db_copy(self.srv.db, self.tmp)

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
        columns = ("id",) + COLUMNS + ("prev_hash", "hash")
        return [dict(zip(columns, r)) for r in
                common.db_rows(db, "SELECT %s FROM events ORDER BY id" % ", ".join(columns))]

    def tamper(self, db, *sql):
        """Runs each statement (text, or a tuple of text and parameters) on
        the copy; the append-only triggers are dropped by name."""
        for stmt in sql:
            text, params = (stmt[0], stmt[1:]) if isinstance(stmt, tuple) else (stmt, ())
            if text.startswith("DROP TRIGGER") and common.is_pg(db):
                text += " ON events"
            common.db_exec(db, text, params)

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
                elif column == "format":
                    new = 1  # the actor dropped from what is hashed
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

    def test_events_of_the_first_format_keep_verifying(self):
        """An event written before the actor was kept (format 1, as every
        event of an older database is) verifies over the encoding it was
        hashed with."""
        db = self.copy()
        last = self.events(db)[-1]
        old = dict(last, id=last["id"] + 1, prev_hash=bytes(last["hash"]), format=1,
                   actor_name=None, actor_unit=None, actor_authority=None,
                   action="edit", details='{"from":"an older version"}')
        old["hash"] = event_hash(old)
        self.assertTrue(event_canonical(old).endswith('"%s"]' % old["prev_hash"].hex()))
        cols = [c for c in old if c not in ("id",)]
        self.tamper(db, ("INSERT INTO events (id, %s) VALUES (?, %s)"
                         % (", ".join(cols), ", ".join("?" for _ in cols)),
                         old["id"], *[old[c] for c in cols]))
        out = self.assertIntact(db)
        self.assertIn("%d events" % old["id"], out)
        # and its encoding is what it was: the same row as format 2 is not it
        self.tamper(db, "DROP TRIGGER events_no_update",
                    ("UPDATE events SET format = 2 WHERE id = ?", old["id"]))
        self.assertBroken(db, old["id"])

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
        statements = [("UPDATE events SET opinion = ? WHERE id = ?", ("x", rows[3]["id"])),
                      ("UPDATE events SET action = 'edit'", ()),
                      ("DELETE FROM events WHERE id = ?", (rows[-1]["id"],)),
                      ("DELETE FROM events", ())]
        if common.is_pg(db):
            # which skips row triggers, and has one of its own
            statements.append(("TRUNCATE events CASCADE", ()))
        for sql, args in statements:
            with self.subTest(sql=sql):
                with self.assertRaises((AssertionError, sqlite3.DatabaseError)) as cm:
                    common.db_exec(db, sql, args)
                self.assertIn("append-only", str(cm.exception))
        self.assertEqual(self.events(db), rows)
        self.assertIntact(db)

    # -- an attacker who recomputes hashes ----------------------------------

    def test_the_chain_is_recomputed_here_as_the_server_computes_it(self):
        # Without this the tests below would prove nothing: every stored
        # hash is what event_hash() gives, and every link is the hash before.
        rows = self.events(self.copy())
        prev = bytes(32)
        for row in rows:
            with self.subTest(event=row["id"]):
                self.assertEqual(bytes(row["prev_hash"]), prev)
                self.assertEqual(event_hash(row), bytes(row["hash"]))
                prev = bytes(row["hash"])

    def rewrite(self, db, event_id, **changes):
        """Changes columns of one event and stores its hash recomputed over
        the change, as someone with the file and the code would; the
        triggers that refuse UPDATE are dropped first."""
        row = next(e for e in self.events(db) if e["id"] == event_id)
        row.update(changes)
        new_hash = event_hash(row)
        sets = ", ".join("%s = ?" % k for k in changes)
        self.tamper(db, "DROP TRIGGER events_no_update",
                    ("UPDATE events SET %s, hash = ? WHERE id = ?" % sets,
                     *changes.values(), new_hash, event_id))
        changed = next(e for e in self.events(db) if e["id"] == event_id)
        self.assertEqual(bytes(changed["hash"]), new_hash)
        self.assertEqual(event_hash(changed), bytes(changed["hash"]),
                         "the rewritten event must match its own hash")
        return changed

    def test_rewritten_event_with_its_hash_recomputed_breaks_the_next_link(self):
        rows = self.events(self.copy())
        for pick in ("opinion", "action", "details"):
            with self.subTest(column=pick):
                db = self.copy()
                if pick == "opinion":
                    target = [e for e in rows[:-1] if e["opinion"]][0]
                    change = {"opinion": "同意。经核查属实。"}
                elif pick == "action":
                    target = [e for e in rows[:-1] if e["action"] == "district_reject"][0]
                    change = {"action": "district_approve", "to_status": "municipal_review"}
                else:
                    target = rows[len(rows) // 2]
                    change = {"details": '{"rewritten":true}'}
                self.rewrite(db, target["id"], **change)
                err = self.assertBroken(db, target["id"] + 1)
                # It names the event whose link broke and the one before it.
                self.assertIn("event %d" % target["id"], err)
                self.assertNotIn("intact", err)

    def test_relinked_event_with_its_hash_recomputed_is_found_where_it_is(self):
        # prev_hash replaced (as if the event followed another one) and the
        # hash recomputed over it: the event is consistent with itself, but
        # no longer follows the event before it.
        db = self.copy()
        rows = self.events(db)
        target = rows[len(rows) // 3]
        self.rewrite(db, target["id"], prev_hash=bytes(rows[0]["hash"]))
        self.assertBroken(db, target["id"])

    def test_first_event_relinked_with_its_hash_recomputed_is_found(self):
        db = self.copy()
        rows = self.events(db)
        self.rewrite(db, rows[0]["id"], prev_hash=bytes(rows[-1]["hash"]))
        err = self.assertBroken(db, rows[0]["id"])
        self.assertIn("does not start the chain", err)

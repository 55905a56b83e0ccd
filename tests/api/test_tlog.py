"""The transparency log (CONTRACT.md "Transparency log", docs/TRANSPARENCY.md):
every event a leaf, the signed checkpoint, inclusion and consistency proofs
checked here with code of our own (RFC 9162 §2.1.3.2 and §2.1.4.2, Ed25519
from Python's cryptography) and with Go's reference packages (the interop
checker tests/interop/go/tlogcheck.go, built by meson next to the binary),
the entries for auditors, and `audit verify --checkpoint` on copies of the
database tampered with as someone holding the file would (through Python's
sqlite3, or psql on PostgreSQL: the helpers of common.py).
"""

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import common
from common import ApiTest, Flow
from test_audit import COLUMNS, event_canonical, event_hash

CLOCK = "2020-11-02T10:00:00+08:00"


# --------------------------------------------------------------------------
# RFC 6962 / 9162, written out here without the server's code.

def leaf_hash(d):
    return hashlib.sha256(b"\x00" + d).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """The root of the tree over these leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while 2 * k < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(leaf, index, size, hashes, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in hashes:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m, n, first, second, hashes):
    if m == n:
        return not hashes and first == second
    if m == 0:
        return not hashes
    if m > n or not hashes:
        return False
    if m & (m - 1) == 0:  # a power of two: the old root starts the path
        hashes = [first] + list(hashes)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = hashes[0]
    for c in hashes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first and sr == second


def b64(s):
    return base64.b64decode(s, validate=True)


def open_checkpoint(note, vkey):
    """Checks the note's Ed25519 signature by the verifier key and parses
    the checkpoint: (origin, size, root)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    name, key_id, data = vkey.strip().split("+", 2)
    data = b64(data)
    assert data[0] == 1 and len(data) == 33, vkey
    text, sigs = note.split("\n\n", 1)
    text += "\n"
    ok = False
    for line in sigs.splitlines():
        m = re.fullmatch("\u2014 (\\S+) (\\S+)", line)
        assert m, line
        sig = b64(m.group(2))
        if m.group(1) == name and sig[:4].hex() == key_id:
            Ed25519PublicKey.from_public_bytes(data[1:]).verify(sig[4:], text.encode("utf-8"))
            ok = True
    assert ok, "no signature by %s" % vkey
    origin, size, root = text.split("\n")[:3]
    assert origin == name
    return origin, int(size), b64(root)


def tlogcheck_path():
    path = os.path.join(os.path.dirname(os.path.abspath(common.ctx.shenbao)), "tests",
                        "tlogcheck")
    return path if os.path.exists(path) else None


def events(db):
    """The events of a server's database, each a dict of its columns."""
    columns = ("id",) + COLUMNS + ("prev_hash", "hash")
    return [dict(zip(columns, r)) for r in
            common.db_rows(db, "SELECT %s FROM events ORDER BY id" % ", ".join(columns))]


def tamper(db, *stmts):
    """Runs each statement (text, or a tuple of text and parameters) on a
    database, committed one by one.  An append-only trigger is dropped by
    its name (on PostgreSQL, with the table it is on: the name up to
    _no_)."""
    for stmt in stmts:
        text, params = (stmt[0], stmt[1:]) if isinstance(stmt, tuple) else (stmt, ())
        if text.startswith("DROP TRIGGER ") and common.is_pg(db):
            text += " ON " + text.split()[2].rsplit("_no_", 1)[0]
        common.db_exec(db, text, params)


def rechain(db, rows, *more):
    """Rewrites the events as rows (renumbered 1…n), every hash and link
    recomputed, as someone with the database and the code would; then the
    statements in more."""
    prev = bytes(32)
    stmts = ["DROP TRIGGER events_no_update", "DROP TRIGGER events_no_delete",
             "DELETE FROM events"]
    cols = [c for c in rows[0] if c not in ("hash", "prev_hash")]
    for i, row in enumerate(rows):
        row = dict(row, id=i + 1, prev_hash=prev)
        row["hash"] = event_hash(row)
        prev = row["hash"]
        names = cols + ["prev_hash", "hash"]
        stmts.append(("INSERT INTO events (%s) VALUES (%s)"
                      % (", ".join(names), ", ".join("?" for _ in names)),
                      *[row[c] for c in names]))
    tamper(db, *stmts, *more)


class Log(ApiTest):

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)
        cls.tmp = tempfile.mkdtemp(prefix="shenbao-api-tlog-")
        cls.flow = Flow(cls.srv)
        try:
            cls.app = cls.flow.to(cls.flow.create("incubator"), "approved")
            cls.flow.to(cls.flow.create("first_store"), "rejected")
        except BaseException:
            cls.srv.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        for name in os.listdir(cls.tmp):
            os.unlink(os.path.join(cls.tmp, name))
        os.rmdir(cls.tmp)

    def get(self, path, token=None, status=200):
        r = self.srv.req("GET", path, token=token)
        self.assertEqual(r[0], status, r)
        return r

    def key(self):
        return self.get("/v1/log/key")[2].decode("utf-8")

    def checkpoint(self):
        r = self.get("/v1/log/checkpoint")
        self.assertEqual(r[1]["content-type"], "text/plain; charset=utf-8")
        self.assertEqual(r[1]["cache-control"], "no-cache")
        note = r[2].decode("utf-8")
        return (note,) + open_checkpoint(note, self.key())

    def entries(self, start, end):
        r = self.get("/v1/log/entries?start=%d&end=%d" % (start, end), token="auditor")
        return r[2]["entries"]

    def events_db(self):
        return events(self.srv.db)

    def write(self):
        """One more event: an objection-free application created."""
        self.flow.create("incubator")

    # -- what is served -------------------------------------------------------

    def test_the_checkpoint_is_signed_and_its_root_is_the_events(self):
        note, origin, size, root = self.checkpoint()
        self.assertEqual(origin, "shenbao.example/log")
        self.assertTrue(note.startswith("shenbao.example/log\n%d\n" % size))
        rows = self.events_db()
        self.assertGreaterEqual(len(rows), size)
        entries = self.entries(0, size)
        self.assertEqual([e["index"] for e in entries], list(range(size)))
        leaves = []
        for e, row in zip(entries, rows):
            with self.subTest(index=e["index"]):
                # the leaf is the event's canonical bytes (docs/RECORD.md)
                self.assertEqual(b64(e["leaf"]), event_canonical(row).encode("ascii"))
                self.assertEqual(b64(e["leaf_hash"]), leaf_hash(b64(e["leaf"])))
                self.assertEqual(e["log_index"], e["index"])
                self.assertEqual(e["id"], row["id"])
                leaves.append(leaf_hash(b64(e["leaf"])))
        self.assertEqual(mth(leaves), root)

    def test_a_tampered_signature_or_key_is_refused(self):
        note, _, _, _ = self.checkpoint()
        text, sig = note.split("\n\n")
        bad = text.replace("\n", "\n", 1) + "\n\n" + sig[:-6] + ("AAAA" if sig[-6:-2] != "AAAA"
                                                               else "BBBB") + sig[-2:]
        with self.assertRaises(Exception):
            open_checkpoint(bad, self.key())
        lines = text.split("\n")
        lines[1] = str(int(lines[1]) + 1)
        with self.assertRaises(Exception):
            open_checkpoint("\n".join(lines) + "\n\n" + sig, self.key())

    def test_every_event_shown_has_its_log_index_and_leaf_hash(self):
        events = self.flow.events(self.app["id"])
        rows = {r["id"]: r for r in self.events_db()}
        for ev in events:
            with self.subTest(event=ev["id"]):
                self.assertEqual(ev["log_index"], ev["id"] - 1)
                self.assertEqual(b64(ev["leaf_hash"]),
                                 leaf_hash(event_canonical(rows[ev["id"]]).encode("ascii")))

    def test_inclusion_proofs_verify_against_the_checkpoint(self):
        _, _, size, root = self.checkpoint()
        leaves = [leaf_hash(event_canonical(r).encode("ascii")) for r in self.events_db()][:size]
        for index in range(size):
            with self.subTest(index=index):
                r = self.get("/v1/log/proof/inclusion?index=%d&size=%d" % (index, size))
                self.assertEqual(r[1]["cache-control"], "max-age=31536000, immutable")
                p = r[2]
                self.assertEqual((p["index"], p["size"]), (index, size))
                self.assertEqual(b64(p["leaf_hash"]), leaves[index])
                hashes = [b64(h) for h in p["hashes"]]
                self.assertTrue(verify_inclusion(leaves[index], index, size, hashes, root))
                # and not for another leaf, nor another place
                self.assertFalse(verify_inclusion(leaves[index - 1], index, size, hashes, root))
                if size > 1:
                    self.assertFalse(verify_inclusion(leaves[index], (index + 1) % size, size,
                                                      hashes, root))
        # for an earlier size too: the root of that prefix
        r = self.get("/v1/log/proof/inclusion?index=1&size=3")
        self.assertTrue(verify_inclusion(leaves[1], 1, 3, [b64(h) for h in r[2]["hashes"]],
                                         mth(leaves[:3])))
        # without size: the current tree
        r = self.get("/v1/log/proof/inclusion?index=0")
        self.assertEqual(r[1]["cache-control"], "no-cache")
        self.assertGreaterEqual(r[2]["size"], size)

    def test_consistency_across_growth(self):
        _, _, old_size, old_root = self.checkpoint()
        self.write()
        self.write()
        _, _, new_size, new_root = self.checkpoint()
        self.assertGreater(new_size, old_size)
        r = self.get("/v1/log/proof/consistency?from=%d&to=%d" % (old_size, new_size))
        self.assertEqual(r[1]["cache-control"], "max-age=31536000, immutable")
        p = r[2]
        self.assertEqual((p["from"], p["to"]), (old_size, new_size))
        hashes = [b64(h) for h in p["hashes"]]
        self.assertTrue(verify_consistency(old_size, new_size, old_root, new_root, hashes))
        self.assertFalse(verify_consistency(old_size, new_size, new_root, new_root, hashes))
        # every pair of sizes up to now
        leaves = [leaf_hash(event_canonical(r).encode("ascii")) for r in self.events_db()]
        for m in range(0, new_size + 1):
            with self.subTest(frm=m):
                p = self.get("/v1/log/proof/consistency?from=%d&to=%d" % (m, new_size))[2]
                self.assertTrue(verify_consistency(m, new_size, mth(leaves[:m]),
                                                   mth(leaves[:new_size]),
                                                   [b64(h) for h in p["hashes"]]))

    # -- limits and problems ---------------------------------------------------

    def assertBadParam(self, path, param, token=None):
        r = self.srv.req("GET", path, token=token)
        self.assertEqual(r[0], 400, r)
        self.assertEqual(r[1]["content-type"], "application/problem+json")
        self.assertEqual([e["parameter"] for e in r[2]["errors"]], [param], r[2])

    def test_bad_parameters_are_named(self):
        _, _, size, _ = self.checkpoint()
        for path, param in (
                ("/v1/log/proof/inclusion", "index"),
                ("/v1/log/proof/inclusion?index=-1", "index"),
                ("/v1/log/proof/inclusion?index=01", "index"),
                ("/v1/log/proof/inclusion?index=1x", "index"),
                ("/v1/log/proof/inclusion?index=99999999999999999999", "index"),
                ("/v1/log/proof/inclusion?index=%d&size=%d" % (size, size), "index"),
                ("/v1/log/proof/inclusion?index=0&size=%d" % (size + 1000), "size"),
                ("/v1/log/proof/inclusion?index=0&size=0", "index"),
                ("/v1/log/proof/consistency", "from"),
                ("/v1/log/proof/consistency?from=3&to=2", "from"),
                ("/v1/log/proof/consistency?from=1&to=%d" % (size + 1000), "to"),
                ("/v1/log/proof/consistency?from=x", "from")):
            with self.subTest(path=path):
                self.assertBadParam(path, param)
        for path, param in (("/v1/log/entries", "start"),
                            ("/v1/log/entries?start=0&end=%d" % (size + 1000), "end"),
                            ("/v1/log/entries?start=3&end=2", "start"),
                            ("/v1/log/entries?start=0&end=257", "end")):
            with self.subTest(path=path):
                self.assertBadParam(path, param, token="auditor")
        r = self.srv.req("GET", "/v1/log/proof/inclusion?index=0&nonsense=1")
        self.assertEqual(r[0], 400, r)

    def test_entries_are_for_auditors_and_limited(self):
        for who in (None, "applicant_a", "municipal_commerce"):
            with self.subTest(who=who):
                r = self.srv.req("GET", "/v1/log/entries?start=0", token=who)
                self.assertIn(r[0], (401, 403), r)
        r = self.get("/v1/log/entries?start=0", token="auditor")
        self.assertEqual(r[1]["cache-control"], "private, no-cache")
        self.assertEqual(r[2]["start"], 0)
        self.assertEqual(r[2]["end"], min(256, r[2]["size"]))
        self.assertEqual(len(r[2]["entries"]), r[2]["end"])
        r = self.get("/v1/log/entries?start=2&end=2", token="auditor")
        self.assertEqual(r[2]["entries"], [])

    # -- the independent implementation -----------------------------------------

    def test_go_reference_packages_verify_the_servers_answers(self):
        tool = tlogcheck_path()
        if not tool:
            self.skipTest("tlogcheck is not built (no Go): meson builds it beside the binary")
        files = {}

        def put(name, data):
            path = os.path.join(self.tmp, name)
            with open(path, "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
            files[name] = path
            return path

        def run(*args):
            return subprocess.run([tool] + list(args), capture_output=True, text=True)

        put("key", self.key())
        old, _, old_size, _ = self.checkpoint()
        put("old", old)
        self.write()
        new, _, size, _ = self.checkpoint()
        put("new", new)
        r = run("checkpoint", files["key"], files["new"])
        self.assertEqual(r.returncode, 0, r.stderr)
        entries = self.entries(0, size)
        put("leaves", json.dumps({"leaves": [e["leaf"] for e in entries]}))
        r = run("tree", files["key"], files["new"], files["leaves"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for index in (0, size // 2, size - 1):
            proof = self.get("/v1/log/proof/inclusion?index=%d&size=%d" % (index, size))[2]
            put("incl", json.dumps(proof))
            put("leaf", b64(entries[index]["leaf"]))
            r = run("inclusion", files["key"], files["new"], files["incl"], files["leaf"])
            self.assertEqual(r.returncode, 0, r.stderr)
            # a leaf that is not there is refused
            put("leaf", b64(entries[index]["leaf"]) + b" ")
            r = run("inclusion", files["key"], files["new"], files["incl"], files["leaf"])
            self.assertEqual(r.returncode, 1, r.stderr)
        proof = self.get("/v1/log/proof/consistency?from=%d&to=%d" % (old_size, size))[2]
        put("cons", json.dumps(proof))
        r = run("consistency", files["key"], files["old"], files["new"], files["cons"])
        self.assertEqual(r.returncode, 0, r.stderr)
        # the proof does not hold between other checkpoints
        r = run("consistency", files["key"], files["new"], files["new"], files["cons"])
        self.assertNotEqual(r.returncode, 0)


def layout_before_0014(db, tmp):
    """SQL that puts a database back in the layout migrations 0001-0013
    made, taken from those files: on SQLite, applied to a scratch database
    and read back; on PostgreSQL, the statements themselves."""
    here = os.path.dirname(os.path.abspath(__file__))
    migrations = os.path.join(os.path.dirname(os.path.dirname(here)), "migrations")
    indexes = ("applications_by_uscc", "applications_by_unit", "applications_by_kind",
               "applications_by_status")
    if common.is_pg(db):
        def read(name):
            with open(os.path.join(migrations, "pg", name), encoding="utf-8") as f:
                return f.read()
        out = ["BEGIN;"]
        out += [line for line in read("0001_init.sql").splitlines()
                if line.startswith("CREATE INDEX") and line.split()[2] in indexes]
        out += ["ALTER TABLE events ADD CONSTRAINT events_hash_key UNIQUE (hash);",
                "CREATE TEMP TABLE keep AS SELECT * FROM tlog_nodes;", "DROP TABLE tlog_nodes;",
                # the table and its triggers; the function is still there
                re.sub(r"CREATE FUNCTION .*?\$\$;", "", read("0007_tlog.sql"), flags=re.S),
                "INSERT INTO tlog_nodes SELECT level, ((last_leaf + 1) >> level::integer) - 1,"
                " hash FROM keep;",
                "DELETE FROM schema_migrations WHERE version = 14;", "COMMIT;"]
        return "\n".join(out)
    import sqlite3
    scratch = os.path.join(tmp, "layout-0013.db")
    con = sqlite3.connect(scratch)
    try:
        for name in sorted(os.listdir(migrations)):
            if name.endswith(".sql") and int(name[:4]) <= 13:
                with open(os.path.join(migrations, name), encoding="utf-8") as f:
                    con.executescript(f.read())
        ddl = con.execute(
            "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND (tbl_name IN"
            " ('events', 'application_versions', 'tlog_nodes') OR name IN (?, ?, ?, ?))"
            " ORDER BY type <> 'table'", indexes).fetchall()
    finally:
        con.close()
        os.unlink(scratch)
    moved = {"events": "*", "application_versions": "*",
             "tlog_nodes": "level, ((last_leaf + 1) >> level) - 1, hash"}
    out = ["PRAGMA foreign_keys = OFF;", "BEGIN;"]
    out += ["CREATE TEMP TABLE keep_%s AS SELECT %s FROM %s; DROP TABLE %s;" % (t, c, t, t)
            for t, c in moved.items()]
    out += ["%s;" % sql for sql, in ddl]
    out += ["INSERT INTO %s SELECT * FROM keep_%s;" % (t, t) for t in moved]
    out += ["DELETE FROM schema_migrations WHERE version = 14;", "COMMIT;"]
    return "\n".join(out)


class AuditCheckpoint(ApiTest):
    """`audit verify --checkpoint` on copies of the database, each tampered
    with one way; each is caught, naming where."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)
        cls.tmp = tempfile.mkdtemp(prefix="shenbao-api-tlog-audit-")
        flow = Flow(cls.srv)
        try:
            flow.to(flow.create("incubator"), "approved")
            flow.to(flow.create("first_store"), "rejected")
            app = flow.to(flow.create("incubator"), "approved")
            r = cls.srv.req("GET", "/v1/applications/%d/certificate" % app["id"],
                            token="auditor")
            assert r[0] == 200, r
            serial = r[2]["certificate"]["serial"]
            r = cls.srv.req("POST", "/v1/certificates/%s/revocation" % serial,
                            {"reason": "核查发现申报材料不实。", "ground": "other"},
                            token=flow.municipal_of("incubator"))
            assert r[0] == 200, r
            noticed = flow.to(flow.create("first_store"), "public_notice")
            r = common.file_objection(cls.srv.port, noticed["id"])
            assert r[0] == 201, r
            flow.create("tourism_award")
            r = cls.srv.req("GET", "/v1/log/checkpoint")
            assert r[0] == 200, r
            cls.cp = os.path.join(cls.tmp, "checkpoint")
            with open(cls.cp, "wb") as f:
                f.write(r[2])
        except BaseException:
            cls.srv.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        for name in os.listdir(cls.tmp):
            os.unlink(os.path.join(cls.tmp, name))
        os.rmdir(cls.tmp)

    def copy(self):
        """A consistent copy of the server's database, taken while it runs
        (a file, or a new database of the cluster)."""
        return common.db_copy(self.srv.db, self.tmp)

    def verify(self, db, checkpoint=True):
        args = ["audit", "verify", "--config", self.srv.config, "--db", db]
        if checkpoint:
            args += ["--checkpoint", self.cp]
        return common.shenbao_cli(args)

    def events(self, db):
        return events(db)

    def sql(self, db, *stmts):
        tamper(db, *stmts)

    def assertCaught(self, db, index, checkpoint=True):
        rc, out, err = self.verify(db, checkpoint)
        self.assertNotEqual(rc, 0, "not caught: %s" % out)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        if index is not None:
            self.assertRegex(err, r"\b(log index %d|event %d)\b" % (index, index + 1))
        return err

    def rechain(self, db, rows):
        rechain(db, rows)

    def test_untouched_copy_extends_the_checkpoint(self):
        rc, out, err = self.verify(self.copy())
        self.assertEqual(rc, 0, err)
        self.assertIn("extends the checkpoint", out)
        # and after more events, the live database still does
        Flow(self.srv).create("incubator")
        rc, out, err = self.verify(self.copy())
        self.assertEqual(rc, 0, err)

    def test_an_auditor_without_the_key_directory_gives_the_log_key(self):
        vkey = os.path.join(self.tmp, "log.key")
        with open(vkey, "wb") as f:
            f.write(self.srv.req("GET", "/v1/log/key")[2])
        nokeys = os.path.join(self.tmp, "no-keys-here")
        args = ["audit", "verify", "--db", self.copy(), "--keys", nokeys,
                "--checkpoint", self.cp]
        rc, _, err = common.shenbao_cli(args)
        self.assertNotEqual(rc, 0)
        self.assertIn("--log-key", err)
        rc, out, err = common.shenbao_cli(args + ["--log-key", vkey])
        self.assertEqual(rc, 0, err)
        self.assertIn("extends the checkpoint", out)
        # another log's key does not open it
        with open(vkey, "w", encoding="utf-8") as f:
            f.write("shenbao.example/log+00000000+" + base64.b64encode(b"\x01" + bytes(32))
                    .decode() + "\n")
        rc, _, err = common.shenbao_cli(args + ["--log-key", vkey])
        self.assertNotEqual(rc, 0)

    def test_a_checkpoint_not_signed_by_the_log_key_is_refused(self):
        with open(self.cp, encoding="utf-8") as f:
            note = f.read()
        bad = os.path.join(self.tmp, "bad-checkpoint")
        lines = note.split("\n")
        lines[1] = str(int(lines[1]) - 1)   # an earlier size under the same signature
        with open(bad, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        rc, _, err = common.shenbao_cli(["audit", "verify", "--config", self.srv.config,
                                         "--db", self.copy(), "--checkpoint", bad])
        self.assertNotEqual(rc, 0)
        self.assertIn("not a checkpoint signed by this log's key", err)

    def test_the_last_event_deleted(self):
        db = self.copy()
        rows = self.events(db)
        self.sql(db, "DROP TRIGGER events_no_delete",
                 ("DELETE FROM events WHERE id = ?", rows[-1]["id"]))
        # the chain alone cannot see it: the tail is gone, every link holds
        rc, out, _ = self.verify(db, checkpoint=False)
        self.assertNotEqual(rc, 0, out)   # the log's stored leaves still can
        self.assertCaught(db, len(rows) - 1)

    def test_the_last_events_deleted_with_their_leaves(self):
        db = self.copy()
        rows = self.events(db)
        self.sql(db, "DROP TRIGGER events_no_delete", "DROP TRIGGER tlog_nodes_no_delete",
                 ("DELETE FROM events WHERE id >= ?", rows[-2]["id"]),
                 ("DELETE FROM tlog_nodes WHERE last_leaf >= ?", len(rows) - 2))
        # the tree is consistent with the events; the rows whose events
        # went are not, and the checkpoint names where the log ends
        err = self.assertCaught(db, None, checkpoint=False)
        self.assertIn("outside the log", err)
        err = self.assertCaught(db, len(rows) - 2)
        self.assertIn("were removed", err)

    def test_every_event_deleted(self):
        db = self.copy()
        self.sql(db, "DROP TRIGGER events_no_delete", "DROP TRIGGER tlog_nodes_no_delete",
                 "DELETE FROM events", "DELETE FROM tlog_nodes")
        self.assertCaught(db, 0)

    def test_one_changed_and_the_rest_rehashed(self):
        db = self.copy()
        rows = self.events(db)
        target = len(rows) // 2
        rows[target]["opinion"] = "同意。"
        self.rechain(db, rows)
        self.assertCaught(db, target)

    def test_one_changed_and_the_rest_rehashed_with_the_tree_rebuilt(self):
        db = self.copy()
        rows = self.events(db)
        rows[1]["opinion"] = "同意。"
        self.rechain(db, rows)
        self.sql(db, "DROP TRIGGER tlog_nodes_no_delete", "DELETE FROM tlog_nodes")
        # the database alone is consistent again (the server would rebuild
        # its tree at start); the checkpoint is not
        err = self.assertCaught(db, None)
        self.assertIn("not to the checkpoint's root", err)

    def test_reordered(self):
        db = self.copy()
        rows = self.events(db)
        rows[2], rows[3] = rows[3], rows[2]
        self.rechain(db, rows)
        self.assertCaught(db, 2)

    def test_a_forged_event_inserted(self):
        db = self.copy()
        rows = self.events(db)
        forged = dict(rows[4], opinion="伪造。", request_id="forged")
        self.rechain(db, rows[:5] + [forged] + rows[5:])
        self.assertCaught(db, 5)

    def test_an_application_row_edited(self):
        db = self.copy()
        self.sql(db, "UPDATE applications SET status = 'approved' WHERE status = 'rejected'")
        err = self.assertCaught(db, None)
        self.assertRegex(err, r"application \d+ is approved but its last event left it rejected")

    def test_an_application_row_rewritten(self):
        db = self.copy()
        self.sql(db, "UPDATE applications SET applicant_name = applicant_name || '（改）'"
                     " WHERE id = 1")
        err = self.assertCaught(db, None)
        self.assertIn("application 1 is not its version", err)

    def test_a_version_forged_with_its_hash(self):
        db = self.copy()
        (env,), = common.db_rows(db, "SELECT envelope FROM application_versions"
                                     " WHERE application_id = 1 AND version = 1")
        forged = env.replace('"round":', '"forged":1,"round":')
        self.sql(db, "DROP TRIGGER application_versions_no_update",
                 ("UPDATE application_versions SET envelope = ?, sha256 = ? WHERE"
                  " application_id = 1 AND version = 1",
                  forged, hashlib.sha256(forged.encode("utf-8")).digest()))
        err = self.assertCaught(db, 0)
        self.assertIn("names version 1 of application 1", err)

    def test_objections_changed_removed_or_added(self):
        db = self.copy()
        self.sql(db, "UPDATE objections SET status = 'dismissed', resolved_at = '2020-11-03',"
                     " opinion = '不属实。' WHERE status = 'open'")
        err = self.assertCaught(db, None)
        self.assertRegex(err, r"objection \d+ to application \d+ is dismissed but its events "
                              r"left it open")
        db = self.copy()
        self.sql(db, "DELETE FROM objections")
        err = self.assertCaught(db, None)
        self.assertRegex(err, r"objection \d+ to application \d+, filed in the log, is gone")
        db = self.copy()
        self.sql(db, "INSERT INTO objections (application_id, name, contact, reason, filed_at,"
                     " client_addr) SELECT application_id, name, contact, '伪造', filed_at,"
                     " client_addr FROM objections LIMIT 1")
        err = self.assertCaught(db, None)
        self.assertRegex(err, r"objection \d+ to application \d+ was filed by no event")

    def test_a_certificate_unrevoked(self):
        db = self.copy()
        self.sql(db, "UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL,"
                     " revocation_ground = NULL WHERE revoked_at IS NOT NULL",
                 "UPDATE applications SET status = 'approved' WHERE status = 'revoked'")
        self.assertCaught(db, None)
        db = self.copy()
        self.sql(db, "UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL,"
                     " revocation_ground = NULL WHERE revoked_at IS NOT NULL")
        err = self.assertCaught(db, None)
        self.assertRegex(err, r"certificate \S+ \(application \d+\) is valid")

    def test_the_layout_before_0014_migrates_keeping_every_row(self):
        """A database written before migrations/0014_fewer_pages.sql (the
        four single-column indexes, events' hash UNIQUE, versions WITHOUT
        ROWID, the log's nodes keyed by level) migrates: every event,
        version and node kept, and the log still verifies against the
        checkpoint published before."""
        db = self.copy()
        pg = common.is_pg(db)
        nodes = ("SELECT level, ((last_leaf + 1) >> CAST(level AS integer)) - 1, hash"
                 " FROM tlog_nodes ORDER BY 1, 2")
        versions = "SELECT * FROM application_versions ORDER BY application_id, version"

        def layout():
            """(a dropped index, the events' hash index, versions WITHOUT ROWID)
            as there or not; PostgreSQL has no WITHOUT ROWID."""
            if pg:
                names = {r[0] for r in common.db_rows(db, "SELECT indexname FROM pg_indexes")}
                return ("applications_by_uscc" in names, "events_hash_key" in names, False)
            names = {r[0] for r in common.db_rows(db, "SELECT name FROM sqlite_schema")}
            (sql,), = common.db_rows(db, "SELECT sql FROM sqlite_schema"
                                         " WHERE name = 'application_versions'")
            return ("applications_by_uscc" in names, "sqlite_autoindex_events_1" in names,
                    "WITHOUT ROWID" in sql)

        before = (self.events(db), common.db_rows(db, versions), common.db_rows(db, nodes))
        self.assertGreater(len(before[2]), len(before[0]))  # subtrees above the leaves
        self.assertEqual(layout(), (False, False, False))
        common.db_script(db, layout_before_0014(db, self.tmp))
        self.assertEqual(layout(), (True, True, not pg))
        self.assertEqual(common.db_rows(
            db, "SELECT level, idx, hash FROM tlog_nodes ORDER BY 1, 2"), before[2])
        rc, _, err = common.shenbao_cli(["migrate", "--db", db])
        self.assertEqual(rc, 0, err)
        self.assertEqual(layout(), (False, False, False))
        self.assertEqual((self.events(db), common.db_rows(db, versions),
                          common.db_rows(db, nodes)), before)
        rc, out, err = self.verify(db)
        self.assertEqual(rc, 0, out + err)
        if not pg:
            self.assertEqual(common.db_rows(db, "PRAGMA integrity_check"), [("ok",)])
            self.assertEqual(common.db_rows(db, "PRAGMA foreign_key_check"), [])
            # the versions' key is still unique, in an index of its own
            self.assertEqual(common.db_rows(
                db, "SELECT count(*) FROM sqlite_schema"
                    " WHERE name = 'sqlite_autoindex_application_versions_1'"), [(1,)])

if __name__ == "__main__":
    unittest.main()


class Watch(ApiTest):
    """`audit watch --url URL --state FILE`, a third party's check from
    outside: the log only grows, and a server whose history was rewritten
    (database tampered with and the server restarted on it) is caught."""

    def setUp(self):
        self.srv = common.start_server(clock=CLOCK)
        self.flow = Flow(self.srv)
        self.state = os.path.join(self.srv.tmp, "watch-state")

    def tearDown(self):
        self.srv.stop()

    def watch(self, srv=None):
        return common.shenbao_cli(["audit", "watch", "--url",
                                   "http://127.0.0.1:%d/" % (srv or self.srv).port,
                                   "--state", self.state])

    def test_growth_is_followed_and_a_rewrite_is_caught(self):
        self.flow.to(self.flow.create("incubator"), "approved")
        rc, out, err = self.watch()
        self.assertEqual(rc, 0, err)
        self.assertIn("first checkpoint", out)
        with open(self.state, encoding="utf-8") as f:
            vkey = f.readline().strip()
        self.assertEqual(vkey + "\n", self.srv.req("GET", "/v1/log/key")[2].decode("utf-8"))
        self.flow.create("first_store")
        rc, out, err = self.watch()
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"grew from (\d+) to (\d+) leaves, consistently")
        saved_size = int(re.search(r"to (\d+) leaves", out).group(1))
        # unchanged: still fine
        rc, out, err = self.watch()
        self.assertEqual(rc, 0, err)
        # The database rewritten under the server: one opinion changed, the
        # chain recomputed, the tree dropped (the server rebuilds it at start).
        self.srv.tampered = True
        common.stop_keeping_data(self.srv)
        rows = events(self.srv.db)
        rows[1]["opinion"] = "同意。"
        rechain(self.srv.db, rows, "DROP TRIGGER tlog_nodes_no_delete", "DELETE FROM tlog_nodes")
        again = common.serve_again(self.srv)
        again.tampered = True
        try:
            rc, out, err = self.watch(again)
            self.assertNotEqual(rc, 0, out)
            self.assertIn("does not extend the one of %d leaves" % saved_size, err)
            # the state keeps the last good checkpoint
            rc, _, err = self.watch(again)
            self.assertNotEqual(rc, 0)
        finally:
            again.stop()

    def test_a_state_with_another_key_refuses_the_servers_checkpoint(self):
        rc, _, err = self.watch()
        self.assertEqual(rc, 0, err)
        with open(self.state, encoding="utf-8") as f:
            vkey, note = f.read().split("\n", 1)
        name, kid, data = vkey.split("+", 2)
        # a key of the same name and another public half: its own id
        other = subprocess.run(
            [sys.executable, "-c",
             "import base64,hashlib,sys;pk=bytes(range(32));n=sys.argv[1];"
             "print(n+'+'+hashlib.sha256(n.encode()+b'\\n\\x01'+pk).digest()[:4].hex()+'+'"
             "+base64.b64encode(b'\\x01'+pk).decode())", name],
            capture_output=True, text=True).stdout.strip()
        with open(self.state, "w", encoding="utf-8") as f:
            f.write(other + "\n" + note)
        rc, _, err = self.watch()
        self.assertNotEqual(rc, 0)
        self.assertRegex(err, "not a state this command wrote|not signed by the log key")

    def test_a_garbled_state_is_refused(self):
        with open(self.state, "w", encoding="utf-8") as f:
            f.write("nonsense\n")
        rc, _, err = self.watch()
        self.assertNotEqual(rc, 0)
        self.assertIn("not a state this command wrote", err)


def sign_jws(seed, kid, payload):
    """A compact JWS (EdDSA) of payload with the Ed25519 seed, as anyone
    holding a key file could make one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    head = common.b64url_encode(json.dumps({"alg": "EdDSA", "kid": kid},
                                           separators=(",", ":")).encode())
    body = common.b64url_encode(json.dumps(payload, ensure_ascii=False,
                                           separators=(",", ":")).encode("utf-8"))
    sig = Ed25519PrivateKey.from_private_bytes(seed).sign((head + "." + body).encode())
    return head + "." + body + "." + common.b64url_encode(sig)


class Keys(ApiTest):
    """keygen retires the active key and destroys its secret; /v1/keys says
    each key's period; a JWS by a retired key dated after its retirement,
    or for a serial never issued, is refused by the endpoint and by
    `shenbao verify`."""

    @classmethod
    def setUpClass(cls):
        from test_keys import CLOCK as KEYS_CLOCK, issue
        cls.first = cls.second = None
        try:
            cls.first = common.start_server(clock=KEYS_CLOCK)
            cls.a = issue(cls.first, "incubator", "applicant_a")
            cls.kid = common.jws_header(cls.a["jws"])["kid"]
            cls.keyfile = os.path.join(cls.first.tmp, "keys", cls.kid + ".ed25519")
            with open(cls.keyfile, "rb") as f:
                cls.secret = f.read()   # kept, as a thief would
            common.stop_keeping_data(cls.first)
            cls.keygen = common.shenbao_cli(["keygen", "--config", cls.first.config])
            cls.second = common.serve_again(cls.first, clock=KEYS_CLOCK)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.second is not None:
            cls.second.stop()
        elif cls.first is not None:
            cls.first.stop()

    def test_keygen_destroys_the_retired_secret(self):
        rc, out, err = self.keygen
        self.assertEqual(rc, 0, err)
        self.assertIn("signing key %s retired" % self.kid, out)
        self.assertEqual(len(self.secret), 64)
        self.assertFalse(os.path.exists(self.keyfile))
        # its public key stays published
        jwks = self.second.req("GET", "/.well-known/jwks.json")[2]
        self.assertIn(self.kid, [k["kid"] for k in jwks["keys"]])

    def test_keys_list_their_periods(self):
        r = self.second.req("GET", "/v1/keys")
        self.assertEqual(r[0], 200, r)
        keys = {k["kid"]: k for k in r[2]["keys"]}
        self.assertEqual(len(keys), 2)
        old = keys.pop(self.kid)
        (new,) = keys.values()
        self.assertIsNotNone(old["not_after"])
        self.assertIsNone(new["not_after"])
        self.assertLessEqual(old["not_before"], old["not_after"])
        self.assertEqual(old["not_after"], new["not_before"])
        # and A, issued while its key was active, still verifies
        r = self.second.req("POST", "/v1/certificates/verify", self.a)
        self.assertIs(r[2]["valid"], True, r)

    def forged(self, **changes):
        cert = dict(self.a["certificate"], **changes)
        return {"certificate": cert, "jws": sign_jws(self.secret[:32], self.kid, cert)}

    def refused_everywhere(self, pair, why):
        r = self.second.req("POST", "/v1/certificates/verify", pair)
        self.assertEqual(r[0], 200, r)
        self.assertIs(r[2]["valid"], False, r)
        self.assertRegex(r[2]["reason"], why)
        path = common.write_json(os.path.join(self.second.tmp, "forged.json"), pair)
        rc, out, err = common.shenbao_cli(["verify", path, "--config", self.second.config])
        self.assertNotEqual(rc, 0, out)

    def test_a_jws_by_the_retired_key_after_its_retirement_is_refused(self):
        pair = self.forged(issued_on="2099-01-01")
        # the signature itself is good: only the key's period refuses it
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        self.assertEqual(len(Ed25519PrivateKey.from_private_bytes(self.secret[:32])
                             .public_key().public_bytes_raw()), 32)
        self.refused_everywhere(pair, "after it was retired")

    def test_a_serial_never_issued_is_not_valid(self):
        pair = self.forged(serial="SB-2020-9999-9999-9999-9999")
        r = self.second.req("POST", "/v1/certificates/verify", pair)
        self.assertIs(r[2]["valid"], False, r)
        self.assertIn("never issued", r[2]["reason"])
        # the serial of A, with another holder: not what was issued
        pair = self.forged(holder=dict(self.a["certificate"]["holder"], name="某某公司"))
        r = self.second.req("POST", "/v1/certificates/verify", pair)
        self.assertIs(r[2]["valid"], False, r)
        self.assertIn("not the certificate this service issued", r[2]["reason"])


class Bundle(ApiTest):
    """GET /v1/certificates/{serial}/bundle and `shenbao verify --bundle`,
    offline, after the server is gone: with the keys (GET /v1/keys) and
    the log key kept from before, nothing else."""

    @classmethod
    def setUpClass(cls):
        from test_keys import CLOCK as KEYS_CLOCK, issue
        cls.files = tempfile.mkdtemp(prefix="shenbao-api-bundle-")
        srv = common.start_server(clock=KEYS_CLOCK)
        try:
            cls.a = issue(srv, "incubator", "applicant_a")
            cls.b = issue(srv, "first_store", "applicant_a")
            serial_b = cls.b["certificate"]["serial"]
            r = srv.req("POST", "/v1/certificates/%s/revocation" % serial_b,
                        {"reason": "核查发现申报材料不实。", "ground": "other"},
                        token=Flow(srv).municipal_of("first_store"))
            assert r[0] == 200, r
            cls.bundles = {}
            for name, pair in (("a", cls.a), ("b", cls.b)):
                r = srv.req("GET", "/v1/certificates/%s/bundle" % pair["certificate"]["serial"])
                assert r[0] == 200, r
                cls.bundles[name] = r[2]
                cls.cache = r[1].get("cache-control")
            cls.unknown = srv.req("GET", "/v1/certificates/SB-2020-0000-0000-0000-0000/bundle")
            cls.keys = cls.put("keys.json", json.dumps(srv.req("GET", "/v1/keys")[2]))
            cls.jwks = cls.put("jwks.json",
                               json.dumps(srv.req("GET", "/.well-known/jwks.json")[2]))
            cls.log_key = cls.put("log.key", srv.req("GET", "/v1/log/key")[2])
        finally:
            srv.stop()   # gone, database and all

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.files, ignore_errors=True)

    @classmethod
    def put(cls, name, data):
        path = os.path.join(cls.files, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    def verify(self, bundle, keys=None):
        path = self.put("bundle.json", json.dumps(bundle, ensure_ascii=False))
        return common.shenbao_cli(["verify", "--bundle", path, "--jwks", keys or self.keys,
                                   "--log-key", self.log_key,
                                   "--db", os.path.join(self.files, "none.db")])

    def test_the_bundle_has_what_the_contract_names(self):
        b = self.bundles["a"]
        self.assertEqual(set(b) - {"leaf"}, {"certificate", "jws", "status", "status_jws",
                                             "log_index", "inclusion", "checkpoint"})
        self.assertEqual(b["certificate"], self.a["certificate"])
        self.assertEqual(b["certificate"]["log_index"], b["log_index"])
        self.assertEqual(b["inclusion"]["index"], b["log_index"])
        self.assertEqual(b["status"], "active")
        self.assertEqual(self.cache, "no-cache")
        self.assertEqual(self.unknown[0], 404)
        payload = json.loads(common.jws_payload(b["status_jws"]))
        self.assertEqual(set(payload), {"serial", "status", "at"})
        self.assertEqual(payload["serial"], b["certificate"]["serial"])
        # the leaf is the approval event, and it names the certificate
        leaf = json.loads(b64(b["leaf"]))
        self.assertEqual(leaf[0], b["log_index"] + 1)
        self.assertEqual(leaf[10]["certificate_serial"], b["certificate"]["serial"])

    def test_it_verifies_offline(self):
        for keys in (self.keys, self.jwks):
            with self.subTest(keys=os.path.basename(keys)):
                rc, out, err = self.verify(self.bundles["a"], keys)
                self.assertEqual(rc, 0, err)
                self.assertIn("status: active", out)
                self.assertRegex(out, r"its approval is leaf %d of the checkpoint"
                                 % self.bundles["a"]["log_index"])

    def test_a_revoked_certificate_proves_its_revocation(self):
        b = self.bundles["b"]
        self.assertEqual(b["status"], "revoked")
        self.assertEqual(json.loads(common.jws_payload(b["status_jws"]))["status"], "revoked")
        rc, out, err = self.verify(b)
        self.assertEqual(rc, 0, err)
        self.assertIn("status: revoked", out)
        # passing it off as active fails: the statement is signed
        rc, out, err = self.verify(dict(b, status="active"))
        self.assertNotEqual(rc, 0, out)
        self.assertIn("status statement", err)
        # nor does A's statement serve for B
        rc, out, err = self.verify(dict(b, status="active",
                                        status_jws=self.bundles["a"]["status_jws"]))
        self.assertNotEqual(rc, 0, out)

    def test_every_part_is_checked(self):
        a, b = self.bundles["a"], self.bundles["b"]
        bad_cert = dict(a["certificate"], holder=dict(a["certificate"]["holder"], name="某某"))
        leaf = b64(a["leaf"]).replace(b'"certificate_serial":"',
                                      b'"certificate_serial":"X', 1)
        cases = {
            "certificate": (dict(a, certificate=bad_cert), "the certificate"),
            "leaf": (dict(a, leaf=base64.b64encode(leaf).decode()), "leaf|inclusion"),
            "other leaf": (dict(a, leaf=b["leaf"]), "leaf"),
            "index": (dict(a, log_index=a["log_index"] + 1), "leaf|inclusion"),
            "proof": (dict(a, inclusion=dict(a["inclusion"], hashes=a["inclusion"]["hashes"][1:])),
                      "inclusion"),
            "checkpoint": (dict(a, checkpoint=a["checkpoint"].replace("\n", "\n1", 1)),
                           "checkpoint"),
        }
        for name, (bundle, why) in cases.items():
            with self.subTest(part=name):
                rc, out, err = self.verify(bundle)
                self.assertNotEqual(rc, 0, out)
                self.assertRegex(err, why)

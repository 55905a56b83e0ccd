"""Operations: health, readiness, Prometheus metrics (parsed line by line),
the client address behind (trusted) proxies, and online backup and
restore during writes.

Servers of their own where the test needs its own configuration
(common.start_server_config), its own log (Server.errpath) or its own
database.  Traffic is loopback only: the other addresses are header text or
configuration.
"""

import glob
import hashlib
import http.client
import json
import math
import os
import re
import threading
import time

import common
from common import ApiTest, Flow

CLOCK = "2020-09-29T10:00:00+08:00"   # a working day: a notice can start
PROM_MEDIA = "text/plain"
FOREIGN = "203.0.113.7"               # documentation addresses, never contacted
OBJECTIONS_PER_MINUTE = 10


# --------------------------------------------------------------------------
# The Prometheus text format, version 0.0.4, strictly

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
FLOAT = r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|Inf|NaN)"
TYPES = ("counter", "gauge", "histogram")
HELP_RE = re.compile(r"^# HELP (%s) (.*)$" % NAME)
TYPE_RE = re.compile(r"^# TYPE (%s) (\S+)$" % NAME)
SAMPLE_RE = re.compile(r"^(%s)(\{[^\n]*\})? (%s)(?: (-?[0-9]+))?$" % (NAME, FLOAT))


class PromError(AssertionError):
    pass


def _unescape(text, allowed, lineno):
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in allowed:
                raise PromError("line %d: bad escape in %r" % (lineno, text))
            out.append({"\\": "\\", "n": "\n", '"': '"'}[text[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _labels(text, lineno):
    """'{a="x",b="y"}' -> {"a": "x", "b": "y"}, strictly."""
    assert text[0] == "{" and text[-1] == "}"
    s = text[1:-1]
    labels = {}
    i = 0

    def blanks(k):
        while k < len(s) and s[k] in " \t":
            k += 1
        return k

    i = blanks(i)
    while i < len(s):
        m = re.match(LABEL_NAME, s[i:])
        if not m:
            raise PromError("line %d: bad label name at %r" % (lineno, s[i:]))
        name = m.group(0)
        i = blanks(i + len(name))
        if s[i:i + 1] != "=":
            raise PromError("line %d: expected = after label %s" % (lineno, name))
        i = blanks(i + 1)
        if s[i:i + 1] != '"':
            raise PromError("line %d: label %s: value not quoted" % (lineno, name))
        i += 1
        j = i
        while j < len(s) and s[j] != '"':
            j += 2 if s[j] == "\\" else 1
        if j >= len(s):
            raise PromError("line %d: unterminated label value" % lineno)
        if name in labels:
            raise PromError("line %d: label %s twice" % (lineno, name))
        if name.startswith("__"):
            raise PromError("line %d: reserved label name %s" % (lineno, name))
        labels[name] = _unescape(s[i:j], '\\"n', lineno)
        i = blanks(j + 1)
        if i < len(s):
            if s[i] != ",":
                raise PromError("line %d: expected , between labels, got %r" % (lineno, s[i:]))
            i = blanks(i + 1)
    return labels


def _value(text):
    return float(text.replace("Inf", "inf").replace("NaN", "nan"))


def parse_prometheus(text):
    """Parses Prometheus text exposition 0.0.4; returns {family: {"type",
    "help", "samples": [(name, labels, value)]}}.  Raises PromError naming
    the line on anything the format does not allow: unknown comment forms,
    a sample before its family's TYPE, a family split in two, a series
    twice, a histogram whose buckets are not cumulative or whose +Inf
    bucket is not its _count."""
    if not text.endswith("\n"):
        raise PromError("the text does not end with a newline")
    families = {}
    order = []          # families in order of their first line
    current = None
    closed = set()

    def enter(family, lineno):
        nonlocal current
        if family != current:
            if family in closed:
                raise PromError("line %d: family %s continues after another began"
                                % (lineno, family))
            if current is not None:
                closed.add(current)
            current = family

    def family_of(name):
        if name in families and families[name]["type"] in ("counter", "gauge"):
            return name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix):
                base = name[:-len(suffix)]
                if base in families and families[base]["type"] == "histogram":
                    return base
        return None

    for lineno, line in enumerate(text[:-1].split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            m = HELP_RE.match(line)
            if m:
                name, help_text = m.groups()
                fam = families.setdefault(name, {"type": None, "help": None, "samples": []})
                if fam["help"] is not None:
                    raise PromError("line %d: second HELP for %s" % (lineno, name))
                if fam["samples"]:
                    raise PromError("line %d: HELP for %s after its samples" % (lineno, name))
                fam["help"] = _unescape(help_text, "\\n", lineno)
                enter(name, lineno)
                if name not in order:
                    order.append(name)
                continue
            m = TYPE_RE.match(line)
            if m:
                name, typ = m.groups()
                if typ not in TYPES:
                    raise PromError("line %d: type %r" % (lineno, typ))
                fam = families.setdefault(name, {"type": None, "help": None, "samples": []})
                if fam["type"] is not None:
                    raise PromError("line %d: second TYPE for %s" % (lineno, name))
                if fam["samples"]:
                    raise PromError("line %d: TYPE for %s after its samples" % (lineno, name))
                fam["type"] = typ
                enter(name, lineno)
                if name not in order:
                    order.append(name)
                continue
            raise PromError("line %d: a comment that is neither HELP nor TYPE: %r"
                            % (lineno, line))
        m = SAMPLE_RE.match(line)
        if not m:
            raise PromError("line %d: not a sample: %r" % (lineno, line))
        name, label_text, value_text, _ts = m.groups()
        labels = _labels(label_text, lineno) if label_text else {}
        family = family_of(name)
        if family is None:
            raise PromError("line %d: sample %s has no TYPE line before it" % (lineno, name))
        enter(family, lineno)
        fam = families[family]
        key = (name, tuple(sorted(labels.items())))
        if any((s[0], tuple(sorted(s[1].items()))) == key for s in fam["samples"]):
            raise PromError("line %d: series %r twice" % (lineno, key))
        value = _value(value_text)
        if fam["type"] == "counter" and not value >= 0:
            raise PromError("line %d: counter %s is %r" % (lineno, name, value))
        if fam["type"] == "histogram":
            if name.endswith("_bucket"):
                if "le" not in labels or not re.fullmatch(FLOAT, labels["le"]):
                    raise PromError("line %d: bucket without a numeric le" % lineno)
            elif "le" in labels:
                raise PromError("line %d: le on %s" % (lineno, name))
        fam["samples"].append((name, labels, value))

    for family, fam in families.items():
        if fam["type"] is None:
            raise PromError("family %s has HELP but no TYPE" % family)
        if fam["type"] == "histogram":
            _check_histogram(family, fam["samples"])
    return families


def _check_histogram(family, samples):
    series = {}
    for name, labels, value in samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        s = series.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if name.endswith("_bucket"):
            s["buckets"].append((_value(labels["le"]), value))
        elif name.endswith("_sum"):
            s["sum"] = value
        else:
            s["count"] = value
    for rest, s in series.items():
        where = "%s%r" % (family, dict(rest))
        les = [le for le, _ in s["buckets"]]
        counts = [c for _, c in s["buckets"]]
        if not les or les[-1] != math.inf:
            raise PromError("%s: no le=\"+Inf\" bucket (last)" % where)
        if any(b <= a for a, b in zip(les, les[1:])):
            raise PromError("%s: le not increasing: %r" % (where, les))
        if any(b < a for a, b in zip(counts, counts[1:])):
            raise PromError("%s: buckets not cumulative: %r" % (where, counts))
        if s["count"] is None or s["sum"] is None:
            raise PromError("%s: _count or _sum missing" % where)
        if counts[-1] != s["count"]:
            raise PromError("%s: +Inf bucket %r != _count %r" % (where, counts[-1], s["count"]))
        if any(c != int(c) or c < 0 for c in counts):
            raise PromError("%s: bucket counts %r" % (where, counts))
        if not s["sum"] >= 0:
            raise PromError("%s: _sum %r" % (where, s["sum"]))


def sample(families, family, name=None, **labels):
    """The value of the series name{labels} of family, or None."""
    fam = families.get(family)
    if not fam:
        return None
    for n, ls, v in fam["samples"]:
        if n == (name or family) and ls == labels:
            return v
    return None


class PromParser(ApiTest):
    """The parser itself refuses what the format does not allow."""

    GOOD = ("# HELP a_total A \\\\ counter\\n.\n# TYPE a_total counter\n"
            "a_total{route=\"x\",status=\"200\"} 3\na_total{route=\"y\\\"\\\\\\n\"} 1e3\n"
            "# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
            "h_sum 0.3\nh_count 2\n# TYPE g gauge\ng -1.5\ng{a=\"b\", c = \"d\",} +Inf\n")

    def test_good(self):
        fams = parse_prometheus(self.GOOD)
        self.assertEqual(sample(fams, "a_total", route='y"\\\n'), 1000.0)
        self.assertEqual(fams["a_total"]["help"], "A \\ counter\n.")
        self.assertEqual(sample(fams, "h", "h_count"), 2)

    def test_bad(self):
        bad = {
            "no TYPE": "x 1\n",
            "TYPE after sample": "# TYPE g gauge\ng 1\n# TYPE x gauge\nx 1\ng 2\n",
            "unknown type": "# TYPE g gaug\ng 1\n",
            "other comment": "# hello\n",
            "bad name": "# TYPE 1g gauge\n1g 1\n",
            "bad value": "# TYPE g gauge\ng one\n",
            "bad label": "# TYPE g gauge\ng{a=b} 1\n",
            "bad escape": "# TYPE g gauge\ng{a=\"\\x\"} 1\n",
            "twice": "# TYPE g gauge\ng 1\ng 1\n",
            "not cumulative": "# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                              "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
            "Inf != count": "# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
                            "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
            "no +Inf": "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
            "no newline": "# TYPE g gauge\ng 1",
            "two commas": "# TYPE g gauge\ng{a=\"b\",,c=\"d\"} 1\n",
            "unquoted": "# TYPE g gauge\ng{a=\"b\",c=d} 1\n",
            "reserved label": "# TYPE g gauge\ng{__name__=\"g\"} 1\n",
            "le on _count": "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
                            "h_count{le=\"1\"} 1\n",
            "family split": "# TYPE g gauge\n# TYPE k gauge\ng 1\nk 1\ng{a=\"b\"} 2\n",
        }
        for label, text in bad.items():
            with self.subTest(case=label):
                with self.assertRaises(PromError):
                    parse_prometheus(text)


# --------------------------------------------------------------------------
# Helpers

def get_from(srv_port, path, source="127.0.0.1", headers=None, token=None):
    """One request on a fresh connection from a given loopback address."""
    c = http.client.HTTPConnection("127.0.0.1", srv_port, timeout=30,
                                   source_address=(source, 0))
    try:
        return common.send(c, "GET", path, token=token, headers=headers)
    finally:
        c.close()


def send_from(srv_port, method, path, body=None, source="127.0.0.1", headers=None, token=None):
    c = http.client.HTTPConnection("127.0.0.1", srv_port, timeout=30,
                                   source_address=(source, 0))
    try:
        return common.send(c, method, path, body, token=token, headers=headers)
    finally:
        c.close()


def log_of(srv, resp, timeout=5.0):
    """The server's request log line for resp (by X-Request-Id); the line is
    written when the request completes, a moment after the answer."""
    rid = resp.headers["x-request-id"]
    deadline = time.monotonic() + timeout
    while True:
        with open(srv.errpath, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict) and obj.get("request_id") == rid and "status" in obj:
                    return obj
        if time.monotonic() > deadline:
            raise AssertionError("no log line for request %s (%r)" % (rid, resp))
        time.sleep(0.05)


def scrape(testcase, port, source="127.0.0.1"):
    r = get_from(port, "/metrics", source)
    testcase.assertEqual(r[0], 200, r)
    ctype = r.headers.get("content-type", "")
    params = [p.strip().lower() for p in ctype.split(";")]
    testcase.assertEqual(params[0], PROM_MEDIA, ctype)
    testcase.assertIn("version=0.0.4", params, ctype)
    text = r[2].decode("utf-8") if isinstance(r[2], (bytes, bytearray)) else r[2]
    try:
        return parse_prometheus(text), text
    except PromError as e:
        testcase.fail("GET /metrics does not parse: %s\n--- text ---\n%s" % (e, text[:4000]))


def jwks_kids(port):
    r = get_from(port, "/.well-known/jwks.json")
    assert r[0] == 200, r
    return [k["kid"] for k in r[2]["keys"]]


def db_rows(target, sql, args=()):
    return common.db_rows(target, sql, args)


# --------------------------------------------------------------------------
# Health and readiness

class Health(ApiTest):

    def test_healthz(self):
        r = common.req("GET", "/healthz")
        self.assertEqual(r[0], 200, r)
        self.assertEqual(r[2], {"status": "ok"})
        self.assertEqual(r.headers.get("content-type", "").split(";")[0], "application/json")
        # no credentials needed, and none change it
        r = common.req("GET", "/healthz", token="auditor")
        self.assertEqual((r[0], r[2]), (200, {"status": "ok"}), r)

    def test_readyz(self):
        r = common.req("GET", "/readyz")
        self.assertEqual(r[0], 200, r)
        body = r[2]
        self.assertEqual(body.get("status"), "ready", r)
        self.assertIs(body.get("database_writable"), True, r)
        self.assertIs(body.get("signing_key_loaded"), True, r)
        # the active key is one the JWKS publishes (keys may have rotated on
        # this server; on a fresh one it is the only one, see Metrics)
        self.assertIn(body.get("signing_key"), jwks_kids(common.ctx.port), r)

    def test_main_server_metrics_parse(self):
        common.req("GET", "/v1/account", token="auditor")
        common.req("GET", "/v1/no-such-thing")
        fams, text = scrape(self, common.ctx.port)
        for family in ("shenbao_http_requests_total", "shenbao_http_request_duration_seconds",
                       "shenbao_applications", "shenbao_notices_open",
                       "shenbao_objections_open", "shenbao_database_bytes",
                       "shenbao_signing_key_info"):
            self.assertIn(family, fams, text[:3000])
        self.assertGreaterEqual(sample(fams, "shenbao_http_requests_total",
                                       route="account_me", status="200"), 1)
        self.assertGreaterEqual(sample(fams, "shenbao_http_requests_total",
                                       route="unmatched", status="404") or 0, 1, text[:3000])
        kid = common.req("GET", "/readyz")[2]["signing_key"]
        self.assertEqual(sample(fams, "shenbao_signing_key_info", kid=kid), 1, text[-500:])

    def test_metrics_count_group_commits(self):
        fams, text = scrape(self, common.ctx.port)
        if common.on_postgresql():
            # each write commits alone there: no batches to count
            self.assertNotIn("shenbao_store_commits_total", fams, text[-800:])
            self.assertNotIn("shenbao_store_writes_total", fams, text[-800:])
            self.assertNotIn("shenbao_store_checkpoints_total", fams, text[-800:])
            self.assertNotIn("shenbao_store_writer_seconds_total", fams, text[-800:])
            return
        # checkpoints of the log: by their own thread, or by the writer
        # when the log reached its limit
        for by in ("thread", "writer"):
            self.assertIsNotNone(sample(fams, "shenbao_store_checkpoints_total", by=by),
                                 text[-800:])
        commits = sample(fams, "shenbao_store_commits_total")
        writes = sample(fams, "shenbao_store_writes_total")
        self.assertGreaterEqual(commits, 1, text[-800:])
        self.assertGreaterEqual(writes, commits, text[-800:])
        # the writer's busy time, in its two parts, in seconds
        busy = {part: sample(fams, "shenbao_store_writer_seconds_total", part=part)
                for part in ("statements", "commit")}
        for part, seconds in busy.items():
            self.assertIsNotNone(seconds, text[-800:])
            self.assertGreater(seconds, 0, part)
        common.create()
        fams, text = scrape(self, common.ctx.port)
        # the creation's statements and its commit took time
        for part, seconds in busy.items():
            self.assertGreater(sample(fams, "shenbao_store_writer_seconds_total", part=part),
                               seconds, part)
        # a creation is one write (its materials are more), and no write
        # is committed twice
        got_commits = sample(fams, "shenbao_store_commits_total")
        got_writes = sample(fams, "shenbao_store_writes_total")
        self.assertGreater(got_commits, commits, text[-800:])
        self.assertGreater(got_writes, writes, text[-800:])
        self.assertLessEqual(got_commits - commits, got_writes - writes, text[-800:])


class Metrics(ApiTest):
    """A fresh server: one signing key, an application under notice with an
    open objection, a draft; every request to it is ours."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)
        cls.flow = Flow(cls.srv)
        cls.noticed = cls.flow.to(cls.flow.create("incubator"), "public_notice")
        cls.draft = cls.flow.create("tourism_award")
        r = common.file_objection(cls.srv.port, cls.noticed["id"])
        assert r[0] == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_readyz_kid_is_the_jwks_key(self):
        r = self.srv.req("GET", "/readyz")
        self.assertEqual(r[0], 200, r)
        self.assertIs(r[2]["signing_key_loaded"], True, r)
        kids = jwks_kids(self.srv.port)
        self.assertEqual(kids, [r[2]["signing_key"]], r)
        fams, text = scrape(self, self.srv.port)
        info = fams["shenbao_signing_key_info"]["samples"]
        self.assertEqual(info, [("shenbao_signing_key_info", {"kid": kids[0]}, 1.0)], text)

    def test_content(self):
        before, _ = scrape(self, self.srv.port)
        for _ in range(3):
            self.assertEqual(self.srv.req("GET", "/v1/account", token="auditor")[0], 200)
        self.assertEqual(self.srv.req("GET", "/v1/account")[0], 401)
        fams, text = scrape(self, self.srv.port)

        def count(f, route, status):
            return sample(f, "shenbao_http_requests_total", route=route, status=status) or 0

        # requests by route and status: exactly ours
        self.assertEqual(count(fams, "account_me", "200") - count(before, "account_me", "200"),
                         3, text)
        self.assertEqual(count(fams, "account_me", "401") - count(before, "account_me", "401"),
                         1, text)
        self.assertGreaterEqual(count(fams, "metrics", "200"), 1, text)
        self.assertEqual(fams["shenbao_http_requests_total"]["type"], "counter")
        # the latency histogram follows the same requests
        hist = fams["shenbao_http_request_duration_seconds"]
        self.assertEqual(hist["type"], "histogram")

        def hcount(f):
            return sample(f, "shenbao_http_request_duration_seconds",
                          "shenbao_http_request_duration_seconds_count", route="account_me") or 0
        self.assertEqual(hcount(fams) - hcount(before), 4, text)
        # applications by kind and status
        apps = fams["shenbao_applications"]
        self.assertEqual(apps["type"], "gauge")
        self.assertEqual(sample(fams, "shenbao_applications", kind="incubator",
                                status="public_notice"), 1, text)
        self.assertEqual(sample(fams, "shenbao_applications", kind="tourism_award",
                                status="draft"), 1, text)
        self.assertEqual(sum(v for _, _, v in apps["samples"]), 2, text)
        for _, labels, _ in apps["samples"]:
            self.assertEqual(set(labels), {"kind", "status"})
            self.assertIn(labels["kind"], common.KINDS)
            self.assertIn(labels["status"], common.STATUSES)
        self.assertEqual(sample(fams, "shenbao_notices_open"), 1, text)
        self.assertEqual(sample(fams, "shenbao_objections_open"), 1, text)
        for g in ("shenbao_notices_open", "shenbao_objections_open", "shenbao_database_bytes"):
            self.assertEqual(fams[g]["type"], "gauge")
        size = sample(fams, "shenbao_database_bytes")
        self.assertGreater(size, 0, text)
        if not common.is_pg(self.srv.db):
            self.assertGreaterEqual(size, os.path.getsize(self.srv.db), text)
        else:
            (real,), = db_rows(self.srv.db, "SELECT pg_database_size(current_database())")
            self.assertGreater(size, real // 2, text)
        # no secret in it
        for tok in self.srv.tokens.values():
            self.assertNotIn(tok, text)

    def test_refused_elsewhere(self):
        # default metrics_allow: 127.0.0.1 and ::1, not another loopback address
        src = common.loopback_source()
        r = get_from(self.srv.port, "/metrics", source=src)
        self.assertProblem(r, 403)
        self.assertNotIn(b"shenbao_", json.dumps(r[2]).encode())
        # and saying it is 127.0.0.1 does not help
        self.assertProblem(get_from(self.srv.port, "/metrics", source=src,
                                    headers={"X-Forwarded-For": "127.0.0.1"}), 403)
        self.assertEqual(get_from(self.srv.port, "/healthz", source=src)[0], 200)


class MetricsAllow(ApiTest):

    def test_not_in_metrics_allow(self):
        srv = common.start_server_config({"metrics_allow": ["10.9.9.9"]})
        try:
            r = get_from(srv.port, "/metrics")
            self.assertProblem(r, 403)
            self.assertEqual(get_from(srv.port, "/healthz")[0], 200)
            self.assertEqual(get_from(srv.port, "/readyz")[0], 200)
            entry = log_of(srv, r)
            self.assertEqual((entry["route"], entry["status"], entry["client"]),
                             ("metrics", 403, "127.0.0.1"), entry)
        finally:
            srv.stop()


# --------------------------------------------------------------------------
# The client's address

class Spoofing(ApiTest):
    """No trusted proxies: X-Forwarded-For is the client's own text and
    changes neither the logged address nor the rate limits."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server(clock=CLOCK)
        cls.flow = Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_logged_as_the_peer(self):
        for xff in (FOREIGN, "%s, 198.51.100.1" % FOREIGN, "garbage"):
            with self.subTest(xff=xff):
                r = get_from(self.srv.port, "/v1/account", token=self.srv.tokens["auditor"],
                             headers={"X-Forwarded-For": xff, "X-Real-IP": FOREIGN,
                                      "Forwarded": "for=%s" % FOREIGN})
                self.assertEqual(r[0], 200, r)
                self.assertEqual(log_of(self.srv, r)["client"], "127.0.0.1")
                # a sign-in too: its per-address limit is the peer's
                s = send_from(self.srv.port, "POST", "/v1/session",
                              {"token": self.srv.tokens["auditor"]},
                              headers={"X-Forwarded-For": xff})
                self.assertEqual(s[0], 200, s)
                self.assertEqual(log_of(self.srv, s)["client"], "127.0.0.1")

    def test_objection_limit_not_evaded(self):
        app = self.flow.to(self.flow.create("incubator"), "public_notice")
        n = 2 * OBJECTIONS_PER_MINUTE + 1
        results = []
        for i in range(n):
            r = common.file_objection(self.srv.port, app["id"], common.objection_body(str(i)),
                                      source="127.0.0.1",
                                      headers={"X-Forwarded-For": "203.0.113.%d" % (i + 10)})
            self.assertIn(r[0], (201, 429), r)
            results.append(r)
        statuses = [r[0] for r in results]
        self.assertIn(429, statuses, "%d objections from one address with a new "
                      "X-Forwarded-For each, none refused: %r" % (n, statuses))
        accepted = [r[2]["filed_at"][:16] for r in results if r[0] == 201]   # by minute
        for minute in set(accepted):
            self.assertLessEqual(accepted.count(minute), OBJECTIONS_PER_MINUTE, statuses)
        first = statuses.index(429)
        self.assertGreaterEqual(first, OBJECTIONS_PER_MINUTE, statuses)
        last = results[first - OBJECTIONS_PER_MINUTE:first]
        self.assertEqual([r[0] for r in last], [201] * OBJECTIONS_PER_MINUTE, statuses)
        for r in results:
            if r[0] == 429:
                self.assertProblem(r, 429)
                self.assertRegex(r.headers.get("retry-after", ""), r"^[0-9]+$", r)
        for r in results:
            self.assertEqual(log_of(self.srv, r)["client"], "127.0.0.1")
        # recorded under the peer's address, never the header's
        addrs = {a for (a,) in db_rows(self.srv.db,
                                       "SELECT client_addr FROM objections "
                                       "WHERE application_id = ?", (app["id"],))}
        self.assertEqual(addrs, {"127.0.0.1"})


class TrustedProxy(ApiTest):
    """With "trusted_proxies": ["127.0.0.1"], a request from 127.0.0.1 is a
    proxy's: the client is the right-most X-Forwarded-For entry that is not
    a trusted proxy; garbage leaves the proxy's own address."""

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config({"trusted_proxies": ["127.0.0.1"]}, clock=CLOCK)
        cls.flow = Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def client_for(self, xff, source="127.0.0.1"):
        headers = {} if xff is None else {"X-Forwarded-For": xff}
        r = get_from(self.srv.port, "/healthz", source=source, headers=headers)
        self.assertEqual(r[0], 200, r)
        return log_of(self.srv, r)["client"]

    def test_forwarded_address(self):
        cases = [
            (None, "127.0.0.1"),
            (FOREIGN, FOREIGN),
            ("  %s  " % FOREIGN, FOREIGN),
            ("%s, 127.0.0.1" % FOREIGN, FOREIGN),
            ("%s,127.0.0.1, 127.0.0.1" % FOREIGN, FOREIGN),
            ("198.51.100.9, %s" % FOREIGN, FOREIGN),             # the left is the client's word
            ("198.51.100.9, %s, 127.0.0.1" % FOREIGN, FOREIGN),
            ("2001:db8::7", "2001:db8::7"),
            ("2001:db8::7, 127.0.0.1", "2001:db8::7"),
        ]
        for xff, want in cases:
            with self.subTest(xff=xff):
                self.assertEqual(self.client_for(xff), want)

    def test_garbage_falls_back_to_the_proxy(self):
        for xff in ("garbage", "", "unknown", "999.1.1.1", "203.0.113.7:4711",
                    "%s; drop" % FOREIGN, "%s, garbage" % FOREIGN, "<script>",
                    "1" * 300, ", , ,", "%s, 127.0.0.1, bad" % FOREIGN):
            with self.subTest(xff=xff):
                self.assertEqual(self.client_for(xff), "127.0.0.1")

    def test_untrusted_peer_not_believed(self):
        src = common.loopback_source()
        self.assertEqual(self.client_for(FOREIGN, source=src), src)
        self.assertEqual(self.client_for("%s, 127.0.0.1" % FOREIGN, source=src), src)

    def test_metrics_not_for_forwarded_clients(self):
        # a request the proxy forwards from outside is the outsider's
        r = get_from(self.srv.port, "/metrics", headers={"X-Forwarded-For": FOREIGN})
        self.assertProblem(r, 403)
        self.assertEqual(get_from(self.srv.port, "/metrics")[0], 200)

    def test_limits_follow_the_forwarded_client(self):
        app = self.flow.to(self.flow.create("incubator"), "public_notice")
        n = 2 * OBJECTIONS_PER_MINUTE + 1
        statuses = []
        for i in range(n):
            r = common.file_objection(self.srv.port, app["id"], common.objection_body(str(i)),
                                      source="127.0.0.1",
                                      headers={"X-Forwarded-For": "203.0.113.50"})
            self.assertIn(r[0], (201, 429), r)
            statuses.append(r[0])
        self.assertIn(429, statuses)
        self.assertGreaterEqual(statuses.index(429), OBJECTIONS_PER_MINUTE, statuses)
        # another client behind the same proxy is not held back (three
        # addresses: the server's table may put two in one slot)
        others = [common.file_objection(self.srv.port, app["id"], source="127.0.0.1",
                                        headers={"X-Forwarded-For": "203.0.113.%d" % k})[0]
                  for k in (51, 52, 53)]
        self.assertIn(201, others)
        addrs = {a for (a,) in db_rows(self.srv.db,
                                       "SELECT client_addr FROM objections "
                                       "WHERE application_id = ?", (app["id"],))}
        self.assertIn("203.0.113.50", addrs)
        self.assertNotIn("127.0.0.1", addrs)


# --------------------------------------------------------------------------
# Backup and restore

def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Backup(ApiTest):
    """A backup taken during a stream of writes holds every application
    acknowledged before it began; restore refuses a database in use and
    brings the backup back once the server is stopped."""

    def writer(self, srv, stop, acked, failures):
        env = srv.envelope("incubator", "applicant_a")
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        try:
            while not stop.is_set():
                r = common.send(conn, "POST", "/v1/applications", env,
                                srv.tokens["applicant_a"])
                t = time.monotonic()
                if r[0] == 201:
                    acked.append((r[2]["id"], t))
                else:
                    failures.append(r)
                    return
        except Exception as e:  # reported by the test
            failures.append(e)
        finally:
            conn.close()

    def check_sqlite_backup(self, srv, target, before, during, after, acked):
        """The backup is one SQLite file, a snapshot, restored over the
        stopped server's file; returns the ids it holds."""
        # one self-contained file, nothing beside it
        self.assertTrue(os.path.isfile(target))
        for leftover in (target + "-wal", target + "-shm", target + "-journal"):
            self.assertFalse(os.path.exists(leftover), leftover)
        self.assertEqual(glob.glob(glob.escape(target) + ".partial*"), [])
        with open(target, "rb") as f:
            head = f.read(100)
        self.assertEqual(head[:16], b"SQLite format 3\x00")
        self.assertEqual((head[18], head[19]), (1, 1), "the backup is in WAL mode: it would "
                         "need a -wal file beside it")
        self.assertEqual(db_rows(target, "PRAGMA integrity_check"), [("ok",)])
        in_backup = {i for (i,) in db_rows(target, "SELECT id FROM applications")}
        missing = [i for i in before if i not in in_backup]
        self.assertEqual(missing, [], "acknowledged before the backup began, not in it "
                         "(%d before, %d during, %d after)"
                         % (len(before), len(during), len(after)))
        self.assertTrue(in_backup <= {i for i, _ in acked}, "the backup has applications "
                        "nobody created")
        # the backup is a snapshot: the applications in it are the first ones
        ordered = [i for i, _ in acked]
        self.assertEqual(sorted(in_backup), ordered[:len(in_backup)])
        self.assertNotIn(after[-1], in_backup)
        target_sum = sha256_of(target)

        # the audit chain of the copy verifies
        rc, out, err = common.shenbao_cli(["audit", "verify", "--db", target])
        self.assertEqual(rc, 0, "audit verify --db backup: %d\n%s\n%s" % (rc, out, err))
        # (it opens the copy as the server opens a database, in WAL mode: the
        # file alone must still hold everything)
        if os.path.exists(target + "-wal"):
            self.assertEqual(os.path.getsize(target + "-wal"), 0,
                             "audit verify left data in a -wal beside the backup")
        self.assertEqual(db_rows(target, "PRAGMA integrity_check"), [("ok",)])
        self.assertEqual({i for (i,) in db_rows(target, "SELECT id FROM applications")},
                         in_backup)
        target_sum = sha256_of(target)

        # never over an existing file
        mtime = os.stat(target).st_mtime_ns
        rc, out, err = common.shenbao_cli(["backup", "--to", target, "--config", srv.config])
        self.assertNotEqual(rc, 0, "backup over an existing file: %s %s" % (out, err))
        self.assertIn("exists", err)
        self.assertEqual(sha256_of(target), target_sum)
        self.assertEqual(os.stat(target).st_mtime_ns, mtime)
        self.assertEqual(glob.glob(glob.escape(target) + ".partial*"), [])

        # restore refuses while the server runs, and changes nothing
        live_before = {i for (i,) in db_rows(srv.db, "SELECT id FROM applications")}
        self.assertTrue(set(after) <= live_before)
        rc, out, err = common.shenbao_cli(["restore", "--from", target, "--config", srv.config])
        self.assertNotEqual(rc, 0, "restore beside a running server: %s %s" % (out, err))
        self.assertIn("in use", err)
        live_after = {i for (i,) in db_rows(srv.db, "SELECT id FROM applications")}
        self.assertEqual(live_after, live_before)
        r = srv.req("GET", "/v1/applications/%d" % after[-1], token="applicant_a")
        self.assertEqual(r[0], 200, r)

        # stopped, it restores
        common.stop_keeping_data(srv)
        rc, out, err = common.shenbao_cli(["restore", "--from", target, "--config", srv.config])
        self.assertEqual(rc, 0, "restore: %d\n%s\n%s" % (rc, out, err))
        restored = {i for (i,) in db_rows(srv.db, "SELECT id FROM applications")}
        self.assertEqual(restored, in_backup)
        self.assertEqual(db_rows(srv.db, "PRAGMA integrity_check"), [("ok",)])
        self.assertEqual(sha256_of(target), target_sum, "restore changed the backup")
        rc, out, err = common.shenbao_cli(["audit", "verify", "--config", srv.config])
        self.assertEqual(rc, 0, "audit verify after restore: %d\n%s\n%s" % (rc, out, err))

        return in_backup

    def check_pg_backup(self, srv, target, before, during, after, acked):
        """The backup is pg_dump's archive, a snapshot; restore refuses the
        live database (not empty), restores into an empty one, and the
        server is pointed at that; returns the ids it holds."""
        self.assertTrue(os.path.isfile(target))
        self.assertEqual(glob.glob(glob.escape(target) + ".partial*"), [])
        with open(target, "rb") as f:
            self.assertEqual(f.read(5), b"PGDMP", "not a pg_dump archive")
        target_sum = sha256_of(target)
        # never over an existing file
        mtime = os.stat(target).st_mtime_ns
        rc, out, err = common.shenbao_cli(["backup", "--to", target, "--config", srv.config])
        self.assertNotEqual(rc, 0, "backup over an existing file: %s %s" % (out, err))
        self.assertIn("exists", err)
        self.assertEqual(sha256_of(target), target_sum)
        self.assertEqual(os.stat(target).st_mtime_ns, mtime)

        # restore never goes over a database that holds anything: the live
        # one is refused, with what to do, and changes nothing
        live_before = {i for (i,) in db_rows(srv.db, "SELECT id FROM applications")}
        self.assertTrue(set(after) <= live_before)
        rc, out, err = common.shenbao_cli(["restore", "--from", target, "--config", srv.config])
        self.assertNotEqual(rc, 0, "restore over the live database: %s %s" % (out, err))
        self.assertIn("not empty", err)
        self.assertIn("CREATE DATABASE", err)
        live_after = {i for (i,) in db_rows(srv.db, "SELECT id FROM applications")}
        self.assertEqual(live_after, live_before)

        # into an empty database, it restores: the snapshot, whole
        fresh = common.new_db(srv.tmp)
        rc, out, err = common.shenbao_cli(["restore", "--from", target, "--config", srv.config,
                                           "--db", fresh])
        self.assertEqual(rc, 0, "restore: %d\n%s\n%s" % (rc, out, err))
        in_backup = {i for (i,) in db_rows(fresh, "SELECT id FROM applications")}
        missing = [i for i in before if i not in in_backup]
        self.assertEqual(missing, [], "acknowledged before the backup began, not in it "
                         "(%d before, %d during, %d after)"
                         % (len(before), len(during), len(after)))
        ordered = [i for i, _ in acked]
        self.assertEqual(sorted(in_backup), ordered[:len(in_backup)])
        self.assertNotIn(after[-1], in_backup)
        self.assertEqual(sha256_of(target), target_sum, "restore changed the backup")
        rc, out, err = common.shenbao_cli(["audit", "verify", "--db", fresh])
        self.assertEqual(rc, 0, "audit verify of the restored copy: %d\n%s\n%s" % (rc, out, err))
        # a second restore into it is refused: it is not empty any more
        rc, out, err = common.shenbao_cli(["restore", "--from", target, "--db", fresh,
                                           "--config", srv.config])
        self.assertNotEqual(rc, 0, out)
        self.assertIn("not empty", err)

        # the server, stopped, is pointed at the restored database
        common.stop_keeping_data(srv)
        with open(srv.config, encoding="utf-8") as f:
            cfg = json.load(f)
        cfg["db"] = fresh
        common.write_json(srv.config, cfg)
        srv.db = fresh
        return in_backup

    def test_backup_during_writes_and_restore(self):
        srv = common.start_server()
        self._again = None
        try:
            self.run_drill(srv)
        finally:
            try:
                if self._again is not None:
                    self._again.stop()
            finally:
                srv.stop()      # nothing when it was stopped for the restore

    def run_drill(self, srv):
        target = os.path.join(srv.tmp, "backup.db")
        stop = threading.Event()
        acked, failures = [], []
        w = threading.Thread(target=self.writer, args=(srv, stop, acked, failures))
        w.start()
        try:
            deadline = time.monotonic() + 30
            while len(acked) < 100 and not failures and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertFalse(failures, failures)
            self.assertGreaterEqual(len(acked), 100, "the writer is too slow")
            began = time.monotonic()
            rc, out, err = common.shenbao_cli(["backup", "--to", target, "--config", srv.config])
            ended = time.monotonic()
            # writes go on after the backup, then stop
            n_at_end = len(acked)
            while len(acked) < n_at_end + 5 and not failures \
                    and time.monotonic() < ended + 10:
                time.sleep(0.01)
        finally:
            stop.set()
            w.join(30)
        self.assertFalse(w.is_alive(), "the writer did not stop")
        self.assertFalse(failures, failures)
        self.assertEqual(rc, 0, "backup: exit %d\nstdout: %s\nstderr: %s" % (rc, out, err))
        before = [i for i, t in acked if t < began]
        during = [i for i, t in acked if began <= t <= ended]
        after = [i for i, t in acked if t > ended]
        self.assertGreaterEqual(len(before), 100)
        self.assertTrue(after, "no write acknowledged after the backup")

        if common.is_pg(srv.db):
            in_backup = self.check_pg_backup(srv, target, before, during, after, acked)
        else:
            in_backup = self.check_sqlite_backup(srv, target, before, during, after, acked)

        # served again: every application acknowledged before the backup
        again = self._again = common.serve_again(srv)
        for app_id in before:
            r = again.req("GET", "/v1/applications/%d" % app_id, token="applicant_a")
            self.assertEqual((r[0], r[2].get("id") if isinstance(r[2], dict) else None),
                             (200, app_id), r)
        r = again.req("GET", "/v1/applications/%d" % after[-1], token="applicant_a")
        self.assertProblem(r, 404)
        # and it takes writes where the backup left off
        new = again.create("applicant_a", again.envelope("incubator", "applicant_a"))
        self.assertNotIn(new["id"], in_backup)
        rc, out, err = common.shenbao_cli(["audit", "verify", "--config", srv.config])
        self.assertEqual(rc, 0, "audit verify after restore and a write: %d\n%s\n%s"
                         % (rc, out, err))

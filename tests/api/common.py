"""Shared client and fixtures for the API tests.

run.py starts a real `shenbao serve`, creates the accounts and fills `ctx`
before it loads the test modules; the tests only speak HTTP.

Python standard library only.
"""

import copy
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES_DIR = os.path.join(HERE, "examples")


# The tests written for one pipeline walk every kind through all three
# stages: the servers they start are configured so (configuration
# `stages`).  test_stages.py proves each kind's own stages (RULES.md §1).
# They also submit the same organisation's applications of a kind and round
# again and again: the servers take any number (configuration
# `one_application_per_round`, RULES.md §5 (P)); test_rounds.py starts
# servers with the rule as it is by default.
ALL_STAGES = {"incubator": ["district", "municipal", "notice"],
              "first_store": ["district", "municipal", "notice"],
              "tourism_award": ["district", "municipal", "notice"]}
HARNESS_CONFIG = {"stages": ALL_STAGES, "one_application_per_round": False,
                  "material_uploads_per_hour": 100000}


class Context:
    """What run.py knows about the server under test."""

    def __init__(self):
        self.host = None
        self.port = None
        self.base_url = None
        self.shenbao = None      # path of the binary
        self.config = None       # path of the config file
        self.db = None           # the server's database: an SQLite file or a PostgreSQL URI
        self.pg_cluster = None   # PostgreSQL: the cluster every server gets a database of
        self.clock = None        # the --clock the server was started with, or None
        self.tokens = {}         # account key -> bearer token
        self.accounts = {}       # account key -> {"role", "name", "uscc", "unit", "authority"}

    def token(self, key):
        return self.tokens[key]


ctx = Context()

# Account keys run.py creates (and their bindings).
USCC_A = "91110108551385082Q"   # Haidian
USCC_B = "91110000802100433B"   # Beijing, municipal level
ACCOUNTS = {
    "admin": {"role": "admin", "name": "测试管理员"},
    "applicant_a": {"role": "applicant", "name": "北京海淀创新孵化器有限公司", "uscc": USCC_A},
    "applicant_b": {"role": "applicant", "name": "北京市测试旅游集团有限公司", "uscc": USCC_B},
    "district_110108": {"role": "district_reviewer", "name": "海淀区初审员", "unit": "110108"},
    "district_110105": {"role": "district_reviewer", "name": "朝阳区初审员", "unit": "110105"},
    "municipal_science_tech": {"role": "municipal_reviewer", "name": "市科委复审员",
                               "authority": "science_tech"},
    "municipal_commerce": {"role": "municipal_reviewer", "name": "市商务局复审员",
                           "authority": "commerce"},
    "municipal_culture_tourism": {"role": "municipal_reviewer", "name": "市文旅局复审员",
                                  "authority": "culture_tourism"},
    "auditor": {"role": "auditor", "name": "审计员"},
}

KINDS = ("incubator", "first_store", "tourism_award")
AUTHORITY_OF_KIND = {"incubator": "science_tech", "first_store": "commerce",
                     "tourism_award": "culture_tourism", "experience_base": "culture_tourism"}
DISTRICTS = ("110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
             "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119")
STATUSES = ("draft", "district_review", "municipal_review", "public_notice", "approved",
            "rejected", "returned", "withdrawn", "revoked")

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

# --------------------------------------------------------------------------
# USCC (GB 32100-2015)

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def uscc_check_char(first17):
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_make(first17):
    """A valid code from its first 17 characters."""
    assert len(first17) == 17
    return first17 + uscc_check_char(first17)


def uscc_flip_check(code):
    """The same code with a wrong check character."""
    right = code[17]
    wrong = USCC_CHARSET[(USCC_CHARSET.index(right) + 1) % 31]
    return code[:17] + wrong


_uscc_counter = [0]
_uscc_lock = threading.Lock()


def uscc_new(division="110105"):
    """A fresh valid Beijing code, distinct within this run."""
    with _uscc_lock:
        _uscc_counter[0] += 1
        n = _uscc_counter[0]
    digits = ""
    m = n + os.getpid() * 1000
    for _ in range(9):
        digits = USCC_CHARSET[m % 31] + digits
        m //= 31
    return uscc_make("91" + division + digits)


assert uscc_check_char(USCC_A[:17]) == USCC_A[17]
assert uscc_check_char(USCC_B[:17]) == USCC_B[17]


# --------------------------------------------------------------------------
# The store under test: SQLite files, or databases of a PostgreSQL cluster
# (run.py --postgresql).  Every server a test starts gets a new, empty
# database; tests that look into it or change it behind the server's back
# go through db_rows() and db_exec(), which speak to either.

_db_lock = threading.Lock()
_db_made = []


def on_postgresql():
    return ctx.pg_cluster is not None


def is_pg(target):
    return target.startswith(("postgresql://", "postgres://"))


def _pg_uri_of(cluster, name):
    """The cluster's URI with another database in its path."""
    base, sep, query = cluster.partition("?")
    scheme, _, rest = base.partition("://")
    authority = rest.partition("/")[0]
    return "%s://%s/%s%s%s" % (scheme, authority, name, sep, query)


def _psql(uri, sql, timeout=60):
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-F", "\x1f", "-R", "\x1e", "-P", "null=\x1d", "-d", uri, "-c", sql],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError("psql: %s\n  %s" % (sql, p.stderr.decode("utf-8", "replace")))
    return p.stdout.decode("utf-8")


def new_db(tmp):
    """Where a new server keeps its data: t.db in tmp, or a new database of
    the run's PostgreSQL cluster (UTF-8, collation C, as shenbao needs)."""
    if not on_postgresql():
        return os.path.join(tmp, "t.db")
    with _db_lock:
        name = "shenbao_api_%d_%d" % (os.getpid(), len(_db_made) + 1)
        _db_made.append(name)
    _psql(ctx.pg_cluster, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'"
          " LC_COLLATE 'C' LC_CTYPE 'C'" % name)
    return _pg_uri_of(ctx.pg_cluster, name)


def drop_databases():
    """Drops every database new_db() made (run.py, at the end)."""
    with _db_lock:
        names, _db_made[:] = list(_db_made), []
    for name in names:
        try:
            _psql(ctx.pg_cluster, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        except (AssertionError, subprocess.TimeoutExpired):
            pass


def _sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (bytes, bytearray)):
        return "'\\x%s'::bytea" % bytes(v).hex()
    return "'" + str(v).replace("'", "''") + "'"


def _inline(sql, params):
    """sql with each ? replaced by the next parameter as a literal (psql
    takes no parameters; the tests' values are their own)."""
    out, i = [], 0
    quote = None
    for ch in sql:
        if quote:
            quote = None if ch == quote else quote
            out.append(ch)
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append(_sql_literal(params[i]))
            i += 1
        else:
            out.append(ch)
    if i != len(params):
        raise AssertionError("%d parameters for %d placeholders in %s" % (len(params), i, sql))
    return "".join(out)


def _pg_json_value(v):
    """A value of row_to_json(): bytea arrives as "\\x…" text."""
    if isinstance(v, str) and v.startswith("\\x") and re.fullmatch(r"(?:[0-9a-f]{2})*", v[2:]):
        return bytes.fromhex(v[2:])
    return v


def db_rows(target, sql, params=()):
    """The rows of a query (tuples) on a server's database: sqlite3 on a
    file (opened read-only), psql on PostgreSQL, where each row comes back
    as row_to_json() so that its values keep their types (a text of digits
    stays text; integers as int, bytea as bytes, NULL as None).  ?
    placeholders in both."""
    if not is_pg(target):
        import sqlite3
        con = sqlite3.connect("file:%s?mode=ro" % target, uri=True, timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()
    inner = _inline(sql, params).strip().rstrip(";")
    out = _psql(target, "SELECT row_to_json(q) FROM (%s) AS q" % inner)
    if out.endswith("\n"):
        out = out[:-1]
    rows = [r for r in out.split("\x1e") if r != ""]
    return [tuple(_pg_json_value(v) for _, v in json.loads(r, object_pairs_hook=list))
            for r in rows]


def db_copy(target, tmp):
    """A consistent copy of a server's database, taken while it runs, to
    tamper with: a file in tmp (SQLite's backup API, so the WAL is
    included), or a new database of the cluster (pg_dump into it)."""
    if not is_pg(target):
        import sqlite3
        fd, path = tempfile.mkstemp(prefix="copy", suffix=".db", dir=tmp)
        os.close(fd)
        src = sqlite3.connect("file:%s?mode=ro" % target, uri=True)
        dst = sqlite3.connect(path)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return path
    copy = new_db(tmp)
    dump = subprocess.run(["pg_dump", "--format=custom", "--dbname=" + target],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    if dump.returncode != 0:
        raise AssertionError("pg_dump: %s" % dump.stderr.decode("utf-8", "replace"))
    p = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname=" + copy],
                       input=dump.stdout, capture_output=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("pg_restore: %s" % p.stderr.decode("utf-8", "replace"))
    return copy


def db_contents(target):
    """What a database holds as bytes, to look for what must never be stored
    (a token, a password): the file and its write-ahead log, or a plain
    pg_dump of the database.  A list of (name, bytes)."""
    if not is_pg(target):
        out = []
        for path in (target, target + "-wal"):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    out.append((os.path.basename(path), f.read()))
        return out
    p = subprocess.run(["pg_dump", "--format=plain", "--dbname=" + target],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("pg_dump: %s" % p.stderr.decode("utf-8", "replace"))
    return [("pg_dump", p.stdout)]


def db_script(target, text):
    """Runs SQL text of several statements (a migration file, say)."""
    if not is_pg(target):
        import sqlite3
        con = sqlite3.connect(target, timeout=30)
        try:
            con.executescript(text)
            con.commit()
        finally:
            con.close()
        return
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target, "-f", "-"],
                       input=text.encode("utf-8"), capture_output=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("psql: %s" % p.stderr.decode("utf-8", "replace"))


def db_exec(target, sql, params=()):
    """Runs one changing statement behind a server's back (a damaged row, a
    ban put in by hand), committed at once."""
    if not is_pg(target):
        import sqlite3
        con = sqlite3.connect(target, timeout=30)
        try:
            con.execute(sql, params)
            con.commit()
        finally:
            con.close()
        return
    _psql(target, _inline(sql, params))

# --------------------------------------------------------------------------
# HTTP client


class Resp(tuple):
    """(status, headers, body) with attribute access too."""

    def __new__(cls, status, headers, body, method=None, path=None):
        self = tuple.__new__(cls, (status, headers, body))
        self.method = method
        self.path = path
        return self

    @property
    def status(self):
        return self[0]

    @property
    def headers(self):
        return self[1]

    @property
    def body(self):
        return self[2]

    def __repr__(self):
        body = self.body
        if isinstance(body, (bytes, bytearray)):
            text = repr(bytes(body[:300]))
        else:
            text = json.dumps(body, ensure_ascii=False)[:1500]
        return "<%s %s -> %s %s>" % (self.method, self.path, self.status, text)


_local = threading.local()
_all_conns = []
_all_conns_lock = threading.Lock()


def new_connection(timeout=30):
    return http.client.HTTPConnection(ctx.host, ctx.port, timeout=timeout)


def _conn():
    c = getattr(_local, "conn", None)
    if c is None:
        c = new_connection()
        _local.conn = c
        with _all_conns_lock:
            _all_conns.append(c)
    return c


def close_all():
    """Closes every client connection (run.py, before stopping the server)."""
    with _all_conns_lock:
        for c in _all_conns:
            try:
                c.close()
            except Exception:
                pass
        _all_conns.clear()


# --------------------------------------------------------------------------
# The contract test: every exchange recorded for tests/openapi/contract.py
#
# run.py --contract sets `contract_log`: each request sent through
# http.client and read back with parse_response() (req, send, Server.req,
# the tests' own clients) is then appended to that file as one JSON line,
# and after the suite every one is checked against schema/openapi.json.

contract_log = None
_contract_lock = threading.Lock()
_CONTRACT_MAX_BODY = 256 * 1024


def _remember_requests():
    """Makes every http.client connection remember its last request for
    parse_response() (only while recording)."""
    if getattr(http.client.HTTPConnection, "_contract_patched", False):
        return
    send_request = http.client.HTTPConnection.request
    get_response = http.client.HTTPConnection.getresponse

    def request(self, method, url, body=None, headers=None, **kw):
        self._contract_request = (method, url, body, dict(headers or {}))
        return send_request(self, method, url, body=body, headers=headers or {}, **kw)

    def getresponse(self):
        r = get_response(self)
        r._contract_request = getattr(self, "_contract_request", None)
        return r

    http.client.HTTPConnection.request = request
    http.client.HTTPConnection.getresponse = getresponse
    http.client.HTTPConnection._contract_patched = True


def start_contract_log(path):
    global contract_log
    contract_log = path
    _remember_requests()


def _body_record(ctype, data):
    """A body as recorded: its JSON value when it is JSON, else its size."""
    if data is None:
        return {"none": True}
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > _CONTRACT_MAX_BODY:
        return {"bytes": len(data), "too_large": True}
    if "json" in (ctype or "").split(";")[0]:
        try:
            return {"json": json.loads(data.decode("utf-8"))}
        except (ValueError, UnicodeDecodeError):
            return {"bytes": len(data), "not_json": True}
    try:
        return {"bytes": len(data), "text": data.decode("utf-8")[:4096]}
    except UnicodeDecodeError:
        return {"bytes": len(data)}


def _record_exchange(r, headers, data):
    sent = getattr(r, "_contract_request", None)
    if contract_log is None or sent is None:
        return
    method, url, body, req_headers = sent
    lower = {k.lower(): (v.decode("latin-1") if isinstance(v, bytes) else str(v))
             for k, v in req_headers.items()}
    line = {
        "method": method,
        "target": url,
        "request": {"headers": {k: v for k, v in lower.items()
                                if k in ("content-type", "if-match", "idempotency-key",
                                         "x-csrf-token", "accept-language")},
                    "authorization": "authorization" in lower,
                    "cookie": "cookie" in lower,
                    "body": _body_record(lower.get("content-type"), body)},
        "response": {"status": r.status, "headers": headers,
                     "body": _body_record(headers.get("content-type"), data)},
    }
    text = json.dumps(line, ensure_ascii=False)
    with _contract_lock:
        with open(contract_log, "a", encoding="utf-8") as f:
            f.write(text + "\n")


def parse_response(r, method, path):
    headers = {}
    for k, v in r.getheaders():
        k = k.lower()
        headers[k] = headers[k] + ", " + v if k in headers else v
    data = r.read()
    _record_exchange(r, headers, data)
    ctype = headers.get("content-type", "")
    body = data
    if data and "json" in ctype.split(";")[0]:
        try:
            body = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise AssertionError("%s %s: response is not valid JSON (%s): %r"
                                 % (method, path, e, data[:300]))
    return Resp(r.status, headers, body, method, path)


def check_common_headers(resp):
    if "x-request-id" not in resp.headers or not resp.headers["x-request-id"].strip():
        raise AssertionError("%s %s -> %s: no X-Request-Id header (headers: %r)"
                             % (resp.method, resp.path, resp.status, resp.headers))
    if resp.status >= 500:
        raise AssertionError("server error: %r" % (resp,))


def send(conn, method, path, body=None, token=None, headers=None, raw=None):
    """One request on a given http.client connection; returns Resp."""
    hdrs = {}
    payload = None
    if body is not None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        hdrs["Content-Type"] = "application/json"
    if raw is not None:
        payload = raw if isinstance(raw, (bytes, bytearray)) else raw.encode("utf-8")
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    if headers:
        hdrs.update(headers)
    conn.request(method, path, body=payload, headers=hdrs)
    r = conn.getresponse()
    resp = parse_response(r, method, path)
    check_common_headers(resp)
    return resp


def req(method, path, body=None, token=None, headers=None, raw=None):
    """A request on this thread's keep-alive connection.

    body: a JSON value, sent with Content-Type application/json.
    raw: bytes sent as they are (headers: give the Content-Type yourself).
    token: an account key of ctx.tokens or a literal token.
    Returns (status, lower-cased headers, JSON or bytes)."""
    if token is not None and token in ctx.tokens:
        token = ctx.tokens[token]
    c = _conn()
    reused = c.sock is not None
    try:
        return send(c, method, path, body, token, headers, raw)
    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
            http.client.CannotSendRequest, http.client.ResponseNotReady):
        c.close()
        if not reused:
            raise
        # The server closed an idle keep-alive connection: one retry.
        return send(c, method, path, body, token, headers, raw)


def raw_exchange(data, timeout=30):
    """Sends raw bytes on a fresh connection, returns the first response.

    For requests http.client cannot express, and for bodies the server may
    refuse before reading them (errors while sending are ignored)."""
    s = socket.create_connection((ctx.host, ctx.port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = http.client.HTTPResponse(s, method="POST")
        r.begin()
        resp = parse_response(r, "RAW", data.split(b"\r\n", 1)[0].decode("latin-1"))
        check_common_headers(resp)
        return resp
    finally:
        s.close()


# --------------------------------------------------------------------------
# Assertions


def assert_problem(resp, status, pointers=None, tc=None):
    """Checks an RFC 9457 problem response with the given status.

    pointers: JSON Pointers that must all be named in `errors` (422)."""
    st, headers, body = resp
    if st != status:
        raise AssertionError("expected %d, got %r" % (status, resp))
    ctype = headers.get("content-type", "")
    if ctype.split(";")[0].strip().lower() != "application/problem+json":
        raise AssertionError("problem Content-Type expected, got %r in %r" % (ctype, resp))
    if not isinstance(body, dict):
        raise AssertionError("problem body is not an object: %r" % (resp,))
    for m in ("type", "title", "detail"):
        if not isinstance(body.get(m), str):
            raise AssertionError("problem member %r missing or not a string: %r" % (m, resp))
    if body.get("status") != status or isinstance(body.get("status"), bool):
        raise AssertionError("problem status %r != HTTP status %d" % (body.get("status"), status))
    if pointers is not None:
        errs = body.get("errors")
        if not isinstance(errs, list):
            raise AssertionError("422 without an errors array: %r" % (resp,))
        for e in errs:
            if not isinstance(e, dict) or not isinstance(e.get("pointer"), str) \
                    or not isinstance(e.get("detail"), str):
                raise AssertionError("bad entry in errors: %r" % (e,))
        named = {e["pointer"] for e in errs}
        missing = [p for p in pointers if p not in named]
        if missing:
            raise AssertionError("errors do not name %r (named: %r)" % (missing, sorted(named)))
    return body


def problem_pointers(resp):
    body = resp[2]
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return {e.get("pointer") for e in body["errors"] if isinstance(e, dict)}
    return set()


def assert_status(resp, status):
    if resp[0] != status:
        raise AssertionError("expected %d, got %r" % (status, resp))
    return resp[2]


# --------------------------------------------------------------------------
# Example envelopes

# Minimal valid envelopes, used when tests/api/examples/ does not have one.
_BUILTIN = {
    "incubator": {
        "kind": "incubator",
        "round": 2020,
        "review_unit": "110108",
        "applicant": {"name": "北京海淀创新孵化器有限公司", "uscc": USCC_A},
        "data": {
            "registered_on": "2017-05-12",
            "good_credit": True,
            "field": "artificial_intelligence",
            "services": ["platform", "resource_matching"],
            "total_revenue_fen": 1200000000,
            "service_revenue_fen": [300000000, 360000000, 420000000],
            "mentor_sessions": 64,
            "has_investment_fund": True,
            "team_qualified": True,
            "team_description": "运营团队负责人具有十年产业与投资经验。",
            "incubatee_revenue_fen": [5000000000, 5600000000, 6300000000],
            "incubatees": [
                {
                    "name": "北京智元测试科技有限公司",
                    "uscc": USCC_B,
                    "employees": 35,
                    "revenue_fen": 800000000,
                    "hard_tech": True,
                    "prohibited_catalogue": False,
                    "invested": True,
                    "invested_by_incubator": True,
                    "ip_applied": True,
                    "ip_valid": True,
                }
            ],
        },
    },
    "first_store": {
        "kind": "first_store",
        "round": 2020,
        "review_unit": "110105",
        "applicant": {"name": "北京海淀创新孵化器有限公司", "uscc": USCC_A},
        "data": {
            "project": "store_opening",
            "applicant_type": "international_brand",
            "category": "china_first",
            "brand": "Example Brand",
            "store": {
                "name": "Example Brand 三里屯店",
                "address": "北京市朝阳区三里屯路19号",
                "district": "110105",
                "registered_on": "2019-03-01",
                "opened_on": "2019-04-01",
                "area_m2": 620,
                "largest_in_beijing": True,
                "all_categories": True,
            },
            "rent_12m_fen": 150000000,
            "decoration_fen": 80000000,
            "declarations": {
                "actual_investor": True,
                "not_blacklisted": True,
                "no_bad_credit_sanction": True,
                "not_prohibited_catalogue": True,
                "no_duplicate_funding": True,
            },
        },
    },
    "tourism_award": {
        "kind": "tourism_award",
        "round": 2020,
        "review_unit": "110105",
        "applicant": {"name": "北京市测试旅游集团有限公司", "uscc": USCC_B},
        "data": {
            "inbound_business": True,
            "penalty": "none",
            "major_accident": False,
            "major_incident": False,
            "outbound_person_days": 5200,
            "outbound_person_days_prev": 4800,
            "reception_person_days": 9100,
            "reception_person_days_prev": 8700,
        },
    },
}

_EXAMPLE_FILES = {"incubator": "incubator.json", "first_store": "first_store.json",
                  "tourism_award": "tourism_award.json",
                  "experience_base": "experience_base.json"}
_example_cache = {}
_example_source = {}


def _load_example(kind):
    if kind not in _example_cache:
        path = os.path.join(EXAMPLES_DIR, _EXAMPLE_FILES[kind])
        env = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                env = json.load(f)
            # Only the five envelope members: an example may carry more.
            env = {k: env[k] for k in ("kind", "round", "review_unit", "applicant", "data")
                   if k in env}
            _example_source[kind] = path
        else:
            env = _BUILTIN[kind]
            _example_source[kind] = "built-in"
        _example_cache[kind] = env
    return copy.deepcopy(_example_cache[kind])


def example_source(kind):
    _load_example(kind)
    return _example_source[kind]


def envelope(kind="incubator", who="applicant_a", review_unit=None, round=None, data=None):
    """A valid envelope of `kind` for the applicant account `who`."""
    env = _load_example(kind)
    acct = ctx.accounts[who]
    env["applicant"] = {"name": acct["name"], "uscc": acct["uscc"]}
    if review_unit is not None:
        env["review_unit"] = review_unit
    if round is not None:
        env["round"] = round
    if data is not None:
        env["data"] = data
    return env


def incubatee(uscc=USCC_B):
    return {
        "name": "北京测试在孵科技有限公司",
        "uscc": uscc,
        "employees": 20,
        "revenue_fen": 100000000,
        "hard_tech": True,
        "prohibited_catalogue": False,
        "invested": False,
        "invested_by_incubator": False,
        "ip_applied": True,
        "ip_valid": False,
    }


# --------------------------------------------------------------------------
# Application helpers

ENVELOPE_KEYS = ("kind", "round", "review_unit", "applicant", "data")

# The tests' servers take more uploads an hour from one account than the
# default: every application the helpers make gets its materials.
UPLOADS_PER_HOUR = HARNESS_CONFIG["material_uploads_per_hour"]

# The smallest file the server takes as a PDF (by its magic bytes): what the
# helpers attach for each material type an application needs (RULES.md §6).
TINY_PDF = b"%PDF-1.4\n% a test's material\n"


def attach_materials(app_id, who, request=None, body=TINY_PDF):
    """Uploads a file for every material type application app_id still
    needs (GET .../materials, "missing"), so that it can be submitted.
    request: the req() of the server (default: common.req).  Returns the
    files uploaded."""
    request = request or req
    path = "/v1/applications/%d/materials" % app_id
    r = request("GET", path, token=who)
    if r[0] != 200:
        raise AssertionError("materials of %d: %r" % (app_id, r))
    made = []
    for t in r[2]["missing"]:
        u = request("POST", path + "?type=" + t, token=who, raw=body,
                    headers={"Content-Type": "application/pdf"})
        if u[0] != 201:
            raise AssertionError("upload of %s to %d: %r" % (t, app_id, u))
        made.append(u[2])
    return made


def create(who="applicant_a", kind="incubator", env=None, materials=True, **kw):
    """Creates a draft; returns the application (asserts 201).  With
    materials (the default) it gets a file of every type it needs."""
    if env is None:
        env = envelope(kind, who, **kw)
    r = req("POST", "/v1/applications", env, token=who)
    if r[0] != 201:
        raise AssertionError("create failed: %r\nsent: %s"
                             % (r, json.dumps(env, ensure_ascii=False)))
    if materials:
        attach_materials(r[2]["id"], who)
    return r[2]


def submit(app_id, who="applicant_a", expect=200, headers=None):
    r = req("POST", "/v1/applications/%d/submit" % app_id, token=who, headers=headers)
    if r[0] != expect:
        raise AssertionError("submit: expected %d, got %r" % (expect, r))
    return r[2]


def withdraw(app_id, who="applicant_a", expect=200, headers=None):
    r = req("POST", "/v1/applications/%d/withdraw" % app_id, token=who, headers=headers)
    if r[0] != expect:
        raise AssertionError("withdraw: expected %d, got %r" % (expect, r))
    return r[2]


def get(app_id, who="applicant_a"):
    return req("GET", "/v1/applications/%d" % app_id, token=who)


def list_all(who, query="", limit=100, max_pages=1000):
    """Every item of a filtered list, following next_cursor; returns items."""
    items = []
    cursor = None
    for _ in range(max_pages):
        q = query
        if limit is not None:
            q += "&limit=%d" % limit
        if cursor is not None:
            q += "&cursor=" + urlquote(cursor)
        r = req("GET", "/v1/applications?" + q.lstrip("&"), token=who)
        if r[0] != 200:
            raise AssertionError("list failed: %r" % (r,))
        items.extend(r[2]["items"])
        cursor = r[2]["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("list did not end after %d pages" % max_pages)


def list_ids(who, query=""):
    return [a["id"] for a in list_all(who, query)]


def urlquote(s):
    from urllib.parse import quote
    return quote(s, safe="")


class ApiTest(unittest.TestCase):
    """Base class: assertion helpers bound to unittest."""

    maxDiff = 4000

    def assertProblem(self, resp, status, pointers=None):
        try:
            return assert_problem(resp, status, pointers)
        except AssertionError as e:
            self.fail(str(e))

    def assertStatus(self, resp, status):
        if resp[0] != status:
            self.fail("expected %d, got %r" % (status, resp))
        return resp[2]


# --------------------------------------------------------------------------
# A server of one's own
#
# Rules that compare dates with the submission date, and the public notice,
# depend on the server's clock.  A test that needs a known day starts its own
# server with `start_server(clock=...)`: its own temporary directory and
# database, the accounts of ACCOUNTS (same keys, same bindings), the same
# binary.  stop() applies the harness's checks to it: exit 0 soon after
# SIGTERM, and a stderr of JSON lines with no 5xx and no sanitizer report.

_servers = []


class Server:
    """A running `shenbao serve` started by a test.

    base_url, port, db (path), clock, tokens / accounts (as ctx has them),
    admin_token; req() speaks to it like common.req() does to the main one."""

    def __init__(self, clock=None, accounts=None):
        import run as harness  # run.py: the harness's own start and log checks

        self._harness = harness
        self.clock = clock
        self.tokens = {}
        self.accounts = {}
        self.proc = None
        self._conn = None
        self._files = []
        self._stopped = False
        self.tmp = tempfile.mkdtemp(prefix="shenbao-api-own-")
        self.config = os.path.join(self.tmp, "config.json")
        self.db = new_db(self.tmp)
        self.errpath = os.path.join(self.tmp, "server.stderr")
        with open(self.config, "w", encoding="utf-8") as f:
            json.dump(dict(HARNESS_CONFIG, db=self.db, keys=os.path.join(self.tmp, "keys"),
                           per_ip_connection_limit=256,
                           body_limit_bytes=getattr(ctx, "body_limit", None) or 65536), f)
        _servers.append(self)
        try:
            self._start(accounts if accounts is not None else ACCOUNTS)
        except BaseException:
            self.kill()
            raise

    def _start(self, accounts):
        h = self._harness
        h.run_cli(ctx.shenbao, ["migrate", "--config", self.config], self.tmp)
        h.run_cli(ctx.shenbao, ["keygen", "--config", self.config], self.tmp)
        for key, acct in accounts.items():
            args = ["account", "add", "--config", self.config, "--role", acct["role"]]
            for opt in ("name", "uscc", "unit", "authority"):
                if acct.get(opt):
                    args += ["--" + opt, acct[opt]]
            out = h.run_cli(ctx.shenbao, args, self.tmp)
            lines = [line.strip() for line in out.splitlines() if line.strip()]
            if not lines:
                raise h.HarnessError("account add printed no token for %s" % key)
            self.tokens[key] = lines[-1]
            self.accounts[key] = dict(acct)
        self.port = h.free_port()
        self.base_url = "http://127.0.0.1:%d" % self.port
        args = [ctx.shenbao, "serve", "--config", self.config,
                "--listen", "127.0.0.1:%d" % self.port]
        if self.clock:
            args += ["--clock", self.clock]
        errf = open(self.errpath, "wb")
        outf = open(os.path.join(self.tmp, "server.stdout"), "wb")
        self._files = [errf, outf]
        self.proc = subprocess.Popen(args, cwd=self.tmp, stdin=subprocess.DEVNULL,
                                     stdout=outf, stderr=errf)
        h.wait_healthy(self.proc, self.port, self.errpath)

    @property
    def admin_token(self):
        return self.tokens.get("admin")

    def req(self, method, path, body=None, token=None, headers=None, raw=None):
        """As common.req(), on this server (token: an account key of
        self.tokens or a literal token)."""
        if token is not None and token in self.tokens:
            token = self.tokens[token]
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c = self._conn
        reused = c.sock is not None
        try:
            return send(c, method, path, body, token, headers, raw)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                http.client.CannotSendRequest, http.client.ResponseNotReady):
            c.close()
            if not reused:
                raise
            return send(c, method, path, body, token, headers, raw)

    def add_applicant(self, key, name, uscc):
        """Creates an applicant account through POST /v1/accounts (as admin)
        and records it under `key`."""
        r = self.req("POST", "/v1/accounts",
                     {"role": "applicant", "name": name, "uscc": uscc}, token="admin")
        if r[0] != 201:
            raise AssertionError("account creation failed: %r" % (r,))
        self.tokens[key] = r[2]["token"]
        self.accounts[key] = {"role": "applicant", "name": name, "uscc": uscc}
        return r[2]["token"]

    def envelope(self, kind, who, **kw):
        """common.envelope() for an applicant account of this server."""
        acct = self.accounts[who]
        env = _load_example(kind)
        env["applicant"] = {"name": acct["name"], "uscc": acct["uscc"]}
        for member in ("review_unit", "round", "data"):
            if kw.get(member) is not None:
                env[member] = kw[member]
        return env

    def create(self, who, env, materials=True):
        """Creates a draft (asserts 201); with materials (the default) it
        gets a file of every type it needs (attach_materials)."""
        r = self.req("POST", "/v1/applications", env, token=who)
        if r[0] != 201:
            raise AssertionError("create failed: %r\nsent: %s"
                                 % (r, json.dumps(env, ensure_ascii=False)))
        if materials:
            attach_materials(r[2]["id"], who, self.req)
        return r[2]

    def submit(self, app_id, who, expect=200):
        r = self.req("POST", "/v1/applications/%d/submit" % app_id, token=who)
        if r[0] != expect:
            raise AssertionError("submit: expected %d, got %r" % (expect, r))
        return r[2]

    def get(self, app_id, who):
        r = self.req("GET", "/v1/applications/%d" % app_id, token=who)
        if r[0] != 200:
            raise AssertionError("get: expected 200, got %r" % (r,))
        return r[2]

    def review(self, app_id, who, body, headers=None):
        return self.req("POST", "/v1/applications/%d/reviews" % app_id, body, token=who,
                        headers=headers)

    def kill(self):
        """Stops without checks (after a failed start)."""
        if self._conn is not None:
            self._conn.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in self._files:
            f.close()
        self._stopped = True
        if self in _servers:
            _servers.remove(self)

    def stop(self):
        """SIGTERM, then the harness's checks; raises AssertionError naming
        every problem (the temporary directory is then kept)."""
        if self._stopped:
            return
        problems = _stop_process(self)
        if problems:
            raise AssertionError("server with --clock %s (kept in %s):\n%s"
                                 % (self.clock, self.tmp, "\n".join(problems)))
        shutil.rmtree(self.tmp, ignore_errors=True)


def start_server(clock=None, accounts=None):
    """Starts a server of its own (see Server); call its stop() when done."""
    return Server(clock=clock, accounts=accounts)


def stop_servers():
    """Stops every server a test left running; returns the problems found
    (run.py counts each as a failure)."""
    problems = []
    for srv in list(_servers):
        problems.append("a test left its server (--clock %s) running" % srv.clock)
        try:
            srv.stop()
        except AssertionError as e:
            problems.append(str(e))
    return problems


# --------------------------------------------------------------------------
# Walking the workflow on a server of one's own (RULES.md §1)
#
# The command line next to a running server (`tick`, `audit verify`), the
# review bodies with the stage records of CONTRACT.md, objections from an
# address of their own, and Flow, which takes a draft to any status.

def shenbao_cli(args, timeout=60):
    """Runs `shenbao ARGS` (the binary under test); returns (exit status,
    stdout, stderr).  A sanitizer report in stderr is an AssertionError."""
    import run as harness

    p = subprocess.run([ctx.shenbao] + list(args), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    bad = harness.sanitizer_lines(err)
    if bad:
        raise AssertionError("sanitizer report from shenbao %s:\n%s"
                             % (" ".join(args), "\n".join(bad[:20])))
    return p.returncode, out, err


def run_tick(config, now):
    """`shenbao tick --now NOW --config CONFIG`: asserts exit 0, returns
    stdout.  It approves every application of that database whose notice
    has ended by NOW and has no open objection."""
    rc, out, err = shenbao_cli(["tick", "--now", now, "--config", config])
    if rc != 0:
        raise AssertionError("shenbao tick --now %s: exit %d\nstdout: %s\nstderr: %s"
                             % (now, rc, out, err))
    return out


# What a municipal approval must carry, by kind (CONTRACT.md "Stage records").
# Their dates lie between the submission and the decision (RULES.md §5):
# review_body() dates them on the day of the decision.
MUNICIPAL_RECORDS = {
    "incubator": {
        "expert_review": {"date": "TODAY", "passed": True,
                          "summary": "专家评审通过，服务能力与在孵企业情况属实。"},
        "site_inspection": {"date": "TODAY", "passed": True,
                            "summary": "实地核查场地、团队与台账，情况属实。"},
    },
    "first_store": {"audited_amount_fen": 130000000},
    "experience_base": {
        "site_inspection": {"date": "TODAY", "passed": True,
                            "summary": "实地勘验体验项目、配套设施与安全措施，情况属实。"},
    },
    "tourism_award": {
        "audit": {"firm": "北京测试会计师事务所", "date": "TODAY", "passed": True,
                  "summary": "接待与组织人天数经审核属实。"},
        "expert_panel": {"date": "TODAY", "passed": True,
                         "summary": "专家评审组同意给予奖励。"},
    },
}


def beijing_day(clock=None):
    """The day (YYYY-MM-DD, Asia/Shanghai) of a server started with
    --clock `clock` (None: the real clock), while a test runs."""
    import datetime
    tz = datetime.timezone(datetime.timedelta(hours=8))
    if clock:
        return datetime.datetime.fromisoformat(clock.replace("Z", "+00:00")) \
            .astimezone(tz).date().isoformat()
    return datetime.datetime.now(tz).date().isoformat()


def dated_records(kind, day=None):
    """MUNICIPAL_RECORDS[kind] dated on `day` (default: the main server's
    day)."""
    records = copy.deepcopy(MUNICIPAL_RECORDS[kind])
    for value in records.values():
        if isinstance(value, dict) and value.get("date") == "TODAY":
            value["date"] = day or beijing_day(ctx.clock)
    return records


def review_body(stage, decision, kind=None, opinion=None, day=None, **extra):
    """A review of `stage` with `decision`; a return or a rejection gets an
    opinion unless one is given, a municipal approval the records of `kind`
    dated on `day` (default: the main server's day)."""
    body = {"stage": stage, "decision": decision}
    if opinion is None and decision != "approve":
        opinion = "%s %s：材料不全，请补正。" % (stage, decision)
    if opinion is not None:
        body["opinion"] = opinion
    if stage == "municipal" and decision == "approve":
        body.update(dated_records(kind, day))
    body.update(extra)
    return body


_loopback = [0]


def loopback_source():
    """A loopback address of its own, 127.0.x.y, distinct within this run:
    the server counts objections per client address, so a test that files
    objections from its own address is not limited by another test's."""
    with _uscc_lock:
        _loopback[0] += 1
        n = _loopback[0] + 300
    return "127.0.%d.%d" % (n // 250 % 250, n % 250 + 2)


def objection_body(tag="异议"):
    return {"name": "张三", "contact": "13800000000 / zhangsan@example.com",
            "reason": "%s：申报材料中的接待人数与实际不符。" % tag}


def file_objection(port, app_id, body=None, source=None, headers=None, raw=None):
    """POST /v1/applications/{id}/objections without a token on a fresh
    connection to 127.0.0.1:port from `source` (default: a loopback address
    of its own; see loopback_source()).  Returns Resp."""
    if body is None and raw is None:
        body = objection_body()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                   source_address=(source or loopback_source(), 0))
    try:
        return send(c, "POST", "/v1/applications/%d/objections" % app_id, body, None,
                    headers, raw)
    finally:
        c.close()


def day_after(date_text):
    """The instant 00:00 Asia/Shanghai of the day after YYYY-MM-DD."""
    import datetime
    d = datetime.date.fromisoformat(date_text) + datetime.timedelta(days=1)
    return d.isoformat() + "T00:00:00+08:00"


def tourism_in_year(env, year):
    """A tourism_award envelope moved to award year `year`: its round, and
    the dates of its groups and charters (the example's are of 2020)."""
    env = copy.deepcopy(env)
    old = env["round"]
    env["round"] = year
    data = env["data"]
    for g in data.get("groups") or []:
        for k in ("start_on", "end_on"):
            g[k] = g[k].replace("%d-" % old, "%d-" % year, 1)
    for c in data.get("charters") or []:
        c["arrived_on"] = c["arrived_on"].replace("%d-" % old, "%d-" % year, 1)
    return env


class Flow:
    """Takes applications of a Server (common.start_server) through the
    workflow with the accounts of ACCOUNTS; each step asserts its status."""

    def __init__(self, srv):
        self.srv = srv
        self._ids = {}

    def account_id(self, key):
        if key not in self._ids:
            r = self.srv.req("GET", "/v1/account", token=key)
            if r[0] != 200:
                raise AssertionError("GET /v1/account: %r" % (r,))
            self._ids[key] = r[2]["id"]
        return self._ids[key]

    def district_of(self, unit):
        for key, acct in self.srv.accounts.items():
            if acct["role"] == "district_reviewer" and acct.get("unit") == unit:
                return key
        raise AssertionError("no district reviewer of unit %s" % unit)

    def municipal_of(self, kind):
        for key, acct in self.srv.accounts.items():
            if acct["role"] == "municipal_reviewer" and \
                    acct.get("authority") == AUTHORITY_OF_KIND[kind]:
                return key
        raise AssertionError("no municipal reviewer for %s" % kind)

    def get(self, app_id, who="auditor"):
        return self.srv.get(app_id, who)

    def events(self, app_id, who="auditor"):
        r = self.srv.req("GET", "/v1/applications/%d/events" % app_id, token=who)
        if r[0] != 200:
            raise AssertionError("events: %r" % (r,))
        return r[2]["items"]

    def create(self, kind="incubator", who=None, **kw):
        if who is None:
            who = "applicant_b" if kind == "tourism_award" else "applicant_a"
        env = self.srv.envelope(kind, who, **kw)
        if kind == "tourism_award" and kw.get("round") is None:
            env = tourism_in_year(env, self.tourism_year())
        return self.srv.create(who, env)

    def tourism_year(self):
        """A tourism award year of its own: a year's ranking is final
        (RULES.md §5), so once computed no application of that year is
        submitted; each walk takes a year no other test of this server uses
        (from 2040: test_matrix ranks 2031)."""
        year = getattr(self.srv, "_tourism_year", 2039) + 1
        self.srv._tourism_year = year
        return year

    def act(self, app_id, path, who, body=None, expect=200, headers=None):
        r = self.srv.req("POST", "/v1/applications/%d/%s" % (app_id, path), body, token=who,
                         headers=headers)
        if r[0] != expect:
            raise AssertionError("%s: expected %d, got %r\nsent: %s"
                                 % (path, expect, r, json.dumps(body, ensure_ascii=False)))
        return r[2]

    def review(self, app, stage, decision, opinion=None, expect=200, **extra):
        """app: the application as last read (kind, review_unit, eligibility)."""
        who = (self.district_of(app["review_unit"]) if stage == "district"
               else self.municipal_of(app["kind"]))
        if decision == "approve":
            # RULES.md §5 (P): a failing application is approved at either
            # stage only with a reason.
            if not app["eligibility"]["eligible"] and "override_reason" not in extra:
                extra["override_reason"] = "经复核，未通过的条件不影响认定。"
        if stage == "municipal" and decision == "approve":
            if app["kind"] == "tourism_award":
                self.ensure_ranking(app["round"])
        body = review_body(stage, decision, app["kind"], opinion, day=self.day(), **extra)
        return self.act(app["id"], "reviews", who, body, expect)

    def day(self):
        """The server's day (Asia/Shanghai)."""
        return beijing_day(self.srv.clock)

    def ensure_ranking(self, year):
        """Computes the tourism_award ranking of `year` unless it is fixed,
        confirming how many it leaves out (RULES.md §5)."""
        path = "/v1/rounds/tourism_award/%d/ranking" % year
        who = self.municipal_of("tourism_award")
        r = self.srv.req("POST", path, token=who)
        if r[0] == 409 and isinstance(r[2], dict) and "count" in r[2]:
            r = self.srv.req("POST", path, {"confirm": r[2]["count"]}, token=who)
        if r[0] not in (200, 409):
            raise AssertionError("ranking: %r" % (r,))
        if r[0] == 409:
            g = self.srv.req("GET", "/v1/rounds/tourism_award/%d/ranking" % year,
                             token="auditor")
            if g[0] != 200:
                raise AssertionError("ranking refused and not computed: %r, %r" % (r, g))
        return r

    def owner(self, app):
        for key, acct in self.srv.accounts.items():
            if acct["role"] == "applicant" and acct.get("uscc") == app["applicant"]["uscc"]:
                return key
        raise AssertionError("no applicant account for %s" % app["applicant"]["uscc"])

    def to(self, app, status):
        """Takes `app` (a draft, as created) to `status`; returns it as it is
        then.  "approved" runs tick, which approves every application of the
        server whose notice has ended."""
        owner = self.owner(app)
        paths = {
            "draft": [],
            "district_review": ["submit"],
            "municipal_review": ["submit", "district_approve"],
            "public_notice": ["submit", "district_approve", "municipal_approve"],
            "approved": ["submit", "district_approve", "municipal_approve", "tick"],
            "returned": ["submit", "district_return"],
            "rejected": ["submit", "district_reject"],
            "withdrawn": ["withdraw"],
        }
        for step in paths[status]:
            if step in ("submit", "withdraw"):
                app = self.act(app["id"], step, owner)
            elif step == "tick":
                run_tick(self.srv.config, day_after(app["notice"]["ends_on"]))
                app = self.get(app["id"], owner)
            else:
                stage, decision = step.split("_")
                app = self.review(app, stage, decision)
        if app["status"] != status:
            raise AssertionError("expected %s, got %r" % (status, app))
        return app


# --------------------------------------------------------------------------
# The same data served again (certificates, key rotation)
#
# A Server's database, keys and accounts outlive its process.
# stop_keeping_data() stops it with the harness's checks but keeps its
# temporary directory; serve_again() starts another `shenbao serve` on that
# directory: after the first stopped (a restart, e.g. after `shenbao keygen`)
# or beside it (another --clock on the same database).  The directory is
# removed when the last of them stops cleanly.

def _stop_process(srv):
    """SIGTERM to srv's process and the harness's checks on its stderr;
    returns the problems found.  Leaves the temporary directory."""
    srv._stopped = True
    if srv in _servers:
        _servers.remove(srv)
    if srv._conn is not None:
        srv._conn.close()
    problems = []
    if srv.proc.poll() is not None:
        problems.append("the server died during the tests (exit %d)" % srv.proc.returncode)
    else:
        srv.proc.send_signal(signal.SIGTERM)
        try:
            rc = srv.proc.wait(srv._harness.STOP_TIMEOUT_S)
            if rc != 0:
                problems.append("server exited with %d after SIGTERM" % rc)
        except subprocess.TimeoutExpired:
            problems.append("server still running %d s after SIGTERM"
                            % srv._harness.STOP_TIMEOUT_S)
            srv.proc.kill()
            srv.proc.wait()
    for f in srv._files:
        f.close()
    problems += srv._harness.check_server_log(srv.errpath)
    # Whatever a test did through the API, the record it leaves is whole:
    # the chain, the transparency log, and the rows as their events left
    # them (a test that tampers with the file itself sets srv.tampered).
    config, db = getattr(srv, "config", None), getattr(srv, "db", None)
    if not problems and not getattr(srv, "tampered", False) and config and db and \
            os.path.exists(db):
        rc, out, err = shenbao_cli(["audit", "verify", "--config", config])
        if rc != 0:
            problems.append("audit verify on its database: %s%s" % (out, err))
    return problems


def stop_keeping_data(srv):
    """Stops a Server (start_server or serve_again) like its stop() does,
    raising AssertionError on a problem, but keeps its database and keys for
    serve_again()."""
    if srv._stopped:
        return
    problems = _stop_process(srv)
    if problems:
        raise AssertionError("server with --clock %s (kept in %s):\n%s"
                             % (srv.clock, srv.tmp, "\n".join(problems)))


class ServerAgain(Server):
    """Another `shenbao serve` on the temporary directory (config, database,
    keys) of `first`, with the same accounts and tokens, on a port, stdout
    and stderr of its own.  No migrate, keygen or account add: whatever the
    directory holds now is served."""

    def __init__(self, first, clock=None):
        import run as harness

        self._harness = harness
        self._first = first
        self.clock = clock
        self.tokens = first.tokens
        self.accounts = first.accounts
        self.proc = None
        self._conn = None
        self._files = []
        self._stopped = False
        self.tmp = first.tmp
        self.config = first.config
        self.db = first.db
        n = 2
        while os.path.exists(os.path.join(self.tmp, "server-%d.stderr" % n)):
            n += 1
        self.errpath = os.path.join(self.tmp, "server-%d.stderr" % n)
        self._outpath = os.path.join(self.tmp, "server-%d.stdout" % n)
        _servers.append(self)
        try:
            self._serve()
        except BaseException:
            self.kill()
            raise

    def _serve(self):
        h = self._harness
        self.port = h.free_port()
        self.base_url = "http://127.0.0.1:%d" % self.port
        args = [ctx.shenbao, "serve", "--config", self.config,
                "--listen", "127.0.0.1:%d" % self.port]
        if self.clock:
            args += ["--clock", self.clock]
        errf = open(self.errpath, "wb")
        outf = open(self._outpath, "wb")
        self._files = [errf, outf]
        self.proc = subprocess.Popen(args, cwd=self.tmp, stdin=subprocess.DEVNULL,
                                     stdout=outf, stderr=errf)
        h.wait_healthy(self.proc, self.port, self.errpath)

    def _all_stopped(self):
        s = self
        while isinstance(s, ServerAgain):
            s = s._first
            if not s._stopped:
                return False
        return True

    def stop(self):
        """As Server.stop(); the temporary directory is removed only when
        the servers this one was started from are stopped too."""
        if self._stopped:
            return
        problems = _stop_process(self)
        if problems:
            raise AssertionError("server with --clock %s (kept in %s):\n%s"
                                 % (self.clock, self.tmp, "\n".join(problems)))
        if self._all_stopped():
            shutil.rmtree(self.tmp, ignore_errors=True)


def serve_again(srv, clock=None):
    """Starts `shenbao serve` again on the data of srv (a Server of
    start_server or serve_again, running or stopped with
    stop_keeping_data); call its stop() when done."""
    return ServerAgain(srv, clock=clock)


# --------------------------------------------------------------------------
# Certificates: compact JWS pieces, tampering, and the jose check
# (CONTRACT.md, "Certificates")

REPO = os.path.dirname(os.path.dirname(HERE))
INTEROP_DIR = os.path.join(REPO, "tests", "interop")


def b64url_decode(text):
    import base64
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    import base64
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jws_header(jws):
    """The protected header of a compact JWS, as a dict."""
    return json.loads(b64url_decode(jws.split(".")[0]))


def jws_payload(jws):
    """The payload bytes of a compact JWS (not verified)."""
    return b64url_decode(jws.split(".")[1])


def tampered_certificate(issued):
    """A copy of an issued {certificate, jws} with one byte of the signed
    payload changed (the last digit of issued_on), the header and the
    signature kept, and `certificate` matching the changed payload: only the
    signature can tell."""
    header, payload, sig = issued["jws"].split(".")
    text = b64url_decode(payload)
    key = b'"issued_on":"'
    at = text.index(key) + len(key) + 9
    digit = text[at:at + 1]
    changed = text[:at] + (b"1" if digit != b"1" else b"2") + text[at + 1:]
    return {"certificate": json.loads(changed),
            "jws": "%s.%s.%s" % (header, b64url_encode(changed), sig)}


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False)
    return path


def interop_verify(cert_path, jwks_path, timeout=60):
    """`node tests/interop/verify.mjs CERT JWKS` (jose, an independent JOSE
    implementation); returns (exit status, stdout, stderr).  Node and the
    package are required: their absence is an AssertionError, never a
    skip."""
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(INTEROP_DIR, "node_modules", "jose")):
        raise AssertionError(
            "the interoperability check needs node and tests/interop/node_modules: "
            "install Node.js and run `npm ci --prefix tests/interop`")
    p = subprocess.run([node, os.path.join(INTEROP_DIR, "verify.mjs"), cert_path, jwks_path],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


# --------------------------------------------------------------------------
# A server of one's own with more configuration
#
# start_server() writes the harness's config file (db, keys, connection and
# body limits); start_server_config() adds or replaces keys of it before the
# server starts, e.g. {"trusted_proxies": ["127.0.0.1"]} or
# {"metrics_allow": ["10.9.9.9"]}.  serve_again() on such a server uses the
# same config file.

class ConfiguredServer(Server):
    """A Server (start_server) whose config file has `extra` merged in."""

    def __init__(self, extra, clock=None, accounts=None):
        self.extra_config = dict(extra)
        super().__init__(clock=clock, accounts=accounts)

    def _start(self, accounts):
        with open(self.config, encoding="utf-8") as f:
            cfg = json.load(f)
        cfg.update(self.extra_config)
        with open(self.config, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        super()._start(accounts)


def start_server_config(extra, clock=None, accounts=None):
    """Starts a server of its own (see Server) with the config keys of
    `extra` added to the harness's config; call its stop() when done."""
    return ConfiguredServer(extra, clock=clock, accounts=accounts)

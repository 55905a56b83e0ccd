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
import socket
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES_DIR = os.path.join(HERE, "examples")


class Context:
    """What run.py knows about the server under test."""

    def __init__(self):
        self.host = None
        self.port = None
        self.base_url = None
        self.shenbao = None      # path of the binary
        self.config = None       # path of the config file
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
                     "tourism_award": "culture_tourism"}
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


def parse_response(r, method, path):
    headers = {}
    for k, v in r.getheaders():
        k = k.lower()
        headers[k] = headers[k] + ", " + v if k in headers else v
    data = r.read()
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
                  "tourism_award": "tourism_award.json"}
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


def create(who="applicant_a", kind="incubator", env=None, **kw):
    """Creates a draft; returns the application (asserts 201)."""
    if env is None:
        env = envelope(kind, who, **kw)
    r = req("POST", "/v1/applications", env, token=who)
    if r[0] != 201:
        raise AssertionError("create failed: %r\nsent: %s"
                             % (r, json.dumps(env, ensure_ascii=False)))
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

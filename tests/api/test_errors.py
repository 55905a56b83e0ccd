"""Error responses: problem+json with the right status for each client mistake."""

import copy
import json
import string

import common
from common import ApiTest, req, envelope

JSON = {"Content-Type": "application/json"}


def incubator_env():
    env = envelope("incubator", "applicant_a", review_unit="110101")
    if not env["data"].get("incubatees"):
        env["data"]["incubatees"] = [common.incubatee()]
    return env


def other_token(tok):
    """A well-formed token that is not any account's: the last character changed
    within its own character class."""
    c = tok[-1]
    for pool in (string.digits, string.ascii_lowercase, string.ascii_uppercase):
        if c in pool:
            return tok[:-1] + pool[(pool.index(c) + 1) % len(pool)]
    return tok[:-1] + ("A" if c != "A" else "B")


class Validation(ApiTest):
    def post(self, env):
        return req("POST", "/v1/applications", env, token="applicant_a")

    def test_every_bad_field_is_named(self):
        env = incubator_env()
        env["round"] = "twenty twenty"
        env["applicant"]["uscc"] = common.uscc_flip_check(common.USCC_A)
        d = env["data"]
        d["mentor_sessions"] = "many"
        d["field"] = "astrology"
        d["incubatees"][0]["employees"] = "ten"
        d["registered_on"] = "2019-02-30"
        d["total_revenue_fen"] = 12.5
        d["good_credit"] = "yes"
        self.assertProblem(self.post(env), 422, [
            "/round", "/applicant/uscc", "/data/mentor_sessions", "/data/field",
            "/data/incubatees/0/employees", "/data/registered_on", "/data/total_revenue_fen",
            "/data/good_credit"])

    def test_unknown_unit_named_with_other_errors(self):
        env = incubator_env()
        env["review_unit"] = "110199"
        env["data"]["field"] = "astrology"
        self.assertProblem(self.post(env), 422, ["/review_unit", "/data/field"])

    def test_empty_object_names_every_member(self):
        self.assertProblem(self.post({}), 422,
                           ["/kind", "/round", "/review_unit", "/applicant", "/data"])

    def test_single_field_errors(self):
        def case(pointer, mutate, kind="incubator"):
            env = incubator_env() if kind == "incubator" else envelope(
                kind, "applicant_b" if kind == "tourism_award" else "applicant_a")
            mutate(env)
            return pointer, env

        def setp(path, value):
            def f(env):
                obj = env
                for p in path[:-1]:
                    obj = obj[p]
                obj[path[-1]] = value
            return f

        def delp(path):
            def f(env):
                obj = env
                for p in path[:-1]:
                    obj = obj[p]
                del obj[path[-1]]
            return f

        flipped = common.uscc_flip_check(common.USCC_A)
        cases = [
            case("/kind", setp(["kind"], "bogus")),
            case("/kind", setp(["kind"], 1)),
            case("/round", setp(["round"], "2020")),
            case("/round", setp(["round"], 2020.5)),
            case("/applicant/uscc", setp(["applicant", "uscc"], flipped)),
            case("/applicant/uscc", setp(["applicant", "uscc"], common.USCC_A.lower())),
            case("/applicant/uscc", setp(["applicant", "uscc"], "91330100799655058B")),
            case("/applicant/uscc", delp(["applicant", "uscc"])),
            case("/applicant/name", delp(["applicant", "name"])),
            case("/review_unit", setp(["review_unit"], 110108)),
            case("/data", setp(["data"], [])),
            case("/bogus", setp(["bogus"], 1)),
            case("/applicant/bogus", setp(["applicant", "bogus"], 1)),
            case("/data/bogus", setp(["data", "bogus"], True)),
            case("/data/a~1b~0c", setp(["data", "a/b~c"], 1)),
            case("/data/incubatees/0/bogus", setp(["data", "incubatees", 0, "bogus"], 1)),
            case("/data/field", delp(["data", "field"])),
            case("/data/field", setp(["data", "field"], "Artificial_Intelligence")),
            case("/data/total_revenue_fen", setp(["data", "total_revenue_fen"], 12.5)),
            case("/data/total_revenue_fen", setp(["data", "total_revenue_fen"], 100.0)),
            case("/data/total_revenue_fen", setp(["data", "total_revenue_fen"], "100")),
            case("/data/total_revenue_fen", setp(["data", "total_revenue_fen"], -1)),
            case("/data/service_revenue_fen/1", setp(["data", "service_revenue_fen", 1], 1.5)),
            case("/data/service_revenue_fen", setp(["data", "service_revenue_fen"], [1, 2])),
            case("/data/services/0", setp(["data", "services", 0], "cleaning")),
            case("/data/registered_on", setp(["data", "registered_on"], "2019/02/01")),
            case("/data/registered_on", setp(["data", "registered_on"], "2019-13-01")),
            case("/data/good_credit", setp(["data", "good_credit"], 1)),
            case("/data/incubatees/0/uscc",
                 setp(["data", "incubatees", 0, "uscc"], common.uscc_flip_check(common.USCC_B))),
            case("/data/incubatees", setp(["data", "incubatees"], {})),
            case("/data/project", setp(["data", "project"], "bogus"), kind="first_store"),
            case("/data/penalty", setp(["data", "penalty"], "death"), kind="tourism_award"),
            case("/data/inbound_business", delp(["data", "inbound_business"]),
                 kind="tourism_award"),
        ]
        for pointer, env in cases:
            with self.subTest(pointer=pointer, body=json.dumps(env, ensure_ascii=False)[:200]):
                who = "applicant_b" if env.get("kind") == "tourism_award" else "applicant_a"
                r = req("POST", "/v1/applications", env, token=who)
                self.assertProblem(r, 422, [pointer])

    def test_put_is_validated_too(self):
        app = common.create("applicant_a", "incubator", review_unit="110101")
        env = incubator_env()
        env["data"]["total_revenue_fen"] = 1.25
        env["data"]["bogus"] = 1
        r = req("PUT", "/v1/applications/%d" % app["id"], env, token="applicant_a")
        self.assertProblem(r, 422, ["/data/total_revenue_fen", "/data/bogus"])
        self.assertEqual(common.get(app["id"])[2]["version"], 1)


class Syntax(ApiTest):
    BAD_JSON = [b'{"kind": "incubator",', b'{kind: "incubator"}', b"{'kind': 'incubator'}",
                b"", b'{"kind": "incubator"} x', b'{"round": NaN}', b'{"kind": "\xff\xfe"}']
    NOT_OBJECT = [b"[]", b'[{"kind": "incubator"}]', b'"incubator"', b"42", b"null", b"true"]

    def test_malformed_json(self):
        for raw in self.BAD_JSON:
            with self.subTest(body=raw):
                r = req("POST", "/v1/applications", token="applicant_a", raw=raw, headers=JSON)
                self.assertProblem(r, 400)

    def test_duplicate_keys(self):
        env = incubator_env()
        text = json.dumps(env, ensure_ascii=False)
        top = '{"kind": "incubator", ' + text[1:]
        inner = json.dumps(env["data"], ensure_ascii=False)
        nested = text.replace(inner, '{"good_credit": true, ' + inner[1:])
        self.assertNotEqual(nested, text)
        for label, body in (("top", top), ("nested", nested)):
            with self.subTest(where=label):
                r = req("POST", "/v1/applications", token="applicant_a",
                        raw=body.encode("utf-8"), headers=JSON)
                self.assertProblem(r, 400)

    def test_not_an_object(self):
        for raw in self.NOT_OBJECT:
            with self.subTest(body=raw):
                r = req("POST", "/v1/applications", token="applicant_a", raw=raw, headers=JSON)
                self.assertProblem(r, 400)

    def test_put_syntax(self):
        app = common.create("applicant_a", "incubator", review_unit="110101")
        path = "/v1/applications/%d" % app["id"]
        for raw in (b'{"kind": ', b"[1, 2]", b'{"kind": "incubator", "kind": "incubator"}'):
            with self.subTest(body=raw):
                self.assertProblem(req("PUT", path, token="applicant_a", raw=raw, headers=JSON),
                                   400)
        self.assertEqual(common.get(app["id"])[2]["version"], 1)


class MediaType(ApiTest):
    def test_415(self):
        app = common.create("applicant_a", "incubator", review_unit="110101")
        raw = json.dumps(incubator_env(), ensure_ascii=False).encode("utf-8")
        for method, path in (("POST", "/v1/applications"),
                             ("PUT", "/v1/applications/%d" % app["id"])):
            for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
                with self.subTest(method=method, content_type=ctype):
                    r = req(method, path, token="applicant_a", raw=raw,
                            headers={"Content-Type": ctype})
                    self.assertProblem(r, 415)
        self.assertEqual(common.get(app["id"])[2]["version"], 1)

    def test_charset_utf8_accepted(self):
        app = common.create("applicant_a", "incubator", review_unit="110101")
        raw = json.dumps(incubator_env(), ensure_ascii=False).encode("utf-8")
        hdr = {"Content-Type": "application/json; charset=utf-8"}
        r = req("PUT", "/v1/applications/%d" % app["id"], token="applicant_a", raw=raw,
                headers=hdr)
        self.assertEqual(r[0], 200, r)


class BodyLimit(ApiTest):
    def request_bytes(self, method, path, body, chunked=False, ctype="application/json"):
        tok = common.ctx.tokens["applicant_a"]
        head = ("%s %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: %s\r\n" % (method, path, common.ctx.host, common.ctx.port, tok,
                                          ctype))
        if not chunked:
            head += "Content-Length: %d\r\n\r\n" % len(body)
            return head.encode("latin-1") + body
        head += "Transfer-Encoding: chunked\r\n\r\n"
        out = [head.encode("latin-1")]
        for i in range(0, len(body), 8000):
            part = body[i:i + 8000]
            out.append(b"%x\r\n" % len(part) + part + b"\r\n")
        out.append(b"0\r\n\r\n")
        return b"".join(out)

    def padded(self, size):
        raw = json.dumps(incubator_env(), ensure_ascii=False).encode("utf-8")
        self.assertLess(len(raw), size)
        return raw + b" " * (size - len(raw))

    def test_over_limit_content_length(self):
        body = self.padded(common.ctx.body_limit + 1)
        r = common.raw_exchange(self.request_bytes("POST", "/v1/applications", body))
        self.assertProblem(r, 413)

    def test_far_over_limit_content_length(self):
        body = b'{"kind": "' + b"x" * (4 * common.ctx.body_limit) + b'"}'
        r = common.raw_exchange(self.request_bytes("POST", "/v1/applications", body))
        self.assertProblem(r, 413)

    def test_over_limit_chunked(self):
        body = self.padded(common.ctx.body_limit + 1)
        r = common.raw_exchange(self.request_bytes("POST", "/v1/applications", body,
                                                   chunked=True))
        self.assertProblem(r, 413)

    def test_over_limit_put(self):
        app = common.create("applicant_a", "incubator", review_unit="110101")
        body = self.padded(common.ctx.body_limit + 100)
        r = common.raw_exchange(self.request_bytes("PUT", "/v1/applications/%d" % app["id"],
                                                   body))
        self.assertProblem(r, 413)
        self.assertEqual(common.get(app["id"])[2]["version"], 1)

    def test_at_limit_accepted(self):
        body = self.padded(common.ctx.body_limit)
        r = req("POST", "/v1/applications", token="applicant_a", raw=body, headers=JSON)
        self.assertEqual(r[0], 201, r)
        r = common.raw_exchange(self.request_bytes("POST", "/v1/applications", body,
                                                   chunked=True))
        self.assertEqual(r[0], 201, r)

    def test_server_still_fine_after_413(self):
        body = self.padded(common.ctx.body_limit * 2)
        for _ in range(3):
            common.raw_exchange(self.request_bytes("POST", "/v1/applications", body))
        self.assertEqual(req("GET", "/healthz")[0], 200)


class Auth(ApiTest):
    def check_401(self, r):
        self.assertProblem(r, 401)
        www = r[1].get("www-authenticate", "")
        self.assertTrue(www.lower().startswith("bearer"), "WWW-Authenticate: %r" % www)

    def targets(self):
        app = self.app
        env = envelope("incubator", "applicant_a")
        return [("GET", "/v1/applications", None), ("POST", "/v1/applications", env),
                ("GET", "/v1/applications/%d" % app["id"], None),
                ("PUT", "/v1/applications/%d" % app["id"], env),
                ("POST", "/v1/applications/%d/submit" % app["id"], None),
                ("POST", "/v1/applications/%d/withdraw" % app["id"], None),
                ("POST", "/v1/accounts", {"role": "auditor", "name": "x"}),
                ("GET", "/v1/review-units", None)]

    @classmethod
    def setUpClass(cls):
        cls.app = common.create("applicant_a", "incubator", review_unit="110101")

    def test_missing_token(self):
        for method, path, body in self.targets():
            with self.subTest(method=method, path=path):
                self.check_401(req(method, path, body))

    def test_malformed_token(self):
        tok = common.ctx.tokens["applicant_a"]
        values = ["Bearer", "Bearer ", "Bearer sb_", "Bearer !!!", "Basic dXNlcjpwYXNz",
                  "Token " + tok, tok, "Bearer " + tok + " extra", "Bearer " + tok[3:]]
        for v in values:
            with self.subTest(authorization=v):
                self.check_401(req("GET", "/v1/applications", headers={"Authorization": v}))

    def test_unknown_token(self):
        for who in ("applicant_a", "admin", "auditor"):
            tok = other_token(common.ctx.tokens[who])
            self.assertNotIn(tok, common.ctx.tokens.values())
            for method, path, body in self.targets():
                with self.subTest(who=who, method=method, path=path):
                    self.check_401(req(method, path, body, token=tok))
        self.assertEqual(common.get(self.app["id"])[2]["version"], 1)

    def test_public_endpoints_need_none(self):
        for path in ("/healthz", "/v1/schemas/incubator"):
            with self.subTest(path=path):
                self.assertEqual(req("GET", path)[0], 200)


class Routing(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.app = common.create("applicant_a", "incubator", review_unit="110101")

    def test_unknown_paths(self):
        i = self.app["id"]
        for path in ("/v1/nope", "/v1/applications/%d/nope" % i, "/v2/applications",
                     "/v1/applications/%d/submit/extra" % i, "/v1/schemas", "/v1"):
            with self.subTest(path=path):
                self.assertProblem(req("GET", path, token="applicant_a"), 404)
        self.assertProblem(req("GET", "/nope"), 404)

    def test_405_with_allow(self):
        i = self.app["id"]
        cases = [
            ("DELETE", "/v1/applications/%d" % i, {"GET", "PUT"}, "applicant_a"),
            ("PATCH", "/v1/applications/%d" % i, {"GET", "PUT"}, "applicant_a"),
            ("PUT", "/v1/applications", {"GET", "POST"}, "applicant_a"),
            ("DELETE", "/v1/applications", {"GET", "POST"}, "applicant_a"),
            ("GET", "/v1/applications/%d/submit" % i, {"POST"}, "applicant_a"),
            ("PUT", "/v1/applications/%d/withdraw" % i, {"POST"}, "applicant_a"),
            ("POST", "/healthz", {"GET"}, None),
            ("GET", "/v1/accounts", {"POST"}, "admin"),
            ("DELETE", "/v1/review-units", {"GET", "POST"}, "admin"),
            ("POST", "/v1/schemas/incubator", {"GET"}, None),
        ]
        for method, path, allowed, who in cases:
            with self.subTest(method=method, path=path):
                r = req(method, path, token=who)
                self.assertProblem(r, 405)
                allow = {m.strip().upper() for m in r[1].get("allow", "").split(",") if m.strip()}
                self.assertTrue(allowed <= allow, "Allow: %r" % r[1].get("allow"))
                self.assertNotIn(method, allow)
        self.assertEqual(common.get(i)[2]["status"], "draft")

"""Health, schemas, review units, request ids, keep-alive, concurrency."""

import threading

import common
from common import ApiTest, req


class Health(ApiTest):
    def test_healthz_without_token(self):
        st, h, body = req("GET", "/healthz")
        self.assertEqual(st, 200, body)
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        self.assertEqual(body, {"status": "ok"})

    def test_healthz_with_token(self):
        st, _, body = req("GET", "/healthz", token="applicant_a")
        self.assertEqual(st, 200, body)
        self.assertEqual(body["status"], "ok")

    def test_request_ids_differ(self):
        ids = set()
        for _ in range(5):
            _, h, _ = req("GET", "/healthz")
            ids.add(h["x-request-id"])
        self.assertEqual(len(ids), 5, "X-Request-Id repeats: %r" % ids)

    def test_request_id_on_errors(self):
        # The client asserts X-Request-Id on every response, errors included.
        self.assertProblem(req("GET", "/v1/no-such-thing", token="applicant_a"), 404)
        self.assertProblem(req("GET", "/v1/applications"), 401)


class Schemas(ApiTest):
    def test_each_kind(self):
        for kind in common.KINDS:
            with self.subTest(kind=kind):
                st, h, body = req("GET", "/v1/schemas/" + kind)
                self.assertEqual(st, 200, body)
                self.assertIn("json", h.get("content-type", ""))
                self.assertIsInstance(body, dict)
                self.assertEqual(body.get("$id"), "urn:shenbao:schema:" + kind)

    def test_schema_describes_envelope(self):
        _, _, body = req("GET", "/v1/schemas/incubator")
        text = repr(body)
        for name in ("review_unit", "applicant", "mentor_sessions", "incubatees"):
            self.assertIn(name, text)

    def test_unknown_kind(self):
        self.assertProblem(req("GET", "/v1/schemas/no_such_kind"), 404)


class ReviewUnits(ApiTest):
    def test_list_has_districts_and_etdz(self):
        for who in common.ACCOUNTS:
            with self.subTest(who=who):
                st, _, body = req("GET", "/v1/review-units", token=who)
                self.assertEqual(st, 200, body)
                items = body["items"]
                self.assertIsInstance(items, list)
                ids = {u["id"] for u in items}
                for d in common.DISTRICTS + ("etdz",):
                    self.assertIn(d, ids)
                for u in items:
                    for m in ("id", "name_zh", "name_en", "kind"):
                        self.assertIsInstance(u.get(m), str, u)
                haidian = [u for u in items if u["id"] == "110108"][0]
                self.assertEqual(haidian["name_zh"], "海淀区")

    def test_needs_token(self):
        st, h, _ = r = req("GET", "/v1/review-units")
        self.assertProblem(r, 401)

    def test_admin_creates_enterprise_units(self):
        for uid in ("soe:基础测试集团", "hq:基础测试总部"):
            with self.subTest(unit=uid):
                st, _, body = req("POST", "/v1/review-units",
                                  {"id": uid, "name_zh": "测试单位", "name_en": "Test unit"},
                                  token="admin")
                self.assertEqual(st, 201, body)
                _, _, lst = req("GET", "/v1/review-units", token="applicant_a")
                self.assertIn(uid, {u["id"] for u in lst["items"]})

    def test_non_admin_cannot_create_units(self):
        for who in common.ACCOUNTS:
            if who == "admin":
                continue
            with self.subTest(who=who):
                r = req("POST", "/v1/review-units",
                        {"id": "soe:不该存在", "name_zh": "不该存在", "name_en": "Nope"},
                        token=who)
                self.assertProblem(r, 403)
        _, _, lst = req("GET", "/v1/review-units", token="applicant_a")
        self.assertNotIn("soe:不该存在", {u["id"] for u in lst["items"]})


class KeepAlive(ApiTest):
    def test_fifty_requests_one_connection(self):
        env = common.envelope("incubator", "applicant_a", review_unit="110101")
        bad = common.envelope("incubator", "applicant_a", review_unit="110101")
        bad["data"]["mentor_sessions"] = "many"
        conn = common.new_connection()
        try:
            conn.connect()
            sock = conn.sock
            tok = common.ctx.tokens["applicant_a"]
            seen = {}
            for i in range(50):
                self.assertIs(conn.sock, sock, "connection was closed before request %d" % i)
                step = i % 5
                if step == 0:
                    r = common.send(conn, "GET", "/healthz")
                    expect = 200
                elif step == 1:
                    r = common.send(conn, "GET", "/v1/applications?limit=2", token=tok)
                    expect = 200
                elif step == 2:
                    r = common.send(conn, "POST", "/v1/applications", env, token=tok)
                    expect = 201
                elif step == 3:
                    r = common.send(conn, "POST", "/v1/applications", bad, token=tok)
                    expect = 422
                else:
                    r = common.send(conn, "GET", "/v1/applications")
                    expect = 401
                self.assertEqual(r[0], expect, r)
                self.assertNotEqual(r[1].get("connection", "").lower(), "close", r)
                seen[expect] = seen.get(expect, 0) + 1
            self.assertIs(conn.sock, sock)
            self.assertEqual(sum(seen.values()), 50)
        finally:
            conn.close()


class Concurrency(ApiTest):
    def test_64_concurrent_connections(self):
        n = 64
        barrier = threading.Barrier(n)
        errors = []
        tok = common.ctx.tokens["auditor"]

        def worker():
            conn = common.new_connection()
            try:
                conn.connect()
                barrier.wait(timeout=30)
                for path, token in (("/healthz", None), ("/v1/applications?limit=1", tok),
                                    ("/v1/review-units", tok)):
                    r = common.send(conn, "GET", path, token=token)
                    if r[0] != 200:
                        errors.append(r)
            except Exception as e:  # collected, reported below
                errors.append(repr(e))
            finally:
                conn.close()

        threads = [threading.Thread(target=worker) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])

"""The HTTP layer against a hostile client (issue: hardening).

Text that is not UTF-8 anywhere in a request, a NUL in the path, thousands
of query parameters, unknown or repeated query parameters, framing that
cannot be trusted (no Host, two Content-Lengths), and slow senders that
would hold every connection slot of their address.  Requests http.client
cannot write go over raw sockets.
"""

import http.client
import select
import socket
import threading
import time

import common
from common import ApiTest, req


def exchange(data, port=None, timeout=10):
    """Sends raw bytes on a fresh connection to the main server (or port);
    returns the first response as a Resp, with its headers checked."""
    if port is None:
        return common.raw_exchange(data, timeout=timeout)
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        r = http.client.HTTPResponse(s, method="GET")
        r.begin()
        resp = common.parse_response(r, "RAW", data.split(b"\r\n", 1)[0].decode("latin-1"))
        common.check_common_headers(resp)
        return resp
    finally:
        s.close()


def request(method, target, headers=(), body=b"", version=b"HTTP/1.1", host=True):
    """The bytes of one request; target and headers as bytes, sent as they are."""
    lines = [method + b" " + target + b" " + version]
    if host:
        lines.append(b"Host: 127.0.0.1")
    lines.append(b"Connection: close")
    lines.extend(headers)
    if body:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def bearer(key):
    return b"Authorization: Bearer " + common.ctx.tokens[key].encode()


class TextBeforeRouting(ApiTest):
    """Invalid UTF-8 anywhere a request is read as text is a 400 before
    routing; the server never dies of it (it used to abort() building the
    problem's `instance`)."""

    def assert_alive(self):
        self.assertStatus(req("GET", "/healthz"), 200)

    def test_path_not_utf8_is_400(self):
        for target in (b"/%FF", b"/v1/certificates/%FF", b"/\xff\xfe", b"/v1/applications/%C0%AF",
                       b"/v1/applications/%E5%8C"):
            with self.subTest(target=target):
                r = exchange(request(b"GET", target, [bearer("auditor")]))
                body = self.assertProblem(r, 400)
                # The instance shows what was sent, escaped: valid UTF-8.
                self.assertEqual(body["instance"],
                                 target.decode("latin-1").replace("\xff", "%FF")
                                 .replace("\xfe", "%FE"))
        self.assert_alive()

    def test_method_not_utf8_is_400(self):
        for method in (b"G\xffT", b"\xff", b"GET\xc3"):
            with self.subTest(method=method):
                self.assertProblem(exchange(request(method, b"/healthz")), 400)
        self.assert_alive()

    def test_nul_in_path_is_400(self):
        app = common.create("applicant_a")
        path = b"/v1/applications/%d" % app["id"]
        self.assertStatus(exchange(request(b"GET", path, [bearer("applicant_a")])), 200)
        # Decoded, %00 used to cut the path: application 1 answered.
        for target in (path + b"%00", path + b"%00.json", path + b"%0A"):
            with self.subTest(target=target):
                body = self.assertProblem(exchange(request(b"GET", target,
                                                           [bearer("applicant_a")])), 400)
                self.assertIn("%00" if b"%00" in target else "control", body["detail"])
        # Sent raw, a NUL cut it the same way.
        r = exchange(request(b"GET", path + b"\x00x", [bearer("applicant_a")]))
        self.assertProblem(r, 400)

    def test_query_not_utf8_or_with_nul_is_400(self):
        cases = (
            (b"/v1/applications?review_unit=%FF", "review_unit"),
            (b"/v1/applications?review_unit=110108%00", "review_unit"),
            (b"/v1/applications?%FF=1", "%FF"),
            (b"/v1/applications?kind=\xe5\x8c", "kind"),
            (b"/v1/applications?limit=%4", "limit"),
        )
        for target, named in cases:
            with self.subTest(target=target):
                body = self.assertProblem(exchange(request(b"GET", target,
                                                           [bearer("applicant_a")])), 400)
                self.assertEqual([e["parameter"] for e in body["errors"]], [named])
        self.assert_alive()

    def test_header_not_utf8_is_400(self):
        for header in (b"X-Note: \xff\xfe", b"Authorization: Bearer \xff",
                       b"X-CSRF-Token: a\x01b", b"Bad\xffName: x"):
            with self.subTest(header=header):
                body = self.assertProblem(exchange(request(b"GET", b"/healthz", [header])), 400)
                self.assertIn("header", body["detail"])
        # UTF-8 text in a header is fine.
        self.assertStatus(exchange(request(b"GET", b"/healthz",
                                           ["X-Note: 北京".encode()])), 200)

    def test_json_string_not_utf8_is_400(self):
        for body in (b'{"jws": "\xff"}', b'{"\xff": 1}', b'{"jws": "a\\u0000b"}'):
            with self.subTest(body=body):
                r = exchange(request(b"POST", b"/v1/certificates/verify",
                                     [b"Content-Type: application/json"], body))
                self.assertProblem(r, 400)


class QueryParameters(ApiTest):
    """Unknown query parameters are refused, naming them; so is a parameter
    given twice; every declared one still works."""

    def test_unknown_parameter_is_named(self):
        for query, named in (("sattus=approved", ["sattus"]),
                             ("submitted_after=2020-01-01", ["submitted_after"]),
                             ("kind=incubator&Kind=x&limit=2", ["Kind"])):
            with self.subTest(query=query):
                body = self.assertProblem(req("GET", "/v1/applications?" + query,
                                              token="auditor"), 400)
                self.assertEqual([e["parameter"] for e in body["errors"]], named)
                self.assertIn("kind, status, round, review_unit, authority, submitted_from, "
                              "submitted_to, updated_since, q, sort, count, limit, cursor",
                              body["errors"][0]["detail"])

    def test_repeated_parameter_is_400(self):
        body = self.assertProblem(req("GET", "/v1/applications?limit=1&status=draft&limit=2",
                                      token="auditor"), 400)
        self.assertEqual([e["parameter"] for e in body["errors"]], ["limit"])
        self.assertIn("more than once", body["errors"][0]["detail"])

    def test_routes_without_parameters_refuse_any(self):
        for path in ("/healthz?verbose=1", "/v1/notices?page=2", "/v1/account?x",
                     "/.well-known/jwks.json?kid=a"):
            with self.subTest(path=path):
                body = self.assertProblem(req("GET", path, token="auditor"), 400)
                self.assertIn("takes none", body["errors"][0]["detail"])

    def test_declared_parameters_still_work(self):
        app = common.create("applicant_a")
        ids = common.list_ids("applicant_a", "kind=incubator&status=draft&round=2020"
                                             "&review_unit=%s" % app["review_unit"])
        self.assertIn(app["id"], ids)
        # The cursor is opaque: the one a page gives leads to the next.
        later = common.create("applicant_a")
        first = self.assertStatus(req("GET", "/v1/applications?limit=1", token="applicant_a"), 200)
        self.assertEqual([a["id"] for a in first["items"]], [later["id"]])
        body = self.assertStatus(req("GET", "/v1/applications?limit=1&cursor=%s"
                                     % common.urlquote(first["next_cursor"]),
                                     token="applicant_a"), 200)
        self.assertEqual([a["id"] for a in body["items"]], [app["id"]])
        # An empty query and empty segments are no parameters.
        self.assertStatus(req("GET", "/v1/applications?", token="auditor"), 200)
        self.assertStatus(req("GET", "/v1/applications?&limit=1&", token="auditor"), 200)

    def test_web_pages_ignore_their_query(self):
        # Links shared in WeChat come back with parameters of its own.
        for path in ("/?from=singlemessage&isappinstalled=0", "/app.js?v=2"):
            with self.subTest(path=path):
                r = req("GET", path)
                self.assertStatus(r, 200)
                self.assertNotIn("json", r.headers.get("content-type", ""))

    def test_thousands_of_parameters_answered_at_once(self):
        # Used to overflow libmicrohttpd's connection memory and hang until
        # the idle timeout (30 s).
        for n in (65, 3000):
            with self.subTest(n=n):
                query = "&".join("a%d=1" % i for i in range(n)).encode()
                t0 = time.monotonic()
                r = exchange(request(b"GET", b"/v1/applications?" + query, [bearer("auditor")]),
                             timeout=5)
                self.assertLess(time.monotonic() - t0, 1.0)
                body = self.assertProblem(r, 400)
                self.assertIn("64", body["detail"])
        # Within the limit the parameters are looked at one by one.
        query = "&".join("a%d=1" % i for i in range(64)).encode()
        body = self.assertProblem(exchange(request(b"GET", b"/v1/applications?" + query,
                                                   [bearer("auditor")])), 400)
        self.assertEqual(len(body["errors"]), 64)


class Framing(ApiTest):
    """Requests whose framing cannot be trusted are 400 and close."""

    def test_http11_without_host_is_400(self):
        body = self.assertProblem(exchange(request(b"GET", b"/healthz", host=False)), 400)
        self.assertIn("Host", body["detail"])
        two = request(b"GET", b"/healthz", [b"Host: other"])
        self.assertProblem(exchange(two), 400)
        # HTTP/1.0 had no Host.
        self.assertStatus(exchange(request(b"GET", b"/healthz", version=b"HTTP/1.0",
                                           host=False)), 200)

    def test_two_different_content_lengths_are_400(self):
        head = (b"POST /v1/certificates/verify HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\n")
        r = exchange(head + b"Content-Length: 2\r\nContent-Length: 13\r\n\r\n{}")
        body = self.assertProblem(r, 400)
        self.assertIn("Content-Length", body["detail"])
        r = exchange(head + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"2\r\n{}\r\n0\r\n\r\n")
        self.assertProblem(r, 400)
        r = exchange(head + b"Transfer-Encoding: gzip\r\n\r\n{}")
        self.assertProblem(r, 400)
        # The same length twice is one length.
        r = exchange(head + b"Connection: close\r\nContent-Length: 12\r\nContent-Length: 12"
                     b"\r\n\r\n{\"jws\": \"x\"}")
        self.assertStatus(r, 200)


# --------------------------------------------------------------------------
# Slow senders, on a server of their own with short deadlines and a small
# per-address limit.

HEAD_S = 2
BODY_S = 3
PER_ADDRESS = 6
MARGIN_S = 2.0  # a loaded machine (2 cores, ASan) may sweep late


def closed_within(sock, seconds, keep_sending=None):
    """Waits until the server closes sock (end-of-file or reset), sending
    keep_sending every 0.3 s meanwhile; returns the seconds it took, or None."""
    t0 = time.monotonic()
    last = 0.0
    while time.monotonic() - t0 < seconds:
        now = time.monotonic()
        if keep_sending is not None and now - last >= 0.3:
            last = now
            try:
                sock.sendall(keep_sending)
            except OSError:
                return now - t0
        ready, _, _ = select.select([sock], [], [], 0.1)
        if ready:
            try:
                if sock.recv(4096) == b"":
                    return time.monotonic() - t0
            except OSError:
                return time.monotonic() - t0
    return None


class SlowClients(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config({"header_timeout_s": HEAD_S,
                                              "request_timeout_s": BODY_S,
                                              "per_ip_connection_limit": PER_ADDRESS})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=5)
        self.addCleanup(s.close)
        return s

    def test_slow_head_is_cut_at_its_deadline(self):
        s = self.connect()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        # One header line every 0.3 s: never idle, never done.
        took = closed_within(s, HEAD_S + MARGIN_S, keep_sending=b"X-Slow: 1\r\n")
        self.assertIsNotNone(took, "a head sent for %s s was not cut" % (HEAD_S + MARGIN_S))
        self.assertGreaterEqual(took, HEAD_S - 0.5)

    def test_stalled_body_is_cut_at_its_deadline(self):
        s = self.connect()
        s.sendall(b"POST /v1/certificates/verify HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        # Nothing more: the idle timeout (30 s) is far away; the body's is not.
        took = closed_within(s, BODY_S + MARGIN_S)
        self.assertIsNotNone(took, "a stalled body was not cut")

    def test_kept_alive_connection_waits_at_most_the_head_deadline(self):
        s = self.connect()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data or not data.endswith(b"}\n"):
            chunk = s.recv(4096)
            self.assertTrue(chunk, "closed before the answer")
            data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 200"))
        self.assertIsNotNone(closed_within(s, HEAD_S + MARGIN_S))

    def test_slow_senders_do_not_lock_out_their_address(self):
        stop = threading.Event()
        opened = [0]

        def attacker():
            """Keeps up to 3 x the per-address limit of connections, each
            sending a header line every 0.5 s, and reopens any that is cut,
            one every 0.1 s.  A slow sender, not a flood of connects: a
            normal connection can be made room for only while its own head
            is arriving (a millisecond), so only a burst of per-address-limit
            connects within that moment reaches it; with the small limit of
            this server an unpaced loop on loopback could."""
            socks = {}  # socket -> when it last sent
            last_open = 0.0
            try:
                while not stop.is_set():
                    now = time.monotonic()
                    if len(socks) < 3 * PER_ADDRESS and now - last_open >= 0.1:
                        last_open = now
                        try:
                            s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=2)
                            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                            socks[s] = now
                            opened[0] += 1
                        except OSError:
                            pass
                    for s, last in list(socks.items()):
                        if now - last < 0.5:
                            continue
                        try:
                            s.sendall(b"X-Slow: 1\r\n")
                            socks[s] = now
                        except OSError:
                            del socks[s]
                            s.close()
                    ready, _, _ = select.select(list(socks), [], [], 0.1) if socks else ([], [], [])
                    for s in ready:
                        try:
                            gone = s.recv(4096) == b""
                        except OSError:
                            gone = True
                        if gone:
                            del socks[s]
                            s.close()
                    if not socks:
                        time.sleep(0.1)
            finally:
                for s in socks:
                    s.close()

        t = threading.Thread(target=attacker)
        t.start()
        waits = []
        failures = []
        try:
            time.sleep(1.0)  # the attacker holds the address's slots
            t_end = time.monotonic() + HEAD_S + 2.0
            while time.monotonic() < t_end:
                t0 = time.monotonic()
                try:
                    r = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                 port=self.srv.port, timeout=HEAD_S + MARGIN_S)
                    if r.status != 200:
                        failures.append(repr(r))
                except (OSError, http.client.HTTPException) as e:  # refused, reset, timed out
                    failures.append(repr(e))
                waits.append(time.monotonic() - t0)
                time.sleep(0.2)
        finally:
            stop.set()
            t.join()
        self.assertGreater(opened[0], PER_ADDRESS)
        self.assertEqual(failures, [], "a normal client of the address was refused")
        self.assertLess(max(waits), HEAD_S + MARGIN_S)

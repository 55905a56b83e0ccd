"""Signing keys: the JWKS (CONTRACT.md: RFC 7517/8037, every key, active and
retired), rotation with `shenbao keygen`, and `serve` refusing to start with
no key or with a key that others can read.

The rotation runs on a server of its own whose clock starts at 2020-09-29
10:00 in Beijing: a municipal approval publishes a notice ending on
2020-10-12, and `shenbao tick --now 2020-10-13T00:00:00+08:00` issues.
Certificate A is issued, the server is stopped, `shenbao keygen` makes a new
key active, the server starts again on the same database and keys, and
certificate B is issued.  Each is checked by the server's verify endpoint,
by `shenbao verify`, and by jose (tests/interop/verify.mjs), before and
after the rotation.
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import common
from common import ApiTest

CLOCK = "2020-09-29T10:00:00+08:00"
TICK = "2020-10-13T00:00:00+08:00"
START_TIMEOUT_S = 20


def issue(srv, kind, who):
    """Takes a new application of `kind` to approval; returns its
    {certificate, jws} as issued."""
    flow = common.Flow(srv)
    app = flow.to(flow.create(kind, who=who), "public_notice")
    common.run_tick(srv.config, TICK)
    r = srv.req("GET", "/v1/applications/%d/certificate" % app["id"], token="auditor")
    if r[0] != 200:
        raise AssertionError("no certificate after the tick: %r" % (r,))
    return {"certificate": r[2]["certificate"], "jws": r[2]["jws"]}


def jwks_of(srv):
    r = srv.req("GET", "/.well-known/jwks.json")
    if r[0] != 200:
        raise AssertionError("JWKS: %r" % (r,))
    return r[2]


class Jwks(ApiTest):
    """GET /.well-known/jwks.json on the suite's server."""

    def test_public_keys_only(self):
        r = common.req("GET", "/.well-known/jwks.json")
        body = self.assertStatus(r, 200)
        self.assertEqual(r[1].get("content-type", "").split(";")[0], "application/json")
        keys = body["keys"]
        self.assertIsInstance(keys, list)
        self.assertGreaterEqual(len(keys), 1)
        kids = []
        for k in keys:
            with self.subTest(k.get("kid")):
                self.assertEqual(k["kty"], "OKP")
                self.assertEqual(k["crv"], "Ed25519")
                self.assertIsInstance(k["kid"], str)
                self.assertTrue(k["kid"])
                self.assertRegex(k["x"], r"^[A-Za-z0-9_-]+$")
                self.assertEqual(len(common.b64url_decode(k["x"])), 32)
                # A public key set: never the private part.
                self.assertNotIn("d", k)
                if "alg" in k:
                    self.assertEqual(k["alg"], "EdDSA")
                if "use" in k:
                    self.assertEqual(k["use"], "sig")
                kids.append(k["kid"])
        self.assertEqual(len(kids), len(set(kids)), "kids are not unique")

    def test_no_token_needed(self):
        r = common.req("GET", "/.well-known/jwks.json", token="applicant_a")
        self.assertStatus(r, 200)
        r = common.req("GET", "/.well-known/jwks.json")
        self.assertStatus(r, 200)


class Rotation(ApiTest):
    """Certificate A with the first key, keygen, certificate B with the new
    one: both stay valid everywhere."""

    @classmethod
    def setUpClass(cls):
        cls.files = tempfile.mkdtemp(prefix="shenbao-api-keys-")
        cls.first = cls.second = None
        try:
            cls.first = common.start_server(clock=CLOCK)
            cls.a = issue(cls.first, "incubator", "applicant_a")
            cls.jwks_before = jwks_of(cls.first)
            # Before the rotation, checked on the first server.
            cls.before = cls.check_all(cls.first, {"A": cls.a}, cls.jwks_before, "before")
            common.stop_keeping_data(cls.first)
            cls.keygen = common.shenbao_cli(["keygen", "--config", cls.first.config])
            cls.second = common.serve_again(cls.first, clock=CLOCK)
            cls.b = issue(cls.second, "first_store", "applicant_a")
            cls.jwks_after = jwks_of(cls.second)
            cls.after = cls.check_all(cls.second, {"A": cls.a, "B": cls.b}, cls.jwks_after,
                                      "after")
        except BaseException:
            cls.tearDownClass()   # unittest does not when setUpClass fails
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.second is not None:
                cls.second.stop()
            elif cls.first is not None:
                cls.first.stop()
        finally:
            shutil.rmtree(cls.files, ignore_errors=True)

    @classmethod
    def check_all(cls, srv, certs, jwks, when):
        """Every way of checking each certificate; returns
        {(name, way): (ok, detail)} for the tests to assert on."""
        jwks_path = common.write_json(os.path.join(cls.files, "jwks-%s.json" % when), jwks)
        url = "http://127.0.0.1:%d/.well-known/jwks.json" % srv.port
        results = {}
        for name, pair in certs.items():
            path = common.write_json(os.path.join(cls.files, "%s-%s.json" % (name, when)), pair)
            r = srv.req("POST", "/v1/certificates/verify", pair)
            results[(name, "endpoint")] = (
                r[0] == 200 and r[2].get("valid") is True and r[2].get("status") == "active", r)
            r = srv.req("POST", "/v1/certificates/verify", {"jws": pair["jws"]})
            results[(name, "endpoint jws alone")] = (
                r[0] == 200 and r[2].get("valid") is True, r)
            for way, args in (("verify --jwks file", ["--jwks", jwks_path]),
                              ("verify --jwks url", ["--jwks", url]),
                              ("verify --config", ["--config", srv.config])):
                rc, out, err = common.shenbao_cli(["verify", path] + args)
                results[(name, way)] = (rc == 0, "exit %d: %s%s" % (rc, out, err))
            try:
                rc, out, err = common.interop_verify(path, jwks_path)
                results[(name, "jose")] = (rc == 0, "exit %d: %s%s" % (rc, out, err))
            except AssertionError as e:
                results[(name, "jose")] = (False, str(e))
        return results

    def assertAllPass(self, results):
        for (name, way), (ok, detail) in sorted(results.items()):
            with self.subTest(certificate=name, check=way):
                self.assertTrue(ok, detail)

    def test_keygen_succeeded(self):
        rc, out, err = self.keygen
        self.assertEqual(rc, 0, "keygen: %s%s" % (out, err))

    def test_a_and_b_signed_with_different_keys(self):
        kid_a = common.jws_header(self.a["jws"])["kid"]
        kid_b = common.jws_header(self.b["jws"])["kid"]
        self.assertNotEqual(kid_a, kid_b)
        for pair in (self.a, self.b):
            self.assertEqual(common.jws_header(pair["jws"])["alg"], "EdDSA")

    def test_jwks_lists_both_keys(self):
        kid_a = common.jws_header(self.a["jws"])["kid"]
        kid_b = common.jws_header(self.b["jws"])["kid"]
        before = [k["kid"] for k in self.jwks_before["keys"]]
        after = [k["kid"] for k in self.jwks_after["keys"]]
        self.assertEqual(before, [kid_a])
        self.assertEqual(sorted(after), sorted([kid_a, kid_b]))
        # The first key is published unchanged.
        old = [k for k in self.jwks_after["keys"] if k["kid"] == kid_a]
        self.assertEqual(old[0]["x"], self.jwks_before["keys"][0]["x"])
        for k in self.jwks_after["keys"]:
            self.assertEqual((k["kty"], k["crv"]), ("OKP", "Ed25519"))
            self.assertNotIn("d", k)

    def test_a_verifies_before_rotation(self):
        self.assertAllPass(self.before)

    def test_a_and_b_verify_after_rotation(self):
        self.assertEqual({name for name, _ in self.after}, {"A", "B"})
        self.assertAllPass(self.after)

    def test_b_unknown_to_the_old_jwks(self):
        jwks_path = common.write_json(os.path.join(self.files, "jwks-old.json"),
                                      self.jwks_before)
        path = common.write_json(os.path.join(self.files, "B-old.json"), self.b)
        rc, out, err = common.shenbao_cli(["verify", path, "--jwks", jwks_path])
        self.assertNotEqual(rc, 0, "B accepted with the JWKS from before the rotation: " + out)
        rc, out, err = common.interop_verify(path, jwks_path)
        self.assertEqual(rc, 1, "jose: exit %d\n%s%s" % (rc, out, err))

    def test_tampered_refused_with_both_keys(self):
        jwks_path = common.write_json(os.path.join(self.files, "jwks-both.json"),
                                      self.jwks_after)
        for name, pair in (("A", self.a), ("B", self.b)):
            with self.subTest(name):
                bad = common.tampered_certificate(pair)
                path = common.write_json(os.path.join(self.files, name + "-bad.json"), bad)
                rc, out, err = common.shenbao_cli(["verify", path, "--jwks", jwks_path])
                self.assertNotEqual(rc, 0, out)
                rc, out, err = common.interop_verify(path, jwks_path)
                self.assertEqual(rc, 1, "jose: exit %d\n%s%s" % (rc, out, err))
                r = self.second.req("POST", "/v1/certificates/verify", bad)
                self.assertIs(self.assertStatus(r, 200)["valid"], False)


class RotationWhileServing(ApiTest):
    """`shenbao keygen` while the server runs makes the new key the active
    one (CONTRACT.md): what the server's own clock issues afterwards is
    signed with it.  A server that kept signing with the key it loaded at
    start would sign with a retired key, and its own verify refuses a
    signature dated after the key's retirement."""

    def test_server_signs_with_the_new_key(self):
        first = common.start_server(clock=CLOCK)
        second = None
        try:
            flow = common.Flow(first)
            app = flow.to(flow.create("incubator", who="applicant_a"), "public_notice")
            old_kid = jwks_of(first)["keys"][0]["kid"]
            common.stop_keeping_data(first)
            # Tick every second, from a few seconds before the notice ends.
            with open(first.config, encoding="utf-8") as f:
                cfg = json.load(f)
            cfg["tick_interval_s"] = 1
            common.write_json(first.config, cfg)
            second = common.serve_again(first, clock=app["notice"]["ends_on"] +
                                        "T23:59:55+08:00")
            rc, out, err = common.shenbao_cli(["keygen", "--config", first.config])
            self.assertEqual(rc, 0, "keygen: %s%s" % (out, err))
            self.assertEqual(second.get(app["id"], "auditor")["status"], "public_notice",
                             "approved before keygen: the test's clock was too late")
            new_kids = [k["kid"] for k in jwks_of(second)["keys"] if k["kid"] != old_kid]
            self.assertEqual(len(new_kids), 1)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and \
                    second.get(app["id"], "auditor")["status"] == "public_notice":
                time.sleep(0.2)
            self.assertEqual(second.get(app["id"], "auditor")["status"], "approved")
            r = second.req("GET", "/v1/applications/%d/certificate" % app["id"], token="auditor")
            got = self.assertStatus(r, 200)
            pair = {"certificate": got["certificate"], "jws": got["jws"]}
            v = self.assertStatus(second.req("POST", "/v1/certificates/verify", pair), 200)
            self.assertIs(v["valid"], True, v)
            self.assertEqual(common.jws_header(pair["jws"])["kid"], new_kids[0],
                             "issued after `shenbao keygen` with the retired key %s, not the "
                             "active key %s" % (old_kid, new_kids[0]))
        finally:
            if second is not None:
                second.stop()
            else:
                first.stop()


class Refusal(ApiTest):
    """`shenbao serve` refuses to start without an active signing key, or
    with one that others can read (sign.c: the directory must be 0700-like,
    the key file 0600-like)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="shenbao-api-refusal-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fresh_config(self, name):
        """A config of its own (database and key directory) in a directory
        of its own, migrated, with no key yet."""
        base = os.path.join(self.tmp, name)
        os.mkdir(base)
        cfg = common.write_json(os.path.join(base, "config.json"),
                                {"db": common.new_db(base),
                                 "keys": os.path.join(base, "keys")})
        rc, out, err = common.shenbao_cli(["migrate", "--config", cfg])
        self.assertEqual(rc, 0, "migrate: %s%s" % (out, err))
        return cfg, os.path.join(base, "keys")

    def keygen(self, cfg):
        rc, out, err = common.shenbao_cli(["keygen", "--config", cfg])
        self.assertEqual(rc, 0, "keygen: %s%s" % (out, err))

    def serve(self, cfg):
        """Starts `shenbao serve`; returns (exit status, stderr) once it
        exits, or (None, stderr) when it answered GET /healthz (it is then
        stopped with SIGTERM)."""
        import http.client

        import run as harness

        port = harness.free_port()
        errpath = os.path.join(os.path.dirname(cfg), "serve.stderr")
        with open(errpath, "wb") as errf:
            p = subprocess.Popen([common.ctx.shenbao, "serve", "--config", cfg,
                                  "--listen", "127.0.0.1:%d" % port],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=errf)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            healthy = False
            while p.poll() is None and not healthy and time.monotonic() < deadline:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                try:
                    c.request("GET", "/healthz")
                    r = c.getresponse()
                    r.read()
                    healthy = r.status == 200
                except (OSError, http.client.HTTPException):
                    time.sleep(0.1)
                finally:
                    c.close()
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(harness.STOP_TIMEOUT_S)
                rc = None
            else:
                rc = p.returncode
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        text = harness.read_text(errpath)
        bad = harness.sanitizer_lines(text)
        if bad:
            self.fail("sanitizer report from serve:\n" + "\n".join(bad[:20]))
        if rc is None and not healthy:
            self.fail("serve neither exited nor answered /healthz within %d s:\n%s"
                      % (START_TIMEOUT_S, text))
        return rc, text

    def assertRefuses(self, cfg, *words):
        rc, err = self.serve(cfg)
        self.assertIsNotNone(rc, "serve started and ran:\n%s" % err)
        self.assertNotEqual(rc, 0, "serve exited 0:\n%s" % err)
        for w in words:
            self.assertIn(w, err)
        return err

    def key_file(self, keys):
        names = [n for n in os.listdir(keys) if n.endswith(".ed25519")]
        self.assertEqual(len(names), 1, names)
        return os.path.join(keys, names[0])

    def test_no_key_tells_to_run_keygen(self):
        cfg, keys = self.fresh_config("nokey")
        err = self.assertRefuses(cfg, "keygen")
        self.assertIn(keys, err)

    def test_key_directory_open_to_others(self):
        cfg, keys = self.fresh_config("dir0755")
        self.keygen(cfg)
        os.chmod(keys, 0o755)
        err = self.assertRefuses(cfg, keys, "chmod")
        self.assertIn("700", err)

    def test_key_file_readable_by_others(self):
        cfg, keys = self.fresh_config("file0644")
        self.keygen(cfg)
        path = self.key_file(keys)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode) & 0o077, 0)
        os.chmod(path, 0o644)
        err = self.assertRefuses(cfg, os.path.basename(path), "chmod")
        self.assertIn("600", err)

    def test_private_modes_start(self):
        """The control: the same set-up with the modes keygen made starts."""
        cfg, keys = self.fresh_config("private")
        self.keygen(cfg)
        self.assertEqual(stat.S_IMODE(os.stat(keys).st_mode) & 0o077, 0)
        rc, err = self.serve(cfg)
        self.assertIsNone(rc, "serve exited %s:\n%s" % (rc, err))
        for line in err.splitlines():
            self.assertIsInstance(json.loads(line), dict)


class SignedAfterRetirement(ApiTest):
    """A key signs only while it is active: a certificate it signed dated
    after its retirement is not valid (certificates.c, certificate_check),
    as one signed with a retired key that leaked would be.  To have the
    server itself sign such a certificate, this server's clock runs in 2099
    (with a working-day calendar of that year, config `workdays_file`), and
    `shenbao keygen` then retires the key at today's real date."""

    def test_certificate_dated_after_retirement_is_invalid(self):
        tmp = tempfile.mkdtemp(prefix="shenbao-api-retired-")
        calendar = common.write_json(os.path.join(tmp, "workdays.json"),
                                     {"covered_years": [2099], "years": {"2099": {"days": []}}})
        srv = common.start_server_config({"workdays_file": calendar},
                                         clock="2099-03-02T10:00:00+08:00")
        try:
            flow = common.Flow(srv)
            app = flow.to(flow.create("incubator"), "approved")
            got = self.assertStatus(srv.req("GET", "/v1/applications/%d/certificate" % app["id"],
                                            token="auditor"), 200)
            pair = {"certificate": got["certificate"], "jws": got["jws"]}
            self.assertTrue(pair["certificate"]["issued_on"].startswith("2099-"))
            kid = common.jws_header(pair["jws"])["kid"]
            v = self.assertStatus(srv.req("POST", "/v1/certificates/verify", pair), 200)
            self.assertIs(v["valid"], True, v)

            rc, out, err = common.shenbao_cli(["keygen", "--config", srv.config])
            self.assertEqual(rc, 0, "keygen: %s%s" % (out, err))
            v = self.assertStatus(srv.req("POST", "/v1/certificates/verify", pair), 200)
            self.assertIs(v["valid"], False, v)
            self.assertIn("retired", v["detail"])
            self.assertIn(kid, v["detail"])
            # The key itself is still published, for what it signed before.
            self.assertIn(kid, [k["kid"] for k in jwks_of(srv)["keys"]])
        finally:
            srv.stop()
            shutil.rmtree(tmp, ignore_errors=True)

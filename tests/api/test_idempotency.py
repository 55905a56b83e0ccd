"""Idempotency-Key on the POSTs a client retries (docs/CONTRACT.md, "API
description and retries"): a retry with the same key and request gets the
first answer again and does nothing; the same key with another request is
422; a retry while the first runs is 409; keys are the caller's; they expire.
"""

import http.client
import json
import os
import threading
import time
import urllib.parse
import uuid

import common
from common import ApiTest, Flow, envelope, list_ids, req

CLOCK = "2020-11-02T10:00:00+08:00"
REPLAYED = "idempotent-replayed"


def key():
    return str(uuid.uuid4())


def same_answer(test, first, again):
    """again is first replayed: same status, body, Location and ETag, and
    marked as a replay; first is not."""
    test.assertNotIn(REPLAYED, first.headers)
    test.assertEqual(again.headers.get(REPLAYED), "true", again)
    test.assertEqual(again.status, first.status)
    test.assertEqual(again.body, first.body)
    for h in ("location", "etag", "content-type"):
        test.assertEqual(again.headers.get(h), first.headers.get(h), h)


class OnTheMainServer(ApiTest):

    def create(self, k, env=None, who="applicant_a", headers=None):
        hdrs = {"Idempotency-Key": k}
        hdrs.update(headers or {})
        return req("POST", "/v1/applications", env or envelope(who=who), token=who,
                   headers=hdrs)

    def submittable(self):
        """A new draft with the files it needs, so that it can be submitted."""
        app = self.create(key()).body
        common.attach_materials(app["id"], "applicant_a")
        return app

    def test_create_retried_makes_one_draft_and_answers_the_same(self):
        before = set(list_ids("applicant_a"))
        k = key()
        first = self.create(k)
        self.assertStatus(first, 201)
        again = self.create(k)
        same_answer(self, first, again)
        self.assertEqual(again.headers["location"], "/v1/applications/%d" % first.body["id"])
        after = set(list_ids("applicant_a"))
        self.assertEqual(after - before, {first.body["id"]})

    def test_members_in_another_order_are_the_same_request(self):
        env = envelope()
        k = key()
        first = req("POST", "/v1/applications", token="applicant_a",
                    headers={"Idempotency-Key": k, "Content-Type": "application/json"},
                    raw=json.dumps(env, ensure_ascii=False).encode())
        self.assertStatus(first, 201)
        reordered = dict(reversed(list(env.items())))
        again = req("POST", "/v1/applications", token="applicant_a",
                    headers={"Idempotency-Key": k, "Content-Type": "application/json"},
                    raw=json.dumps(reordered, indent=2).encode())
        same_answer(self, first, again)

    def test_the_same_key_with_another_body_is_422(self):
        k = key()
        self.assertStatus(self.create(k), 201)
        before = set(list_ids("applicant_a"))
        other = envelope(review_unit="110105")
        r = self.create(k, other)
        body = self.assertProblem(r, 422)
        self.assertEqual(body["type"], "urn:shenbao:problem:idempotency-key-reused")
        self.assertNotIn(REPLAYED, r.headers)
        self.assertEqual(set(list_ids("applicant_a")), before)
        # Another target or If-Match is another request too.
        app = self.submittable()
        k = key()
        self.assertStatus(req("POST", "/v1/applications/%d/submit" % app["id"],
                              token="applicant_a", headers={"Idempotency-Key": k}), 200)
        r = req("POST", "/v1/applications/%d/withdraw" % app["id"], token="applicant_a",
                headers={"Idempotency-Key": k})
        self.assertProblem(r, 422)
        r = req("POST", "/v1/applications/%d/submit" % app["id"], token="applicant_a",
                headers={"Idempotency-Key": k, "If-Match": '"1"'})
        self.assertProblem(r, 422)

    def test_submit_retried_after_it_succeeded_answers_the_first_200(self):
        app = self.submittable()
        k = key()
        path = "/v1/applications/%d/submit" % app["id"]
        first = req("POST", path, token="applicant_a", headers={"Idempotency-Key": k})
        self.assertEqual(self.assertStatus(first, 200)["status"], "district_review")
        again = req("POST", path, token="applicant_a", headers={"Idempotency-Key": k})
        same_answer(self, first, again)
        # Without the key the same request is the 409 it always was.
        self.assertProblem(req("POST", path, token="applicant_a"), 409)
        events = req("GET", "/v1/applications/%d/events" % app["id"], token="applicant_a").body
        self.assertEqual([e["action"] for e in events["items"]].count("submit"), 1)

    def test_an_upload_retried_stores_one_file(self):
        """The fingerprint of a file is its SHA-256 (with its media type and
        name): the same bytes again are the first answer; other bytes under
        the key are 422, and nothing is stored."""
        app = self.create(key()).body
        path = "/v1/applications/%d/materials?type=application_form" % app["id"]
        k = key()

        def upload(body, name="申请书.pdf", k=k):
            return req("POST", path, token="applicant_a", raw=body,
                       headers={"Idempotency-Key": k, "Content-Type": "application/pdf",
                                "Content-Disposition": "attachment; filename*=UTF-8''%s"
                                % urllib.parse.quote(name)})

        first = upload(common.TINY_PDF)
        self.assertStatus(first, 201)
        again = upload(common.TINY_PDF)
        same_answer(self, first, again)
        self.assertEqual(again.headers["location"], "/v1/applications/%d/materials/%d"
                         % (app["id"], first.body["id"]))
        other = upload(common.TINY_PDF + b"% another page\n")
        self.assertEqual(self.assertProblem(other, 422)["type"],
                         "urn:shenbao:problem:idempotency-key-reused")
        self.assertEqual(self.assertProblem(upload(common.TINY_PDF, "另一个.pdf"), 422)["type"],
                         "urn:shenbao:problem:idempotency-key-reused")
        files = req("GET", "/v1/applications/%d/materials" % app["id"], token="applicant_a").body
        self.assertEqual([f["id"] for f in files["items"] if f["type"] == "application_form"],
                         [first.body["id"]])
        # The same bytes under a new key are a new file.
        self.assertNotEqual(self.assertStatus(upload(common.TINY_PDF, k=key()), 201)["id"],
                            first.body["id"])

    def test_an_opinion_template_retried_is_made_once(self):
        who = "district_110108"
        k = key()
        body = {"title": "材料齐全", "text": "经审核，申报材料齐全，符合申报条件。"}

        def titles():
            return [t["id"] for t in req("GET", "/v1/opinion-templates", token=who).body["items"]]

        before = titles()
        first = req("POST", "/v1/opinion-templates", body, token=who,
                    headers={"Idempotency-Key": k})
        self.assertStatus(first, 201)
        same_answer(self, first, req("POST", "/v1/opinion-templates", body, token=who,
                                     headers={"Idempotency-Key": k}))
        r = req("POST", "/v1/opinion-templates", dict(body, text="另一条意见。"), token=who,
                headers={"Idempotency-Key": k})
        self.assertEqual(self.assertProblem(r, 422)["type"],
                         "urn:shenbao:problem:idempotency-key-reused")
        self.assertEqual(titles(), before + [first.body["id"]])
        self.assertStatus(req("DELETE", first.headers["location"], token=who), 204)

    def test_withdraw_retried_answers_the_first_200(self):
        app = self.create(key()).body
        k = key()
        path = "/v1/applications/%d/withdraw" % app["id"]
        first = req("POST", path, token="applicant_a", headers={"Idempotency-Key": k})
        self.assertEqual(self.assertStatus(first, 200)["status"], "withdrawn")
        same_answer(self, first, req("POST", path, token="applicant_a",
                                     headers={"Idempotency-Key": k}))

    def test_an_answer_that_refused_is_kept_too(self):
        app = self.create(key()).body
        common.withdraw(app["id"])
        k = key()
        path = "/v1/applications/%d/submit" % app["id"]
        first = req("POST", path, token="applicant_a", headers={"Idempotency-Key": k})
        self.assertProblem(first, 409)
        same_answer(self, first, req("POST", path, token="applicant_a",
                                     headers={"Idempotency-Key": k}))
        # A 422 the handler gave (the envelope's rules) is kept as well.
        k = key()
        bad = envelope(round=1999)
        first = self.create(k, bad)
        self.assertProblem(first, 422, ["/round"])
        same_answer(self, first, self.create(k, bad))

    def test_keys_belong_to_the_account(self):
        k = key()
        a = self.create(k)
        self.assertStatus(a, 201)
        b = self.create(k, who="applicant_b")
        self.assertStatus(b, 201)
        self.assertNotIn(REPLAYED, b.headers)
        self.assertNotEqual(a.body["id"], b.body["id"])
        self.assertEqual(b.body["applicant"]["uscc"], common.USCC_B)

    def test_a_request_refused_before_it_ran_does_not_take_the_key(self):
        k = key()
        r = req("POST", "/v1/applications", envelope(), token="not-a-token",
                headers={"Idempotency-Key": k})
        self.assertProblem(r, 401)
        r = req("POST", "/v1/applications", envelope(), token="district_110108",
                headers={"Idempotency-Key": k})
        self.assertProblem(r, 403)
        r = req("POST", "/v1/applications", token="applicant_a", raw=b"{not json",
                headers={"Idempotency-Key": k, "Content-Type": "application/json"})
        self.assertProblem(r, 400)
        r = self.create(k)
        self.assertStatus(r, 201)
        self.assertNotIn(REPLAYED, r.headers)

    def test_the_key_as_a_structured_field_string_is_the_same_key(self):
        k = key()
        first = self.create(k)
        self.assertStatus(first, 201)
        same_answer(self, first, self.create('"%s"' % k))

    def test_a_key_that_is_not_one_is_400(self):
        for bad in ("", "a" * 256, '"unclosed', '"a"b', '"bad\\escape"', "with space",
                    "键".encode()):
            with self.subTest(key=bad):
                r = self.create(bad)
                body = self.assertProblem(r, 400)
                self.assertIn("Idempotency-Key", body["detail"])
        self.assertStatus(self.create("a" * 255), 201)

    def test_routes_without_keys_ignore_the_header(self):
        app = self.create(key()).body
        k = key()
        for _ in range(2):
            r = req("GET", "/v1/applications/%d" % app["id"], token="applicant_a",
                    headers={"Idempotency-Key": k})
            self.assertStatus(r, 200)
            self.assertNotIn(REPLAYED, r.headers)


class OfItsOwnServer(ApiTest):
    """Reviews, objections and expiry, on a server with a pinned clock and a
    short expiry."""

    TTL = 3

    @classmethod
    def setUpClass(cls):
        cls.srv = common.start_server_config(
            {"idempotency_key_ttl_s": cls.TTL, "tick_interval_s": 1,
             "objections_per_minute": 3}, clock=CLOCK)
        cls.flow = Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_a_review_retried_is_decided_once(self):
        app = self.flow.to(self.flow.create("incubator"), "district_review")
        k = key()
        body = common.review_body("district", "approve", opinion="材料齐全")
        first = self.srv.review(app["id"], "district_110108", body,
                                headers={"Idempotency-Key": k})
        self.assertEqual(self.assertStatus(first, 200)["status"], "municipal_review")
        again = self.srv.review(app["id"], "district_110108", body,
                                headers={"Idempotency-Key": k})
        same_answer(self, first, again)
        actions = [e["action"] for e in self.flow.events(app["id"])]
        self.assertEqual(actions.count("district_approve"), 1, actions)

    def test_an_objection_retried_is_filed_once_and_keys_are_the_addresses(self):
        app = self.flow.to(self.flow.create("incubator"), "public_notice")
        k = key()
        source = common.loopback_source()
        body = common.objection_body("重试")
        first = common.file_objection(self.srv.port, app["id"], body, source,
                                      headers={"Idempotency-Key": k})
        self.assertStatus(first, 201)
        again = common.file_objection(self.srv.port, app["id"], body, source,
                                      headers={"Idempotency-Key": k})
        same_answer(self, first, again)
        # The same key from another address is another caller's.
        other = common.file_objection(self.srv.port, app["id"], body, None,
                                      headers={"Idempotency-Key": k})
        self.assertStatus(other, 201)
        self.assertNotIn(REPLAYED, other.headers)
        self.assertNotEqual(other.body["id"], first.body["id"])
        r = self.srv.req("GET", "/v1/applications/%d/objections" % app["id"], token="auditor")
        self.assertEqual(len(self.assertStatus(r, 200)["items"]), 2)

    def test_a_429_is_not_kept(self):
        app = self.flow.to(self.flow.create("incubator"), "public_notice")
        source = common.loopback_source()
        for _ in range(3):
            self.assertStatus(common.file_objection(self.srv.port, app["id"], None, source), 201)
        k = key()
        for _ in range(2):
            r = common.file_objection(self.srv.port, app["id"], None, source,
                                      headers={"Idempotency-Key": k})
            self.assertProblem(r, 429)
            self.assertNotIn(REPLAYED, r.headers)

    def rows(self):
        return common.db_rows(self.srv.db, "SELECT count(*) FROM idempotency_keys")[0][0]

    def test_a_key_expires_and_the_clock_tick_deletes_it(self):
        k = key()
        env = self.srv.envelope("incubator", "applicant_a")
        first = self.srv.req("POST", "/v1/applications", env, token="applicant_a",
                             headers={"Idempotency-Key": k})
        self.assertStatus(first, 201)
        self.assertGreaterEqual(self.rows(), 1)
        deadline = time.monotonic() + self.TTL + 10
        while self.rows() > 0 and time.monotonic() < deadline:
            time.sleep(0.25)
        self.assertEqual(self.rows(), 0, "the tick did not delete the expired keys")
        again = self.srv.req("POST", "/v1/applications", env, token="applicant_a",
                             headers={"Idempotency-Key": k})
        self.assertStatus(again, 201)
        self.assertNotIn(REPLAYED, again.headers)
        self.assertNotEqual(again.body["id"], first.body["id"])

    def test_two_identical_requests_at_once_run_once(self):
        env = self.srv.envelope("first_store", "applicant_a")
        before = set(self.ids())
        for _ in range(3):
            k = key()
            answers = self.fire(8, "POST", "/v1/applications", env, "applicant_a",
                                {"Idempotency-Key": k})
            statuses = sorted(r.status for r in answers)
            self.assertTrue(set(statuses) <= {201, 409}, statuses)
            made = {r.body["id"] for r in answers if r.status == 201}
            self.assertEqual(len(made), 1, answers)
            for r in answers:
                if r.status == 409:
                    body = self.assertProblem(r, 409)
                    self.assertEqual(body["type"], "urn:shenbao:problem:idempotency-key-in-use")
                    self.assertEqual(r.headers.get("retry-after"), "1")
            # Once it has answered, a retry gets that answer.
            again = self.srv.req("POST", "/v1/applications", env, token="applicant_a",
                                 headers={"Idempotency-Key": k})
            self.assertEqual(again.headers.get(REPLAYED), "true")
            self.assertEqual(again.body["id"], made.pop())
        self.assertEqual(len(set(self.ids()) - before), 3)

    def ids(self):
        r = self.srv.req("GET", "/v1/applications?limit=100", token="applicant_a")
        return [a["id"] for a in self.assertStatus(r, 200)["items"]]

    def fire(self, n, method, path, body, who, headers):
        barrier = threading.Barrier(n)
        results = [None] * n

        def run(i):
            c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
            try:
                c.connect()
                barrier.wait(30)
                results[i] = common.send(c, method, path, body, self.srv.tokens[who], headers)
            except BaseException as e:
                results[i] = e
            finally:
                c.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for r in results:
            if not isinstance(r, tuple):
                raise AssertionError("a request failed: %r" % (r,))
        return results


class AcrossRestarts(ApiTest):
    """Keys live in the database: a restarted server still answers a retry,
    until 24 hours after the first request."""

    def test_a_retry_after_a_restart_and_after_24_hours(self):
        first_srv = common.start_server(clock="2020-11-02T10:00:00+08:00")
        servers = [first_srv]
        try:
            k = key()
            env = first_srv.envelope("incubator", "applicant_a")
            first = first_srv.req("POST", "/v1/applications", env, token="applicant_a",
                                  headers={"Idempotency-Key": k})
            self.assertStatus(first, 201)
            common.stop_keeping_data(first_srv)

            later = common.serve_again(first_srv, clock="2020-11-03T09:59:00+08:00")
            servers.append(later)
            again = later.req("POST", "/v1/applications", env, token="applicant_a",
                              headers={"Idempotency-Key": k})
            same_answer(self, first, again)
            common.stop_keeping_data(later)

            next_day = common.serve_again(first_srv, clock="2020-11-03T10:00:30+08:00")
            servers.append(next_day)
            fresh = next_day.req("POST", "/v1/applications", env, token="applicant_a",
                                 headers={"Idempotency-Key": k})
            self.assertStatus(fresh, 201)
            self.assertNotIn(REPLAYED, fresh.headers)
            self.assertNotEqual(fresh.body["id"], first.body["id"])
        finally:
            for s in reversed(servers):
                s.stop()

"""Concurrent decisions on one application: exactly one wins.

24 threads, each with its own connection, send the same stage's decision
(approve, reject and return mixed) at the same application at the same
moment.  One answer is 200; every other is 409 (the status moved on) or,
for a request carrying If-Match with the version read before, 412 or 409.
The history holds exactly one decision.  On a server of its own with a
pinned clock, so a municipal approval can always set its notice.
"""

import http.client
import json
import subprocess
import threading
import time

import common
from common import ApiTest, Flow

CLOCK = "2020-11-02T10:00:00+08:00"


def review_body(*args, **kw):
    """common.review_body() with its records dated on the server's day."""
    return common.review_body(*args, day=common.beijing_day(CLOCK), **kw)
THREADS = 24
ROUNDS = 3
DECISIONS = ("approve", "reject", "return")
TARGET = {"approve": {"district": "municipal_review", "municipal": "public_notice"},
          "reject": {"district": "rejected", "municipal": "rejected"},
          "return": {"district": "returned", "municipal": "returned"}}


class Race(ApiTest):

    @classmethod
    def setUpClass(cls):
        # Threads enough for the 24 to be in the server at once, so their
        # writes meet in one batch of the group commit.
        cls.srv = common.start_server_config({"threads": 24}, clock=CLOCK)
        cls.flow = Flow(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def fire(self, requests):
        """Sends requests [(method, path, body, token key, headers)] at once,
        one thread and one connection each; returns [(request, Resp or
        exception)] in the same order."""
        barrier = threading.Barrier(len(requests))
        results = [None] * len(requests)

        def run(i, method, path, body, who, headers):
            c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
            try:
                c.connect()
                barrier.wait(30)
                results[i] = common.send(c, method, path, body, self.srv.tokens[who], headers)
            except BaseException as e:   # reported by the test, not lost in the thread
                results[i] = e
            finally:
                c.close()

        threads = [threading.Thread(target=run, args=(i,) + tuple(rq))
                   for i, rq in enumerate(requests)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertFalse(any(t.is_alive() for t in threads), "a request did not finish")
        for rq, res in zip(requests, results):
            if isinstance(res, BaseException):
                self.fail("%s %s raised %r" % (rq[0], rq[1], res))
        return list(zip(requests, results))

    def race(self, app, stage):
        """Fires THREADS decisions of `stage` at app; checks the outcome."""
        kind = app["kind"]
        who = (self.flow.district_of(app["review_unit"]) if stage == "district"
               else self.flow.municipal_of(kind))
        version = self.flow.get(app["id"])["version"]
        n_events = len(self.flow.events(app["id"]))
        requests = []
        for i in range(THREADS):
            decision = DECISIONS[i % 3]
            body = review_body(stage, decision, kind, "第%d位审核人：%s" % (i, decision))
            headers = {"If-Match": '"%d"' % version} if i % 2 else None
            requests.append(("POST", "/v1/applications/%d/reviews" % app["id"], body, who,
                             headers))
        results = self.fire(requests)

        winners = [(rq, r) for rq, r in results if r[0] == 200]
        self.assertEqual(len(winners), 1, [r for _, r in results if r[0] != 409])
        for rq, r in results:
            if r[0] == 200:
                continue
            if rq[4]:
                self.assertIn(r[0], (409, 412), r)
            else:
                self.assertEqual(r[0], 409, r)
            self.assertProblem(r, r[0])

        (rq, r), = winners
        decision = rq[2]["decision"]
        status = TARGET[decision][stage]
        self.assertEqual(r[2]["status"], status)
        self.assertEqual(r[2]["version"], version + 1)
        now = self.flow.get(app["id"])
        self.assertEqual((now["status"], now["version"]), (status, version + 1))
        ev = self.flow.events(app["id"])
        self.assertEqual(len(ev), n_events + 1)
        decided = [e for e in ev if e["action"].startswith(stage + "_")]
        self.assertEqual(len(decided), 1, decided)
        self.assertEqual(decided[0]["action"], "%s_%s" % (stage, decision))
        self.assertEqual(decided[0]["opinion"], rq[2]["opinion"])
        return decision

    def test_district_decisions(self):
        seen = set()
        for i in range(ROUNDS):
            with self.subTest(round=i):
                app = self.flow.to(self.flow.create("incubator"), "district_review")
                seen.add(self.race(app, "district"))
        self.assertTrue(seen)

    def test_municipal_decisions(self):
        for i, kind in enumerate(("incubator", "first_store", "incubator")[:ROUNDS]):
            with self.subTest(round=i, kind=kind):
                app = self.flow.to(self.flow.create(kind), "municipal_review")
                self.race(app, "municipal")

    def test_objection_resolutions(self):
        app = self.flow.to(self.flow.create("first_store"), "public_notice")
        r = common.file_objection(self.srv.port, app["id"])
        self.assertStatus(r, 201)
        oid = r[2]["id"]
        n_events = len(self.flow.events(app["id"]))
        path = "/v1/applications/%d/objections/%d/resolution" % (app["id"], oid)
        requests = [("POST", path, {"outcome": ("upheld", "dismissed")[i % 2],
                                    "opinion": "第%d位" % i}, "municipal_commerce", None)
                    for i in range(THREADS)]
        results = self.fire(requests)
        statuses = sorted(r[0] for _, r in results)
        self.assertEqual(statuses, [200] + [409] * (THREADS - 1))
        ev = self.flow.events(app["id"])
        self.assertEqual(len(ev), n_events + 1)
        self.assertIn(ev[-1]["action"], ("objection_upheld", "objection_dismissed"))
        r = self.srv.req("GET", "/v1/applications/%d/objections" % app["id"], token="auditor")
        self.assertEqual([o["status"] for o in r[2]["items"]],
                         [ev[-1]["action"].split("_")[1]])

    def test_submissions(self):
        # the owner's submit, many times at once: one moves it, the rest 409
        app = self.flow.create("incubator")
        requests = [("POST", "/v1/applications/%d/submit" % app["id"], None, "applicant_a",
                     None)] * THREADS
        results = self.fire(requests)
        self.assertEqual(sorted(r[0] for _, r in results), [200] + [409] * (THREADS - 1))
        ev = self.flow.events(app["id"], "applicant_a")
        self.assertEqual([e["action"] for e in ev], ["create", "submit"])


# The advisory lock a creation takes on PostgreSQL before its transaction
# (server/store/store_pg.h, STORE_PG_LOCK_LOG), as pg_locks shows it.
LOG_LOCK = 0x7368656e62616f02


class WritesAside(ApiTest):
    """A write waiting for its commit holds up no read: it is answered on a
    writer thread while its connection waits, and the thread that read it
    goes on with the others.  One reading thread, and a write held back:
    on SQLite by a batch that waits 100 ms to fill, on PostgreSQL by a
    session holding the log's lock for half a second; a write that held its
    thread would hold every read behind it."""

    def start(self, extra):
        srv = common.start_server_config(dict({"threads": 1, "write_batch_wait_us": 100000},
                                              **extra))
        self.addCleanup(srv.stop)
        return srv

    def hold_log(self, srv):
        """On PostgreSQL: a psql session that holds the log's lock for half a
        second, once it holds it."""
        if not common.on_postgresql():
            return None
        holder = subprocess.Popen(["psql", "-X", "-q", "-d", srv.db, "-c",
                                   "SELECT pg_advisory_lock(%d)" % LOG_LOCK, "-c",
                                   "SELECT pg_sleep(0.5)"], stdout=subprocess.DEVNULL)
        self.addCleanup(holder.wait, 30)
        probe = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                 " AND classid = %d AND objid = %d" % (LOG_LOCK >> 32, LOG_LOCK & 0xFFFFFFFF))
        for _ in range(500):
            if common._psql(srv.db, probe).strip() == "1":
                return holder
            time.sleep(0.01)
        self.fail("the log's lock was never held")

    def create_and_read(self, srv):
        """Sends a creation, then (once it is in) a read on another
        connection; returns [(what, status)] in the order they ended."""
        ended = []
        lock = threading.Lock()
        env = common.envelope("incubator")
        self.hold_log(srv)

        def run(what, method, path, body, delay):
            c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
            try:
                time.sleep(delay)
                r = common.send(c, method, path, body, srv.tokens["applicant_a"])
                with lock:
                    ended.append((what, r[0]))
            finally:
                c.close()

        threads = [threading.Thread(target=run, args=("create", "POST", "/v1/applications", env,
                                                      0)),
                   threading.Thread(target=run, args=("read", "GET", "/v1/review-units", None,
                                                      0.03))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return ended

    def listening(self, srv):
        """The server's line saying how it listens."""
        with open(srv.errpath, encoding="utf-8") as f:
            for line in f:
                if '"listening"' in line:
                    return json.loads(line)
        self.fail("no listening line")

    def test_a_read_passes_a_write_waiting_for_its_commit(self):
        srv = self.start({})
        self.assertEqual(self.listening(srv)["write_threads"], 16)
        self.assertEqual(self.create_and_read(srv), [("read", 200), ("create", 201)])

    def test_without_writer_threads_the_reading_thread_answers_writes(self):
        # write_threads 0: no writer thread runs, the one reading thread
        # answers the write itself (the read then waits for it, and the two
        # end about together), and it is stored.
        srv = self.start({"write_threads": 0})
        self.assertEqual(self.listening(srv)["write_threads"], 0)
        self.assertEqual(sorted(self.create_and_read(srv)), [("create", 201), ("read", 200)])
        r = srv.req("GET", "/v1/applications", token="applicant_a")
        self.assertEqual(len(r[2]["items"]), 1)

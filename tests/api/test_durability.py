"""Nothing acknowledged is lost: kill -9 during concurrent submissions.

A server of its own with many worker threads, so that writes from many
connections share transactions (group commit, server/store/store.c).
Sixteen clients create applications and submit them as fast as they can;
the server is killed with SIGKILL in the middle.  Then: the database passes
`PRAGMA integrity_check`, every application whose creation was answered 201
is there, every submission answered 200 left its application submitted, the
log verifies (`shenbao audit verify`), and a server started again on the
database serves them all.
"""

import http.client
import json
import threading
import time

import common
from common import ApiTest

CLIENTS = 16


class KillDuringWrites(ApiTest):

    def test_acknowledged_writes_survive_kill(self):
        srv = common.start_server_config({"threads": 16})
        env = json.dumps(srv.envelope("incubator", "applicant_a")).encode()
        token = srv.tokens["applicant_a"]
        created, submitted, failures = [], [], []
        lock = threading.Lock()
        stop = threading.Event()

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
            headers = {"Authorization": "Bearer " + token,
                       "Content-Type": "application/json"}
            try:
                while not stop.is_set():
                    conn.request("POST", "/v1/applications", env, headers)
                    r = conn.getresponse()
                    body = r.read()
                    if r.status != 201:
                        with lock:
                            failures.append((r.status, body[:300]))
                        return
                    app_id = json.loads(body)["id"]
                    with lock:
                        created.append(app_id)
                    # its materials, on the same connection
                    common.attach_materials(
                        app_id, token,
                        lambda m, p, token=None, raw=None, headers=None:
                            common.send(conn, m, p, None, token, headers, raw))
                    conn.request("POST", "/v1/applications/%d/submit" % app_id, None, headers)
                    r = conn.getresponse()
                    body = r.read()
                    if r.status != 200:
                        with lock:
                            failures.append((r.status, body[:300]))
                        return
                    with lock:
                        submitted.append(app_id)
            except (OSError, http.client.HTTPException):
                pass  # the server is gone: what was answered is what counts
            finally:
                conn.close()

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        # Until a good number of writes were answered, then in the middle
        # of the next ones.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                if len(submitted) >= 300 or failures:
                    break
            time.sleep(0.01)
        srv.kill()  # SIGKILL
        stop.set()
        for t in threads:
            t.join(30)
        self.assertEqual(failures, [])
        self.assertGreaterEqual(len(submitted), 300)

        # SQLite's file must be whole after the kill; PostgreSQL's server
        # did not die, only its client, and keeps its own files whole.
        if not common.is_pg(srv.db):
            self.assertEqual(common.db_rows(srv.db, "PRAGMA integrity_check"), [("ok",)])
        rows = dict(common.db_rows(srv.db, "SELECT id, status FROM applications"))
        missing = [i for i in created if i not in rows]
        self.assertEqual(missing, [], "answered 201, gone after the crash")
        unsubmitted = [i for i in submitted if rows[i] != "district_review"]
        self.assertEqual(unsubmitted, [], "answered 200 to submit, not submitted after the crash")

        rc, out, err = common.shenbao_cli(["audit", "verify", "--config", srv.config])
        self.assertEqual(rc, 0, "audit verify: %s %s" % (out, err))
        self.assertIn("intact", out)

        again = common.serve_again(srv)
        try:
            for app_id in created[:: max(1, len(created) // 40)] + submitted[-5:]:
                self.assertStatus(again.req("GET", "/v1/applications/%d" % app_id,
                                            token="applicant_a"), 200)
            last = again.get(submitted[-1], "applicant_a")
            self.assertEqual(last["status"], "district_review")
            # The log goes on from where it was.
            again.create("applicant_a", again.envelope("incubator", "applicant_a"))
            rc, out, err = common.shenbao_cli(["audit", "verify", "--config", srv.config])
            self.assertEqual(rc, 0, "audit verify after more writes: %s %s" % (out, err))
        finally:
            again.stop()

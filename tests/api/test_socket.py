"""Socket activation: `shenbao serve` takes the listening socket systemd
passes (LISTEN_PID/LISTEN_FDS, fd 3) instead of binding the configured
address, so the systemd unit can run without a network of its own."""
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

import common
from common import ctx


class SocketActivation(common.ApiTest):
    def test_serves_on_the_passed_socket(self):
        tmp = tempfile.mkdtemp(prefix="shenbao-socket-")
        cfg = os.path.join(tmp, "cfg.json")
        with open(cfg, "w", encoding="utf-8") as f:
            json.dump({"db": common.new_db(tmp), "keys": os.path.join(tmp, "keys")}, f)
        subprocess.run([ctx.shenbao, "keygen", "--config", cfg], check=True,
                       capture_output=True, timeout=60)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]

        log_path = os.path.join(tmp, "log")
        fd = listener.fileno()
        # As systemd would: the socket as fd 3, and LISTEN_PID naming the very
        # process that serves (sh execs into it, keeping its pid).  The
        # configured address is one nothing could bind (port 1 needs
        # privileges): only the passed socket can serve.
        script = ('exec 3<&%d; LISTEN_PID=$$ LISTEN_FDS=1; export LISTEN_PID LISTEN_FDS; '
                  'exec "$0" serve --config "$1" --listen 127.0.0.1:1' % fd)
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(["sh", "-c", script, ctx.shenbao, cfg], pass_fds=(fd,),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=log)
        listener.close()
        try:
            body = None
            for _ in range(100):
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    c.request("GET", "/healthz")
                    r = c.getresponse()
                    body = (r.status, json.loads(r.read()))
                    c.close()
                    break
                except OSError:
                    time.sleep(0.1)
            self.assertEqual(body, (200, {"status": "ok"}))
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=15), 0)
        with open(log_path, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
        self.assertIn("listening on the socket systemd passed", [l.get("msg") for l in lines])
        self.assertFalse([l for l in lines if l.get("status", 0) >= 500])

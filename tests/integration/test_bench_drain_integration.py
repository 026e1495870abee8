"""bench.load.drain returns only once the requests a load run abandoned have been answered.

A real one-at-a-time HTTP server (as a gunicorn sync worker serves) gets requests whose clients
hang up without reading the answer, as wrk leaves them at its deadline; drain must not return
before the server has handled every one of them.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from bench.load import drain

ABANDONED = 4


class _SlowServer(HTTPServer):
    handled_slow = 0


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        if self.path == "/slow":
            time.sleep(0.15)
            self.server.handled_slow += 1
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except OSError:  # the client of an abandoned request has gone: nobody reads the answer
            self.close_connection = True


def test_drain_waits_for_abandoned_requests():
    server = _SlowServer(("127.0.0.1", 0), _Handler)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        for _ in range(ABANDONED):
            client = socket.create_connection(("127.0.0.1", server.server_port))
            client.sendall(b"GET /slow HTTP/1.1\r\nHost: bench\r\n\r\n")
            client.close()
        assert server.handled_slow < ABANDONED  # still queued: 4 × 150 ms take longer than this
        drain(base, "/hello", connections=2)
        assert server.handled_slow == ABANDONED
    finally:
        server.shutdown()
        server.server_close()

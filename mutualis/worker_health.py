"""`/healthz` of a Celery worker, as mutualis/health.py gives one for each web process.

A worker answers no HTTP of its own, so a step that `mutualis worker` adds to Celery's worker
serves `/healthz` from a thread of the worker's main process when MUTUALIS_WORKER_HEALTH says
where (ADDRESS:PORT; `mutualis worker --health` sets it): 200 when the
worker's consumer holds its broker connection and the database and the shared cache answer,
503 naming the part that fails (never why: the log says). The consumer's own connection is
what counts: a worker whose connection dropped takes no task even if the broker is back up.

One request at a time, from one thread: a check opens this thread's database connection,
which is closed after each answer, so no connection outlives its request.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from celery import bootsteps
from django.db import connections

from mutualis import health

log = logging.getLogger(__name__)
ENVIRONMENT = "MUTUALIS_WORKER_HEALTH"


def parse_address(text: str) -> tuple[str, int]:
    """"127.0.0.1:8301" -> ("127.0.0.1", 8301), with an error that says what is expected."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--health / {ENVIRONMENT} {text!r}: expected ADDRESS:PORT, "
                         "e.g. 127.0.0.1:8301")
    return host, int(port)


def consumer_connected(worker) -> bool:
    consumer = getattr(worker, "consumer", None)
    connection = getattr(consumer, "connection", None)
    return bool(connection is not None and connection.connected)


def worker_checks(worker) -> dict[str, str]:
    parts = health.checks(broker=False)  # no second connection: the consumer's is the one
    parts["broker"] = "ok" if consumer_connected(worker) else "failed"
    return parts


class HealthStep(bootsteps.StartStopStep):
    """Serves /healthz while the worker runs, where MUTUALIS_WORKER_HEALTH says."""

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.server: HTTPServer | None = None

    def start(self, worker) -> None:
        where = os.environ.get(ENVIRONMENT)
        if not where:
            return
        address = parse_address(where)
        self.server = HTTPServer(address, _handler_for(worker))
        threading.Thread(target=self.server.serve_forever, name="mutualis-healthz",
                         daemon=True).start()
        log.info("worker health on http://%s:%s/healthz", *address)

    def stop(self, worker) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def _handler_for(worker) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            if self.path.split("?")[0] != "/healthz":
                self._answer(404, {"status": "not found"})
                return
            try:
                parts = worker_checks(worker)
            finally:
                connections.close_all()
            healthy = "failed" not in parts.values()
            self._answer(200 if healthy else 503,
                         {"status": "ok" if healthy else "failed", "checks": parts})

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args) -> None:  # noqa: A002 - http.server's name
            pass  # the load balancer's checks would fill the log

    return Handler

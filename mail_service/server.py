"""The demo's embedded mail server: SMTP in, one Maildir, a web page to read it.

`start_mail(directory)` runs, as a background process on loopback that outlives the command
(its own session, like the embedded slapd and Radicale), an SMTP server (aiosmtpd) that
accepts mail for any recipient and delivers every message into `directory/Maildir`, and a
read-only web reader of that Maildir (reader.py). `mutualis services start` starts it under
var/mail; Django's mail backend (backend.py) sends through it when no other mail server is
configured. It is the demo's and the tests' mail server only: in production Mutualis hands
its mail to the syndicate's relay (MUTUALIS_EMAIL_HOST), and issue 16 brings Postfix and
Dovecot on the directory.

Ports: SMTP 1025 and web 8025 — the ports the usual mail catchers listen on (Mailpit's and
MailHog's defaults) — so that the README can say "read the demo's mail at
http://127.0.0.1:8025/"; when one is taken, the process binds one of the system's choosing
instead and reports it (services.json records the ports in use).

The process: `python -m mail_service.server DIRECTORY [--smtp-port N] [--web-port M]
[--exact smtp|web ...] [--ready-file FILE]`. It binds both ports, writes FILE (JSON: its
ports and pid), and serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from provisioning.backends import stop_process

from . import maildir as box

HOST = "127.0.0.1"
DEFAULT_SMTP_PORT = 1025
DEFAULT_WEB_PORT = 8025
READY_FILE = "mail.ready"
LOG_FILE = "mail.log"

log = logging.getLogger("mutualis.mail")


class MailServerError(RuntimeError):
    pass




# --- the process ------------------------------------------------------------------------


class Delivery:
    """aiosmtpd handler: every recipient accepted (from loopback), every message delivered
    into the one Maildir (aiosmtpd's handler hooks, see its docs "Handler hooks")."""

    def __init__(self, maildir: Path):
        self.maildir = maildir

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        try:
            loopback = ipaddress.ip_address(peer).is_loopback
        except ValueError:
            loopback = False
        if not loopback:  # never the case when bound to 127.0.0.1; kept as a second lock
            return "550 5.7.1 Relaying denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", errors="surrogateescape")
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        try:
            key = await asyncio.to_thread(
                box.deliver, self.maildir, envelope.mail_from or "", list(envelope.rcpt_tos),
                content, peer=peer, helo=session.host_name or "")
        except OSError:
            log.exception("delivery failed")
            return "451 4.3.0 Requested action aborted: local error in processing"
        log.info("delivered %s to %d recipient(s)", key, len(envelope.rcpt_tos))
        return f"250 2.0.0 OK: delivered as {key}"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


def _bind_web(maildir: Path, port: int, exact: bool) -> WSGIServer:
    from .reader import application

    try:
        return make_server(HOST, port, application(maildir), server_class=_ThreadingWSGIServer,
                           handler_class=_QuietHandler)
    except OSError:
        if exact:
            raise
        return make_server(HOST, 0, application(maildir), server_class=_ThreadingWSGIServer,
                           handler_class=_QuietHandler)


async def _bind_smtp(maildir: Path, port: int, exact: bool) -> asyncio.Server:
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    handler = Delivery(maildir)

    def protocol():
        # hostname: the name in the greeting (else aiosmtpd asks socket.getfqdn(), which may
        # wait on DNS); SMTPUTF8, so that an address with accents is accepted.
        return SMTP(handler, hostname="localhost", ident="Mutualis demo mail",
                    enable_SMTPUTF8=True, loop=loop)

    try:
        return await loop.create_server(protocol, HOST, port)
    except OSError:
        if exact:
            raise
        return await loop.create_server(protocol, HOST, 0)


def _write_ready(path: Path, info: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(info))
    os.replace(tmp, path)  # the parent never reads half a file


async def _serve(directory: Path, smtp_port: int, web_port: int, exact: set[str],
                 ready_file: Path | None) -> None:
    maildir = box.create(directory / "Maildir")
    web = _bind_web(maildir, web_port, "web" in exact)
    smtp = await _bind_smtp(maildir, smtp_port, "smtp" in exact)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    thread = threading.Thread(target=web.serve_forever, name="mail-reader", daemon=True)
    thread.start()
    info = {"smtp_port": smtp.sockets[0].getsockname()[1],
            "web_port": web.server_address[1], "pid": os.getpid()}
    log.warning("demo mail: smtp://%s:%s, read at http://%s:%s/", HOST, info["smtp_port"],
                HOST, info["web_port"])
    if ready_file is not None:
        _write_ready(ready_file, info)
    try:
        await stopping.wait()
    finally:
        smtp.close()
        await smtp.wait_closed()
        web.shutdown()
        web.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mail_service.server",
                                     description="The Mutualis demo's mail server.")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--smtp-port", type=int, default=DEFAULT_SMTP_PORT)
    parser.add_argument("--web-port", type=int, default=DEFAULT_WEB_PORT)
    parser.add_argument("--exact", action="append", choices=("smtp", "web"), default=[],
                        help="fail when this port is taken instead of taking another one")
    parser.add_argument("--ready-file", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command log
    try:
        asyncio.run(_serve(args.directory.resolve(), args.smtp_port, args.web_port,
                           set(args.exact), args.ready_file))
    except OSError as exc:
        print(f"mail server: {exc}", file=sys.stderr)
        return 1
    return 0


# --- the parent's handle on it ----------------------------------------------------------


@dataclass
class MailServer:
    """The embedded mail server of a directory, running or not; its mail is kept there."""

    directory: Path
    smtp_port: int = DEFAULT_SMTP_PORT  # preferred before start, bound after
    web_port: int = DEFAULT_WEB_PORT
    exact: tuple[str, ...] = ()  # the ports ("smtp", "web") required, not preferred
    process: subprocess.Popen | None = None

    host = HOST

    @property
    def maildir(self) -> Path:
        return self.directory / "Maildir"

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.smtp_port}"

    @property
    def web_url(self) -> str:
        return f"http://{HOST}:{self.web_port}/"

    def settings(self) -> dict:
        return {"url": self.url, "host": HOST, "port": self.smtp_port,
                "web_url": self.web_url, "maildir": str(self.maildir)}

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 15.0) -> MailServer:
        if self.running:
            return self
        self.directory.mkdir(parents=True, exist_ok=True)
        ready = self.directory / READY_FILE
        ready.unlink(missing_ok=True)
        # The server is this project's module: importable from its checkout whether or not
        # the project is installed in the environment (as for the embedded Radicale).
        root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        command = [sys.executable, "-m", "mail_service.server", str(self.directory),
                   "--smtp-port", str(self.smtp_port), "--web-port", str(self.web_port),
                   "--ready-file", str(ready)]
        command += [arg for which in self.exact for arg in ("--exact", which)]
        log_file = open(self.directory / LOG_FILE, "ab")  # handed to the child, closed here
        try:
            # Its own session: a Ctrl-C meant for `mutualis demo` does not stop the mail.
            self.process = subprocess.Popen(
                command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env={**os.environ, "PYTHONPATH": path})
        finally:
            log_file.close()
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if self.process.poll() is not None:
                tail = (self.directory / LOG_FILE).read_text(errors="replace")[-2000:]
                self.process = None
                raise MailServerError(f"the demo mail server exited at start: {tail.strip()}")
            if time.monotonic() > deadline:
                self.stop()
                raise MailServerError(f"the demo mail server was not ready within {timeout} s")
            time.sleep(0.02)
        info = json.loads(ready.read_text())
        self.smtp_port, self.web_port = info["smtp_port"], info["web_port"]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (the process closes its ports and ends), SIGKILL if it does not."""
        if self.process is None:
            return
        stop_process(self.process, timeout)
        self.process = None
        (self.directory / READY_FILE).unlink(missing_ok=True)

    def __enter__(self) -> MailServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_mail(directory: Path, smtp_port: int | None = None,
               web_port: int | None = None) -> MailServer:
    """Start the demo mail server of `directory` (its Maildir kept from the last run).

    A port left out is preferred, not required: the default one, another one when it is
    taken. A port given is required (0: any free one, what the tests ask for)."""
    exact = tuple(which for which, port in (("smtp", smtp_port), ("web", web_port))
                  if port is not None)
    server = MailServer(Path(directory).resolve(),
                        smtp_port=DEFAULT_SMTP_PORT if smtp_port is None else smtp_port,
                        web_port=DEFAULT_WEB_PORT if web_port is None else web_port,
                        exact=exact)
    return server.start()


if __name__ == "__main__":
    sys.exit(main())

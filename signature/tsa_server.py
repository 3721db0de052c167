"""The demo's timestamp authority: a real RFC 3161 server over HTTP on loopback.

`start_tsa(directory)` makes (or reads) the demo PKI in `directory` (see demo_pki.py) and runs
this module as a child process that outlives the caller, like the other embedded servers:
POST an `application/timestamp-query` (a DER TimeStampReq, RFC 3161 § 3.4) to its URL and it
answers an `application/timestamp-reply`, signed by the demo TSA's key with pyHanko's
`DummyTimeStamper`; GET / says what it is, GET /racine-demo.pem gives the demo root.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from provisioning.backends import free_port, stop_process

QUERY, REPLY = "application/timestamp-query", "application/timestamp-reply"
MAX_QUERY = 64 * 1024  # a TimeStampReq is a few hundred bytes




@dataclass
class TsaServer:
    directory: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def ca_certificate(self) -> Path:
        from .demo_pki import FILES

        return self.directory / FILES["root"]

    def start(self, timeout: float = 15) -> TsaServer:
        log = open(self.directory / "tsa.log", "ab")
        # Importable from the checkout whether or not the project is installed.
        root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "signature.tsa_server", str(self.directory), str(self.port)],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "PYTHONPATH": path})
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the demo timestamp authority exited at start; see "
                                   f"{self.directory / 'tsa.log'}")
            try:
                urllib.request.urlopen(self.url, timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the demo timestamp authority did not answer on {self.url} within "
                           f"{timeout} s")

    def stop(self) -> None:
        stop_process(self.process)

    def settings(self) -> dict:
        """What var/services.json records: the URL, the demo root to trust, the directory."""
        return {"url": self.url, "ca_certificate": str(self.ca_certificate),
                "directory": str(self.directory), "demo": True}

    def __enter__(self) -> TsaServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_tsa(directory: Path, port: int | None = None, organisation: str = "") -> TsaServer:
    """The demo timestamp authority on loopback, with the demo PKI kept in `directory`."""
    from .demo_pki import demo_pki

    directory = Path(directory)
    demo_pki(directory, organisation)  # made here, so that a problem shows in the caller
    return TsaServer(directory, port or free_port()).start()


# --------------------------------------------------------------------------- the process

def _timestamper(directory: Path):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.timestamps import DummyTimeStamper

    from .demo_pki import demo_pki

    pki = demo_pki(directory)

    def asn1(certificate):
        return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))

    key = asn1_keys.PrivateKeyInfo.load(pki.tsa_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return DummyTimeStamper(asn1(pki.tsa), key, certs_to_embed=[asn1(pki.root)]), pki


def serve(directory: Path, port: int) -> None:
    from asn1crypto import tsp

    timestamper, pki = _timestamper(directory)
    root_pem = pki.root_path.read_bytes()
    about = ("Autorité d'horodatage de DÉMONSTRATION de Mutualis (RFC 3161) : ne pas utiliser "
             "en production.\n").encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # one line per token would fill the demo's log
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/racine-demo.pem":
                self._send(200, root_pem, "application/x-pem-file")
            elif self.path == "/":
                self._send(200, about, "text/plain; charset=utf-8")
            else:
                self._send(404, b"", "text/plain")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if kind != QUERY:
                self._send(415, b"", "text/plain")
                return
            if not 0 < length <= MAX_QUERY:
                self._send(400, b"", "text/plain")
                return
            try:
                request = tsp.TimeStampReq.load(self.rfile.read(length))
                # parsed in full now: a bad query is a 400, not a crash while answering
                if not request.native:
                    raise ValueError("empty query")
            except ValueError:
                self._send(400, b"", "text/plain")
                return
            reply = timestamper.request_tsa_response(request).dump()
            self._send(200, reply, REPLY)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="the demo's RFC 3161 timestamp authority")
    parser.add_argument("directory", type=Path)
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(args.directory, args.port)


if __name__ == "__main__":
    main()

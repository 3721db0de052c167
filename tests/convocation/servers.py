"""Real servers on loopback for the convocation tests and benchmark: an SMTP server (aiosmtpd)
that keeps what it receives, and an RFC 3161 timestamp authority (pyHanko's dummy timestamper
behind an HTTP server), with its own test CA."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from provisioning.backends import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class SmtpServer:
    """aiosmtpd on loopback; `received` holds every message accepted; the addresses in
    `refused` are refused at RCPT TO with a 550, as a real server refuses an unknown user."""

    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    _controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> SmtpServer:
        self.port = free_port()
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.rcpt_tos]


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mutualis tests")])


@dataclass
class TimestampCA:
    """A CA and a TSA certificate (RSA: pyHanko's dummy timestamper signs with RSA)."""

    root: asn1_x509.Certificate
    tsa_cert: asn1_x509.Certificate
    tsa_key: keys.PrivateKeyInfo

    @classmethod
    def create(cls) -> TimestampCA:
        now = datetime.now(UTC) - timedelta(minutes=5)
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca = (x509.CertificateBuilder().subject_name(_name("Test root CA"))
              .issuer_name(_name("Test root CA")).public_key(ca_key.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now)
              .not_valid_after(now + timedelta(days=30))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                           False), critical=True)
              .sign(ca_key, hashes.SHA256()))
        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tsa = (x509.CertificateBuilder().subject_name(_name("Test TSA"))
               .issuer_name(ca.subject).public_key(tsa_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now)
               .not_valid_after(now + timedelta(days=30))
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                              critical=True)
               .add_extension(x509.KeyUsage(True, True, False, False, False, False, False,
                                            False, False), critical=True)
               .sign(ca_key, hashes.SHA256()))
        der = serialization.Encoding.DER
        return cls(
            asn1_x509.Certificate.load(ca.public_bytes(der)),
            asn1_x509.Certificate.load(tsa.public_bytes(der)),
            keys.PrivateKeyInfo.load(tsa_key.private_bytes(
                der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())))

    def stamper(self) -> DummyTimeStamper:
        return DummyTimeStamper(tsa_cert=self.tsa_cert, tsa_key=self.tsa_key,
                                certs_to_embed=[self.root])

    def respond(self, request: bytes) -> bytes:
        """The in-process interface of convocation.timestamp.Authority."""
        return self.stamper().request_tsa_response(tsp.TimeStampReq.load(request)).dump()


class TsaServer:
    """The test authority over HTTP on loopback, as a real TSA is reached."""

    def __init__(self, authority: TimestampCA):
        self.authority = authority
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415)
                    return
                answer = server.authority.respond(body)
                server.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> TsaServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

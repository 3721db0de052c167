"""Certificates for the register's tests, issued by the parapheur's test root
(tests/signature/pki.py, the session's `pki` fixture): with certification policy OIDs, with
the root's CRL or an OCSP responder, expired or not yet valid; and the OCSP responder itself.

The responder answers RFC 6960 requests (POST, application/ocsp-request) for the root's
certificates, signed by the root itself (a CA may sign the OCSP responses for the certificates
it issued, RFC 6960 §4.2.2.2), from the same set of revoked serials as the CRL.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from signature.pki.keys import generate_key
from tests.signature.pki import Identity, TestPKI

# Policy OIDs of the tests (an arc for examples, RFC 7229: 1.3.6.1.5.5.7.13).
RGS_POLICY = "1.3.6.1.5.5.7.13.1"
OTHER_POLICY = "1.3.6.1.5.5.7.13.2"


def issue(pki: TestPKI, common_name: str, organisation: str = "Alphaville", *,
          policies: tuple[str, ...] = (), days: int = 365, starts: int = -1,
          ocsp_url: str = "", crl: bool = True) -> Identity:
    """A certificate of the test root, valid from `starts` days to `days` days from now."""
    key = generate_key()
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                                 x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                                 x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(pki.root.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=starts))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                     False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            pki.root_key.public_key()), critical=False))
    if policies:
        builder = builder.add_extension(x509.CertificatePolicies(
            [x509.PolicyInformation(x509.ObjectIdentifier(oid), None) for oid in policies]),
            critical=False)
    if crl:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(f"{pki.base_url}/root.crl")], None, None, None)]),
            critical=False)
    if ocsp_url:
        builder = builder.add_extension(x509.AuthorityInformationAccess([
            x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                   x509.UniformResourceIdentifier(ocsp_url))]), critical=False)
    return Identity(key, builder.sign(pki.root_key, hashes.SHA256()), [pki.root])


class OcspResponder:
    def __init__(self, pki: TestPKI):
        self.pki = pki
        self.requests = 0
        responder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = responder.answer(ocsp.load_der_ocsp_request(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/ocsp"

    def answer(self, request: ocsp.OCSPRequest) -> bytes:
        self.requests += 1
        now = datetime.now(UTC)
        revoked = request.serial_number in self.pki.revoked
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash, issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number, algorithm=request.hash_algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now - timedelta(minutes=1), next_update=now + timedelta(days=1),
            revocation_time=now - timedelta(minutes=10) if revoked else None,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked else None)
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.pki.root)
        return builder.sign(self.pki.root_key, hashes.SHA256()).public_bytes(
            serialization.Encoding.DER)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

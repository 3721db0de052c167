"""A throwaway PKI for the parapheur's tests and benchmark: a root CA, EC P-256 signers, an
RSA timestamp authority (pyHanko's dummy TSA signs with RSA only), a CRL, all served over HTTP
on loopback: GET /root.crl, POST /tsa (RFC 3161).

pyHanko's dummy TSA loads its RSA key again for every token, and `cryptography` checks an RSA
key when loading it (about 100 ms for 2048 bits): the test TSA keeps the loaded key, so that
timings measure the signer, not the test double."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper, dummy_client

from signature.pki.keys import generate_key, make_pkcs12

PASSWORD = b"mot-de-passe-de-test"


class _LoadedKeys:
    """`serialization` as the dummy TSA's module sees it, keeping each key it loaded."""

    def __init__(self, module) -> None:
        self._module = module
        self._keys: dict[bytes, object] = {}

    def __getattr__(self, name: str):
        return getattr(self._module, name)

    def load_der_private_key(self, data: bytes, password=None, **kwargs):
        if data not in self._keys:
            self._keys[data] = self._module.load_der_private_key(data, password, **kwargs)
        return self._keys[data]


if not isinstance(dummy_client.serialization, _LoadedKeys):
    dummy_client.serialization = _LoadedKeys(dummy_client.serialization)


def _name(common_name: str, organisation: str = "Syndicat de test") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass
class Identity:
    key: object
    certificate: x509.Certificate
    chain: list[x509.Certificate]

    def pkcs12(self, password: bytes = PASSWORD) -> bytes:
        return make_pkcs12(self.key, self.certificate, self.chain, password)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class TestPKI:
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    base_url: str
    revoked: set[int] = field(default_factory=set)
    server: ThreadingHTTPServer | None = None
    tsa: DummyTimeStamper | None = None
    _serial: int = 100
    crl_der: bytes = b""

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/tsa"

    def issue(self, common_name: str, organisation: str = "Syndicat de test", *, key=None,
              public_key=None, tsa: bool = False, days: int = 365) -> Identity:
        """A certificate for a new EC P-256 key, for `key`, or for `public_key` alone (a key
        that lives in a token)."""
        if public_key is None:
            key = key or generate_key()
            public_key = key.public_key()
        self._serial += 1
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder().subject_name(_name(common_name, organisation))
            .issuer_name(self.root.subject).public_key(public_key)
            .serial_number(self._serial).not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.root_key.public_key()), critical=False)
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(f"{self.base_url}/root.crl")], None, None,
                None)]), critical=False))
        if tsa:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        return Identity(key, builder.sign(self.root_key, hashes.SHA256()), [self.root])

    def revoke(self, identity: Identity) -> None:
        self.revoked.add(identity.certificate.serial_number)
        self._make_crl()

    def _make_crl(self) -> None:
        now = datetime.now(UTC)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.root.subject)
                   .last_update(now - timedelta(minutes=5)).next_update(now + timedelta(days=7))
                   .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       self.root_key.public_key()), critical=False))
        for serial in sorted(self.revoked):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(now - timedelta(minutes=10)).build())
        self.crl_der = builder.sign(self.root_key, hashes.SHA256()).public_bytes(
            serialization.Encoding.DER)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def start_pki() -> TestPKI:
    """Create the PKI and serve its CRL and TSA on a loopback port."""
    holder: dict[str, TestPKI] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path != "/root.crl":
                self.send_error(404)
                return
            self._send(holder["pki"].crl_der, "application/pkix-crl")

        def do_POST(self) -> None:
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            tsa = holder["pki"].tsa
            assert tsa is not None
            self._send(tsa.request_tsa_response(request).dump(), "application/timestamp-reply")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    root = (x509.CertificateBuilder().subject_name(_name("Autorité racine de test"))
            .issuer_name(_name("Autorité racine de test")).public_key(root_key.public_key())
            .serial_number(1).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
                           critical=False)
            .sign(root_key, hashes.SHA256()))
    pki = TestPKI(root_key, root, f"http://127.0.0.1:{server.server_port}", server=server)
    holder["pki"] = pki
    pki._make_crl()
    tsa = pki.issue("Horodatage de test", key=rsa.generate_private_key(65537, 2048), tsa=True)
    tsa_key = asn1_keys.PrivateKeyInfo.load(tsa.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    pki.tsa = DummyTimeStamper(to_asn1(tsa.certificate), tsa_key,
                               certs_to_embed=[to_asn1(root)])
    return pki

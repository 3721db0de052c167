"""The demo certificate of the mail servers (STARTTLS on submission and IMAP).

`demo_certificate(directory, hostname)` makes once, then reuses, a self-signed EC P-256
certificate for `hostname`, `localhost` and 127.0.0.1, valid two years: clients of the
demo and the tests trust that one file (`cert.pem`), as they would a syndicate's real
certificate (a production server is given its own files instead).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DAYS = 730


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path


def demo_certificate(directory: Path, hostname: str) -> TlsFiles:
    directory = Path(directory)
    files = TlsFiles(directory / "cert.pem", directory / "key.pem")
    if files.cert.exists() and files.key.exists() and _valid_for(files.cert, hostname):
        return files
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mutualis (démonstration)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName(hostname), x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    # The key is read by the servers' masters (root or the running user), nobody else.
    fd = os.open(files.key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files


def _valid_for(path: Path, hostname: str) -> bool:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    if cert.not_valid_after_utc < datetime.now(UTC) + timedelta(days=7):
        return False
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return hostname in names.get_values_for_type(x509.DNSName)

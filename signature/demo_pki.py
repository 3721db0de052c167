"""The demo's certification authority and timestamp authority, for `mutualis services start`
and the tests. Never for production: their names say so, and their keys sit unencrypted on
disk (mode 0600) under the directory given (the demo's `var/pki`).

`demo_pki(directory)` creates, once, a root CA (EC P-256) and a timestamp authority's
certificate (RSA, since pyHanko's dummy timestamper signs with RSA only; extendedKeyUsage
timeStamping, critical), then reuses them at every start. `DemoPKI.issue` certifies a person's
new signing key (EC P-256, digitalSignature and nonRepudiation). The certificates name no CRL
or OCSP responder: the demo has none at a stable address (the timestamp server's port changes
at each start), and revocation checking accepts a certificate that names none.

`issue_demo_credentials()` gives every official of the example (an elected seat in a member
subscribing to the parapheur) who has no signing key yet a demo one, installed like any
PKCS#12; its random password is stored encrypted with it, so that the official types none.

This module is imported by the timestamp server's own process: Django only inside functions.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# A name's attributes are 64 characters at most (RFC 5280, ub-common-name): the warning goes
# in the organisational unit.
DEMO_ROOT_CN = "Autorité de certification de DÉMONSTRATION Mutualis"
DEMO_TSA_CN = "Horodatage de DÉMONSTRATION Mutualis"
DEMO_UNIT = "Démonstration — ne pas utiliser en production"
DEFAULT_ORGANISATION = "Mutualis (démonstration)"
ROOT_DAYS, TSA_DAYS, PERSON_DAYS = 20 * 365, 10 * 365, 3 * 365
FILES = {"root_key": "racine-demo.key", "root": "racine-demo.pem",
         "tsa_key": "horodatage-demo.key", "tsa": "horodatage-demo.pem"}


class DemoPKIError(RuntimeError):
    """The demo PKI's directory cannot be used; the sentence says what to do."""


def _name(common_name: str, organisation: str, unit: str = "") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64])]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _key_usage(*, signing: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=signing, content_commitment=signing,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False)


def is_demo_certificate(certificate: x509.Certificate) -> bool:
    """Whether a certificate was issued by a demo authority of Mutualis (by its issuer's
    name, so that it is still recognised when the demo's files are gone)."""
    names = certificate.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    return bool(names) and names[0].value == DEMO_ROOT_CN


def _builder(root_key: ec.EllipticCurvePrivateKey, root: x509.Certificate, subject: x509.Name,
             public_key, days: int) -> x509.CertificateBuilder:
    """An end-entity certificate of the demo root, valid `days` (never beyond the root)."""
    now = datetime.now(UTC)
    until = min(now + timedelta(days=days), root.not_valid_after_utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(root.subject)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                root_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key),
                           critical=False))


@dataclass(frozen=True)
class DemoPKI:
    directory: Path
    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    tsa_key: rsa.RSAPrivateKey
    tsa: x509.Certificate

    @property
    def root_path(self) -> Path:
        return self.directory / FILES["root"]

    @property
    def organisation(self) -> str:
        names = self.root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        return str(names[0].value) if names else DEFAULT_ORGANISATION

    def issue(self, given_name: str, surname: str, email: str, organisation: str = ""
              ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        """A new EC P-256 key and its signing certificate, in the person's name."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                               (organisation or self.organisation)[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Certificat de démonstration"),
            x509.NameAttribute(NameOID.GIVEN_NAME, given_name[:64]),
            x509.NameAttribute(NameOID.SURNAME, surname[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{given_name} {surname}"[:64])])
        builder = (_builder(self.root_key, self.root, subject, key.public_key(), PERSON_DAYS)
                   .add_extension(_key_usage(signing=True), critical=True))
        if email:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        return key, builder.sign(self.root_key, hashes.SHA256())


# --------------------------------------------------------------------------- files

def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, data: bytes, private: bool) -> None:
    """Written once: O_EXCL refuses to replace a file another start wrote meanwhile."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _make_root(organisation: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(DEMO_ROOT_CN, organisation or DEFAULT_ORGANISATION, DEMO_UNIT)
    now = datetime.now(UTC)
    root = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=ROOT_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, root


def _make_tsa(root_key: ec.EllipticCurvePrivateKey, root: x509.Certificate
              ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    organisation = root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    subject = _name(DEMO_TSA_CN, str(organisation), DEMO_UNIT)
    certificate = (_builder(root_key, root, subject, key.public_key(), TSA_DAYS)
                   .add_extension(_key_usage(signing=True), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                                  critical=True)
                   .sign(root_key, hashes.SHA256()))
    return key, certificate


def _load(directory: Path, key_file: str, cert_file: str):
    key_path, cert_path = directory / key_file, directory / cert_file
    if not (key_path.exists() and cert_path.exists()):
        if key_path.exists() or cert_path.exists():
            raise DemoPKIError(f"{directory}: {key_file} and {cert_file} go together; one of "
                               "them is missing (remove the other to make a new one)")
        return None
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return key, x509.load_pem_x509_certificate(cert_path.read_bytes())


def demo_pki(directory: Path, organisation: str = "") -> DemoPKI:
    """The demo PKI kept in `directory`: created the first time, read every time after
    (`organisation` only names a new root's O)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    found = _load(directory, FILES["root_key"], FILES["root"])
    if found is None:
        found = _make_root(organisation)
        _write(directory / FILES["root_key"], _pem_key(found[0]), private=True)
        _write(directory / FILES["root"], _pem(found[1]), private=False)
    root_key, root = found
    tsa = _load(directory, FILES["tsa_key"], FILES["tsa"])
    if tsa is None:
        tsa = _make_tsa(root_key, root)
        _write(directory / FILES["tsa_key"], _pem_key(tsa[0]), private=True)
        _write(directory / FILES["tsa"], _pem(tsa[1]), private=False)
    return DemoPKI(directory, root_key, root, *tsa)


# --------------------------------------------------------------------------- credentials

def demo_directory() -> Path:
    """Where the running demo keeps its PKI (the embedded "tsa" service of var/services.json)."""
    from provisioning.backends import embedded_services

    from .errors import SignatureError

    recorded = embedded_services().get("tsa") or {}
    if not recorded.get("directory"):
        raise SignatureError("Aucune autorité de certification de démonstration n'est "
                             "démarrée : lancez d'abord « mutualis services start ».")
    return Path(recorded["directory"])


def _from_another_demo_root(pem: str, pki: DemoPKI) -> bool:
    """A demo credential of a demo PKI since replaced (its directory was removed): no longer
    trusted, so it is reissued."""
    certificate = x509.load_pem_x509_certificate(pem.encode())
    return is_demo_certificate(certificate) and not _issued_by(certificate, pki.root)


def _issued_by(certificate: x509.Certificate, root: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def officials_without_key(pki: DemoPKI):
    """The active people holding an elected seat in an active member that subscribes to the
    parapheur, who have no active signing key (or only one of a former demo PKI): a queryset
    of RegistryPerson."""
    from provisioning import people
    from provisioning.access import is_official

    from .models import SigningKey

    seats = people.seats().values_list("person_id", "roles", "member__services")
    ids = {person_id for person_id, roles, services in seats.iterator(chunk_size=500)
           if "parapheur" in (services or []) and is_official(roles)}
    keys = SigningKey.objects.filter(kind=SigningKey.PERSONAL, active=True, person_id__in=ids)
    keyed = {person_id for person_id, pem in keys.values_list("person_id", "certificate")
             .iterator(chunk_size=500) if not _from_another_demo_root(pem, pki)}
    return people.people_among(ids - keyed).order_by("uid")


def issue_demo_credentials(directory: Path | None = None, organisation: str = "") -> int:
    """Give each official without a signing key a demo credential; return how many were
    issued. Idempotent: an official who has a key (real, or of this demo PKI) keeps it."""
    from .pki.keys import make_pkcs12
    from .workflow import install_key

    pki = demo_pki(directory or demo_directory())
    issued = 0
    for person in officials_without_key(pki).iterator(chunk_size=200):
        key, certificate = pki.issue(person.given_name, person.surname, person.email,
                                     organisation)
        password = secrets.token_urlsafe(24).encode()
        data = make_pkcs12(key, certificate, [pki.root], password,
                           name=f"{person.given_name} {person.surname}")
        install_key(data, password, person=person, store_password=True)
        issued += 1
    return issued

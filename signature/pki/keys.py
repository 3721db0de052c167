"""Signing keys: EC P-256 by default, kept as PKCS#12 encrypted at rest, or on a PKCS#11 token.

At rest, a PKCS#12 (and a seal's passphrase) is encrypted with Fernet (AES-128-CBC and
HMAC-SHA256) under a key derived with HKDF-SHA256 from `MUTUALIS_SIGNATURE_KEY`: one or more
secrets separated by commas, the first one encrypting, all of them decrypting (rotation). When
it is unset, the key is derived from Django's SECRET_KEY (development only).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.sign import signers

from mutualis import conf

from ..errors import SignatureError

_HKDF_INFO = b"mutualis/signature/keys-at-rest/v1"


# --------------------------------------------------------------------------- at rest

def _secrets() -> tuple[str, ...]:
    configured = conf.MUTUALIS_SIGNATURE_KEY or ""
    secrets = tuple(s.strip() for s in configured.split(",") if s.strip())
    return secrets or (settings.SECRET_KEY,)


@functools.lru_cache(maxsize=8)
def _box(secrets: tuple[str, ...]) -> MultiFernet:
    def fernet(secret: str) -> Fernet:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=_HKDF_INFO).derive(secret.encode())
        return Fernet(base64.urlsafe_b64encode(key))

    return MultiFernet([fernet(s) for s in secrets])


def encrypt(data: bytes) -> bytes:
    """Encrypt for storage with the current key."""
    return _box(_secrets()).encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return _box(_secrets()).decrypt(bytes(token))
    except InvalidToken:
        raise SignatureError(_(
            "Une clé de signature enregistrée ne peut pas être déchiffrée : le secret "
            "MUTUALIS_SIGNATURE_KEY du serveur n'est plus celui avec lequel elle a été "
            "enregistrée ; prévenez le syndicat.")) from None


def reencrypt(token: bytes) -> bytes:
    """The same data under the current (first) key, after a rotation."""
    return _box(_secrets()).rotate(bytes(token))


# --------------------------------------------------------------------------- PKCS#12

def generate_key() -> ec.EllipticCurvePrivateKey:
    """A new signing key: EC P-256."""
    return ec.generate_private_key(ec.SECP256R1())


def make_pkcs12(key, certificate: x509.Certificate, chain: Iterable[x509.Certificate],
                password: bytes, name: str = "") -> bytes:
    """A PKCS#12 holding a key, its certificate and the certificates of its chain."""
    protection = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return pkcs12.serialize_key_and_certificates(
        (name or "signing key").encode(), key, certificate, list(chain), protection)


@dataclass(frozen=True)
class CertificateInfo:
    """What a person needs to know about a signing certificate."""

    common_name: str
    subject: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    pem: str


def describe(certificate: x509.Certificate) -> CertificateInfo:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return CertificateInfo(
        common_name=str(names[0].value) if names else certificate.subject.rfc4514_string(),
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        serial=format(certificate.serial_number, "x"),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        pem=certificate.public_bytes(serialization.Encoding.PEM).decode())


def _is_pfx(data: bytes) -> bool:
    """Whether the data are a PKCS#12 structure at all (RFC 7292 PFX), whatever the password:
    a wrong password and a wrong file are told apart."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in (
            "data", "signed_data")
    except Exception:  # asn1crypto raises several kinds of errors on foreign data
        return False


def read_pkcs12(data: bytes, password: bytes | None) -> tuple[object, x509.Certificate,
                                                              list[x509.Certificate]]:
    """(key, certificate, chain) of a PKCS#12; a wrong password is one sentence."""
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, password or None)
    except (ValueError, TypeError):
        if not _is_pfx(data):
            raise SignatureError(_("Ce fichier n'est pas un certificat PKCS#12 (.p12 ou "
                                   ".pfx).")) from None
        raise SignatureError(_("Le mot de passe du certificat est incorrect.")) from None
    if key is None or certificate is None:
        raise SignatureError(_("Le fichier PKCS#12 ne contient pas de clé privée avec son "
                               "certificat : demandez le fichier complet à l'autorité qui l'a "
                               "émis."))
    return key, certificate, list(chain)


def signer_from_pkcs12(data: bytes, password: bytes | None) -> signers.SimpleSigner:
    """A pyHanko signer holding the key in memory, with the certificates of its chain."""
    read_pkcs12(data, password)  # the readable error for a wrong password
    return signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=password or None)


def load_certificates(paths: Iterable[str]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM or DER files (trust anchors)."""
    found: list[asn1_x509.Certificate] = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            raise SignatureError(_("Le fichier de certificat %(path)s est illisible ou absent.")
                                 % {"path": path}) from None
        try:
            certificates = list(load_certs_from_pemder_data(data))
        except (ValueError, TypeError):
            certificates = []
        if not certificates:
            raise SignatureError(_("Le fichier %(path)s ne contient aucun certificat (PEM ou "
                                   "DER attendu).") % {"path": path})
        found.extend(certificates)
    return found


def configured_trust_roots() -> list[asn1_x509.Certificate]:
    """The trust anchors of the installation: MUTUALIS_SIGNATURE_TRUST_ROOTS (PEM files),
    plus the demo root when the demo's embedded timestamp authority is the one in use."""
    from .embedded import embedded_trust_roots

    paths = list(conf.MUTUALIS_SIGNATURE_TRUST_ROOTS or ())
    return load_certificates(paths + [p for p in embedded_trust_roots() if p not in paths])


def chain_roots(signer: signers.Signer) -> list[asn1_x509.Certificate]:
    """The self-signed certificates a signer carries with its chain."""
    registry = signer.cert_registry or ()
    return [c for c in registry if c.self_signed != "no"]


# --------------------------------------------------------------------------- PKCS#11

@contextmanager
def pkcs11_signer(module: str, token_label: str, pin: str, key_label: str,
                  cert_label: str | None = None, raw_ecdsa: bool = True
                  ) -> Iterator[signers.Signer]:
    """A signer whose key never leaves a smart card or an HSM (PKCS#11 module `module`).

    With `raw_ecdsa` (the default, for EC keys) the digest is computed here and the token
    signs it with the plain CKM_ECDSA mechanism, which every token offers (SoftHSM2 and many
    cards lack CKM_ECDSA_SHA256); set it to False for RSA keys."""
    try:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
    except ImportError:
        raise SignatureError(_("Ce serveur ne sait pas encore utiliser les cartes et modules "
                               "PKCS#11 : le syndicat doit installer mutualis[pkcs11].")) from None
    try:
        session = open_pkcs11_session(module, token_criteria=TokenCriteria(label=token_label),
                                      user_pin=pin)
    except Exception:  # the library's errors name neither the module nor the token
        raise SignatureError(_("Le jeton PKCS#11 « %(token)s » ne s'ouvre pas : le code PIN est "
                               "incorrect, ou le jeton est absent du module configuré.")
                             % {"token": token_label}) from None
    try:
        yield PKCS11Signer(session, key_label=key_label, cert_label=cert_label or key_label,
                           use_raw_mechanism=raw_ecdsa)
    finally:
        session.close()

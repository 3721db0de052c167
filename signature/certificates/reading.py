"""Reading certificates from what the syndicate receives: PEM or DER files (a certificate,
perhaps with its chain), PKCS#12 files with their password, and the certificates on a
PKCS#11 token. Only the public certificates are kept: a PKCS#12's private key is read to open
the file and then dropped.

Each error is one French sentence naming the file (or the token) and what is wrong with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.utils.translation import gettext as _

from ..errors import SignatureError
from ..pki import keys
from .models import DER, PEM, PKCS11, PKCS12

PEM_MARKER = b"-----BEGIN CERTIFICATE-----"


@dataclass
class Found:
    """A certificate read, with the others that came with it (its chain) and its origin."""

    certificate: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)
    source: str = PEM
    source_detail: str = ""


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def is_authority(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def policy_oids(certificate: x509.Certificate) -> list[str]:
    try:
        policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies)
    except x509.ExtensionNotFound:
        return []
    return [p.policy_identifier.dotted_string for p in policies.value]


def _end_entity(certificates: list[x509.Certificate], name: str) -> tuple[
        x509.Certificate, list[x509.Certificate]]:
    """The one certificate of a person or a server among those of a file, and the others."""
    holders = [c for c in certificates if not is_authority(c)]
    if not holders:
        raise SignatureError(_("Le fichier « %(name)s » ne contient que des certificats "
                               "d'autorité de certification : importez le certificat du "
                               "titulaire.") % {"name": name})
    if len(holders) > 1:
        raise SignatureError(_("Le fichier « %(name)s » contient %(n)d certificats de "
                               "titulaires : importez-les un par un.")
                             % {"name": name, "n": len(holders)})
    return holders[0], [c for c in certificates if c is not holders[0]]


def read_file(data: bytes, name: str, password: str = "") -> Found:
    """The certificate of a PEM, DER or PKCS#12 (.p12, .pfx) file."""
    if not data.strip():
        raise SignatureError(_("Le fichier « %(name)s » est vide.") % {"name": name})
    if PEM_MARKER in data:
        try:
            certificates = x509.load_pem_x509_certificates(data)
        except ValueError:
            raise SignatureError(_("Le fichier « %(name)s » est au format PEM mais un de ses "
                                   "certificats est illisible (texte tronqué ou modifié ?).")
                                 % {"name": name}) from None
        certificate, chain = _end_entity(certificates, name)
        return Found(certificate, chain, PEM, name)
    try:
        certificate = x509.load_der_x509_certificate(data)
    except ValueError:
        pass
    else:
        _end_entity([certificate], name)
        return Found(certificate, [], DER, name)
    if keys._is_pfx(data):
        if not password:
            raise SignatureError(_("Le fichier « %(name)s » est un PKCS#12 : donnez son mot "
                                   "de passe.") % {"name": name})
        try:
            _key, certificate, chain = keys.read_pkcs12(data, password.encode())
        except SignatureError as exc:
            raise SignatureError(_("Le fichier « %(name)s » : %(error)s")
                                 % {"name": name, "error": exc}) from None
        return Found(certificate, chain, PKCS12, name)
    raise SignatureError(_("Le fichier « %(name)s » n'est ni un certificat (PEM ou DER) ni un "
                           "fichier PKCS#12 (.p12, .pfx).") % {"name": name})


def read_token(module: str, token_label: str, pin: str = "", label: str = "") -> list[Found]:
    """The certificates of the holders on a PKCS#11 token (all of them, or the one labelled
    `label`), each with the token's authority certificates as its chain."""
    try:
        import pkcs11
        from pkcs11 import Attribute, ObjectClass
    except ImportError:
        raise SignatureError(_("Ce serveur ne sait pas encore lire les cartes et modules "
                               "PKCS#11 : le syndicat doit installer mutualis[pkcs11].")) from None
    if not module:
        raise SignatureError(_("Aucun module PKCS#11 n'est configuré sur ce serveur : le "
                               "syndicat doit renseigner MUTUALIS_PKCS11_MODULE."))
    try:
        token = pkcs11.lib(module).get_token(token_label=token_label)
    except Exception:  # NoSuchToken, or a module that does not load
        raise SignatureError(_("Le jeton PKCS#11 « %(token)s » est absent du module configuré.")
                             % {"token": token_label}) from None
    try:
        session = token.open(user_pin=pin or None)
    except Exception:
        raise SignatureError(_("Le jeton PKCS#11 « %(token)s » ne s'ouvre pas : le code PIN est "
                               "incorrect.") % {"token": token_label}) from None
    with session:
        found = []
        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
            der = obj[Attribute.VALUE]
            found.append((obj[Attribute.LABEL], x509.load_der_x509_certificate(bytes(der))))
    authorities = [c for _, c in found if is_authority(c)]
    holders = [(name, c) for name, c in found if not is_authority(c)
               and (not label or name == label)]
    if not holders:
        if label:
            raise SignatureError(_("Le jeton PKCS#11 « %(token)s » n'a pas de certificat "
                                   "« %(label)s ».") % {"token": token_label, "label": label})
        raise SignatureError(_("Le jeton PKCS#11 « %(token)s » ne contient aucun certificat de "
                               "titulaire.") % {"token": token_label})
    return [Found(c, authorities, PKCS11, f"{token_label} / {name}") for name, c in holders]

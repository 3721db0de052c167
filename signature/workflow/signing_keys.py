"""The signing keys the parapheur keeps: installing a person's key or a member's seal (a
PKCS#12 encrypted at rest, or a key on a PKCS#11 token), finding a person's key, and opening a
key as a pyHanko signer.

A key is checked when it is installed (see `pki.checks`): an expired certificate, one that is
not for signing, or one no trusted authority issued is refused with one sentence, and nothing
is stored. A PKCS#12 whose password is stored (a seal, a demo credential) asks for none when
signing; a person's own PKCS#12 asks for its password, a PKCS#11 key for its PIN.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from django.db import transaction
from django.utils.translation import gettext as _

from mutualis import conf
from provisioning.models import RegistryMember, RegistryPerson

from .. import audit
from ..errors import SignatureError
from ..models import SigningKey
from ..pki import keys
from ..pki.checks import PERSONAL_USAGE, SEAL_USAGE, check_signing_certificate
from .people import seat_member


def _owner(person: RegistryPerson | None, member: RegistryMember | None) -> str:
    if (person is None) == (member is None):
        raise ValueError("a key belongs either to a person or to a member (a seal)")
    return SigningKey.PERSONAL if person is not None else SigningKey.SEAL


def _store(kind: str, person: RegistryPerson | None, member: RegistryMember | None,
           certificate: x509.Certificate, installed_by: str, **fields) -> SigningKey:
    """Replace the owner's active key of this kind with a new one (the old one is kept,
    inactive), and journal it."""
    info = keys.describe(certificate)
    actor = installed_by or (person.uid if person else "system")
    with transaction.atomic():
        SigningKey.objects.filter(kind=kind, person=person, member=member).update(active=False)
        key = SigningKey.objects.create(
            kind=kind, person=person, member=member, subject=info.subject, issuer=info.issuer,
            serial=info.serial, not_after=info.not_after, certificate=info.pem, **fields)
        owner = member or seat_member(person)
        if owner is not None:
            audit.record(owner, "key_installed", actor, None,
                         subject=info.subject, serial=info.serial, kind=kind,
                         storage=key.storage, holder=person.uid if person else owner.code)
    return key


def install_key(pkcs12: bytes, password: bytes, person: RegistryPerson | None = None,
                member: RegistryMember | None = None, store_password: bool = False,
                installed_by: str = "") -> SigningKey:
    """Store a PKCS#12 encrypted at rest: a person's key, or (with `member`) a member's seal,
    whose password is then stored encrypted too (and a person's with `store_password`)."""
    kind = _owner(person, member)
    _, certificate, chain = keys.read_pkcs12(pkcs12, password)
    check_signing_certificate(certificate, chain,
                              PERSONAL_USAGE if person is not None else SEAL_USAGE,
                              keys.configured_trust_roots())
    return _store(kind, person, member, certificate, installed_by,
                  storage=SigningKey.PKCS12, pkcs12=keys.encrypt(pkcs12),
                  passphrase=keys.encrypt(password) if (store_password or member) else b"")


def _pkcs11_module() -> str:
    module = conf.MUTUALIS_PKCS11_MODULE
    if not module:
        raise SignatureError(_("Aucun module PKCS#11 n'est configuré sur ce serveur : le "
                               "syndicat doit renseigner MUTUALIS_PKCS11_MODULE."))
    return module


def _cryptography(certificate: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate.dump())


def install_pkcs11_key(token: str, key_label: str, pin: str,
                       person: RegistryPerson | None = None,
                       member: RegistryMember | None = None, cert_label: str = "",
                       pin_env: str = "", installed_by: str = "") -> SigningKey:
    """Name a key that stays on a PKCS#11 token (a card, an HSM) of the configured module: its
    certificate is read from the token with the PIN, which is not stored (a person types it
    when signing; a seal's comes from the environment variable `pin_env`)."""
    kind = _owner(person, member)
    with keys.pkcs11_signer(_pkcs11_module(), token, pin, key_label,
                            cert_label or None) as signer:
        try:
            certificate = _cryptography(signer.signing_cert)
            chain = [_cryptography(c) for c in signer.cert_registry or ()]
        except Exception:  # python-pkcs11's errors are English and name no label
            raise SignatureError(_("Le jeton « %(token)s » ne contient pas de clé « %(key)s » "
                                   "avec son certificat : vérifiez le libellé de la clé.")
                                 % {"token": token, "key": key_label}) from None
    check_signing_certificate(certificate, [c for c in chain if c != certificate],
                              PERSONAL_USAGE if person is not None else SEAL_USAGE,
                              keys.configured_trust_roots())
    return _store(kind, person, member, certificate, installed_by,
                  storage=SigningKey.PKCS11, pkcs11_token=token,
                  pkcs11_key_label=key_label, pkcs11_pin_env=pin_env)


def personal_key(person: RegistryPerson) -> SigningKey:
    key = active_key(person)
    if key is None:
        raise SignatureError(_("Vous n'avez pas encore de certificat de signature : demandez à "
                               "votre DGS ou au syndicat de l'installer (page Certificats)."))
    return key


def active_key(person: RegistryPerson) -> SigningKey | None:
    return SigningKey.objects.filter(kind=SigningKey.PERSONAL, person=person, active=True).first()


def asks_secret(key: SigningKey | None) -> bool:
    """Whether signing with this key asks for a password or a PIN."""
    return key is not None and (key.storage == SigningKey.PKCS11 or not key.passphrase)


@contextmanager
def signer_for(key: SigningKey, passphrase: str = "") -> Iterator:
    """The pyHanko signer of a stored key: a PKCS#12 decrypted in memory (with its stored
    password, else the one typed), or a PKCS#11 token (the PIN typed, else a seal's from its
    environment variable). A certificate the members' register knows as revoked, or an
    expired one, is refused first (`signature.certificates.refusal`)."""
    from ..certificates import refusal

    refused = refusal(key.certificate)
    if refused:
        raise SignatureError(refused)
    if key.storage == SigningKey.PKCS11:
        pin = passphrase or os.environ.get(key.pkcs11_pin_env, "")
        with keys.pkcs11_signer(_pkcs11_module(), key.pkcs11_token, pin,
                                key.pkcs11_key_label) as signer:
            yield signer
        return
    secret = keys.decrypt(key.passphrase) if key.passphrase else passphrase.encode()
    data = keys.decrypt(key.pkcs12)
    try:
        signer = keys.signer_from_pkcs12(data, secret)
    except SignatureError:
        if key.kind == SigningKey.SEAL:
            raise
        raise SignatureError(_("Le mot de passe de votre certificat de signature est "
                               "incorrect : rien n'a été signé.")) from None
    yield signer

"""The signing keys the parapheur keeps: installing a person's key or a member's seal
(encrypted at rest), finding a person's key, and opening a key as a pyHanko signer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction

from provisioning.models import RegistryMember, RegistryPerson

from .. import audit
from ..errors import SignatureError
from ..models import SigningKey
from ..pki import keys
from .people import display_name, seat_member


def install_key(pkcs12: bytes, password: bytes, person: RegistryPerson | None = None,
                member: RegistryMember | None = None, store_password: bool = False
                ) -> SigningKey:
    """Store a PKCS#12 encrypted at rest: a person's key, or (with `member`) a member's seal,
    whose password is then stored encrypted too."""
    if (person is None) == (member is None):
        raise SignatureError("a key belongs either to a person or to a member (a seal)")
    _, certificate, _ = keys.read_pkcs12(pkcs12, password)
    info = keys.describe(certificate)
    kind = SigningKey.PERSONAL if person is not None else SigningKey.SEAL
    with transaction.atomic():
        SigningKey.objects.filter(kind=kind, person=person, member=member).update(active=False)
        key = SigningKey.objects.create(
            kind=kind, person=person, member=member, pkcs12=keys.encrypt(pkcs12),
            passphrase=keys.encrypt(password) if (store_password or member) else b"",
            subject=info.subject, issuer=info.issuer, serial=info.serial,
            not_after=info.not_after, certificate=info.pem)
        owner = member or seat_member(person)
        if owner is not None:
            audit.record(owner, "key_installed", person.uid if person else "system", None,
                         subject=info.subject, serial=info.serial, kind=kind)
    return key


def personal_key(person: RegistryPerson) -> SigningKey:
    key = SigningKey.objects.filter(kind=SigningKey.PERSONAL, person=person, active=True).first()
    if key is None:
        raise SignatureError(f"{display_name(person)} has no signing key: ask the syndicate to "
                             "install one")
    return key


@contextmanager
def signer_for(key: SigningKey, passphrase: str = "") -> Iterator:
    """The pyHanko signer of a stored key: a PKCS#12 decrypted in memory, or a PKCS#11 token
    (a person types the PIN; a seal's PIN comes from its environment variable)."""
    if key.storage == SigningKey.PKCS11:
        pin = passphrase or os.environ.get(key.pkcs11_pin_env, "")
        module = getattr(settings, "MUTUALIS_PKCS11_MODULE", "")
        if not module:
            raise SignatureError("MUTUALIS_PKCS11_MODULE is not set: no PKCS#11 module to use")
        with keys.pkcs11_signer(module, key.pkcs11_token, pin, key.pkcs11_key_label) as signer:
            yield signer
        return
    secret = passphrase.encode() if passphrase else (
        keys.decrypt(key.passphrase) if key.passphrase else b"")
    yield keys.signer_from_pkcs12(keys.decrypt(key.pkcs12), secret)

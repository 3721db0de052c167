"""Signing a parapheur folder's PES flux with the signer's parapheur key (their PKCS#12,
opened by `signature.workflow.signer_for`): the certificate checked first (expired, revoked,
untrusted: refused with a sentence saying which and since when), then each main document
signed in XAdES-EPES as the member's settings say."""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_der_private_key
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.sign import signers

from signature.errors import SignatureError
from signature.models import Document, Folder
from signature.pki import keys

from .certificates import check_can_sign
from .models import PesFlux, PesSettings
from .xades import ProductionPlace, sign_flux


def key_and_chain(signer: signers.Signer) -> tuple[object, list[x509.Certificate]]:
    """The private key and the certificates (signing one first, then its issuers) of a
    pyHanko signer holding its key in memory."""
    if not isinstance(signer, signers.SimpleSigner):
        raise SignatureError(_("Les flux PES se signent pour l'instant avec un certificat "
                               "PKCS#12 (fichier .p12) : la clé de ce certificat est sur une "
                               "carte ou un module matériel, que la signature XAdES ne sait pas "
                               "encore utiliser."))
    key = load_der_private_key(signer.signing_key.dump(), None)
    certificate = x509.load_der_x509_certificate(signer.signing_cert.dump())
    others = [x509.load_der_x509_certificate(c.dump()) for c in signer.cert_registry or ()
              if c.dump() != signer.signing_cert.dump()]
    return key, [certificate, *others]


def settings_for(member) -> PesSettings:
    found = PesSettings.objects.filter(member=member).first()
    return found or PesSettings(member=member)


def place_of(settings: PesSettings) -> ProductionPlace:
    return ProductionPlace(city=settings.city or settings.member.name,
                           postal_code=settings.postal_code)


def sign_folder(signer: signers.Signer, folder: Folder, person) -> list[bytes]:
    """The signed flux of the folder's main documents (see the module)."""
    key, chain = key_and_chain(signer)
    roots = keys.configured_trust_roots() or keys.chain_roots(signer)
    check_can_sign(chain[0], [c for c in chain[1:]], roots)
    settings = settings_for(folder.member)
    signed = []
    for doc in folder.documents.filter(kind=Document.MAIN):
        with doc.file.open("rb") as f:
            signed.append(sign_flux(f.read(), key, chain, mode=settings.mode,
                                    place=place_of(settings)))
    PesFlux.objects.filter(folder=folder).update(
        signed_mode=settings.mode, signed_at=timezone.now(),
        signed_sha256=hashlib.sha256(signed[0]).hexdigest() if signed else "")
    return signed

"""Signing keys: PKCS#12 encrypted at rest, key rotation, and the PKCS#11 path on a real
SoftHSM2 token (Debian's softhsm2), whose key never leaves the token."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from signature import workflow
from signature.errors import SignatureError
from signature.models import SEAL, SIGNATURE, Folder, SigningKey
from signature.pki import keys
from signature.sign import SigningOptions, SigningSession
from signature.stamp import StampText
from signature.verify import verify_pdf
from signature.workflow import StepSpec
from tests.factories import make_pdf

from .conftest import PASSWORD, PIN, TOKEN


def test_pkcs12_is_encrypted_at_rest(registry, identities, settings):
    key = SigningKey.objects.get(person=registry.maire)
    stored = bytes(key.pkcs12)
    p12 = identities.maire.pkcs12()
    cert_der = identities.maire.certificate.public_bytes(serialization.Encoding.DER)
    assert cert_der not in stored and stored.startswith(b"gAAAA")  # a Fernet token
    assert bytes(key.passphrase) == b""  # a person's password is typed, never stored
    assert keys.read_pkcs12(keys.decrypt(stored), PASSWORD)[1] == identities.maire.certificate
    assert len(keys.decrypt(stored)) > 0 and p12[:4] == keys.decrypt(stored)[:4]

    settings.MUTUALIS_SIGNATURE_KEY = "une-autre-clé"
    with pytest.raises(SignatureError, match="ne peut pas être déchiffrée"):
        keys.decrypt(stored)
    # rotation: the new secret first, the old one still decrypts, rotate re-encrypts
    settings.MUTUALIS_SIGNATURE_KEY = "une-autre-clé,clé-de-test-pour-le-chiffrement"
    rotated = keys.reencrypt(stored)
    settings.MUTUALIS_SIGNATURE_KEY = "une-autre-clé"
    assert keys.read_pkcs12(keys.decrypt(rotated), PASSWORD)[1] == identities.maire.certificate


def test_a_seals_password_is_stored_encrypted(registry, identities):
    key = workflow.install_key(identities.seal.pkcs12(), PASSWORD, member=registry.alpha)
    assert PASSWORD not in bytes(key.passphrase)
    assert keys.decrypt(key.passphrase) == PASSWORD
    with pytest.raises(SignatureError, match="mot de passe du certificat est incorrect"):
        workflow.install_key(identities.seal.pkcs12(), b"faux", member=registry.alpha)


# --------------------------------------------------------------------------- PKCS#11

def test_pkcs11_signing_on_softhsm(hsm, roots):
    module, identity = hsm
    with keys.pkcs11_signer(module, TOKEN, PIN, "cachet") as signer:
        signed = SigningSession(signer, SigningOptions(key_usage=frozenset(
            {"digital_signature"}))).sign(make_pdf(), StampText("Alphaville", seal=True))
    [report] = verify_pdf(signed, roots, online=False)
    assert report.ok and report.signer == "Cachet HSM de Alphaville"
    with pytest.raises(SignatureError, match="Le jeton PKCS#11 « mutualis-test » ne s'ouvre pas"):
        with keys.pkcs11_signer(module, TOKEN, "000000", "cachet"):
            pass


def test_a_member_seal_on_an_hsm_in_a_circuit(hsm, registry, roots, settings, monkeypatch):
    module, identity = hsm
    reg = registry
    settings.MUTUALIS_PKCS11_MODULE = module
    monkeypatch.setenv("ALPHAVILLE_HSM_PIN", PIN)
    info = keys.describe(identity.certificate)
    SigningKey.objects.create(kind=SigningKey.SEAL, member=reg.alpha,
                              storage=SigningKey.PKCS11, pkcs11_token=TOKEN,
                              pkcs11_key_label="cachet", pkcs11_pin_env="ALPHAVILLE_HSM_PIN",
                              subject=info.subject, issuer=info.issuer, serial=info.serial,
                              not_after=info.not_after, certificate=info.pem)
    workflow.define_circuit(reg.alpha, "Actes", "Arrêté",
                            [StepSpec(SIGNATURE, [reg.maire]), StepSpec(SEAL)])
    folder = workflow.submit(reg.secretaire, reg.alpha, "Arrêté de voirie", "Arrêté",
                             [("arrete.pdf", make_pdf("Arrêté"))])
    folder = workflow.sign(folder, reg.maire, PASSWORD.decode())
    assert folder.status == Folder.DONE
    doc = folder.documents.get(kind="main")
    with doc.file.open("rb") as f:
        reports = verify_pdf(f.read(), roots, online=False)
    assert [(r.signer, r.ok) for r in reports] == [("Sylvie Maire", True),
                                                   ("Cachet HSM de Alphaville", True)]

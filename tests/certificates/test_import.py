"""Importing certificates into the register: PEM (with its chain), DER, PKCS#12 with its
password, and the parapheur's keys; each bad file is refused with a sentence naming it, and
nothing is stored."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization

from signature.certificates import import_file, read_parapheur_keys
from signature.certificates.models import (
    DER,
    PARAPHEUR,
    PEM,
    PKCS12,
    RGS_AUTH,
    SIGNING,
    MemberCertificate,
)
from signature.errors import SignatureError
from tests.signature.pki import PASSWORD

from .pki import RGS_POLICY, issue


def test_pem_der_and_pkcs12_are_registered_with_what_they_say(registry, pki):
    reg = registry
    first = issue(pki, "Agent Télétransmission", policies=(RGS_POLICY,))
    pem = first.pem + pki.root_pem  # the holder's certificate and its chain
    record = import_file(pem, "agent.pem", reg.alpha, RGS_AUTH, check=False)
    assert record.source == PEM and record.source_detail == "agent.pem"
    assert record.holder_name == "Agent Télétransmission"
    assert record.issuer_name == "Autorité racine de test"
    assert record.policy_oids == [RGS_POLICY]
    assert record.serial == format(first.certificate.serial_number, "x")
    assert record.not_after == first.certificate.not_valid_after_utc
    assert record.sha256 == first.certificate.fingerprint(
        hashes.SHA256()).hex()
    assert "BEGIN CERTIFICATE" in record.chain  # the root that came with it

    second = issue(pki, "Sylvie Maire")
    der = second.certificate.public_bytes(serialization.Encoding.DER)
    record = import_file(der, "maire.cer", reg.alpha, SIGNING, holder=reg.maire, check=False)
    assert (record.source, record.holder, record.holder_email) == (DER, reg.maire,
                                                                  reg.maire.email)

    third = issue(pki, "Paul Adjoint")
    record = import_file(third.pkcs12(), "adjoint.p12", reg.alpha, SIGNING,
                         password=PASSWORD.decode(), check=False)
    assert record.source == PKCS12 and record.holder_name == "Paul Adjoint"
    assert "PRIVATE" not in record.certificate + record.chain  # no key is kept
    assert MemberCertificate.objects.count() == 3


@pytest.mark.parametrize("data, name, password, message", [
    (b"", "vide.pem", "", "Le fichier « vide.pem » est vide."),
    (b"bonjour", "lettre.txt", "", "Le fichier « lettre.txt » n'est ni un certificat"),
    (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "tronque.pem", "",
     "Le fichier « tronque.pem » est au format PEM mais un de ses certificats est illisible"),
])
def test_a_bad_file_is_refused_naming_it(registry, data, name, password, message):
    with pytest.raises(SignatureError) as refused:
        import_file(data, name, registry.alpha, RGS_AUTH, password=password, check=False)
    assert message in str(refused.value)
    assert not MemberCertificate.objects.exists()


def test_pkcs12_without_or_with_a_wrong_password_an_authority_and_a_duplicate(registry, pki):
    reg = registry
    holder = issue(pki, "Inès Conseil")
    with pytest.raises(SignatureError, match="« ines.p12 » est un PKCS#12 : donnez son mot"):
        import_file(holder.pkcs12(), "ines.p12", reg.alpha, SIGNING, check=False)
    with pytest.raises(SignatureError,
                       match="« ines.p12 » : Le mot de passe du certificat est incorrect"):
        import_file(holder.pkcs12(), "ines.p12", reg.alpha, SIGNING, password="faux",
                    check=False)
    with pytest.raises(SignatureError, match="« racine.pem » ne contient que des certificats "
                                             "d'autorité"):
        import_file(pki.root_pem, "racine.pem", reg.alpha, SIGNING, check=False)
    two = holder.pem + issue(pki, "Autre").pem
    with pytest.raises(SignatureError, match="« deux.pem » contient 2 certificats de titulaires"):
        import_file(two, "deux.pem", reg.alpha, SIGNING, check=False)
    assert not MemberCertificate.objects.exists()
    import_file(holder.pem, "ines.pem", reg.alpha, SIGNING, check=False)
    with pytest.raises(SignatureError, match=r"Ce certificat \(Inès Conseil, numéro de série "
                                             r"\w+\) est déjà dans le registre, pour Alphaville"):
        import_file(holder.pem, "ines.pem", reg.bravo, SIGNING, check=False)
    assert MemberCertificate.objects.count() == 1


def test_the_parapheurs_keys_are_read_once(registry, identities):
    reg = registry  # Alphaville's three officials and Bravoville's maire have their keys
    added = read_parapheur_keys()
    assert {(c.member.code, c.holder.uid, c.kind, c.source) for c in added} == {
        ("79101", "smaire", SIGNING, PARAPHEUR), ("79101", "padjoint", SIGNING, PARAPHEUR),
        ("79101", "iconseil", SIGNING, PARAPHEUR), ("79102", "bmaire", SIGNING, PARAPHEUR)}
    maire = next(c for c in added if c.holder == reg.maire)
    assert maire.signing_key.person == reg.maire and maire.holder_email == reg.maire.email
    assert maire.sha256 == identities.maire.certificate.fingerprint(
        hashes.SHA256()).hex()
    assert read_parapheur_keys() == []  # nothing new
    assert MemberCertificate.objects.count() == 4

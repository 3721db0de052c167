"""Checking registered certificates with pyHanko's validator against the test PKI: the chain
to the trust anchors, revocation by the root's CRL and by OCSP (served on loopback, fetched),
the certification policy each kind must carry; each result stored with the date checked. A
revoked or expired certificate is then refused for signing in the parapheur, saying which
and since when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from signature import certificates, workflow
from signature.certificates import check_certificate, import_file
from signature.certificates.models import (
    EXPIRED,
    POLICY,
    REVOKED,
    RGS_AUTH,
    SIGNING,
    UNTRUSTED,
    UNVERIFIABLE,
    VALID,
    CertificateCheck,
    MemberCertificate,
)
from signature.certificates.refusals import refusal
from signature.errors import SignatureError
from signature.models import SIGNATURE, Folder
from signature.workflow import StepSpec
from tests.factories import make_pdf
from tests.signature.pki import PASSWORD

from .pki import OTHER_POLICY, RGS_POLICY, issue


def _import(reg, identity, kind=RGS_AUTH, **kwargs):
    return import_file(identity.pem, "certificat.pem", reg.alpha, kind, check=False, **kwargs)


def test_valid_and_revoked_by_the_crl_and_by_ocsp(registry, pki, ocsp_responder):
    reg = registry
    by_crl = _import(reg, issue(pki, "Valide CRL"))
    revoked_identity = issue(pki, "Révoqué CRL")
    revoked = _import(reg, revoked_identity)
    by_ocsp = _import(reg, issue(pki, "Valide OCSP", crl=False, ocsp_url=ocsp_responder.url))
    ocsp_revoked_identity = issue(pki, "Révoqué OCSP", crl=False, ocsp_url=ocsp_responder.url)
    ocsp_revoked = _import(reg, ocsp_revoked_identity)
    pki.revoke(revoked_identity)
    pki.revoke(ocsp_revoked_identity)
    asked = ocsp_responder.requests

    before = timezone.now()
    assert check_certificate(by_crl).status == VALID
    assert check_certificate(by_ocsp).status == VALID
    assert ocsp_responder.requests > asked  # the OCSP responder was asked
    today = timezone.localdate().strftime("%d/%m/%Y")
    for record, reason in ((revoked, "non précisé"),  # the CRL gives none
                           (ocsp_revoked, "compromission de la clé")):  # the responder's
        check = check_certificate(record)
        assert check.status == REVOKED, check.detail
        assert check.detail == f"Révoqué le {today} (motif : {reason})."
        record.refresh_from_db()
        assert record.status == REVOKED and record.checked_at >= before
        assert abs(record.revoked_at - (timezone.now() - timedelta(minutes=10))) < timedelta(
            minutes=2)
    assert CertificateCheck.objects.filter(certificate=by_crl).get().checked_at >= before


def test_unverifiable_untrusted_expired_and_policy(registry, pki, settings):
    reg = registry
    silent = _import(reg, issue(pki, "Sans réponse", crl=False,
                                ocsp_url="http://127.0.0.1:9/ocsp"))
    check = check_certificate(silent)
    assert check.status == UNVERIFIABLE and "la révocation n'a pas pu être vérifiée" in (
        check.detail)
    expired = _import(reg, issue(pki, "Expiré", starts=-400, days=-5))
    check = check_certificate(expired)
    assert check.status == EXPIRED and check.detail.startswith("Expiré le ")

    settings.MUTUALIS_CERTIFICATE_POLICIES = {RGS_AUTH: [RGS_POLICY]}
    good = _import(reg, issue(pki, "Politique RGS", policies=(RGS_POLICY,)))
    assert check_certificate(good).status == VALID
    other = _import(reg, issue(pki, "Autre politique", policies=(OTHER_POLICY,)))
    check = check_certificate(other)
    assert check.status == POLICY
    assert check.detail == (f"Politique de certification attendue : {RGS_POLICY} ; ce "
                            f"certificat porte : {OTHER_POLICY}.")
    # a signing certificate: no policy asked of its kind here
    assert check_certificate(_import(reg, issue(pki, "Élu"), kind=SIGNING)).status == VALID

    settings.MUTUALIS_SIGNATURE_TRUST_ROOTS = []
    check = check_certificate(good)
    assert check.status == UNTRUSTED and "MUTUALIS_SIGNATURE_TRUST_ROOTS" in check.detail
    assert good.checks.count() == 2  # both kept, the last one on the certificate
    good.refresh_from_db()
    assert good.status == UNTRUSTED


def _signing_folder(reg):
    workflow.define_circuit(reg.alpha, "Arrêtés", "Arrêté", [StepSpec(SIGNATURE, [reg.maire])])
    return workflow.submit(reg.secretaire, reg.alpha, "Arrêté de voirie", "Arrêté",
                           [("arrete.pdf", make_pdf("Arrêté"))])


def test_a_revoked_certificate_is_refused_for_signing_saying_which_and_since_when(
        registry, pki, identities):
    reg = registry
    folder = _signing_folder(reg)
    [record] = [c for c in certificates.read_parapheur_keys() if c.holder == reg.maire]
    assert certificates.refusal(record) is None
    record.status, record.revoked_at = REVOKED, timezone.now() - timedelta(days=3)
    record.save()
    since = timezone.localtime(record.revoked_at).strftime("%d/%m/%Y")
    expected = (f"Le certificat de Sylvie Maire (numéro de série {record.serial}, émis par "
                f"Autorité racine de test) est révoqué depuis le {since} : il ne peut plus "
                "signer")
    assert certificates.refusal(record).startswith(expected)
    assert certificates.refusal(identities.maire.certificate).startswith(expected)
    with pytest.raises(SignatureError) as refused:
        workflow.sign(folder, reg.maire, PASSWORD.decode())
    assert str(refused.value).startswith(expected)
    folder.refresh_from_db()
    assert folder.status == Folder.IN_PROGRESS and not folder.decisions.exists()


def test_an_expired_certificate_is_refused_for_signing(registry, pki):
    reg = registry
    folder = _signing_folder(reg)
    # An expiring key installed, then signing after its end (the register judges at `now`).
    record = certificates.read_parapheur_keys()[0]
    later = record.not_after + timedelta(days=2)
    sentence = refusal(record, later)
    end = timezone.localtime(record.not_after).strftime("%d/%m/%Y")
    assert sentence.endswith(f"a expiré le {end} : il ne peut plus signer ; demandez-en un "
                             "nouveau à l'autorité de certification.")
    # The parapheur's key itself expired: the register's record says so at signing.
    maire = MemberCertificate.objects.get(holder=reg.maire)
    maire.not_after = timezone.now() - timedelta(days=1)
    maire.save()
    with pytest.raises(SignatureError, match="Le certificat de Sylvie Maire .* a expiré le "):
        workflow.sign(folder, reg.maire, PASSWORD.decode())
    assert Folder.objects.get(pk=folder.pk).status == Folder.IN_PROGRESS

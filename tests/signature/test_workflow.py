"""Circuits: sequential steps, AND / OR parallel steps, rejection back to the submitter,
delegation, seal, batch, and what the signed documents and the bordereau then hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from signature import audit, workflow
from signature.errors import AccessDenied, SignatureError
from signature.models import ANY, SEAL, SIGNATURE, VISA, Decision, Folder
from signature.pki import keys
from signature.report import bordereau
from signature.verify import verify_pdf
from signature.workflow import StepSpec
from tests.factories import make_pdf

from .conftest import PASSWORD, pdf_text

PW = PASSWORD.decode()


def submit(reg, folder_type="Délibération", documents=1, title="Budget primitif 2027"):
    docs = [(f"deliberation-{i + 1}.pdf", make_pdf(f"Délibération {i + 1}"))
            for i in range(documents)]
    return workflow.submit(reg.secretaire, reg.alpha, title, folder_type, docs,
                           [("annexe.pdf", make_pdf("Annexe"))])


def read(doc) -> bytes:
    with doc.file.open("rb") as f:
        return f.read()


def main_docs(folder: Folder) -> list:
    return list(Folder.objects.get(pk=folder.pk).documents.filter(kind="main"))


def test_sequential_circuit_visa_then_signature(registry, roots, tmp_path):
    reg = registry
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération", [
        StepSpec(VISA, [reg.adjoint], label="Visa de l'adjoint"),
        StepSpec(SIGNATURE, [reg.maire], label="Signature du maire")])
    folder = submit(reg, documents=2)
    assert workflow.waiting_for(reg.adjoint) == [folder]
    assert workflow.waiting_for(reg.maire) == []  # not their turn yet
    with pytest.raises(AccessDenied):
        workflow.approve(folder, reg.maire)
    with pytest.raises(SignatureError, match="attend un visa"):
        workflow.sign(folder, reg.adjoint, PW)

    workflow.approve(folder, reg.adjoint)
    assert workflow.waiting_for(reg.maire) == [Folder.objects.get(pk=folder.pk)]
    with pytest.raises(SignatureError, match="certificat de signature est incorrect"):
        workflow.sign(folder, reg.maire, "pas le bon mot de passe")
    folder = workflow.sign(folder, reg.maire, PW)
    assert folder.status == Folder.DONE and folder.completed_at is not None

    for doc in main_docs(folder):
        data = read(doc)
        assert doc.sha256 != doc.original_sha256
        [report] = verify_pdf(data, roots, online=False)
        assert report.ok and report.signer == "Sylvie Maire" and report.level == "B-B"
    annex = folder.documents.get(kind="annex")
    assert annex.sha256 == annex.original_sha256  # annexes are carried, not signed

    actions = [e["action"] for e in audit.entries(reg.alpha, folder)]
    assert actions == ["submitted", "approved", "document_signed", "document_signed", "signed",
                       "completed"]
    assert audit.verify_chain(reg.alpha).ok

    text = pdf_text(bordereau(folder), tmp_path)
    assert f"dossier {folder.reference}" in text and "Budget primitif 2027" in text
    assert "Paul Adjoint" in text and "Sylvie Maire" in text
    assert "intègre" in text and "B-B" in text


def test_and_step_waits_for_every_actor_and_or_step_for_one(registry, roots):
    reg = registry
    workflow.define_circuit(reg.alpha, "Arrêtés", "Arrêté", [
        StepSpec(VISA, ["79101-elus"], mode=ANY, label="Visa d'un élu"),
        StepSpec(SIGNATURE, [reg.maire, reg.adjoint], label="Double signature")])
    folder = submit(reg, "Arrêté")
    # OR: every elected person is an actor, the first visa completes the step
    assert folder in workflow.waiting_for(reg.conseil)
    assert folder in workflow.waiting_for(reg.maire)
    assert folder not in workflow.waiting_for(reg.secretaire)  # staff, not elected
    workflow.approve(folder, reg.conseil)
    assert Folder.objects.get(pk=folder.pk).position == 1
    assert workflow.waiting_for(reg.conseil) == []

    # AND: both must sign, in any order; the folder waits after the first
    folder = workflow.sign(folder, reg.adjoint, PW)
    assert folder.status == Folder.IN_PROGRESS and folder.position == 1
    assert workflow.waiting_for(reg.adjoint) == [] and workflow.waiting_for(reg.maire)
    folder = workflow.sign(folder, reg.maire, PW)
    assert folder.status == Folder.DONE
    reports = verify_pdf(read(main_docs(folder)[0]), roots, online=False)
    assert [(r.signer, r.ok) for r in reports] == [("Paul Adjoint", True),
                                                   ("Sylvie Maire", True)]


def test_reject_goes_back_to_the_submitter_with_the_reason(registry):
    reg = registry
    workflow.define_circuit(reg.alpha, "Bons de commande", "Bon de commande", [
        StepSpec(SIGNATURE, [reg.adjoint]), StepSpec(SIGNATURE, [reg.maire])])
    folder = submit(reg, "Bon de commande")
    original = main_docs(folder)[0].original_sha256
    workflow.sign(folder, reg.adjoint, PW)
    with pytest.raises(SignatureError, match="Indiquez le motif du rejet"):
        workflow.reject(folder, reg.maire, "  ")
    folder = workflow.reject(folder, reg.maire, "Le montant dépasse la délégation du maire.")
    assert folder.status == Folder.REJECTED and folder.rejected_by == reg.maire
    assert workflow.waiting_for(reg.maire) == []
    mine = workflow.submitted_by(reg.secretaire).get(pk=folder.pk)
    assert mine.rejection_reason == "Le montant dépasse la délégation du maire."

    with pytest.raises(AccessDenied):
        workflow.resubmit(folder, reg.maire)
    folder = workflow.resubmit(folder, reg.secretaire)
    assert (folder.status, folder.round, folder.position) == (Folder.IN_PROGRESS, 2, 0)
    assert main_docs(folder)[0].sha256 == original  # starts over from the deposited PDF
    assert workflow.waiting_for(reg.adjoint) == [folder]


def test_delegation_stamp_reads_who_signed_for_whom(registry, roots, tmp_path):
    reg = registry
    workflow.define_circuit(reg.alpha, "Convocations", "Convocation",
                            [StepSpec(SIGNATURE, [reg.maire])])
    today = timezone.localdate()
    folder = submit(reg, "Convocation")
    assert workflow.waiting_for(reg.adjoint) == []
    workflow.delegate(reg.alpha, reg.maire, reg.adjoint, today + timedelta(days=1),
                      today + timedelta(days=10))
    assert workflow.waiting_for(reg.adjoint) == []  # the delegation has not started
    workflow.delegate(reg.alpha, reg.maire, reg.adjoint, today - timedelta(days=2), today)
    assert workflow.capacities(folder, reg.adjoint) == [reg.maire]
    with pytest.raises(AccessDenied):  # another member's person cannot be a delegate
        workflow.delegate(reg.alpha, reg.maire, reg.other, today, today)

    folder = workflow.sign(folder, reg.adjoint, PW, on_behalf_of=reg.maire)
    assert folder.status == Folder.DONE
    decision = folder.decisions.get(outcome=Decision.SIGNED)
    assert (decision.actor, decision.principal, decision.on_behalf) == (
        reg.adjoint, reg.maire, True)
    data = read(main_docs(folder)[0])
    [report] = verify_pdf(data, roots, online=False)
    assert report.ok and report.signer == "Paul Adjoint"
    text = " ".join(pdf_text(data, tmp_path).split())
    assert "Signé par Paul Adjoint, Adjoint aux finances" in text
    assert "pour Sylvie Maire, Maire, en son absence" in text


def test_seal_step_uses_the_members_server_certificate(registry, identities, roots):
    reg = registry
    workflow.define_circuit(reg.alpha, "Actes", "Arrêté", [
        StepSpec(SIGNATURE, [reg.maire]), StepSpec(SEAL)])
    folder = submit(reg, "Arrêté")
    folder = workflow.sign(folder, reg.maire, PW)
    # No seal yet: the folder waits, saying why
    assert folder.status == Folder.IN_PROGRESS and "cachet" in folder.blocked_reason
    workflow.install_key(identities.seal.pkcs12(), PASSWORD, member=reg.alpha)
    assert workflow.run_seal(folder)
    folder = Folder.objects.get(pk=folder.pk)
    assert folder.status == Folder.DONE and folder.blocked_reason == ""
    reports = verify_pdf(read(main_docs(folder)[0]), roots, online=False)
    assert [(r.signer, r.ok) for r in reports] == [
        ("Sylvie Maire", True), ("Cachet serveur de Alphaville", True)]


def test_batch_signs_several_folders_opening_the_key_once(registry, roots, monkeypatch):
    reg = registry
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [reg.maire])])
    workflow.define_circuit(reg.alpha, "Visas", "Convocation", [StepSpec(VISA, [reg.maire])])
    folders = [submit(reg, title=f"Délibération {i}") for i in range(3)]
    visa = submit(reg, "Convocation")
    opened = []
    real = keys.signer_from_pkcs12
    monkeypatch.setattr(keys, "signer_from_pkcs12",
                        lambda data, pw: opened.append(1) or real(data, pw))

    results = workflow.act_batch(reg.maire, [*folders, visa], "sign", PW)
    assert [r.ok for r in results] == [True, True, True, False]
    assert "attend un visa" in results[3].message
    assert len(opened) == 1
    for folder in folders:
        folder = Folder.objects.get(pk=folder.pk)
        assert folder.status == Folder.DONE
        assert verify_pdf(read(main_docs(folder)[0]), roots, online=False)[0].ok
    results = workflow.act_batch(reg.maire, [visa], "approve")
    assert results[0].ok and Folder.objects.get(pk=visa.pk).status == Folder.DONE


def test_b_t_signatures_when_a_tsa_is_configured(registry, pki, roots, settings):
    reg = registry
    settings.MUTUALIS_TSA_URL = pki.tsa_url
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [reg.maire])])
    folder = workflow.sign(submit(reg), reg.maire, PW)
    [report] = verify_pdf(read(main_docs(folder)[0]), roots, online=False)
    assert report.ok and report.level == "B-T" and report.time_source == "timestamp"


def test_a_circuit_is_chosen_by_type_and_subtype(registry):
    reg = registry
    general = workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                                      [StepSpec(SIGNATURE, [reg.maire])])
    budget = workflow.define_circuit(reg.alpha, "Budget", "Délibération",
                                     [StepSpec(SIGNATURE, [reg.adjoint])], folder_subtype="Budget")
    assert workflow.circuit_for(reg.alpha, "Délibération", "Budget") == budget
    assert workflow.circuit_for(reg.alpha, "Délibération", "Urbanisme") == general
    with pytest.raises(SignatureError, match="n'a aucun circuit pour les dossiers de type Arrêté"):
        workflow.circuit_for(reg.alpha, "Arrêté")
    with pytest.raises(SignatureError, match="n'est pas un groupe de la collectivité Alphaville"):
        workflow.define_circuit(reg.alpha, "X", "X", [StepSpec(VISA, ["79102-elus"])])
    with pytest.raises(AccessDenied):
        workflow.submit(reg.other, reg.alpha, "Intrus", "Délibération",
                        [("a.pdf", make_pdf())])

"""An act whose text comes from the parapheur: the signed PDF, byte for byte, is what is
recorded, put in the @ctes archive and still verifies."""

from __future__ import annotations

import pytest

from actes import services
from actes import teletransmission as tt
from actes.natures import DELIBERATION
from actes.transmission import payload
from signature import workflow
from signature.models import SIGNATURE, Folder
from signature.verify import verify_pdf
from signature.workflow import StepSpec
from tests.factories import make_pdf
from tests.signature.pki import PASSWORD

from .classification import classification_xml


def test_a_signed_document_becomes_the_act_with_its_annexes(registry, roots):
    reg = registry
    reg.alpha.siren = "217901017"
    reg.alpha.save()
    services.import_classification(reg.alpha, classification_xml())
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [reg.maire], label="Signature du maire")])
    folder = workflow.submit(reg.secretaire, reg.alpha, "Budget primitif 2027", "Délibération",
                             [("deliberation.pdf", make_pdf("Délibération"))],
                             [("annexe.pdf", make_pdf("Annexe"))])
    document = folder.documents.get(kind="main")
    with pytest.raises(services.ActRefused, match="n'a pas fini son circuit de signature"):
        services.record_signed(document, number="2027_001", nature=DELIBERATION,
                               subject="Budget primitif 2027", matter_code="7.1")
    workflow.sign(folder, reg.maire, PASSWORD.decode())
    document = Folder.objects.get(pk=folder.pk).documents.get(kind="main")
    act = services.record_signed(document, number="2027_001", nature=DELIBERATION,
                                 subject="Budget primitif 2027", matter_code="7.1")
    assert act.signed_document == document and act.sha256 == document.sha256
    assert [a.title for a in act.annexes.all()] == ["annexe.pdf"]
    settings = services.settings_of(reg.alpha)
    settings.department, settings.referent_email = "079", "mairie@example.fr"
    settings.save()
    sent = tt.parse_archive(tt.build_archive(payload(act, settings), 1, act.decision_date))
    [report] = verify_pdf(sent.document.content, roots, online=False)
    assert report.ok and report.signer == "Sylvie Maire"

"""The apps file what they finish in the member's GED, where it subscribes to it: an act
when it is published, the signed documents of a parapheur folder when it is done (the
convocation dossier's filing is covered by the journey's sending); nothing for a member
without the GED."""

from __future__ import annotations

from datetime import UTC, date, datetime

from actes import services as actes
from actes.natures import DELIBERATION, POSTING
from ged import audit
from ged.models import Document
from ged.search import search
from signature import workflow
from signature.models import VISA, Folder
from signature.workflow import StepSpec
from tests.actes.classification import classification_xml
from tests.factories import make_pdf


def test_a_published_act_is_filed_with_its_type_and_text(commune):
    actes.import_classification(commune, classification_xml())
    settings = actes.settings_of(commune)
    settings.publication_mode = POSTING
    settings.mode_decided_by = "Délibération 2022_031 du 12 mai 2022"
    settings.save()
    act = actes.record_act(commune, number="2026_007", nature=DELIBERATION,
                           decision_date=date(2026, 3, 3), subject="Tarifs de la cantine",
                           matter_code="7.1", filename="deliberation.pdf",
                           pdf=make_pdf("Les tarifs de la restauration scolaire"))
    assert not Document.objects.filter(member=commune).exists()  # recorded, not published
    actes.publish(act, posted_at=datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    document = Document.objects.get(member=commune)
    assert (document.doc_type.code, document.source, document.object_app,
            document.object_key) == ("DELIB", "actes", "actes", str(act.pk))
    assert document.current_version().sha256 == act.sha256
    assert document.retention_end is None  # délibérations: kept for good
    assert list(search(commune, "restauration")) == [document]
    actes.publish(act, posted_at=datetime(2026, 3, 5, 9, 0, tzinfo=UTC))  # again: nothing new
    assert Document.objects.filter(member=commune).count() == 1
    assert audit.verify(commune) is None


def test_a_finished_folder_files_its_signed_documents(registry, django_capture_on_commit_callbacks):
    reg = registry
    reg.alpha.services = [*reg.alpha.services, "ged"]
    reg.alpha.save()
    workflow.define_circuit(reg.alpha, "Visas", "Courrier", [StepSpec(VISA, [reg.adjoint])])
    workflow.define_circuit(reg.bravo, "Visas", "Courrier", [StepSpec(VISA, [reg.other])])
    with django_capture_on_commit_callbacks(execute=True):
        folder = workflow.submit(reg.secretaire, reg.alpha, "Réponse au préfet", "Courrier",
                                 [("reponse.pdf", make_pdf("Réponse sur la voirie"))], [])
        workflow.approve(folder, reg.adjoint)
    assert Folder.objects.get(pk=folder.pk).status == Folder.DONE
    filed = Document.objects.get(member=reg.alpha)
    assert filed.doc_type.code == "PARAPH-SIGNE" and filed.source == "parapheur"
    assert filed.title == "Réponse au préfet — reponse.pdf"
    # Bravoville has no GED: its finished folder files nothing.
    bravo_staff = reg.other
    with django_capture_on_commit_callbacks(execute=True):
        other = workflow.submit(bravo_staff, reg.bravo, "Courrier", "Courrier",
                                [("c.pdf", make_pdf("Courrier"))], [])
        workflow.approve(other, reg.other)
    assert not Document.objects.filter(member=reg.bravo).exists()


def test_a_sent_convocation_dossier_is_filed_once(db, private_root, media):
    from convocation import sending
    from convocation.models import Dispatch
    from ged import plan
    from tests.convocation.sittings import make_sitting
    from tests.factories import make_council

    council = make_council()
    council.member.services = [*council.member.services, "ged"]
    council.member.save()
    plan.load_standard(council.member)
    sitting = make_sitting(council, items=1, annexes=0)
    files = sending.store_dossier(sitting, Dispatch.objects.create(sitting=sitting))
    sending.file_in_ged(sitting, files)
    sending.file_in_ged(sitting, files)  # a sending resumed: nothing new
    filed = Document.objects.filter(member=council.member)
    assert filed.count() == len(files) >= 2
    assert {d.doc_type.code for d in filed} == {"CONV-DOSSIER"}
    assert {d.current_version().filename for d in filed} == set(files)

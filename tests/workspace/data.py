"""A member with many sittings, folders and acts, made in bulk straight into the tables (no
PDF is built or signed: the dashboard and the officials' space only list them). The tests of
the workspace and benchmarks/bench_workspaces.py use it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from actes.models import Act, Classification, Matter, PrefectureMessage, Transmission
from convocation.models import Convocation, Sitting
from provisioning.models import RegistryPerson
from signature import workflow
from signature.models import SIGNATURE, VISA, Circuit, Decision, Folder
from signature.workflow import StepSpec
from tests.factories import Council, make_council


@dataclass
class Filled:
    council: Council
    visa_circuit: Circuit  # visa by the secrétaire, then the maire's signature
    group_circuit: Circuit  # every official of the member signs (AND)

    @property
    def member(self):
        return self.council.member

    @property
    def maire(self) -> RegistryPerson:
        return self.council.elected[0]

    @property
    def secretary(self) -> RegistryPerson:
        return self.council.secretary


def parapheur_council(name: str = "Melle", members: int = 3, **kwargs) -> Filled:
    """A member subscribing to the convocation and the parapheur, with its two circuits."""
    council = make_council(members=members, name=name, **kwargs)
    council.member.services = [*council.member.services, "parapheur"]
    council.member.save()
    code = council.member.code.lower()
    visa = workflow.define_circuit(council.member, "Délibérations", "Délibération", [
        StepSpec(VISA, [council.secretary], label="Visa du secrétariat"),
        StepSpec(SIGNATURE, [council.elected[0]], label="Signature du maire")])
    group = workflow.define_circuit(council.member, "Conventions", "Convention", [
        StepSpec(SIGNATURE, [f"{code}-elus"], label="Signature des élus")])
    return Filled(council, visa, group)


def add_sittings(filled: Filled, count: int, today: date | None = None) -> list[Sitting]:
    """`count` sittings: three quarters in the past (closed), the rest coming, one in three
    of those still to send and late, one in three to send in time, the others sent; the
    maire is convened to every sent one."""
    today = today or timezone.localdate()
    now = timezone.now()
    assembly = filled.council.assembly
    rows = []
    for i in range(count):
        coming = i >= count * 3 // 4
        if coming:
            days = 2 + (i % 30) if i % 3 == 0 else 20 + i
            status = (Sitting.DRAFT, Sitting.DRAFT, Sitting.SENT)[i % 3]
        else:
            days, status = -7 * (i + 1), Sitting.CLOSED
        rows.append(Sitting(assembly=assembly, title=f"Séance n° {i + 1}",
                            starts_at=now + timedelta(days=days), place="Salle du conseil",
                            status=status,
                            sent_at=None if status == Sitting.DRAFT else now - timedelta(days=1)))
    sittings = Sitting.objects.bulk_create(rows)
    Convocation.objects.bulk_create(
        Convocation(sitting=s, person=p, name=f"{p.given_name} {p.surname}", email=p.email,
                    sent_at=s.sent_at)
        for s in sittings if s.sent_at for p in filled.council.elected)
    return sittings


def add_folders(filled: Filled, count: int) -> list[Folder]:
    """`count` folders in progress: on the visa circuit, half waiting for the secrétaire's
    visa and half for the maire's signature; one in five on the group circuit, where the
    maire signed one in two; one in ten done."""
    member = filled.member
    rows = []
    for i in range(count):
        circuit = filled.group_circuit if i % 5 == 4 else filled.visa_circuit
        status = Folder.DONE if i % 10 == 9 else Folder.IN_PROGRESS
        rows.append(Folder(member=member, title=f"Dossier {i + 1}", folder_type=circuit.folder_type,
                           circuit=circuit, submitter=filled.secretary, status=status,
                           position=(i // 5) % 2 if circuit == filled.visa_circuit else 0))
    folders = Folder.objects.bulk_create(rows)
    Decision.objects.bulk_create(
        Decision(folder=f, round=1, position=0, actor=filled.maire, principal=filled.maire,
                 outcome=Decision.SIGNED)
        for n, f in enumerate(folders) if f.circuit_id == filled.group_circuit.pk and n % 2)
    return folders


def add_acts(filled: Filled, count: int) -> list[Act]:
    """`count` acts: four in five published, three in five transmitted (some acknowledged,
    some with a letter of the prefecture), one in twenty refused by the tiers."""
    member = filled.member
    classification, _new = Classification.objects.get_or_create(
        member=member, version_date=date(2025, 1, 1), defaults={"source_sha256": "0" * 64})
    matter, _new = Matter.objects.get_or_create(classification=classification, code="7.1",
                                                defaults={"label": "Fiscalité"})
    now = timezone.now()
    first = Act.objects.filter(member=member).count()  # numbers stay unique when added to
    acts = Act.objects.bulk_create(
        Act(member=member, number=f"2026_{first + i:04d}", nature=1, matter=matter,
            decision_date=date(2026, 1, 1) + timedelta(days=i % 300),
            subject=f"Délibération n° {i} : tarifs et subventions",
            document=f"actes/{member.code}/{i}.pdf", sha256=hashlib.sha256(b"%d" % i).hexdigest(),
            published_at=now if i % 5 else None)
        for i in range(count))
    transmissions = []
    for i, act in enumerate(acts):
        if i % 20 == 7:
            transmissions.append(Transmission(act=act, sequence=i, archive_name=f"t{i}.tar.gz",
                                              archive=b"", state=Transmission.FAILED,
                                              error="KO : enveloppe refusée"))
        elif i % 5 < 3:
            acknowledged = i % 2 == 0
            transmissions.append(Transmission(
                act=act, sequence=i, archive_name=f"t{i}.tar.gz", archive=b"",
                state=Transmission.ACKNOWLEDGED if acknowledged else Transmission.SENT,
                sent_at=now, id_acte=f"079-217900000-20260101-{act.number}-DE",
                received_on=act.decision_date + timedelta(days=2) if acknowledged else None))
    Transmission.objects.bulk_create(transmissions)
    PrefectureMessage.objects.bulk_create(
        PrefectureMessage(act=act, kind=PrefectureMessage.DOCUMENTS, reference=f"m{i}",
                          received_on=act.decision_date + timedelta(days=20))
        for i, act in enumerate(acts) if i % 50 == 0)
    return acts


def fill(filled: Filled, sittings: int, folders: int, acts: int) -> Filled:
    add_sittings(filled, sittings)
    add_folders(filled, folders)
    add_acts(filled, acts)
    return filled

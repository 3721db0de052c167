"""`workspace.folders.waiting_folders` finds what `signature.workflow.waiting_for` finds (the
folders whose current step waits for a person, themselves or for whom they stand in), in a
number of queries that does not grow with the folders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from provisioning.models import RegistrySeat
from signature import workflow
from signature.models import ALL, ANY, SEAL, VISA, Decision, Delegation, Folder
from signature.workflow import StepSpec
from tests.factories import add_person
from workspace.folders import waiting_folders

from .data import add_folders, parapheur_council

pytestmark = pytest.mark.django_db


def folder(member, circuit, submitter, position=0, **fields):
    return Folder.objects.create(member=member, title=f"Dossier {circuit.name} {position}",
                                 folder_type=circuit.folder_type, circuit=circuit,
                                 submitter=submitter, position=position, **fields)


@pytest.fixture
def world():
    """Two members with the parapheur and one without; the maire of the first also sits in
    the second; circuits by person, by rank group and by assembly group, AND and OR, a seal
    step; decisions, a delegation for today and an expired one."""
    a = parapheur_council("Alphaville")
    b = parapheur_council("Bravoville")
    c = parapheur_council("Charlieville")
    c.member.services = ["extranet", "convocation"]
    c.member.save()
    maire, adjoint, conseil = a.council.elected
    RegistrySeat.objects.create(member=b.member, person=maire, roles=["conseiller-municipal"],
                                assemblies=["conseil-municipal"])
    code = a.member.code.lower()
    by_assembly = workflow.define_circuit(a.member, "Marchés", "Marché", [
        StepSpec(VISA, [f"{code}-CONSEIL-MUNICIPAL"], mode=ANY),
        StepSpec(SEAL, [])])
    staff_any = workflow.define_circuit(a.member, "Courriers", "Courrier", [
        StepSpec(VISA, [f"{code}-staff", adjoint], mode=ANY)])
    sec = a.secretary
    made = {
        "visa": folder(a.member, a.visa_circuit, sec, 0),
        "signature": folder(a.member, a.visa_circuit, sec, 1),
        "group": folder(a.member, a.group_circuit, sec),
        "group_signed_by_maire": folder(a.member, a.group_circuit, sec),
        "assembly": folder(a.member, by_assembly, sec),
        "seal": folder(a.member, by_assembly, sec, 1),
        "blocked": folder(a.member, a.visa_circuit, sec, 1, blocked_reason="pas d'acteur"),
        "done": folder(a.member, a.visa_circuit, sec, 1, status=Folder.DONE),
        "rejected": folder(a.member, a.visa_circuit, sec, 0, status=Folder.REJECTED),
        "staff_any": folder(a.member, staff_any, sec),
        "second_round": folder(a.member, a.group_circuit, sec, round=2),
        "bravo": folder(b.member, b.group_circuit, b.secretary),
        "charlie": folder(c.member, c.group_circuit, c.secretary),
    }
    Decision.objects.create(folder=made["group_signed_by_maire"], round=1, position=0,
                            actor=maire, principal=maire, outcome=Decision.SIGNED)
    # A decision of an earlier round does not count in the second.
    Decision.objects.create(folder=made["second_round"], round=1, position=0, actor=maire,
                            principal=maire, outcome=Decision.SIGNED)
    today = timezone.localdate()
    # The adjoint stands in for the maire today; the conseillère's delegation has ended.
    Delegation.objects.create(member=a.member, delegator=maire, delegate=adjoint,
                              start=today, end=today + timedelta(days=3))
    Delegation.objects.create(member=a.member, delegator=conseil, delegate=adjoint,
                              start=today - timedelta(days=9), end=today - timedelta(days=1))
    # A disabled official no longer counts in the groups.
    gone = add_person(a.member, "parti", roles=["conseiller-municipal"])
    gone.active = False
    gone.save()
    return a, b, c, made, [maire, adjoint, conseil, sec, gone, b.maire, b.secretary, c.maire]


def test_the_same_folders_as_waiting_for_in_the_same_order(world):
    a, b, c, made, everyone = world
    for person in everyone:
        expected = [f.pk for f in workflow.waiting_for(person)]
        assert [f.pk for f in waiting_folders(person)] == expected, person.uid


def test_what_waits_for_whom(world):
    a, b, c, made, (maire, adjoint, conseil, sec, gone, *_rest) = world
    names = {f.pk: name for name, f in made.items()}

    def found(person, members=None):
        return {names[f.pk] for f in waiting_folders(person, members)}

    assert found(sec) == {"visa", "staff_any"}
    assert found(maire) == {"signature", "group", "assembly", "second_round", "bravo"}
    assert found(maire, [a.member]) == found(maire) - {"bravo"}
    # The adjoint: his own turns, and the maire's for today (not the conseillère's).
    assert found(adjoint) == {"signature", "group", "group_signed_by_maire", "assembly",
                              "staff_any", "second_round"}
    assert found(conseil) == {"group", "group_signed_by_maire", "assembly", "second_round"}
    assert found(gone) == set()
    # The member without the parapheur shows nothing, even to its own maire.
    assert found(c.maire) == set()
    step = waiting_folders(sec).get(pk=made["visa"].pk)
    assert (step.step_kind, step.step_label) == (VISA, "Visa du secrétariat")


def test_an_and_step_waits_for_those_who_have_not_signed(world):
    a, b, c, made, (maire, adjoint, conseil, *_rest) = world
    signed = made["group_signed_by_maire"]
    assert a.group_circuit.steps.get().mode == ALL
    assert signed.pk not in {f.pk for f in waiting_folders(maire)}
    assert signed.pk in {f.pk for f in waiting_folders(conseil)}


def test_the_queries_do_not_grow_with_the_folders():
    filled = parapheur_council()
    add_folders(filled, 10)
    counts = []
    for person in (filled.secretary, filled.maire):
        with CaptureQueriesContext(connection) as small:
            few = list(waiting_folders(person))
        counts.append((person, len(small), len(few)))
    add_folders(filled, 200)
    for person, before, few in counts:
        with CaptureQueriesContext(connection) as large:
            many = list(waiting_folders(person))
        assert len(many) > few * 10
        assert len(large) == before <= 4
        # The rows need nothing more: member, circuit, submitter and step come with them.
        with CaptureQueriesContext(connection) as reading:
            [(f.reference, f.member.name, f.circuit.name, f.submitter.uid, f.step_label)
             for f in many]
        assert len(reading) == 0

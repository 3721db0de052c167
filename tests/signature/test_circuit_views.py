"""The staff's pages for circuits and delegations: a secretary builds a circuit through the
pages and folders then follow it, a circuit in use keeps its folders' path, bad forms are
refused with a sentence naming the field, another member's staff gets 404, and delegations
made and ended through the pages change whom folders wait for. A circuit folders took is
versioned when it changes: its folders keep its old steps, new folders take the new ones."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from signature import workflow
from signature.errors import SignatureError
from signature.models import ALL, ANY, SIGNATURE, VISA, AuditEntry, Circuit, Delegation, Folder
from signature.workflow import StepSpec
from tests.factories import make_pdf

from .conftest import PASSWORD, login

PW = PASSWORD.decode()
PREFIX = "etapes"


def base(reg) -> str:
    return f"/admin/parapheur/collectivites/{reg.alpha.code}"


def circuit_data(name: str, folder_type: str, steps: list[dict], subtype: str = "",
                 **extra) -> dict:
    """A POST of the circuit page: the circuit's fields and the steps' formset."""
    data = {"name": name, "folder_type": folder_type, "folder_subtype": subtype,
            f"{PREFIX}-TOTAL_FORMS": str(len(steps)), f"{PREFIX}-INITIAL_FORMS": "0",
            f"{PREFIX}-MIN_NUM_FORMS": "0", f"{PREFIX}-MAX_NUM_FORMS": "30", **extra}
    for i, step in enumerate(steps):
        step = {"mode": ANY, "label": "", "actors": [], **step}
        for key, value in step.items():
            data[f"{PREFIX}-{i}-{key}"] = value
    return data


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_names(response) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', response.content.decode()))


def submit(reg, title="Tarifs de la cantine", folder_type="Délibération") -> Folder:
    return workflow.submit(reg.secretaire, reg.alpha, title, folder_type,
                           [("tarifs.pdf", make_pdf(title))])


def fresh(folder: Folder) -> Folder:
    return Folder.objects.get(pk=folder.pk)


@pytest.fixture(autouse=True)
def on_alpha_host(alpha_host):
    """The staff pages are in the admin, on the member's host."""


def test_a_secretary_creates_a_two_step_circuit_that_new_folders_follow(client, registry):
    reg = registry
    login(client, reg.secretaire)
    index = text(client.get("/admin/parapheur/"))
    assert f'href="{base(reg)}/circuits/"' in index
    assert f'href="{base(reg)}/delegations/"' in index

    page = client.get(f"{base(reg)}/circuits/nouveau/")
    assert page.status_code == 200
    assert "Ajouter une étape" in text(page) and "Paul Adjoint (Adjoint aux finances)" in text(page)
    assert "Groupe : Élus — Alphaville" in text(page)
    data = circuit_data("Délibérations du conseil", "Délibération", [
        {"kind": VISA, "label": "Visa de l'adjoint", "actors": ["personne:padjoint"]},
        {"kind": SIGNATURE, "label": "Signature", "actors": ["personne:smaire",
                                                              "groupe:79101-elus"]}])
    assert set(data) - {"save"} <= field_names(page)  # the page has every field posted

    # "Ajouter une étape" shows a third, blank step and saves nothing
    more = client.post(f"{base(reg)}/circuits/nouveau/", {**data, "add_step": "1"})
    assert more.status_code == 200 and not Circuit.objects.exists()
    assert f"{PREFIX}-2-kind" in field_names(more)
    assert 'value="Délibérations du conseil"' in text(more)
    assert "Choisissez" not in text(more)  # no error shown before saving

    # saved with the blank third step, which is ignored
    response = client.post(f"{base(reg)}/circuits/nouveau/",
                           circuit_data("Délibérations du conseil", "Délibération", [
                               {"kind": VISA, "label": "Visa de l'adjoint",
                                "actors": ["personne:padjoint"]},
                               {"kind": SIGNATURE, "label": "Signature",
                                "actors": ["personne:smaire", "groupe:79101-elus"]},
                               {"kind": ""}]))
    assert response.status_code == 302
    assert response["Location"] == f"{base(reg)}/circuits/"
    circuit = Circuit.objects.get(member=reg.alpha)
    steps = list(circuit.steps.all())
    assert [(s.position, s.kind, s.label) for s in steps] == [
        (0, VISA, "Visa de l'adjoint"), (1, SIGNATURE, "Signature")]
    assert [a.person for a in steps[0].actors.all()] == [reg.adjoint]
    assert {(a.person_id, a.group) for a in steps[1].actors.all()} == {
        (reg.maire.pk, ""), (None, "79101-elus")}

    listing = text(client.get(f"{base(reg)}/circuits/"))
    assert "Délibérations du conseil" in listing and "Paul Adjoint" in listing
    assert "groupe Élus — Alphaville" in listing and "actif" in listing
    assert AuditEntry.objects.filter(member=reg.alpha, action="circuit_created",
                                     actor="zsecretaire").exists()

    folder = submit(reg)
    assert folder.circuit == circuit
    assert workflow.waiting_for(reg.adjoint) == [folder]
    assert workflow.waiting_for(reg.maire) == []
    workflow.approve(folder, reg.adjoint)
    assert workflow.waiting_for(reg.maire) == [fresh(folder)]
    assert workflow.waiting_for(reg.conseil) == [fresh(folder)]  # in 79101-elus, OR step


def test_steps_follow_their_rank_and_a_removed_step_is_dropped(client, registry):
    reg = registry
    login(client, reg.secretaire)
    response = client.post(f"{base(reg)}/circuits/nouveau/", circuit_data("Arrêtés", "Arrêté", [
        {"kind": SIGNATURE, "actors": ["personne:smaire"], "ORDER": "2"},
        {"kind": VISA, "actors": ["personne:iconseil"], "ORDER": "3", "DELETE": "on"},
        {"kind": VISA, "actors": ["personne:padjoint"], "ORDER": "1"}]))
    assert response.status_code == 302
    circuit = Circuit.objects.get(folder_type="Arrêté")
    assert [(s.kind, s.actors.get().person) for s in circuit.steps.all()] == [
        (VISA, reg.adjoint), (SIGNATURE, reg.maire)]


def test_editing_a_circuit_in_use_makes_a_new_version_and_keeps_its_folders_path(client,
                                                                                  registry):
    reg = registry
    circuit = workflow.define_circuit(reg.alpha, "Délibérations", "Délibération", [
        StepSpec(VISA, [reg.adjoint]), StepSpec(SIGNATURE, [reg.maire])])
    folder = submit(reg)
    login(client, reg.secretaire)
    url = f"{base(reg)}/circuits/{circuit.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "1 dossier suit ce circuit en ce moment." in text(page)
    assert "Enregistrer une modification en crée une nouvelle version" in text(page)
    assert 'value="personne:padjoint" id="id_etapes-0-actors_' in page.content.decode()

    # posted unchanged: nothing new
    same_steps = [{"kind": VISA, "mode": ALL, "actors": ["personne:padjoint"]},
                  {"kind": SIGNATURE, "mode": ALL, "actors": ["personne:smaire"]}]
    response = client.post(url, circuit_data("Délibérations", "Délibération", same_steps))
    assert response.status_code == 302 and Circuit.objects.count() == 1

    # new steps: a new active version; the old one is kept, deactivated, with its steps
    other_steps = [{"kind": VISA, "actors": ["personne:iconseil"]},
                   {"kind": SIGNATURE, "actors": ["personne:smaire"]}]
    response = client.post(url, circuit_data("Délibérations", "Délibération", other_steps))
    assert response.status_code == 302
    circuit.refresh_from_db()
    new = Circuit.objects.get(active=True)
    assert new.pk != circuit.pk and not circuit.active
    assert (new.name, new.folder_type, new.folder_subtype) == (
        "Délibérations", "Délibération", "")
    assert circuit.replaced_by == new and circuit.replaced_at is not None
    assert [s.actors.get().person for s in circuit.steps.all()] == [reg.adjoint, reg.maire]
    assert [s.actors.get().person for s in new.steps.all()] == [reg.conseil, reg.maire]
    assert fresh(folder).circuit == circuit
    entry = AuditEntry.objects.filter(action="circuit_changed").latest("seq")
    assert entry.details["circuit"] == new.pk and entry.details["replaces"] == circuit.pk

    listing = text(client.get(f"{base(reg)}/circuits/"))
    day = timezone.localtime(circuit.replaced_at).strftime("%d/%m/%Y")
    assert f"remplacé le {day} par « Délibérations »" in listing and "actif" in listing

    # a new folder follows the new steps; the folder in progress its old ones, to the end
    later = submit(reg, title="Après la modification")
    assert later.circuit == new
    assert workflow.waiting_for(reg.conseil) == [later]
    assert workflow.waiting_for(reg.adjoint) == [fresh(folder)]
    workflow.approve(folder, reg.adjoint)
    assert workflow.waiting_for(reg.maire) == [fresh(folder)]
    assert workflow.waiting_for(reg.conseil) == [later]
    workflow.sign(folder, reg.maire, PW)
    assert fresh(folder).status == Folder.DONE
    assert [d.principal for d in fresh(folder).decisions.all()] == [reg.adjoint, reg.maire]
    workflow.approve(later, reg.conseil)
    assert workflow.waiting_for(reg.maire) == [fresh(later)]

    # the replaced version no longer changes
    page = text(client.get(url))
    assert f"Ce circuit a été remplacé le {day} par « Délibérations »" in page
    assert "nouvelle version, que prendront" not in page
    response = client.post(url, circuit_data("Délibérations", "Délibération", same_steps))
    assert response.status_code == 400
    assert ("Ce circuit a été remplacé par « Délibérations » : il ne se modifie plus.") \
        in text(response)
    assert Circuit.objects.count() == 2

    # reactivating it while the new version is active is refused with a sentence
    response = client.post(f"{url}activation/", {"active": "1"}, follow=True)
    assert ("Le circuit « Délibérations » n'est pas réactivé : le circuit « Délibérations » "
            "est déjà actif pour les dossiers de type « Délibération » (sans sous-type). "
            "Désactivez d'abord « Délibérations », ou modifiez celui-ci.") in text(response)
    assert not Circuit.objects.get(pk=circuit.pk).active
    assert not AuditEntry.objects.filter(action="circuit_activated").exists()

    # once the new version is deactivated, the old one comes back into service
    client.post(f"{base(reg)}/circuits/{new.pk}/activation/", {"active": "0"})
    with pytest.raises(SignatureError, match="n'a aucun circuit"):
        submit(reg, title="Refusé")
    response = client.post(f"{url}activation/", {"active": "1"})
    assert response.status_code == 302
    circuit.refresh_from_db()
    assert circuit.active and circuit.replaced_by is None
    assert submit(reg, title="Retour à l'ancien circuit").circuit == circuit
    assert AuditEntry.objects.filter(action="circuit_deactivated").count() == 1
    assert AuditEntry.objects.filter(action="circuit_activated").count() == 1


def test_a_circuit_no_folder_took_changes_in_place(client, registry):
    reg = registry
    circuit = workflow.define_circuit(reg.alpha, "Arrêtés", "Arrêté",
                                      [StepSpec(SIGNATURE, [reg.maire])])
    login(client, reg.secretaire)
    url = f"{base(reg)}/circuits/{circuit.pk}/"
    assert "nouvelle version" not in text(client.get(url))
    response = client.post(url, circuit_data("Arrêtés du maire", "Arrêté", [
        {"kind": VISA, "actors": ["personne:padjoint"]},
        {"kind": SIGNATURE, "actors": ["personne:smaire"]}]))
    assert response.status_code == 302
    assert Circuit.objects.get().pk == circuit.pk
    circuit.refresh_from_db()
    assert circuit.name == "Arrêtés du maire" and circuit.active
    assert [s.kind for s in circuit.steps.all()] == [VISA, SIGNATURE]

    # deactivated by hand, then changed after a folder took it: the new version stays
    # deactivated, and a new circuit may take the type meanwhile
    folder = submit(reg, folder_type="Arrêté")
    client.post(f"{url}activation/", {"active": "0"})
    response = client.post(url, circuit_data("Arrêtés du maire", "Arrêté", [
        {"kind": SIGNATURE, "actors": ["personne:smaire"]}]))
    assert response.status_code == 302
    new = Circuit.objects.exclude(pk=circuit.pk).get()
    assert not new.active and Circuit.objects.get(pk=circuit.pk).replaced_by == new
    assert fresh(folder).circuit == circuit
    response = client.post(f"{base(reg)}/circuits/nouveau/", circuit_data(
        "Arrêtés (2027)", "Arrêté", [{"kind": SIGNATURE, "actors": ["personne:padjoint"]}]))
    assert response.status_code == 302
    assert workflow.circuit_for(reg.alpha, "Arrêté").name == "Arrêtés (2027)"
    response = client.post(f"{base(reg)}/circuits/{new.pk}/activation/", {"active": "1"},
                           follow=True)
    assert "n'est pas réactivé : le circuit « Arrêtés (2027) » est déjà actif" in text(
        response)


def test_define_circuit_versions_a_circuit_folders_took(registry):
    reg = registry
    first = workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                                    [StepSpec(SIGNATURE, [reg.maire])])
    assert workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                                   [StepSpec(SIGNATURE, [reg.maire])]) == first
    folder = submit(reg)
    workflow.sign(folder, reg.maire, PW)  # done: its history keeps the steps it went through
    second = workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                                     [StepSpec(SIGNATURE, [reg.adjoint])])
    assert second != first and second.active
    first.refresh_from_db()
    assert not first.active and first.replaced_by == second
    assert [s.actors.get().person for s in fresh(folder).circuit.steps.all()] == [reg.maire]
    assert workflow.circuit_for(reg.alpha, "Délibération") == second
    # one active circuit per type and subtype, in the database too
    with pytest.raises(IntegrityError), transaction.atomic():
        Circuit.objects.create(member=reg.alpha, name="Doublon", folder_type="Délibération")
    Circuit.objects.create(member=reg.alpha, name="Ancien", folder_type="Délibération",
                           active=False)


def test_the_circuit_versions_migration_is_applied(db):
    call_command("makemigrations", "signature", "--check", "--dry-run", verbosity=0)
    assert MigrationRecorder(connection).migration_qs.filter(
        app="signature", name="0002_circuit_versions").exists()
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Circuit._meta.db_table)
    assert "signature_one_active_circuit" in constraints
    assert not any(c["unique"] and c["columns"] == ["member_id", "folder_type",
                                                    "folder_subtype"]
                   for name, c in constraints.items() if name != "signature_one_active_circuit")


def test_bad_forms_are_refused_with_a_sentence_naming_the_field(client, registry):
    reg = registry
    login(client, reg.secretaire)
    new = f"{base(reg)}/circuits/nouveau/"
    response = client.post(new, circuit_data("Arrêtés", "Arrêté", [
        {"kind": VISA, "actors": ["personne:padjoint"]}, {"kind": SIGNATURE}]))
    assert response.status_code == 400
    page = text(response)
    assert "Étape 2 : choisissez au moins un acteur (une personne ou un groupe de la " \
           "collectivité)." in page
    assert "Le circuit n'est pas enregistré :" in page and 'role="alert"' in page
    assert 'href="#id_etapes-1-actors"' in page  # the summary leads to the field

    cases = [
        (circuit_data("", "Arrêté", [{"kind": VISA, "actors": ["personne:padjoint"]}]),
         "Indiquez le nom du circuit."),
        (circuit_data("Arrêtés", "", [{"kind": VISA, "actors": ["personne:padjoint"]}]),
         "Indiquez le type de dossier que ce circuit traite."),
        (circuit_data("Arrêtés", "Arrêté", [{"kind": ""}]),
         "Étapes : le circuit doit comporter au moins une étape"),
        (circuit_data("Arrêtés", "Arrêté", [{"kind": VISA, "actors": ["personne:bmaire"]}]),
         "Étape 1 : choisissez les acteurs parmi les personnes et les groupes de la "
         "collectivité."),
        (circuit_data("Arrêtés", "Arrêté", [{"kind": VISA, "actors": ["groupe:79102-elus"]}]),
         "Étape 1 : choisissez les acteurs parmi les personnes et les groupes"),
        (circuit_data("Arrêtés", "Arrêté", [{"kind": "seal", "actors": ["personne:smaire"]}]),
         "Étape 1 : une étape « cachet serveur » n'a pas d'acteur"),
        (circuit_data("Arrêtés", "Arrêté", [{"mode": "all", "actors": ["personne:smaire"]}]),
         "Étape 1 : choisissez la nature de l'étape"),
    ]
    for data, message in cases:
        response = client.post(new, data)
        assert response.status_code == 400, message
        assert message in text(response), message
    assert not Circuit.objects.exists()

    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                            [StepSpec(VISA, [reg.adjoint])])
    response = client.post(new, circuit_data("Autres délibérations", "Délibération", [
        {"kind": VISA, "actors": ["personne:padjoint"]}]))
    assert response.status_code == 400
    assert ("Type de dossier : Alphaville a déjà un circuit pour les dossiers de type "
            "« Délibération » (sans sous-type), « Délibérations ».") in text(response)
    assert Circuit.objects.count() == 1

    delegations = f"{base(reg)}/delegations/"
    today = timezone.localdate()
    cases = [
        ({"delegator": "smaire", "delegate": "padjoint", "start": str(today),
          "end": str(today - timedelta(days=1))},
         "Date de fin : la délégation doit finir le jour où elle commence ou après"),
        ({"delegator": "smaire", "delegate": "smaire", "start": str(today), "end": str(today)},
         "Délégataire : une personne ne peut pas se déléguer à elle-même"),
        ({"delegator": "smaire", "delegate": "bmaire", "start": str(today), "end": str(today)},
         "Délégataire : choisissez une personne de la même collectivité que le délégant."),
        ({"delegator": "smaire", "delegate": "padjoint", "start": "", "end": str(today)},
         "Date de début : indiquez le premier jour de la délégation."),
        ({"delegator": "smaire", "delegate": "padjoint", "start": "hier", "end": str(today)},
         "Date de début : ce n'est pas une date"),
    ]
    for data, message in cases:
        response = client.post(delegations, data)
        assert response.status_code == 400, message
        assert message in text(response), message
    assert not Delegation.objects.exists()


def test_another_members_staff_gets_404_and_elected_people_403(client, registry, bravo_staff):
    reg = registry
    circuit = workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                                      [StepSpec(VISA, [reg.adjoint])])
    delegation = workflow.delegate(reg.alpha, reg.maire, reg.adjoint, timezone.localdate(),
                                   timezone.localdate())
    alpha, bravo = base(reg), f"/admin/parapheur/collectivites/{reg.bravo.code}"
    gets = [f"{alpha}/circuits/", f"{alpha}/circuits/nouveau/",
            f"{alpha}/circuits/{circuit.pk}/", f"{alpha}/delegations/",
            f"{bravo}/circuits/{circuit.pk}/"]
    posts = [(f"{alpha}/circuits/nouveau/", circuit_data("Intrus", "Intrus", [
                 {"kind": VISA, "actors": ["personne:padjoint"]}])),
             (f"{alpha}/circuits/{circuit.pk}/", circuit_data("Intrus", "Délibération", [
                 {"kind": VISA, "actors": ["personne:padjoint"]}])),
             (f"{alpha}/circuits/{circuit.pk}/activation/", {"active": "0"}),
             (f"{bravo}/circuits/{circuit.pk}/activation/", {"active": "0"}),
             (f"{alpha}/delegations/", {"delegator": "smaire", "delegate": "padjoint",
                                        "start": "2026-01-01", "end": "2026-01-02"}),
             (f"{alpha}/delegations/{delegation.pk}/fin/", {}),
             (f"{bravo}/delegations/{delegation.pk}/fin/", {})]

    login(client, bravo_staff)
    for host in ("bravoville.localhost", "alphaville.localhost"):
        client.defaults["HTTP_HOST"] = host
        for url in gets:
            response = client.get(url)
            assert response.status_code == 404, (host, url)
            assert b"Paul" not in response.content
        for url, data in posts:
            assert client.post(url, data).status_code == 404, (host, url)
    client.defaults["HTTP_HOST"] = "bravoville.localhost"
    assert client.get(f"{bravo}/circuits/").status_code == 200  # their own member, its host
    assert "Délibérations" not in text(client.get(f"{bravo}/circuits/"))
    client.defaults["HTTP_HOST"] = "alphaville.localhost"
    circuit.refresh_from_db()
    delegation.refresh_from_db()
    assert circuit.name == "Délibérations" and circuit.active
    assert delegation.end == timezone.localdate()
    assert Circuit.objects.count() == 1 and Delegation.objects.count() == 1

    login(client, reg.maire)  # elected in Alphaville: not its staff, the admin is closed
    for url in gets[:4]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    client.post(f"{alpha}/circuits/{circuit.pk}/activation/", {"active": "0"})
    circuit.refresh_from_db()
    assert circuit.active
    assert f"{alpha}/circuits/" not in text(client.get("/espace-elus/parapheur/"))

    client.logout()
    response = client.get(f"{alpha}/circuits/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_delegations_made_and_ended_through_the_pages_change_who_may_act(client, registry):
    reg = registry
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [reg.maire])])
    folder = submit(reg)
    assert workflow.waiting_for(reg.adjoint) == []
    today = timezone.localdate()

    login(client, reg.secretaire)
    url = f"{base(reg)}/delegations/"
    page = client.get(url)
    assert page.status_code == 200 and f'value="{today.isoformat()}"' in text(page)
    assert {"delegator", "delegate", "start", "end"} <= field_names(page)
    response = client.post(url, {"delegator": "smaire", "delegate": "padjoint",
                                 "start": today.isoformat(),
                                 "end": (today + timedelta(days=7)).isoformat()})
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.delegator, delegation.delegate) == (reg.maire, reg.adjoint)
    assert workflow.waiting_for(reg.adjoint) == [folder]
    assert workflow.capacities(folder, reg.adjoint) == [reg.maire]
    listing = text(client.get(url))
    assert "Sylvie Maire" in listing and "en cours" in listing and "Mettre fin" in listing

    # an upcoming one, ended before it begins
    client.post(url, {"delegator": "smaire", "delegate": "iconseil",
                      "start": (today + timedelta(days=10)).isoformat(),
                      "end": (today + timedelta(days=20)).isoformat()})
    upcoming = Delegation.objects.get(delegate=reg.conseil)
    assert "à venir" in text(client.get(url))

    for item in (delegation, upcoming):
        response = client.post(f"{url}{item.pk}/fin/")
        assert response.status_code == 302
    assert workflow.waiting_for(reg.adjoint) == []
    assert workflow.waiting_for(reg.maire) == [folder]
    yesterday = today - timedelta(days=1)
    delegation.refresh_from_db()
    upcoming.refresh_from_db()
    # both began today or later: each is reduced to yesterday alone
    assert (delegation.start, delegation.end) == (yesterday, yesterday)
    assert (upcoming.start, upcoming.end) == (yesterday, yesterday)
    for day in (today, today + timedelta(days=15)):
        assert workflow.capacities(folder, reg.conseil, today=day) == []
    assert Delegation.objects.count() == 2  # kept, never deleted
    ended = AuditEntry.objects.filter(action="delegation_ended").order_by("seq")
    assert [e.details["end"] for e in ended] == [
        (today + timedelta(days=7)).isoformat(), (today + timedelta(days=20)).isoformat()]
    assert {e.actor for e in ended} == {"zsecretaire"}
    listing = text(client.get(url))
    assert "Mettre fin" not in listing and "terminée" in listing
    # ending it again changes nothing
    client.post(f"{url}{delegation.pk}/fin/")
    assert AuditEntry.objects.filter(action="delegation_ended").count() == 2


def test_the_pages_have_one_h1_and_wagtails_look_alone(client, registry):
    reg = registry
    circuit = workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                                      [StepSpec(VISA, [reg.adjoint])])
    workflow.delegate(reg.alpha, reg.maire, reg.adjoint, timezone.localdate(),
                      timezone.localdate())
    login(client, reg.secretaire)
    pages = ["/admin/parapheur/", f"{base(reg)}/circuits/", f"{base(reg)}/circuits/nouveau/",
             f"{base(reg)}/circuits/{circuit.pk}/", f"{base(reg)}/delegations/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert len(re.findall(r"<h1[ >]", page)) == 1, url
        assert 'lang="fr"' in page, url
        assert "wagtailadmin/css/core.css" in page and "parapheur.css" not in page, url
        assert "<style" not in page, url
    # a refused form too
    response = client.post(f"{base(reg)}/delegations/", {"delegator": "smaire"})
    assert response.status_code == 400
    assert len(re.findall(r"<h1[ >]", response.content.decode())) == 1

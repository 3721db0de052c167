"""A member that does not subscribe to the parapheur does not exist in its pages: not in the
deposit form, the circuits, the credentials or any listing, and its URLs answer 404 with
nothing of it shown, even for its own staff and officials."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from provisioning.models import RegistryMember, RegistrySeat
from signature import workflow
from signature.errors import SignatureError
from signature.models import SIGNATURE, Folder
from signature.workflow import StepSpec
from tests.factories import add_person, make_pdf

from .conftest import login


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_member_without_the_parapheur_is_nowhere(client, registry):
    reg = registry
    delta = RegistryMember.objects.create(code="79104", name="Deltaville", kind="commune",
                                          slug="deltaville", hostname="delta.localhost",
                                          services=["website", "extranet", "parapheur"])
    RegistrySeat.objects.create(member=delta, person=reg.secretaire,
                                roles=["secretaire-de-mairie", "dgs"])
    delta_maire = add_person(delta, "dmaire", "Denise", "Maire", ["maire"])
    circuit = workflow.define_circuit(delta, "Arrêtés de Deltaville", "Arrêté",
                                      [StepSpec(SIGNATURE, [delta_maire])])
    old = workflow.submit(reg.secretaire, delta, "Arrêté secret de Deltaville", "Arrêté",
                          [("arrete.pdf", make_pdf("Arrêté"))])
    delta.services = ["website", "extranet"]  # the parapheur is no longer subscribed
    delta.save()

    base = "/parapheur/collectivites/79104"
    urls = [f"/parapheur/dossiers/{old.pk}/", f"/parapheur/dossiers/{old.pk}/bordereau.pdf",
            f"/parapheur/dossiers/{old.pk}/journal.json", f"{base}/circuits/",
            f"{base}/circuits/nouveau/", f"{base}/circuits/{circuit.pk}/", f"{base}/delegations/",
            f"{base}/certificats/", f"{base}/certificats/{delta_maire.uid}/"]
    admin = User.objects.create_superuser("syndicat", "admin@example.fr", "x" * 16)
    for who in (reg.secretaire, delta_maire, admin):
        if who is admin:  # the syndicate's pages in the parapheur are the credentials'
            client.force_login(admin)
        else:
            login(client, who)
        for url in urls if who is not admin else urls[-2:]:
            response = client.get(url)
            assert response.status_code == 404, (who, url)
            assert "Deltaville" not in text(response) and "secret" not in text(response)
        index = text(client.get("/parapheur/"))
        assert "Deltaville" not in index and "79104" not in index

    login(client, reg.secretaire)
    form = text(client.get("/parapheur/deposer/"))
    assert "Alphaville" in form and "Deltaville" not in form
    response = client.post("/parapheur/deposer/", {
        "member": delta.pk, "title": "Intrus", "folder_type": "Arrêté",
        "documents": SimpleUploadedFile("x.pdf", make_pdf(), "application/pdf")})
    assert response.status_code == 200 and not Folder.objects.filter(title="Intrus").exists()
    assert client.post(f"{base}/circuits/{circuit.pk}/activation/",
                       {"active": "0"}).status_code == 404
    assert workflow.waiting_for(delta_maire) == []
    with pytest.raises(SignatureError) as caught:
        workflow.submit(reg.secretaire, delta, "Autre", "Arrêté", [("a.pdf", make_pdf())])
    assert str(caught.value) == ("Deltaville ne souscrit pas au parapheur : aucun dossier ne "
                                 "peut y être déposé.")

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

    base = "/admin/parapheur/collectivites/79104"
    staff_urls = [f"/admin/parapheur/dossiers/{old.pk}/",
                  f"/admin/parapheur/dossiers/{old.pk}/bordereau.pdf",
                  f"/admin/parapheur/dossiers/{old.pk}/journal.json", f"{base}/circuits/",
                  f"{base}/circuits/nouveau/", f"{base}/circuits/{circuit.pk}/",
                  f"{base}/delegations/", f"{base}/certificats/",
                  f"{base}/certificats/{delta_maire.uid}/"]
    signer_urls = [f"/espace-elus/parapheur/dossiers/{old.pk}/",
                   f"/espace-elus/parapheur/dossiers/{old.pk}/bordereau.pdf",
                   f"/espace-elus/parapheur/dossiers/{old.pk}/journal.json"]
    admin = User.objects.create_superuser("syndicat", "admin@example.fr", "x" * 16)
    # its staff, on its host and on Alphaville's; the syndicate, on its own host
    for who, host in ((reg.secretaire, "delta.localhost"), (reg.secretaire, reg.alpha.hostname),
                      (admin, "localhost")):
        client.defaults["HTTP_HOST"] = host
        if who is admin:
            client.force_login(admin)
        else:
            login(client, who)
        for url in staff_urls + (signer_urls if who is not admin else []):
            response = client.get(url)
            assert response.status_code == 404, (who, host, url)
            assert "Deltaville" not in text(response), (who, host, url)
            assert "Arrêté secret" not in text(response), (who, host, url)
        index = text(client.get("/admin/parapheur/"))
        for name in ("Deltaville", "79104", "Arrêté secret"):
            assert name not in index, (who, host, name)
    client.defaults["HTTP_HOST"] = "delta.localhost"
    login(client, delta_maire)  # its maire: nothing to sign there any more
    for url in signer_urls:
        assert client.get(url).status_code == 404, url
    assert "Deltaville" not in text(client.get("/espace-elus/parapheur/"))

    client.defaults["HTTP_HOST"] = reg.alpha.hostname
    login(client, reg.secretaire)
    form = text(client.get("/admin/parapheur/deposer/"))
    assert "Alphaville" in form and "Deltaville" not in form
    response = client.post("/admin/parapheur/deposer/", {
        "member": delta.pk, "title": "Intrus", "folder_type": "Arrêté",
        "documents": SimpleUploadedFile("x.pdf", make_pdf(), "application/pdf")})
    assert response.status_code == 400 and not Folder.objects.filter(title="Intrus").exists()
    assert client.post(f"{base}/circuits/{circuit.pk}/activation/",
                       {"active": "0"}).status_code == 404
    assert workflow.waiting_for(delta_maire) == []
    with pytest.raises(SignatureError) as caught:
        workflow.submit(reg.secretaire, delta, "Autre", "Arrêté", [("a.pdf", make_pdf())])
    assert str(caught.value) == ("Deltaville ne souscrit pas au parapheur : aucun dossier ne "
                                 "peut y être déposé.")

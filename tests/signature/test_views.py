"""The parapheur's pages: the signers' in the officials' space (/espace-elus/parapheur/), the
staff's in the Wagtail admin (/admin/parapheur/, on the member's host): the work of each page,
and access control probed from another member's account."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from signature import workflow
from signature.models import SIGNATURE, VISA, Folder
from signature.workflow import StepSpec
from tests.factories import make_pdf

from .conftest import PASSWORD, login

PW = PASSWORD.decode()


@pytest.fixture
def folder(registry):
    reg = registry
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération", [
        StepSpec(VISA, [reg.adjoint]), StepSpec(SIGNATURE, [reg.maire])])
    return workflow.submit(reg.secretaire, reg.alpha, "Tarifs de la cantine", "Délibération",
                           [("tarifs.pdf", make_pdf("Tarifs"))])


SPACE = "/espace-elus/parapheur/"
ADMIN = "/admin/parapheur/"
ALPHA_HOST = "alphaville.localhost"


def urls(folder: Folder, base: str = SPACE) -> list[str]:
    doc = folder.documents.first()
    base = f"{base}dossiers/{folder.pk}/"
    return [base, f"{base}documents/{doc.pk}/", f"{base}bordereau.pdf", f"{base}journal.json",
            f"{base}journal.csv"]


def on_host(client, host: str):
    client.defaults["HTTP_HOST"] = host
    return client


def test_another_members_account_gets_nothing(client, registry, folder):
    login(client, registry.other)  # Bravoville's maire
    for url in urls(folder):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Tarifs" not in response.content
    for action in ({"action": "approve"}, {"action": "resubmit"},
                   {"action": "reject", "reason": "non"}):
        assert client.post(urls(folder)[0], action).status_code == 404
    page = client.get(SPACE)
    assert page.status_code == 200 and b"Tarifs" not in page.content
    # a batch naming the folder does nothing
    client.post(SPACE, {"action": "approve", "folders": [folder.pk]})
    assert Folder.objects.get(pk=folder.pk).position == 0


def test_another_members_staff_gets_nothing_in_their_admin(client, registry, folder, bravo_staff):
    on_host(client, "bravoville.localhost")
    login(client, bravo_staff)
    for url in urls(folder, ADMIN):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Tarifs" not in response.content
    listing = client.get(ADMIN)
    assert listing.status_code == 200 and b"Tarifs" not in listing.content
    # depositing into Alphaville is refused: the member is the host's
    response = client.post(f"{ADMIN}deposer/", {
        "member": registry.alpha.pk, "title": "Intrus", "folder_type": "Délibération",
        "documents": SimpleUploadedFile("x.pdf", make_pdf(), "application/pdf")})
    assert response.status_code == 400 and not Folder.objects.filter(title="Intrus").exists()


def test_an_account_outside_the_registry_is_refused(client, registry, folder):
    client.force_login(User.objects.create(username="inconnu"))
    assert client.get(SPACE).status_code == 403
    assert client.get(urls(folder)[0]).status_code == 403
    # the admin is closed to them: Wagtail sends them to its login
    on_host(client, ALPHA_HOST)
    assert client.get(ADMIN).status_code == 302


def test_anonymous_is_sent_to_log_in(client, registry, folder):
    response = client.get(urls(folder)[0])
    assert response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL)
    on_host(client, ALPHA_HOST)
    response = client.get(urls(folder, ADMIN)[0])
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_same_members_people_see_and_act(client, registry, folder):
    reg = registry
    login(client, reg.maire)  # a member of Alphaville, not yet their turn
    for url in urls(folder):
        assert client.get(url).status_code == 200, url
    assert client.post(urls(folder)[0], {"action": "approve"}).status_code == 403

    login(client, reg.adjoint)
    page = client.get(SPACE).content.decode()
    assert "Tarifs de la cantine" in page and 'lang="fr"' in page
    response = client.post(urls(folder)[0], {"action": "approve", "on_behalf": "padjoint"})
    assert response.status_code == 302
    assert Folder.objects.get(pk=folder.pk).position == 1

    login(client, reg.maire)
    page = client.get(urls(folder)[0]).content.decode()
    assert 'for="id_passphrase"' in page and "Signer" in page
    client.post(urls(folder)[0], {"action": "sign", "passphrase": PW,
                                  "on_behalf": "smaire"})
    assert Folder.objects.get(pk=folder.pk).status == Folder.DONE
    report = client.get(urls(folder)[2])
    assert report["Content-Type"] == "application/pdf" and report.content.startswith(b"%PDF")


def test_reject_needs_a_reason_and_the_submitter_sees_it(client, registry, folder):
    reg = registry
    login(client, reg.adjoint)
    page = client.post(urls(folder)[0], {"action": "reject", "reason": ""}).content.decode()
    assert "Indiquez le motif du rejet" in page
    client.post(urls(folder)[0], {"action": "reject", "reason": "Il manque l'annexe 2."})
    assert Folder.objects.get(pk=folder.pk).status == Folder.REJECTED

    login(client, reg.secretaire)
    assert "Il manque l&#x27;annexe 2." in client.get(SPACE).content.decode()
    on_host(client, ALPHA_HOST)  # the staff's folder page, in the admin
    staff_page = urls(folder, ADMIN)[0]
    assert "Il manque l&#x27;annexe 2." in client.get(staff_page).content.decode()
    assert client.post(staff_page, {"action": "resubmit"}).status_code == 302
    assert Folder.objects.get(pk=folder.pk).status == Folder.IN_PROGRESS


def test_submit_and_batch_through_the_pages(client, registry, folder):
    reg = registry
    login(client, reg.secretaire)
    on_host(client, ALPHA_HOST)
    page = client.get(f"{ADMIN}deposer/").content.decode()
    assert 'type="hidden" name="member"' in page  # the host's member: nothing to choose
    response = client.post(f"{ADMIN}deposer/", {
        "member": reg.alpha.pk, "title": "Subvention au club", "folder_type": "Délibération",
        "documents": [SimpleUploadedFile("a.pdf", make_pdf("A"), "application/pdf"),
                      SimpleUploadedFile("b.pdf", make_pdf("B"), "application/pdf")],
        "annexes": SimpleUploadedFile("plan.pdf", make_pdf("Plan"), "application/pdf")})
    assert response.status_code == 302
    second = Folder.objects.get(title="Subvention au club")
    assert second.documents.filter(kind="main").count() == 2
    response = client.post(f"{ADMIN}deposer/", {
        "member": reg.alpha.pk, "title": "Pas un PDF", "folder_type": "Délibération",
        "documents": SimpleUploadedFile("a.txt", b"hello", "text/plain")})
    assert "n&#x27;est pas un PDF" in response.content.decode()

    login(client, reg.adjoint)
    client.post(SPACE, {"action": "approve", "folders": [folder.pk, second.pk]})
    login(client, reg.maire)
    client.post(SPACE, {"action": "sign", "passphrase": PW,
                                "folders": [folder.pk, second.pk]})
    assert set(Folder.objects.values_list("status", flat=True)) == {Folder.DONE}


def test_verify_page(client, registry, folder, identities, signer_of):
    from signature.sign import SigningOptions, sign_pdf
    from signature.stamp import StampText

    on_host(client, ALPHA_HOST)
    login(client, registry.secretaire)
    signed = sign_pdf(make_pdf(), signer_of(identities.maire), SigningOptions(),
                      StampText("Sylvie Maire"))
    page = client.post(f"{ADMIN}verifier/", {
        "file": SimpleUploadedFile("s.pdf", signed, "application/pdf")}).content.decode()
    assert "Toutes les signatures sont intègres et de confiance." in page
    assert "Sylvie Maire" in page and "tout le fichier" in page
    page = client.post(f"{ADMIN}verifier/", {
        "file": SimpleUploadedFile("n.pdf", b"pas un pdf", "application/pdf")}).content.decode()
    assert "Ce fichier n&#x27;est pas un PDF lisible." in page

"""A completed folder's signed PDFs and bordereau go to the member's Nextcloud folder through
the bridge's public function; checked on what the Nextcloud emulator (test double) then holds."""

from __future__ import annotations

import html
from dataclasses import replace

import pytest

from nextcloud_bridge.driver import NextcloudDriver
from provisioning.engine import make_plan
from signature import audit, workflow
from signature.models import SIGNATURE, Folder
from signature.workflow import StepSpec
from tests.doubles.nextcloud_emulator import Emulator
from tests.factories import make_inventory, make_member, make_pdf

from .conftest import PASSWORD, login

ADMIN = ("admin", "mot-de-passe-admin")


@pytest.fixture
def nextcloud(tmp_path, parapheur_settings):
    settings = parapheur_settings
    """The emulator, with Alphaville's extranet folder provisioned by the bridge's driver."""
    data = tmp_path / "nextcloud"
    emulator = Emulator(admin=ADMIN, groupfolders=True, data_dir=data)
    with emulator.serve() as url:
        config = {"url": url, "user": ADMIN[0], "password": ADMIN[1]}
        inventory = replace(make_inventory(members=0, people=0), members=(
            make_member("79101", "Alphaville", services=("extranet", "parapheur")),))
        driver = NextcloudDriver(config)
        try:
            for change in make_plan(inventory, [driver]).pending:
                outcome = driver.apply([change])[0]
                assert outcome.ok, outcome.error
        finally:
            driver.close()
        settings.MUTUALIS_NEXTCLOUD = config
        settings.MUTUALIS_PARAPHEUR_PUBLISH = True
        yield data
    emulator.close()


def test_completed_folder_is_published(nextcloud, registry, django_capture_on_commit_callbacks):
    reg = registry
    workflow.define_circuit(reg.alpha, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [reg.maire])])
    folder = workflow.submit(reg.secretaire, reg.alpha, "Budget", "Délibération",
                             [("budget.pdf", make_pdf("Budget"))],
                             [("annexe.pdf", make_pdf("Annexe"))])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.sign(folder, reg.maire, PASSWORD.decode())
    folder = Folder.objects.get(pk=folder.pk)
    base = f"extranet/parapheur/{folder.created_at:%Y}/{folder.reference}"
    assert sorted(folder.published) == sorted([
        f"{base}/budget.pdf", f"{base}/annexes/annexe.pdf",
        f"{base}/bordereau-{folder.reference}.pdf"])
    actions = [e["action"] for e in audit.entries(reg.alpha, folder)]
    assert actions[0] == "submitted" and actions[-1] == "published"

    # What the server holds: the signed PDF, byte for byte, and the bordereau
    stored = {p.name: p.read_bytes() for p in nextcloud.rglob("*.pdf")}
    with folder.documents.get(kind="main").file.open("rb") as f:
        assert stored["budget.pdf"] == f.read()
    assert stored[f"bordereau-{folder.reference}.pdf"].startswith(b"%PDF")


def _signed_folder(reg, signer, title: str, capture) -> Folder:
    member = signer.seats.get().member
    workflow.define_circuit(member, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [signer])])
    submitter = reg.secretaire if member == reg.alpha else signer
    folder = workflow.submit(submitter, member, title, "Délibération",
                             [("budget.pdf", make_pdf(title))])
    with capture(execute=True):
        workflow.sign(folder, signer, PASSWORD.decode())
    return Folder.objects.get(pk=folder.pk)


def test_a_failed_publication_is_said_on_the_folder_and_retried(
        nextcloud, registry, client, settings, django_capture_on_commit_callbacks):
    reg = registry
    configured, settings.MUTUALIS_NEXTCLOUD = settings.MUTUALIS_NEXTCLOUD, None
    folder = _signed_folder(reg, reg.maire, "Budget", django_capture_on_commit_callbacks)
    sentence = ("Signé ; le dépôt dans Nextcloud n'a pas abouti : aucun Nextcloud n'est "
                "configuré pour ce syndicat.")
    assert folder.status == Folder.DONE and folder.published == []
    assert folder.publication_error == sentence
    failure = [e for e in audit.entries(reg.alpha, folder) if e["action"] ==
               "publication_failed"]
    assert failure and failure[0]["details"]["sentence"] == sentence

    url = f"/admin/parapheur/dossiers/{folder.pk}/"  # the staff's page, in the admin
    signer_url = f"/espace-elus/parapheur/dossiers/{folder.pk}/"
    client.defaults["HTTP_HOST"] = reg.alpha.hostname
    login(client, reg.secretaire)
    page = html.unescape(client.get(url).content.decode())
    assert "terminé, non déposé dans Nextcloud" in page and sentence in page
    assert "ProvisioningError" not in page and "MUTUALIS_NEXTCLOUD" not in page
    assert "Déposer à nouveau dans Nextcloud" in page
    listing = html.unescape(client.get("/admin/parapheur/").content.decode())
    assert "terminé, non déposé dans Nextcloud" in listing
    mine = html.unescape(client.get("/espace-elus/parapheur/").content.decode())
    assert "terminé, non déposé dans Nextcloud" in mine and sentence in mine

    login(client, reg.maire)  # an official sees why, and may not retry
    url = signer_url
    page = html.unescape(client.get(url).content.decode())
    assert sentence in page and "Déposer à nouveau dans Nextcloud" not in page
    assert client.post(url, {"action": "publish"}).status_code == 403

    settings.MUTUALIS_NEXTCLOUD = configured  # Nextcloud is back: the staff retry
    url = f"/admin/parapheur/dossiers/{folder.pk}/"
    login(client, reg.secretaire)
    page = html.unescape(client.post(url, {"action": "publish"}, follow=True).content.decode())
    assert "Le dossier est déposé dans Nextcloud." in page
    folder = Folder.objects.get(pk=folder.pk)
    assert folder.publication_error == "" and len(folder.published) == 2
    assert folder.status_label() == "terminé"
    stored = {p.name for p in nextcloud.rglob("*.pdf")}
    assert {"budget.pdf", f"bordereau-{folder.reference}.pdf"} <= stored


def test_each_cause_of_a_failed_publication_is_one_sentence(
        nextcloud, registry, settings, django_capture_on_commit_callbacks):
    reg = registry
    # Bravoville's extranet folder was never made in Nextcloud (only Alphaville's was)
    folder = _signed_folder(reg, reg.other, "Voirie", django_capture_on_commit_callbacks)
    assert folder.publication_error == (
        "Signé ; le dépôt dans Nextcloud n'a pas abouti : le dossier « extranet » de la "
        "collectivité n'existe pas dans Nextcloud (le syndicat doit appliquer l'inventaire).")

    settings.MUTUALIS_NEXTCLOUD = {"url": "http://127.0.0.1:9", "user": "admin",
                                   "password": "x"}
    folder = _signed_folder(reg, reg.maire, "Cantine", django_capture_on_commit_callbacks)
    assert folder.status == Folder.DONE and folder.publication_error == (
        "Signé ; le dépôt dans Nextcloud n'a pas abouti : Nextcloud n'a pas répondu ; "
        "réessayez plus tard.")

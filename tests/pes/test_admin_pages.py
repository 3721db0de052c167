"""The PES staff pages in the Wagtail admin (/admin/pes/, on the member's host): depositing a
flux (a readable one becomes a parapheur folder; an unreadable one is refused with its
sentence and stores nothing), and the member's settings."""

from __future__ import annotations

import html

from django.core.files.uploadedfile import SimpleUploadedFile

from pes.models import FLUX, PesFlux, PesSettings
from signature.models import Folder

from .generate import make_flux
from .test_parapheur import login


def _staff(client, registry):
    client.defaults["HTTP_HOST"] = "alphaville.localhost"
    login(client, registry.secretaire)
    return client


def test_the_staff_deposit_a_flux_and_land_on_its_folder(client, pes_registry):
    staff = _staff(client, pes_registry)
    page = html.unescape(staff.get("/admin/pes/deposer/").content.decode())
    assert "Déposer un flux PES au parapheur" in page and "Flux PES_Aller (fichier XML)" in page
    answer = staff.post("/admin/pes/deposer/", {
        "file": SimpleUploadedFile("PESALR2.xml", make_flux(), "text/xml"), "title": ""})
    folder = Folder.objects.get(folder_type="PES")
    assert answer.status_code == 302 and answer.url == f"/admin/parapheur/dossiers/{folder.pk}/"
    assert PesFlux.objects.get(folder=folder).file_name == "PESALR2_217901010_261120_001.xml"
    assert "/admin/pes/deposer/" in staff.get("/admin/").content.decode()  # the menu


def test_an_unreadable_flux_is_refused_in_one_sentence(client, pes_registry):
    staff = _staff(client, pes_registry)
    answer = staff.post("/admin/pes/deposer/", {
        "file": SimpleUploadedFile("export.xml", b"<PES_Aller><oups>", "text/xml")})
    assert answer.status_code == 400
    assert "n&#x27;est pas un XML lisible (ligne 1" in answer.content.decode()
    assert not Folder.objects.exists()


def test_the_settings_choose_the_whole_flux(client, pes_registry):
    staff = _staff(client, pes_registry)
    assert "chaque bordereau" in staff.get("/admin/pes/reglages/").content.decode()
    answer = staff.post("/admin/pes/reglages/", {"mode": FLUX, "city": "Alphaville",
                                                 "postal_code": "79101"})
    assert answer.status_code == 302
    assert PesSettings.objects.get(member=pes_registry.alpha).mode == FLUX


def test_a_member_not_subscribing_has_no_pes_pages(client, registry):
    staff = _staff(client, registry)  # Alphaville without pes
    for url in ("/admin/pes/deposer/", "/admin/pes/reglages/"):
        assert staff.get(url).status_code == 404
    assert "/admin/pes/" not in staff.get("/admin/").content.decode()

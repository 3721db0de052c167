"""The PES staff pages in the Wagtail admin (/admin/pes/, on the member's host): depositing a
flux (a readable one becomes a parapheur folder; an unreadable one is refused with its
sentence and stores nothing), the member's settings, and the signed flux sent to Hélios from
its folder."""

from __future__ import annotations

import html

from django.core.files.uploadedfile import SimpleUploadedFile

from actes.helios_models import HeliosFlux
from actes.teletransmission import helios as h
from pes import services
from pes.models import FLUX, PesFlux, PesSettings
from signature import workflow
from signature.models import Folder
from tests.doubles.s2low_standin import StandIn

from .generate import make_flux
from .test_parapheur import PW, login


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


def test_a_signed_flux_goes_to_helios_from_its_folder(client, pes_registry, settings):
    folder = services.submit_flux(pes_registry.secretaire, pes_registry.alpha,
                                  "PESALR2_novembre.xml", make_flux())
    staff = _staff(client, pes_registry)
    page = f"/admin/parapheur/dossiers/{folder.pk}/"
    transmit = f"/admin/pes/dossiers/{folder.pk}/transmettre/"
    assert transmit not in staff.get(page).content.decode()  # not signed yet: no button
    answer = staff.post(transmit, follow=True)
    assert "n'est pas encore signé" in html.unescape(answer.content.decode())
    assert not HeliosFlux.objects.exists()

    workflow.sign(folder, pes_registry.maire, PW)
    assert transmit in staff.get(page).content.decode()
    assert staff.get(transmit).status_code == 405  # a POST only
    with StandIn(auto_advance=False) as tdt:
        settings.MUTUALIS_ACTES_TDT = None
        settings.MUTUALIS_HELIOS_TDT = {"url": tdt.url, "timeout": 5, "retries": 1,
                                        "backoff": 0.01}
        answer = staff.post(transmit)
        sent = HeliosFlux.objects.get()
        assert answer.status_code == 302 and answer.url == f"/admin/helios/{sent.pk}/"
        signed = services.signed_bytes(folder)
        assert tdt.state.helios.transactions[int(sent.transaction_id)].content == signed
        assert sent.state == HeliosFlux.POSTED and sent.member == pes_registry.alpha
        assert h.POSTED == tdt.state.helios.transactions[int(sent.transaction_id)].status
        shown = html.unescape(staff.get(page).content.decode())
        assert "Transmis au Trésor public (Hélios) : déposé chez le tiers." in shown
        assert transmit not in shown  # once only
        again = html.unescape(staff.post(transmit, follow=True).content.decode())
        assert "a déjà été transmis" in again and HeliosFlux.objects.count() == 1

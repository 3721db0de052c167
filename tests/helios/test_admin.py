"""The Hélios staff pages on the commune's host, against the S²LOW stand-in: the upload form
sends the flux, the flux's page follows it to its acquit, the acquit and the flux download, the
listings show states and PES_Retour."""

from __future__ import annotations

from html import unescape

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actes import helios
from actes.helios_models import HeliosFlux, HeliosRetour
from tests.actes.staff import staff_client

from .conftest import SIRET
from .pes_files import pes_aller


def test_a_secretaire_sends_a_flux_and_follows_it_to_its_acquit(commune, tdt):
    client = staff_client(commune)
    form = client.get(reverse("helios:add"))
    assert form.status_code == 200 and "Flux PES signé" in form.content.decode()
    response = client.post(reverse("helios:add"), {"file": SimpleUploadedFile(
        "PES_2026.xml", pes_aller(), "text/xml")})
    flux = HeliosFlux.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "helios:flux", args=[flux.pk])
    assert flux.member == commune and flux.created_by.username == "zsecretaire"
    page = unescape(client.get(response["Location"]).content.decode())
    assert "déposé chez le tiers" in page and "Pas encore d'acquittement." in page
    assert "2\xa0501,00\xa0€" in page  # the second mandats bordereau, the French way
    assert "Actualiser l'état" in page

    tdt.helios_acquit(flux.transaction_id, refused="Pièce justificative absente")
    response = client.post(reverse("helios:refresh", args=[flux.pk]))
    assert response.status_code == 302
    page = unescape(client.get(reverse("helios:flux", args=[flux.pk])).content.decode())
    assert "refusé par Hélios" in page and "Motif : 1 : Pièce justificative absente" in page
    assert "Actualiser l'état" not in page  # nothing more to ask
    acquit = client.get(reverse("helios:acquit", args=[flux.pk]))
    assert acquit.status_code == 200 and b"PES_NonAcquit" in acquit.content
    assert acquit["Content-Disposition"].startswith("attachment")
    download = client.get(reverse("helios:file", args=[flux.pk]))
    assert b"".join(download.streaming_content) == pes_aller()
    listing = client.get(reverse("helios:index"), {"state": "refused"}).content.decode()
    assert "PES_2026.xml" in listing and "refusé par Hélios" in listing
    assert "PES_2026.xml" not in client.get(reverse("helios:index"),
                                            {"state": "acquitted"}).content.decode()


def test_the_form_says_what_is_wrong_and_the_retours_are_listed(commune, tdt):
    client = staff_client(commune)
    response = client.post(reverse("helios:add"), {"file": SimpleUploadedFile(
        "budget.xml", pes_aller(encoding="UTF-8"), "text/xml")})
    assert response.status_code == 400
    assert "budget.xml : le fichier est encodé en UTF-8 ; Hélios exige" in unescape(
        response.content.decode())
    assert not HeliosFlux.objects.exists()
    tdt.helios_retour(SIRET)
    helios.refresh_pending()
    page = client.get(reverse("helios:retours")).content.decode()
    assert "PES_Retour_21790174000013_1.xml" in page
    retour = client.get(reverse("helios:retour", args=[HeliosRetour.objects.get().pk]))
    assert retour.status_code == 200 and b"PES_Retour" in retour.content


def test_without_a_tiers_the_pages_say_so(commune, settings):
    settings.MUTUALIS_ACTES_TDT = settings.MUTUALIS_HELIOS_TDT = None
    client = staff_client(commune)
    assert "Aucun tiers de télétransmission n'est configuré" in unescape(client.get(
        reverse("helios:add")).content.decode())
    response = client.post(reverse("helios:add"), {"file": SimpleUploadedFile(
        "PES.xml", pes_aller(), "text/xml")})
    assert response.status_code == 400 and not HeliosFlux.objects.exists()

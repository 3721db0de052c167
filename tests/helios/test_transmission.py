"""A PES flux from its upload to its acquit, through the S²LOW stand-in over HTTP: what the
stand-in then holds, the states and history the flux goes through, the PES_Acquit read, the
PES_Retour filed under their member, and the refusals before anything leaves."""

from __future__ import annotations

import hashlib
import socket
import threading
from contextlib import contextmanager

import pytest

from actes import helios
from actes.helios_models import HeliosFlux, HeliosRetour
from actes.teletransmission import helios as h
from actes.teletransmission import pes
from mutualis.celery import app

from .conftest import SIRET
from .pes_files import pes_aller


def states(flux: HeliosFlux) -> list[str]:
    return list(flux.events.order_by("at", "pk").values_list("state", flat=True))


def test_a_flux_is_stored_posted_transmitted_and_acquitted(commune, tdt, django_user_model):
    user = django_user_model.objects.create_user("zsecretaire")
    data = pes_aller()
    flux = helios.transmit_pes(commune.code, "PES_2026_001.xml", data, user)
    assert flux.state == HeliosFlux.POSTED and flux.transaction_id
    assert (flux.sha256, flux.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert flux.file.open("rb").read() == data and flux.created_by == user
    assert flux.nom_fic == "PESALR2_79174_2026_001"
    assert [(b["domain"], b["number"]) for b in flux.bordereaux] == [
        ("dépense", "1"), ("dépense", "2"), ("recette", "101")]
    # What the stand-in holds: the very file, at S²LOW's status 1.
    held = tdt.state.helios.transactions[int(flux.transaction_id)]
    assert held.content == data and held.status == h.POSTED

    assert helios.refresh_flux(flux) is False  # nothing moved at the tiers
    tdt.helios_advance(flux.transaction_id, h.TRANSMITTED)
    assert helios.refresh_flux(flux) is True
    assert flux.state == HeliosFlux.TRANSMITTED and flux.tdt_status == "Transmis"
    assert not flux.acquit

    tdt.helios_acquit(flux.transaction_id)
    assert helios.refresh_flux(flux) is True
    flux.refresh_from_db()
    assert flux.state == HeliosFlux.ACQUITTED and flux.acquitted_at
    assert bytes(flux.acquit) == held.acquit
    assert flux.acquit_summary["accepted"] is True
    assert flux.acquit_summary["nom_fic"] == flux.nom_fic
    assert states(flux) == ["stored", "posted", "transmitted", "acquitted"]
    assert flux.events.last().message == f"Transaction {flux.transaction_id} acceptee"
    assert helios.refresh_flux(flux) is False and flux.events.count() == 4


def test_a_refusal_by_helios_keeps_its_reason(commune, tdt):
    flux = helios.transmit_pes(commune.code, "PES.xml", pes_aller(mandats=1, titres=0))
    tdt.helios_acquit(flux.transaction_id, refused="Signature du bordereau invalide")
    helios.refresh_flux(flux)
    flux.refresh_from_db()
    assert flux.state == HeliosFlux.REFUSED
    assert flux.error == "1 : Signature du bordereau invalide"
    assert flux.acquit_summary["elements"] == [{
        "domain": "dépense", "year": "2026", "number": "1", "accepted": False,
        "errors": ["1 : Signature du bordereau invalide"]}]
    assert states(flux)[-1] == "refused"
    # Refused, the same file may be corrected and sent again: it is not a duplicate.
    again = helios.transmit_pes(commune.code, "PES.xml", pes_aller(mandats=1, titres=0,
                                                                   nom_fic="PESALR2_BIS"))
    assert again.state == HeliosFlux.POSTED


def test_an_acquit_with_information_is_an_acquit_with_its_details(commune, tdt):
    flux = helios.transmit_pes(commune.code, "PES.xml", pes_aller())
    tdt.helios_acquit(flux.transaction_id, details=True)
    helios.refresh_flux(flux)
    assert flux.state == HeliosFlux.ACQUITTED and flux.tdt_status == "Information disponible"
    assert [e["number"] for e in flux.acquit_summary["elements"]] == ["1", "2", "101"]


def test_what_the_tiers_checks_after_posting_puts_the_flux_in_error(commune, tdt):
    # A CodCol S²LOW's worker refuses; our own check lets it pass (3 characters).
    data = pes_aller().replace(b'<CodCol V="001"/>', b'<CodCol V="0001"/>')
    with pytest.raises(helios.PesRefused, match="CodCol « 0001 » compte plus de 3"):
        helios.transmit_pes(commune.code, "PES.xml", data)
    assert not HeliosFlux.objects.exists()
    # What only S²LOW knows: a file it already holds under the same NomFic from elsewhere.
    tdt.state.helios.post("autre.xml", pes_aller(siret=SIRET) + b"\n")
    tdt.helios_advance(1, h.WAITING)
    flux = helios.transmit_pes(commune.code, "PES.xml", pes_aller())
    tdt.helios_advance(flux.transaction_id)
    helios.refresh_flux(flux)
    assert flux.state == HeliosFlux.ERROR
    assert flux.error == f"Transaction {flux.transaction_id} : ce fichier existe déjà sur la " \
                         "plateforme"


@pytest.mark.parametrize("data, problem", [
    (b"", "PES.xml : le fichier est vide (0 octet)."),
    (b"%PDF-1.4 une facture", "PES.xml : ce n'est pas un fichier XML bien formé (ligne 1)"),
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><PES_Retour/>',
     "PES.xml n'est pas un PES_Aller : son élément racine est <PES_Retour>"),
    (pes_aller(encoding="UTF-8"), "PES.xml : le fichier est encodé en UTF-8 ; Hélios exige"),
    (pes_aller(mandats=0, titres=0, pj=0), "PES.xml : le flux ne contient ni bordereau"),
    (pes_aller(nom_fic=""), "la balise Enveloppe/Parametres/NomFic est absente ou vide"),
    (pes_aller(siret="30000000000017"), "ce flux est celui de l'établissement de SIRET "
                                        "30000000000017, pas de"),
], ids=["empty", "pdf", "pes-retour", "utf-8", "no-bordereau", "no-nomfic", "other-siret"])
def test_a_file_that_is_not_a_pes_aller_is_refused_and_nothing_is_kept(commune, tdt, data,
                                                                       problem):
    with pytest.raises(helios.PesRefused) as refused:
        helios.transmit_pes(commune.code, "PES.xml", data)
    assert any(problem in message for message in refused.value.messages), refused.value.messages
    assert not HeliosFlux.objects.exists() and not tdt.state.helios.transactions


def test_the_same_flux_twice_is_refused_before_it_leaves(commune, tdt):
    helios.transmit_pes(commune.code, "PES.xml", pes_aller())
    with pytest.raises(helios.PesRefused, match="a déjà été transmis le"):
        helios.transmit_pes(commune.code, "PES-copie.xml", pes_aller())
    assert len(tdt.state.helios.transactions) == 1


def test_without_a_tiers_or_the_service_nothing_is_taken(commune, settings, sites):
    settings.MUTUALIS_ACTES_TDT = settings.MUTUALIS_HELIOS_TDT = None
    with pytest.raises(helios.PesRefused, match="aucun tiers de télétransmission"):
        helios.transmit_pes(commune.code, "PES.xml", pes_aller())
    with pytest.raises(helios.PesRefused, match="le membre 00000 n'envoie pas"):
        helios.transmit_pes("00000", "PES.xml", pes_aller())
    assert not HeliosFlux.objects.exists()


def test_a_tiers_down_leaves_the_flux_stored_and_the_periodic_job_sends_it(commune, tdt):
    # The connector's own attempts (2) for each of the task's 6 runs: all answered 503.
    tdt.fail_next(12, 503)
    flux = helios.transmit_pes(commune.code, "PES.xml", pes_aller())
    assert flux.state == HeliosFlux.STORED and not flux.transaction_id
    assert "503" in flux.error and not tdt.state.helios.transactions
    assert app.tasks["actes.helios_refresh"].delay().get() == {
        "sent": 1, "changed": 0, "retours": 0}
    flux.refresh_from_db()
    assert flux.state == HeliosFlux.POSTED and flux.error == ""
    assert len(tdt.state.helios.transactions) == 1


def test_a_503_then_an_answer_is_one_transaction(commune, tdt):
    tdt.fail_next(3, 503)  # the first run's two attempts, then the retry's first
    flux = helios.transmit_pes(commune.code, "PES.xml", pes_aller())
    assert flux.state == HeliosFlux.POSTED and len(tdt.state.helios.transactions) == 1


def test_the_periodic_job_follows_the_flux_and_files_the_pes_retour(commune, tdt, sites):
    flux = helios.transmit_pes(commune.code, "PES.xml", pes_aller())
    tdt.helios_acquit(flux.transaction_id)
    tdt.helios_retour(SIRET, flux.transaction_id)
    stranger = tdt.helios_retour("99999999900018")  # for no member here: stays unread there
    counts = app.tasks["actes.helios_refresh"].delay().get()
    assert counts == {"sent": 0, "changed": 1, "retours": 1}
    flux.refresh_from_db()
    assert flux.state == HeliosFlux.ACQUITTED
    retour = HeliosRetour.objects.get()
    assert retour.member == commune
    assert retour.summary["id_coll"] == SIRET and retour.summary["contents"] == {"Paiement": 3}
    assert pes.parse_retour(bytes(retour.content)).id_coll == SIRET
    assert [r.read for r in tdt.state.helios.retours.values()] == [True, False]
    assert tdt.state.helios.retours[stranger].read is False
    # Run again: nothing new, nothing twice.
    assert app.tasks["actes.helios_refresh"].delay().get() == {
        "sent": 0, "changed": 0, "retours": 0}
    assert HeliosRetour.objects.count() == 1


@contextmanager
def silent_tiers():
    """A server that takes the request and never answers (the tiers behind a proxy that
    hung up after receiving the file)."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def take():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=take, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for connection in held:
            connection.close()


def test_no_answer_after_the_file_left_is_not_sent_again(commune, settings):
    with silent_tiers() as url:
        settings.MUTUALIS_ACTES_TDT = None
        settings.MUTUALIS_HELIOS_TDT = {"url": url, "timeout": 1, "retries": 1,
                                        "backoff": 0.01}
        data = pes_aller()
        flux = helios.transmit_pes(commune.code, "PES.xml", data)
        assert flux.state == HeliosFlux.UNCERTAIN and not flux.transaction_id
        assert "peut-être parvenu" in flux.events.order_by("pk").last().message
        with pytest.raises(helios.PesRefused, match="a déjà été transmis"):
            helios.transmit_pes(commune.code, "PES-bis.xml", data)
        assert HeliosFlux.objects.count() == 1

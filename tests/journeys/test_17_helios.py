"""The accounting flux of Melle to the Trésor public: the secrétaire sends a PES flux already
signed (mandats, titres and their pièces) from the admin, sees it deposited at the tiers, then
transmitted to Hélios, then acquitted, and reads the acquit bordereau by bordereau. The demo's
Hélios tiers is the S²LOW stand-in (tests/journeys/conftest.py); the journey plays the DGFiP
through its control endpoints, as the real one answers hours later."""

from __future__ import annotations

import re

import httpx

from tests.helios.pes_files import pes_aller

from .browsing import activate_account, log_in, visitor
from .people import MELLE, SECRETAIRE

SIRET = "20008151100019"  # Melle's SIREN (the official list) and an establishment number
FILENAME = "PES_Melle_2026_003.xml"


def test_a_pes_flux_is_transmitted_and_acquitted(demo, chromium, tmp_path):
    tiers = demo.env["MUTUALIS_HELIOS_S2LOW_URL"]
    site = demo.site(MELLE)
    staff = visitor(chromium, "helios")
    page = staff.page
    if "sitting" not in demo.story and not demo.story.get("secretaire activated"):
        # Run alone: the secrétaire's journey (test_02) did not activate the account.
        activate_account(staff, demo, SECRETAIRE["email"], SECRETAIRE["password"])
        demo.story["secretaire activated"] = True
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    staff.goto(site + "/admin/", "admin home")
    page.get_by_role("link", name="Hélios", exact=True).first.click()
    page.wait_for_url(re.compile(r"/admin/helios/$"))
    staff.look("flux list empty")
    page.get_by_role("link", name="Transmettre un flux PES").first.click()
    page.wait_for_url(re.compile(r"/admin/helios/transmettre/$"))
    staff.look("send a flux")

    # A file that is not a PES_Aller is refused, saying why; nothing is kept.
    wrong = tmp_path / "facture.xml"
    wrong.write_bytes(b'<?xml version="1.0" encoding="ISO-8859-1"?><Facture/>')
    page.get_by_label("Flux PES signé (PES_Aller, XML)").set_input_files(wrong)
    page.get_by_role("button", name="Transmettre à Hélios").click()
    staff.look("not a pes")
    assert "facture.xml n'est pas un PES_Aller : son élément racine est <Facture>" in (
        staff.text())

    flux = tmp_path / FILENAME
    flux.write_bytes(pes_aller(siret=SIRET, nom_fic="PESALR2_79174_2026_003", mandats=2,
                               titres=1, pj=2))
    page.get_by_label("Flux PES signé (PES_Aller, XML)").set_input_files(flux)
    page.get_by_role("button", name="Transmettre à Hélios").click()
    page.wait_for_url(re.compile(r"/admin/helios/\d+/$"))
    staff.look("flux deposited")
    assert f"Flux {FILENAME} : déposé chez le tiers." in staff.text(), staff.text()[:2000]
    assert "PESALR2_79174_2026_003" in staff.text()
    assert page.locator("#bordereaux-section tbody tr").count() == 3
    held = httpx.get(f"{tiers}/_standin/helios/transactions").json()
    # Its own transaction (journey 15 may have sent the parapheur's signed flux before).
    (transaction, state), = ((k, v) for k, v in held.items() if v["filename"] == FILENAME)
    assert state["status"] == 1
    assert f"n° {transaction}" in staff.text()

    # S²LOW checks the file and sends it to the DGFiP.
    httpx.post(f"{tiers}/_standin/helios/advance", params={"transaction": transaction, "to": 3})
    page.get_by_role("button", name="Actualiser l'état").click()
    staff.look("flux transmitted")
    assert page.locator("#main .w-status").first.inner_text().lower() == "transmis à hélios"
    assert f"Transaction {transaction} transmise au serveur." in staff.text()

    # The DGFiP's PES_Acquit, with its line per bordereau.
    httpx.post(f"{tiers}/_standin/helios/acquit", params={"transaction": transaction,
                                                          "details": "1"})
    page.get_by_role("button", name="Actualiser l'état").click()
    staff.look("flux acquitted")
    # Status tags are shown in capitals (CSS); their text is the state.
    assert page.locator("#main .w-status").first.inner_text().strip().lower() == (
        "acquitté par hélios")
    acquit = page.locator("#acquit-section")
    assert "flux accepté" in acquit.inner_text().lower()
    rows = acquit.locator("tbody tr")
    assert rows.count() == 3 and "101" in rows.nth(2).inner_text()
    history = page.locator("#history-section tbody tr")
    assert [history.nth(i).locator("td").nth(1).inner_text().strip().lower()
            for i in range(history.count())] == [
        "reçu, en attente d'envoi", "déposé chez le tiers", "transmis à hélios",
        "acquitté par hélios"]
    assert page.get_by_role("link", name="PES_Acquit").count() == 1
    acquit.scroll_into_view_if_needed()  # the admin scrolls its main column, not the page
    staff.look("acquit read")
    history.first.scroll_into_view_if_needed()
    staff.look("flux history")
    staff.assert_accessible()

    staff.goto(site + "/admin/helios/", "flux list")
    assert FILENAME in staff.text() and "acquitté par hélios" in staff.text().lower()
    staff.goto(site + "/admin/helios/retours/", "pes retour list")
    assert "PES_Retour reçus" in staff.text()
    staff.assert_accessible()

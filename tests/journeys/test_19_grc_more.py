"""Relation citoyen in Melle, continued: the secrétaire adjusts the room booking (a new required
field with its choices, « Horaires » made optional) and sees it in the démarche's history; a
citizen reaches the online démarches from the site's Démarches page, files a booking with the
new field, and the secrétaire reads the answer on the request; the yearly report shows the
savings beside the convocation's; the signalement's place works with no map configured."""

from __future__ import annotations

import re

from .browsing import signed_in, visitor
from .people import MELLE, SECRETAIRE

CITIZEN = "ines.fourmont@example.org"
FILL_TIME_MS = 3300  # the form refuses what is posted sooner after it was opened (robots)



def test_a_demarche_adjusted_then_filed_with_its_new_field(demo, chromium):
    site = demo.site(MELLE)
    staff = visitor(chromium, "grc-more-staff")
    spage = staff.page
    signed_in(staff, demo, site, SECRETAIRE)
    staff.goto(site + "/admin/grc/nouvelle/", "the démarches")
    spage.get_by_role("link", name="régler la démarche Réserver une salle municipale").click()
    spage.wait_for_url(re.compile(r"/admin/grc/demarches/reservation-salle/$"))
    staff.look("adjusting the room booking")
    new = spage.get_by_role("group", name="Ajouter : Champ")
    new.get_by_label("Libellé").fill("Matériel souhaité")
    new.get_by_label("Type").select_option(label="liste de choix")
    new.get_by_label("Obligatoire").check()
    new.get_by_label("Position").fill("3")
    # A list of choices with none: refused, what was typed kept.
    spage.get_by_role("button", name="Enregistrer la démarche").click()
    staff.look("a list with no choice")
    assert "Une liste de choix propose au moins un choix" in staff.text()
    new = spage.get_by_role("group", name="Ajouter : Champ")
    assert new.get_by_label("Libellé").input_value() == "Matériel souhaité"
    new.get_by_label("Choix proposés (un par ligne)").fill("Tables et chaises\nSonorisation\n"
                                                           "Aucun")
    hours = spage.get_by_role("group", name=re.compile(r"^Champ \d+ : Horaires"))
    hours.get_by_label("Obligatoire").uncheck()
    spage.get_by_role("button", name="Enregistrer la démarche").click()
    staff.look("room booking adjusted")
    assert "Démarche « Réserver une salle municipale » enregistrée" in staff.text()
    history = spage.get_by_role("table", name="Historique des réglages de la démarche"
                                ).inner_text()
    assert "Champ ajouté : « Matériel souhaité »" in history
    assert "Champ « Horaires » : facultatif" in history and SECRETAIRE["uid"] in history
    staff.assert_accessible()

    # The citizen: from the site's Démarches page to the booking, with its new field.
    citizen = visitor(chromium, "grc-more-citizen", viewport="tablet")
    page = citizen.page
    citizen.goto(site + "/demarches/", "the site's démarches page")
    page.get_by_role("link", name="Faire une demande à la mairie en ligne").click()
    citizen.look("online démarches")
    page.get_by_role("link", name="Réserver une salle municipale").click()
    citizen.look("room booking form")
    assert page.get_by_label("Matériel souhaité").count() == 1
    page.get_by_label("Vos nom et prénom").fill("Inès Fourmont")
    page.get_by_label("Votre adresse de courriel").fill(CITIZEN)
    page.get_by_label("Salle souhaitée").select_option(label="Salle des fêtes")
    page.get_by_label("Date souhaitée").fill("2027-03-13")
    page.get_by_label("Nombre de personnes attendues").fill("80")
    page.get_by_label("Objet").fill("Repas des aînés")
    page.wait_for_timeout(FILL_TIME_MS)
    page.get_by_role("button", name="Envoyer ma demande").click()
    citizen.look("the new field is required")
    assert "Matériel souhaité" in page.locator(".errorlist").first.inner_text() or (
        "obligatoire" in citizen.text().lower())
    page.get_by_label("Matériel souhaité").select_option(label="Sonorisation")
    page.wait_for_timeout(FILL_TIME_MS)
    page.get_by_role("button", name="Envoyer ma demande").click()
    citizen.look("room booking filed")
    assert "Votre demande est enregistrée" in citizen.text(), citizen.text()[:1500]
    code = re.search(r"/suivi/([A-Z0-9]+)/", page.url).group(1)

    # The signalement's place, on a site with no map configured: one sentence, typed fields.
    citizen.goto(site + "/demarches/en-ligne/signalement/", "signalement with no map")
    assert "Aucune carte n'est proposée sur ce site" in citizen.text()
    assert page.get_by_label("Latitude (facultatif)").count() == 1
    citizen.assert_accessible()

    # The secrétaire reads the answer to the new field on the request.
    staff.goto(site + f"/admin/grc/?q={code}", "the booking in the listing")
    spage.get_by_role("link", name=code).click()
    staff.look("the booking")
    assert "Matériel souhaité" in staff.text() and "Sonorisation" in staff.text()
    staff.goto(site + "/admin/grc/rapport/", "the yearly report")
    savings = spage.locator("#economies").inner_text()
    assert "Démarches en ligne" in savings and "Convocations électroniques" in savings
    assert "12" in savings and "3" in savings and "Total" in savings
    staff.assert_accessible()

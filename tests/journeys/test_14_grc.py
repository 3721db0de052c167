"""Relation citoyen in Melle: a citizen files a signalement with a photo on the commune's site
(a file that is no photo first: refused, nothing typed lost) and follows it by its code; the
secrétaire records a phone request in the same form, treats the signalement, and the citizen's
follow page and mailbox show the new status; Celles-sur-Belle's staff sees none of it."""

from __future__ import annotations

import re
from datetime import date, timedelta

from PIL import Image

from .browsing import open_mail, signed_in, visitor
from .people import MELLE, OTHER_COMMUNE, OTHER_STAFF, SECRETAIRE

CITIZEN = "camille.riveraine@example.org"
# The form refuses what is posted sooner than this after it was opened (robots post at once);
# a person takes longer, the browser here does not.
FILL_TIME_MS = 3300



def test_a_signalement_from_the_site_to_its_delivery(demo, chromium, tmp_path):
    site = demo.site(MELLE)
    photo = tmp_path / "trottoir.jpg"
    Image.new("RGB", (320, 240), (90, 90, 90)).save(photo, "JPEG")
    not_a_photo = tmp_path / "trottoir.png"
    not_a_photo.write_bytes(b"ceci n'est pas une image" * 20)

    citizen = visitor(chromium, "grc-citizen", viewport="tablet")
    page = citizen.page
    citizen.goto(site + "/demarches/en-ligne/", "online démarches")
    page.get_by_role("link", name="Signaler un problème sur la voie publique").click()
    citizen.look("signalement form")
    assert "Vos données personnelles" in citizen.text()
    page.get_by_label("Vos nom et prénom").fill("Camille Riveraine")
    page.get_by_label("Votre adresse de courriel").fill(CITIZEN)
    page.get_by_label("Nature du problème").select_option(label="Voirie (chaussée, trottoir)")
    page.get_by_label("Lieu (adresse ou repère)").fill("8 rue Emilien Traver, devant la poste")
    page.get_by_label("Description").fill("Une dalle du trottoir est descellée.")
    page.get_by_label("Photo").set_input_files(str(not_a_photo))
    page.wait_for_timeout(FILL_TIME_MS)
    page.get_by_role("button", name="Envoyer ma demande").click()
    citizen.look("not a photo")
    assert "n'est pas une photo JPEG ou PNG lisible" in citizen.text()
    assert page.get_by_label("Lieu (adresse ou repère)").input_value().startswith("8 rue")
    page.get_by_label("Photo").set_input_files(str(photo))
    page.wait_for_timeout(FILL_TIME_MS)
    page.get_by_role("button", name="Envoyer ma demande").click()
    citizen.look("signalement filed")
    assert "Votre demande est enregistrée" in citizen.text(), citizen.text()[:1500]
    code = re.search(r"/suivi/([A-Z0-9]+)/", page.url).group(1)
    assert page.url.startswith(site + "/suivi/")  # the port is kept

    open_mail(citizen, demo.mailbox, CITIZEN, "est enregistrée")
    assert code in citizen.text() and f"{site}/suivi/{code}/" in citizen.text()
    citizen.goto(site + "/suivi/", "follow form")
    page.get_by_label("Code de suivi").fill(f"{code[:5].lower()} {code[5:]}")
    page.get_by_role("button", name="Voir ma demande").click()
    citizen.look("followed by code")
    assert page.locator("#etat").inner_text() == "Votre demande a été reçue"

    # The secrétaire: the request in her listing, a phone request recorded in the same form.
    staff = visitor(chromium, "grc-staff")
    spage = staff.page
    signed_in(staff, demo, site, SECRETAIRE)
    staff.goto(site + "/admin/", "admin home")
    spage.get_by_role("link", name="Demandes des citoyens").first.click()
    spage.wait_for_url(re.compile(r"/admin/grc/$"))
    staff.look("requests")
    assert code in staff.text() and "Camille Riveraine" in staff.text()
    spage.get_by_role("link", name="Enregistrer une demande (guichet, téléphone, courrier)").click()
    staff.look("choose a démarche")
    spage.get_by_role("link", name="Demander un rendez-vous", exact=True).click()
    staff.look("record a phone request")
    spage.get_by_label("Nom et prénom du demandeur").fill("Camille Riveraine")
    spage.get_by_label("Courriel du demandeur").fill(CITIZEN)
    spage.get_by_label("Canal").select_option(label="téléphone")
    spage.get_by_label("Rendez-vous avec").select_option(label="Le maire ou un adjoint")
    spage.get_by_label("Motif du rendez-vous").fill("Parler de la dalle du trottoir.")
    spage.get_by_role("button", name="Enregistrer la demande").click()
    staff.look("phone request recorded")
    assert re.search(r"/admin/grc/\d+/$", spage.url), staff.text()[:1500]
    assert "téléphone" in staff.text() and code in staff.text()  # the citizen's other request

    # Treating the signalement: a status with a message; the citizen is told.
    spage.get_by_role("link", name=code).click()
    staff.look("the signalement")
    spage.get_by_label("Nouveau statut").select_option(label="En cours de traitement")
    spage.get_by_label("Message au demandeur (facultatif)").fill(
        "L'équipe de voirie passe jeudi.")
    spage.get_by_role("button", name="Changer le statut").click()
    staff.look("status changed")
    assert "Statut changé" in staff.text()
    staff_page = spage.url
    staff.assert_accessible()

    citizen.goto(f"{site}/suivi/{code}/", "follow page after treatment")
    assert page.locator("#etat").inner_text() == "Votre demande est en cours de traitement"
    assert "L'équipe de voirie passe jeudi." in citizen.text()
    open_mail(citizen, demo.mailbox, CITIZEN, "en cours de traitement")
    assert "L'équipe de voirie passe jeudi." in citizen.text()
    citizen.assert_accessible()

    # Delivered: closed with what was done, the citizen told; anonymised after the delay.
    staff.goto(staff_page, "the signalement again")
    spage.get_by_label("Ce qui a été délivré (document, rendez-vous, réponse)").fill(
        "La dalle a été rescellée le 12.")
    spage.get_by_role("button", name="Délivrer et clore").click()
    staff.look("delivered")
    assert "Demande délivrée et close" in staff.text()
    citizen.goto(f"{site}/suivi/{code}/", "follow page once delivered")
    assert page.locator("#etat").inner_text() == "Votre demande a été traitée"
    assert "La dalle a été rescellée le 12." in citizen.text()
    open_mail(citizen, demo.mailbox, CITIZEN, "Votre demande a été traitée")
    later = (date.today() + timedelta(days=400)).isoformat()
    assert "1 requests anonymised" in demo.cli("grc-retention", "--at", later)
    staff.goto(staff_page, "the signalement anonymised")
    assert "anonymisée" in staff.text().lower() and "Camille" not in staff.text()
    citizen.goto(f"{site}/suivi/{code}/", "follow page once anonymised")
    assert "rescellée" not in citizen.text()
    staff.assert_accessible()
    citizen.assert_accessible()

    # Celles-sur-Belle's DGS, on her own host: nothing of Melle's requests.
    other = visitor(chromium, "grc-other-commune")
    opage = other.page
    own = demo.site(OTHER_COMMUNE)
    signed_in(other, demo, own, OTHER_STAFF)
    pk = re.search(r"/admin/grc/(\d+)/$", staff_page).group(1)
    for url in (own + "/admin/grc/", own + f"/admin/grc/{pk}/",
                own + f"/admin/grc/?q={code}"):
        response = opage.goto(url)
        assert response.status in (403, 404), f"{url}: HTTP {response.status}"
        assert code not in other.text()
    other.goto(own + f"/suivi/{code}/", "melle's code elsewhere", status=404)
    assert code not in other.text() or "ne propose pas" in other.text()
    other.goto(own + "/demarches/en-ligne/signalement/", "no démarches here", status=404)
    assert "ne propose pas de démarches en ligne" in other.text()
    other.goto(own + f"/admin/pages/search/?q={code}", "admin search")
    assert "Camille" not in other.text()
    other.assert_accessible()

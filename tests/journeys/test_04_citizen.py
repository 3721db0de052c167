"""A citizen of Melle: the commune's site, the council's next sitting, the contact form (its
message reaches the mairie's mailbox), and the quick links that keep the address they use."""

from __future__ import annotations

import re

from .browsing import open_mail, visitor
from .people import MELLE

MAIRIE = "mairie@melle.paysmellois.fr"


def test_a_citizen_browses_the_site_and_writes_to_the_mairie(demo, chromium, sent_sitting):
    citizen = visitor(chromium, "citizen", viewport="tablet")
    page, site = citizen.page, demo.site(MELLE)

    assert page.goto(site + "/favicon.ico").status == 200
    citizen.goto(site + "/", "home")
    assert page.get_by_role("heading", level=1).inner_text() == "Melle"
    for link in page.locator("main a[href]").all():
        href = link.get_attribute("href")
        assert not re.match(r"https?://melle\.localhost/", href), f"a link drops the port: {href}"

    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Vie municipale").click()
    citizen.look("council page")
    page.get_by_role("link", name=re.compile(r"^Conseil municipal du ")).click()
    citizen.look("next sitting")
    assert "Budget primitif 2027" in citizen.text()

    citizen.goto(site + "/demarches/", "démarches")
    page.get_by_label("Vos nom et prénom").fill("Jeanne Habitante")
    page.get_by_label("Votre adresse de courriel").fill("jeanne.habitante@example.org")
    page.get_by_label("Objet").fill("Salle des fêtes")
    page.get_by_label("Votre message").fill("La salle des fêtes est-elle libre le 12 juin ?")
    page.get_by_role("button", name="Envoyer").click()
    citizen.look("message sent")
    assert page.url.startswith(site + "/demarches/")  # the port is kept
    assert "bien été envoyé" in citizen.text()

    open_mail(citizen, demo.mailbox, MAIRIE, "Salle des fêtes")
    assert "La salle des fêtes est-elle libre le 12 juin ?" in citizen.text()
    citizen.assert_accessible()

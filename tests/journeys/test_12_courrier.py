"""A letter from the counter to its closing: Melle's DGS (its secrétariat) records a letter
handed in at the counter, qualifies it and assigns it to the services techniques; their agent
activates his account, finds it in the register, treats it and closes it; the history says
who did what."""

from __future__ import annotations

import re

from .browsing import activate_account, log_in, visitor
from .people import MELLE, SECRETAIRE

AGENT = {"uid": "jmoreau", "email": "jean.moreau@melle.paysmellois.fr",
         "password": "les services techniques de melle"}
SUBJECT = "Demande de réparation du lavoir de la rue du Pont"


def test_a_letter_recorded_at_the_counter_is_treated_by_its_department(demo, chromium):
    site = demo.site(MELLE)
    staff = visitor(chromium, "courrier-secretariat")
    page = staff.page
    if "sitting" not in demo.story:  # run alone: the secrétaire's journey did not activate him
        activate_account(staff, demo, SECRETAIRE["email"], SECRETAIRE["password"])
    log_in(staff, site, SECRETAIRE["uid"], SECRETAIRE["password"])
    staff.goto(site + "/admin/", "admin home")
    page.get_by_role("link", name="Courrier", exact=True).first.click()
    page.wait_for_url(re.compile(r"/admin/courrier/$"))
    staff.look("register")
    page.get_by_role("link", name="Enregistrer au guichet").click()
    page.wait_for_url(re.compile(r"/admin/courrier/nouveau/$"))
    staff.look("record at the counter")
    page.get_by_label("Nature").select_option(label="Demande d'un administré")
    page.get_by_label("Objet").fill(SUBJECT)
    page.get_by_label("Nouveau correspondant (nom)").fill("Association des Amis du Lavoir")
    page.get_by_role("button", name="Enregistrer le pli").click()
    page.wait_for_url(re.compile(r"/admin/courrier/\d+/$"))
    staff.look("letter recorded")
    chrono = re.search(r"\d{4}-A-\d{6}", staff.text()).group(0)
    assert f"Pli n° {chrono} enregistré." in staff.text()
    item_url = page.url
    page.get_by_label("Service chargé du traitement").select_option(
        label="Services techniques et voirie")
    page.get_by_label("Consigne").fill("Voir avec l'entreprise de maçonnerie.")
    page.get_by_role("button", name="Attribuer").click()
    staff.look("letter assigned")
    assert "Pli attribué au service « Services techniques et voirie »." in staff.text()
    staff.goto(site + "/admin/courrier/?department=voirie", "register of voirie")
    assert chrono in staff.text()
    staff.assert_accessible()

    agent = visitor(chromium, "courrier-department")
    activate_account(agent, demo, AGENT["email"], AGENT["password"])
    log_in(agent, site, AGENT["uid"], AGENT["password"])
    agent.goto(site + "/admin/courrier/", "department's register")
    assert chrono in agent.text() and SUBJECT in agent.text()
    agent.page.get_by_role("link", name=chrono).click()
    agent.page.wait_for_url(item_url)
    agent.look("the letter")
    assert agent.page.get_by_role("button", name="Attribuer").count() == 0  # the secrétariat's
    agent.page.get_by_label("Annotation").fill("Lavoir réparé le jour même ; réponse envoyée.")
    agent.page.get_by_role("button", name="Marquer comme traité").click()
    agent.look("letter treated")
    assert "Pli marqué comme traité." in agent.text()
    agent.page.get_by_role("button", name="Clore").click()
    agent.look("letter closed")
    assert "Pli clos." in agent.text()
    history = agent.page.get_by_role("table", name="Étapes du pli").inner_text()
    for step, who in (("Enregistré", "Thomas L'Huillier"), ("Attribué", "Thomas L'Huillier"),
                      ("Traité", "Jean Moreau"), ("Clos", "Jean Moreau")):
        assert re.search(rf"{who}\s+{step}", history), history
    agent.assert_accessible()

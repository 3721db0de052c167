"""The GRC in its surroundings: the commune site's Démarches page links to the online démarches
when the commune offers them, and a request received by letter is linked to the letter's entry
in the courrier register when the commune has that service."""

from __future__ import annotations

import html

from django.urls import reverse

from courrier import natures as n
from courrier import register
from grc.models import CitizenRequest

from .helpers import host_client, staff_user


def text(answer) -> str:
    return html.unescape(answer.content.decode())


def test_the_demarches_page_links_to_the_online_demarches(commune, unsubscribed):
    page = text(host_client(commune).get("/demarches/"))
    assert 'href="/demarches/en-ligne/"' in page and "Faire une demande à la mairie" in page
    assert host_client(commune).get("/demarches/en-ligne/").status_code == 200
    elsewhere = text(host_client(unsubscribed).get("/demarches/"))
    assert "/demarches/en-ligne/" not in elsewhere and "Écrire à la mairie" in elsewhere


def letter(chrono: str, **more) -> dict:
    return {"name": "Louise Lettre", "postal_address": "3 rue Haute", "channel": "courrier",
            "f_service": "Urbanisme", "f_objet": "Une question", "f_message": "Par lettre",
            "courrier_chrono": chrono, "email": "", "phone": "", **more}


def test_a_letter_request_is_linked_to_the_courrier_register(commune, other):
    agent = host_client(commune, staff_user(commune, "zsecretaire"))
    url = "/admin/grc/nouvelle/contact-service/"
    # Without the courrier service: the number is a free reference.
    free = agent.post(url, letter("lettre du 3 mars"))
    assert free.status_code == 302, text(free)[:3000]
    assert CitizenRequest.objects.get().courrier_chrono == "lettre du 3 mars"

    commune.services = [*commune.services, "courrier"]
    commune.save(update_fields=["services"])
    other.services = [*other.services, "courrier"]
    other.save(update_fields=["services"])
    arrived = register.record(commune, subject="Lettre de Mme Lettre")
    sent = register.record(commune, subject="Réponse", direction=n.OUTGOING)
    theirs = [register.record(other, subject=f"Lettre {i}") for i in range(3)][-1]
    year, number = arrived.year, arrived.sequence
    for typed, sentence in [
            ("", "Pour une demande reçue par courrier, donnez le n° chrono du pli"),
            ("lettre du 3 mars", "« lettre du 3 mars » n'est pas un n° chrono du registre"),
            (f"{year}-A-999", f"n'a pas de pli n° {year}-A-000999"),
            (sent.chrono, f"Le pli n° {sent.chrono} est un courrier au départ"),
            (theirs.chrono, f"n'a pas de pli n° {theirs.chrono}")]:  # another's register
        refused = agent.post(url, letter(typed))
        assert refused.status_code == 400, typed
        assert sentence in text(refused), (typed, text(refused)[:3000])
        assert "Louise Lettre" in text(refused)  # nothing typed is lost
    assert CitizenRequest.objects.count() == 1

    linked = agent.post(url, letter(f"{year} a {number}"))
    assert linked.status_code == 302, text(linked)[:3000]
    request_obj = CitizenRequest.objects.latest("pk")
    assert request_obj.courrier_chrono == arrived.chrono
    page = text(agent.get(f"/admin/grc/{request_obj.pk}/"))
    assert f'href="{reverse("courrier:item", args=[arrived.pk])}"' in page
    assert f"pli n° {arrived.chrono} du registre du courrier" in page
    # A phone request needs no chrono number.
    assert agent.post(url, letter("", channel="telephone")).status_code == 302

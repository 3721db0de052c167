"""The yearly report's savings: the requests filed online rather than at the counter (12 €
against 3 € by default, the member's own costs once set) beside the convocation's paper
dossiers avoided, when the member has that service."""

from __future__ import annotations

import html
import re

from django.utils import timezone

from convocation.models import Convocation, Sitting
from grc import services
from grc.templates_data import instantiate
from provisioning.models import RegistryAssembly
from tests.factories import add_person

from .helpers import host_client, staff_user


def text(answer) -> str:
    return html.unescape(" ".join(answer.content.decode().split()))


def test_the_report_puts_the_grc_savings_beside_the_convocations(commune, settings):
    agent = host_client(commune, staff_user(commune, "zsecretaire"))
    demarche = instantiate(commune, "signalement")
    for channel in ("web", "web", "web", "guichet"):
        services.file_request(demarche, name="Jeanne", email="j@example.fr", answers={},
                              channel=channel)
    year = timezone.localdate().year
    page = text(agent.get(f"/admin/grc/rapport/?annee={year}"))
    assert "3 demandes faites en ligne plutôt qu'au guichet" in page
    assert "12,00 € au guichet, 3,00 € en ligne" in page or "12.00 € au guichet" in page
    assert "La commune n'a pas le service de convocation électronique." in page

    settings.MUTUALIS_PAPER_DOSSIER_COST = "7.35"
    commune.services = [*commune.services, "convocation"]
    commune.save(update_fields=["services"])
    assembly = RegistryAssembly.objects.get_or_create(
        member=commune, slug="conseil-municipal", defaults={"name": "Conseil municipal"})[0]
    sitting = Sitting.objects.create(assembly=assembly, starts_at=timezone.now(),
                                     place="Mairie")
    for i in range(2):
        person = add_person(commune, f"zelu{i}", roles=["conseiller-municipal"])
        Convocation.objects.create(sitting=sitting, person=person, name=f"Élu {i}",
                                   email=f"e{i}@example.fr", sent_at=timezone.now())
    page = text(agent.get(f"/admin/grc/rapport/?annee={year}"))
    assert "2 dossiers papier évités" in page
    for figure in ("27,00 €", "14,70 €", "41,70 €"):
        assert figure in page or figure.replace(",", ".") in page, figure
    other_year = text(agent.get(f"/admin/grc/rapport/?annee={year - 1}"))
    assert re.search(r"\b0 dossiers? papier évités?<", other_year)  # no plural rule set for 0

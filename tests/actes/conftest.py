"""Fixtures of the acts tests: a commune with a website (provisioned through the real registry
and site drivers), the prefecture's classification file, real PDFs."""

from __future__ import annotations

from datetime import date

import pytest

from actes import services
from provisioning.models import RegistryMember
from tests.convocation.conftest import pdf  # noqa: F401 (re-exported for the tests)
from tests.wagtail_site_factory.conftest import inventory, sites  # noqa: F401 (fixtures)

NS = "http://www.interieur.gouv.fr/ACTES#v1.1-20040216"
MATTERS = {
    "1": ("Commande publique", {"1.1": "Marchés publics", "1.4": "Autres contrats"}),
    "3": ("Domaine et patrimoine", {"3.1": "Acquisitions", "3.2": "Aliénations"}),
    "7": ("Finances locales", {"7.1": "Décisions budgétaires", "7.10": "Divers"}),
    "9": ("Autres domaines de compétences", {"9.1": "Autres domaines de compétences des "
                                                    "communes"}),
}


def classification_xml(version: date = date(2026, 1, 15), extra_level3: bool = True) -> bytes:
    """A prefecture's classification file (RetourClassification, message 7-2), ISO-8859-1."""
    matters = []
    for code, (label, subs) in MATTERS.items():
        inner = []
        for sub, sub_label in subs.items():
            deeper = ""
            if extra_level3 and sub == "7.1":
                deeper = ('<actes:Matiere3 actes:CodeMatiere="1" '
                          'actes:Libelle="Budget primitif"/>')
            inner.append(f'<actes:Matiere2 actes:CodeMatiere="{sub.split(".")[1]}" '
                         f'actes:Libelle="{sub_label}">{deeper}</actes:Matiere2>')
        matters.append(f'<actes:Matiere1 actes:CodeMatiere="{code}" actes:Libelle="{label}">'
                       + "".join(inner) + "</actes:Matiere1>")
    body = (f'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
            f'<actes:RetourClassification xmlns:actes="{NS}">'
            f"<actes:DateClassification>{version.isoformat()}</actes:DateClassification>"
            "<actes:NaturesActes>"
            '<actes:NatureActe actes:CodeNatureActe="1" actes:Libelle="Deliberations" '
            'actes:TypeAbrege="DE"/>'
            '<actes:NatureActe actes:CodeNatureActe="3" actes:Libelle="Actes individuels" '
            'actes:TypeAbrege="AI"/>'
            "</actes:NaturesActes>"
            f"<actes:Matieres>{''.join(matters)}</actes:Matieres>"
            "</actes:RetourClassification>")
    return body.encode("iso-8859-1")


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def commune(sites, media) -> RegistryMember:  # noqa: F811
    """A commune of 500 inhabitants with a website and an imported classification."""
    member = RegistryMember.objects.get(code=sites.members[0].code)
    member.siren = "217901740"
    member.save()
    services.import_classification(member, classification_xml())
    settings = services.settings_of(member)
    settings.siret, settings.department = "21790174000013", "079"
    settings.referent_name, settings.referent_email = "Zoé Secrétaire", "mairie@example.fr"
    settings.save()
    return member

"""A prefecture's classification file, as @ctes sends it."""

from __future__ import annotations

from datetime import date

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

"""The vocabulary of acts: the six @ctes natures, the publication modes, and the rules on who
may choose a mode other than online publication."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

# The six natures of the @ctes nomenclature, with their codes (CodeNatureActe); their
# two-letter abbreviations are in teletransmission/nomenclature.py (ACT_NATURES).
DELIBERATION, REGLEMENTAIRE, INDIVIDUEL, CONTRAT, BUDGETAIRE, AUTRE = 1, 2, 3, 4, 5, 6
NATURES = [
    (DELIBERATION, _("Délibération")),
    (REGLEMENTAIRE, _("Acte réglementaire")),
    (INDIVIDUEL, _("Acte individuel")),
    (CONTRAT, _("Contrat, convention et avenant")),
    (BUDGETAIRE, _("Document budgétaire et financier")),
    (AUTRE, _("Autre")),
]

# The kind of page the member's website shows for an act of each nature
# (wagtail_site_factory.models.ACT_KINDS).
SITE_KINDS = {DELIBERATION: "deliberation", REGLEMENTAIRE: "arrete", INDIVIDUEL: "arrete",
              CONTRAT: "contrat", BUDGETAIRE: "budget", AUTRE: "autre"}

# @ctes: NumeroInterne is 2 to 15 characters among digits, capitals and "_"; S²LOW also
# refuses a "_" at either end (ActesTransaction::NUMBER_REGEXP).
NUMBER_PATTERN = re.compile(r"^[0-9A-Z_]{2,15}$")
SUBJECT_MAX = 499
MATTER_LEVELS = 5

# Publication of acts (CGCT L2131-1; ordonnance 2021-1310, décret 2021-1311): online on the
# website is the rule since 1 July 2022. Communes under 3,500 inhabitants may have chosen by
# délibération to publish by posting (affichage) or on paper instead; without such a choice
# it is online. (Syndicats de communes have the same option, but they are not members here.)
ELECTRONIC, POSTING, PAPER = "electronique", "affichage", "papier"
PUBLICATION_MODES = [
    (ELECTRONIC, _("Publication sous forme électronique sur le site internet")),
    (POSTING, _("Publication par affichage")),
    (PAPER, _("Publication sur papier, tenue à disposition du public")),
]
SMALL_COMMUNE = 3500


def may_choose_mode(kind: str, population: int) -> bool:
    """Whether a member may publish other than online (kind as in the inventory)."""
    return kind == "commune" and population < SMALL_COMMUNE


def number_problem(number: str) -> str | None:
    """The sentence saying why an act number is refused, or None."""
    if NUMBER_PATTERN.match(number or "") and not number.startswith("_") \
            and not number.endswith("_"):
        return None
    bad = sorted({c for c in number or "" if not re.match(r"[0-9A-Z_]", c)})
    shown = ", ".join("une espace" if c == " " else f"« {c} »" for c in bad)
    detail = f" : il contient {shown}" if bad else ""
    return (f"Le numéro d'acte « {number} » n'est pas valable{detail}. Un numéro @ctes compte "
            "2 à 15 caractères parmi les chiffres, les lettres majuscules et « _ » "
            "(par exemple 2026_045).")

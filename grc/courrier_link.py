"""A request that came by letter, linked to the letter's entry in the courrier register when the
member has the courrier service: the agent types the chrono number stamped on the letter
(courrier/register.py: « 2026-A-000123 »), the GRC checks that the member's register holds it
as an incoming item, and the request's page links to it."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from provisioning.access import subscribes

COURRIER = "courrier"
# As people type it: « 2026-a-12 », « 2026 A 000012 », « 2026A12 ».
TYPED = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*([AaDd])\s*[-/ ]?\s*(\d{1,6})\s*$")


class ChronoProblem(ValueError):
    """One sentence: what is wrong with the chrono number typed."""


def has_register(member) -> bool:
    return subscribes(member, COURRIER)


def normalise(typed: str) -> str | None:
    """The chrono number as the register writes it, or None when it is not one."""
    found = TYPED.match(typed or "")
    if not found:
        return None
    year, letter, number = found.groups()
    return f"{year}-{letter.upper()}-{int(number):06d}"


def item_for(member, chrono: str):
    from courrier.models import Item

    return Item.objects.filter(member=member, chrono=chrono).only("pk", "chrono", "subject",
                                                                  "direction").first()


def checked_chrono(member, typed: str, *, letter: bool) -> str:
    """The register's chrono number for what the agent typed (empty when nothing is typed and
    none is needed); ChronoProblem says what is wrong."""
    if not has_register(member):
        return (typed or "").strip()
    if not (typed or "").strip():
        if letter:
            raise ChronoProblem(_("Pour une demande reçue par courrier, donnez le n° chrono du "
                                  "pli dans le registre du courrier (par exemple "
                                  "2026-A-000012) : la demande y sera reliée."))
        return ""
    chrono = normalise(typed)
    if chrono is None:
        raise ChronoProblem(_("« %(typed)s » n'est pas un n° chrono du registre du courrier : "
                              "il s'écrit comme 2026-A-000012.") % {"typed": typed.strip()})
    item = item_for(member, chrono)
    if item is None:
        raise ChronoProblem(_("Le registre du courrier de %(member)s n'a pas de pli "
                              "n° %(chrono)s : vérifiez le numéro porté sur le pli.")
                            % {"member": member.name, "chrono": chrono})
    if "-D-" in chrono:
        raise ChronoProblem(_("Le pli n° %(chrono)s est un courrier au départ : donnez le "
                              "n° d'arrivée de la lettre du demandeur.") % {"chrono": chrono})
    return chrono

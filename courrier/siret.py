"""SIREN and SIRET numbers: 9 and 14 digits whose Luhn key is right (INSEE). La Poste's
establishments are the one exception INSEE documents: their SIRET starts with La Poste's
SIREN 356000000 and the sum of its digits is a multiple of 5."""

from __future__ import annotations

from django.utils.translation import gettext as _

LA_POSTE = "356000000"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def clean(written: str) -> str:
    """The number without its spaces and dots ('130 005 481 00010' -> '13000548100010')."""
    return "".join(c for c in written if c not in " .\u00a0")


def siret_problem(written: str) -> str | None:
    """What is wrong with a SIRET, in French; None when it is a valid one."""
    siret = clean(written)
    if len(siret) != 14 or not siret.isdigit():
        return _("le SIRET « %(s)s » doit compter 14 chiffres.") % {"s": written}
    if siret.startswith(LA_POSTE) and siret != LA_POSTE + "00048":
        ok = sum(int(c) for c in siret) % 5 == 0
    else:
        ok = luhn_ok(siret)
    if not ok:
        return _("le SIRET « %(s)s » n'est pas valide (sa clé de contrôle est fausse).") % {
            "s": written}
    return None

"""The legal delay of a convocation, in jours francs (CGCT).

A delay of n jours francs leaves n whole days between the sending day and the sitting day:
neither of them counts, and weekends and public holidays count like any other day. So the
latest sending date is `sitting_date - (n + 1) days`.

- communes under 3,500 inhabitants: 3 jours francs (L2121-11);
- communes of 3,500 inhabitants or more: 5 jours francs (L2121-12);
- EPCI: always the rules of communes of 3,500 inhabitants or more (L5211-1), so 5;
- urgency: the maire may shorten the delay, never below 1 jour franc (L2121-11, L2121-12);
- a sitting convened again after a failed quorum: 3 days at least, no quorum (L2121-17).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

THRESHOLD = 3500  # inhabitants
KINDS = ("commune", "epci")


def follows_large_commune_rules(population: int, kind: str = "commune") -> bool:
    """True for EPCIs and communes of 3,500 inhabitants or more (note de synthèse, 5 days)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be 'commune' or 'epci', not {kind!r}")
    return kind == "epci" or population >= THRESHOLD


def jours_francs(population: int, kind: str = "commune", urgent: bool = False,
                 reconvened: bool = False) -> int:
    """The number of jours francs required between sending and sitting."""
    large = follows_large_commune_rules(population, kind)
    if urgent:
        return 1
    if reconvened:
        return 3
    return 5 if large else 3


def article(population: int, kind: str = "commune", urgent: bool = False,
            reconvened: bool = False) -> str:
    """The article of the CGCT that sets the delay."""
    if reconvened and not urgent:
        return "L2121-17"
    if kind == "epci":
        return "L2121-12 et L5211-1"
    return "L2121-12" if population >= THRESHOLD else "L2121-11"


def latest_sending_date(sitting_date: date, population: int, kind: str = "commune",
                        urgent: bool = False) -> date:
    """The last day on which the convocation may be sent."""
    return sitting_date - timedelta(days=jours_francs(population, kind, urgent) + 1)


def is_in_time(sent_on: date, sitting_date: date, population: int, kind: str = "commune",
               urgent: bool = False) -> bool:
    """True when a convocation sent on `sent_on` respects the delay."""
    return sent_on <= latest_sending_date(sitting_date, population, kind, urgent)


def note_required(population: int, kind: str = "commune") -> bool:
    """A note explicative de synthèse goes with the convocation at 3,500 inhabitants or more
    and in EPCIs (L2121-12, L5211-1)."""
    return follows_large_commune_rules(population, kind)


def long_date(day: date) -> str:
    """A date written in full in French: « lundi 2 mars 2026 », « dimanche 1er mars 2026 »."""
    with translation.override("fr"):
        weekday = formats.date_format(day, "l")
        month = formats.date_format(day, "F")
    number = "1er" if day.day == 1 else str(day.day)
    return f"{weekday} {number} {month} {day.year}"


def lateness_message(sent_on: date, sitting_date: date, population: int,
                     kind: str = "commune", urgent: bool = False,
                     reconvened: bool = False) -> str:
    """The sentence that refuses a late sending, giving the last valid date."""
    n = jours_francs(population, kind, urgent, reconvened)
    latest = sitting_date - timedelta(days=n + 1)
    delay = ngettext("%(n)s jour franc", "%(n)s jours francs", n) % {"n": n}
    advice = (_("déplacez la séance.") if urgent else
              _("déplacez la séance ou, en cas d'urgence, déclarez-la urgente."))
    return _(
        "La convocation devait être envoyée au plus tard le %(latest)s pour la séance du "
        "%(sitting)s (%(delay)s, article %(article)s du CGCT) ; nous sommes le "
        "%(today)s : %(advice)s"
    ) % {"delay": delay, "advice": advice, "latest": long_date(latest),
         "sitting": long_date(sitting_date), "today": long_date(sent_on),
         "article": article(population, kind, urgent, reconvened)}

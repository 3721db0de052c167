"""Attendance and quorum (CGCT L2121-17).

The assembly deliberates validly when more than half of its members in office are physically
present; proxies do not count. The quorum is checked at each agenda item, from the arrivals
and departures recorded: a movement takes effect from the item it names on. A sitting
convened again after a failed quorum needs no quorum.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from provisioning.models import RegistryPerson

from .models import AgendaItem, Movement, Sitting, Vote, audit, lock
from .proxies import proxies_for


class AttendanceRefused(Exception):
    """A movement or a vote that does not fit what was recorded; the sentence says why."""


@dataclass(frozen=True)
class ItemQuorum:
    item: AgendaItem
    present: frozenset[int]  # person ids physically present
    in_office: int
    required: int  # present members needed
    reached: bool
    proxies: int  # proxies that can be used: holder present, giver not

    @property
    def voters(self) -> int:
        return len(self.present) + self.proxies


def required_present(in_office: int) -> int:
    """More than half of the members in office."""
    return in_office // 2 + 1


def present_at(sitting: Sitting, item: AgendaItem) -> frozenset[int]:
    present: set[int] = set()
    moves = (Movement.objects.filter(sitting=sitting, item__position__lte=item.position)
             .order_by("item__position", "pk").values_list("person_id", "kind"))
    for person_id, kind in moves:
        (present.add if kind == Movement.ARRIVAL else present.discard)(person_id)
    return frozenset(present)


def quorum_at(sitting: Sitting, item: AgendaItem) -> ItemQuorum:
    in_office = sitting.members_in_office()
    present = present_at(sitting, item)
    usable = [p for p in proxies_for(sitting)
              if p.holder_id in present and p.giver_id not in present]
    needed = required_present(in_office)
    reached = sitting.reconvened or len(present) >= needed
    return ItemQuorum(item, present, in_office, 0 if sitting.reconvened else needed, reached,
                      len(usable))


def quorum(sitting: Sitting) -> list[ItemQuorum]:
    return [quorum_at(sitting, item) for item in sitting.items.order_by("position")]


def _convened(sitting: Sitting, person: RegistryPerson) -> None:
    if not sitting.convocations.filter(person=person).exists():
        raise AttendanceRefused(_("%(name)s n'a pas été convoqué(e) à cette séance : choisissez "
                                  "un membre de la liste des convoqués.") % {
            "name": f"{person.given_name} {person.surname}"})


def record_movement(sitting: Sitting, person: RegistryPerson, kind: str, item: AgendaItem,
                    by_user=None) -> Movement:
    """An arrival or a departure, effective from `item` on."""
    if item.sitting_id != sitting.pk:
        raise AttendanceRefused(_("Ce point n'est pas à l'ordre du jour de cette séance : "
                                  "choisissez un point de la liste."))
    _convened(sitting, person)
    with transaction.atomic():
        lock(sitting)
        here = person.pk in present_at(sitting, item)
        name = f"{person.given_name} {person.surname}"
        if kind == Movement.ARRIVAL and here:
            raise AttendanceRefused(_("%(name)s est déjà présent(e) au point %(n)s : "
                                      "enregistrez plutôt son départ.") % {
                "name": name, "n": item.position})
        if kind == Movement.DEPARTURE and not here:
            raise AttendanceRefused(_("%(name)s n'est pas présent(e) au point %(n)s : "
                                      "enregistrez plutôt son arrivée.") % {
                "name": name, "n": item.position})
        movement = Movement.objects.create(sitting=sitting, person=person, kind=kind,
                                           item=item, by_user=by_user)
    audit(sitting, "movement", person=person.uid, kind=kind, item=item.position)
    return movement


def roll_call(sitting: Sitting, people: list[RegistryPerson], by_user=None) -> None:
    """Record the members present at the opening (arrivals at the first item)."""
    first = sitting.items.order_by("position").first()
    if first is None:
        raise AttendanceRefused(_("L'ordre du jour de cette séance est vide : il n'y a aucun "
                                  "point où faire l'appel."))
    present = present_at(sitting, first)
    for person in people:
        if person.pk not in present:
            record_movement(sitting, person, Movement.ARRIVAL, first, by_user)


def record_vote(item: AgendaItem, votes_for: int, votes_against: int, abstentions: int,
                number: str = "") -> Vote:
    """The vote on an item; refused without quorum or with more votes than voters."""
    sitting = item.sitting
    q = quorum_at(sitting, item)
    if not q.reached:
        raise AttendanceRefused(_(
            "Le quorum n'est pas atteint au point %(n)s : %(present)s présents pour "
            "%(in_office)s membres en exercice, il en faut au moins %(required)s (article "
            "L2121-17 du CGCT).") % {"n": item.position, "present": len(q.present),
                                     "in_office": q.in_office, "required": q.required})
    total = votes_for + votes_against + abstentions
    if total > q.voters:
        raise AttendanceRefused(_(
            "%(total)s suffrages et abstentions au point %(n)s, pour %(voters)s votants "
            "possibles (%(present)s présents et %(proxies)s pouvoirs).") % {
            "total": total, "n": item.position, "voters": q.voters,
            "present": len(q.present), "proxies": q.proxies})
    vote, _created = Vote.objects.update_or_create(
        item=item, defaults={"votes_for": votes_for, "votes_against": votes_against,
                             "abstentions": abstentions, "number": number})
    audit(sitting, "vote", item=item.position, votes_for=votes_for,
          votes_against=votes_against, abstentions=abstentions, number=number)
    return vote

"""Who works on which items, by the registry (`provisioning.access`, `provisioning.people`):
the staff of the member whose host the admin is opened on, when it subscribes to `courrier`.

Within the member: the secrétariat (the secrétaire de mairie, the DGS, or the syndicate's
superusers) sees the whole register, records, qualifies and assigns; a department's people
see what is assigned to their department or sent to it in copy, and treat, pass on or close
what is assigned to it; accounting also sees the invoices whose service is certified, to
validate them. A confidential item is seen by the secrétariat and the department it
is assigned to only. Another member's items exist for nobody here: their pages answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from provisioning import access, people
from provisioning.models import RegistryMember

from . import natures as n
from .models import Copy, Item

SERVICE = "courrier"
SECRETARIAT_ROLES = ("secretaire-de-mairie", "dgs")
# The department that gives an invoice its final validation, by its slug.
ACCOUNTING = ("comptabilite", "finances")


def host_member(request: HttpRequest) -> RegistryMember | None:
    """The member on whose host the request came, if it subscribes to `courrier` and the user
    is its staff; None otherwise."""
    return access.staff_member_here(request, SERVICE)


def member_or_404(request: HttpRequest) -> RegistryMember:
    member = host_member(request)
    if member is None:
        raise Http404("no member whose courrier this user works on, on this host")
    return member


@dataclass(frozen=True)
class Desk:
    """What one user is in one member's register."""

    member: RegistryMember
    username: str
    secretariat: bool
    departments: frozenset[str]

    def works_in(self, department: str) -> bool:
        return department in self.departments

    @property
    def accounting(self) -> bool:
        return bool(self.departments & set(ACCOUNTING))


def desk_of(user, member: RegistryMember) -> Desk:
    person = people.person_for(user)
    seat = people.seat(person, member) if person is not None else None
    roles = set(seat.roles or []) if seat is not None else set()
    return Desk(member, user.get_username(),
                user.is_superuser or bool(roles & set(SECRETARIAT_ROLES)),
                frozenset(seat.departments or []) if seat is not None else frozenset())


def desk(request: HttpRequest) -> Desk:
    cached = getattr(request, "_courrier_desk", None)
    if cached is None:
        cached = request._courrier_desk = desk_of(request.user, member_or_404(request))
    return cached


def visible_items(d: Desk) -> QuerySet[Item]:
    """The member's items this desk sees."""
    items = Item.objects.filter(member=d.member)
    if d.secretariat:
        return items
    copied = Exists(Copy.objects.filter(item=OuterRef("pk"), active=True,
                                        department__in=d.departments))
    seen = Q(department__in=d.departments) | (Q(confidential=False) & copied)
    if d.accounting:  # the invoices whose service is certified come to accounting
        seen |= Q(kind=n.INVOICE, invoice_state__in=(n.SERVICE_DONE, n.VALIDATED))
    return items.filter(seen)

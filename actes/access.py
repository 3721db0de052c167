"""Who works on which acts in the Wagtail admin: the staff of the member whose host the admin
is opened on, and only that member's acts.

A person staff of two members (a DGS of the EPCI who is also secrétaire de mairie of a
commune) works on each member's acts on that member's host: what a page shows never depends
on which member the person last worked for.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from provisioning import people
from provisioning.access import standing
from provisioning.catalogue import SERVICES
from provisioning.models import RegistryMember

SERVICE = "actes"


def keeps_acts(member: RegistryMember) -> bool:
    """Whether the member's staff keep its acts here. Every commune and EPCI must publish and
    transmit its acts (CGCT L2131-1), so the catalogue has no « actes » service today: every
    active member keeps them. Once the catalogue offers one, only its subscribers do."""
    return member.active and (SERVICE not in SERVICES or SERVICE in (member.services or []))


def _staff_member(request: HttpRequest, keeps, cache: str) -> RegistryMember | None:
    """The member whose host the request came on, if the user is its staff and `keeps(member)`;
    None otherwise. Kept on the request under `cache` (asked several times per page)."""
    cached = getattr(request, cache, False)
    if cached is not False:
        return cached
    host = request.get_host().rsplit(":", 1)[0].lower()
    member = people.member_at(host)
    if member is None or not standing(request.user).is_staff_of(member) or not keeps(member):
        member = None
    setattr(request, cache, member)
    return member


def host_member(request: HttpRequest) -> RegistryMember | None:
    """The host's member, if the user is its staff and it keeps its acts here; None otherwise
    (another host, another member's staff, an official)."""
    return _staff_member(request, keeps_acts, "_actes_member")


def member_or_404(request: HttpRequest) -> RegistryMember:
    member = host_member(request)
    if member is None:
        raise Http404("no member whose acts this user keeps on this host")
    return member


HELIOS_SERVICE = "pes"


def keeps_helios(member: RegistryMember) -> bool:
    """Whether the member's staff send their accounting flux to Hélios from here: the
    subscribers of the catalogue's « pes » service (without one, every member that keeps its
    acts here: the same tiers account carries both)."""
    if HELIOS_SERVICE in SERVICES:
        return member.active and HELIOS_SERVICE in (member.services or [])
    return keeps_acts(member)


def helios_member(request: HttpRequest) -> RegistryMember | None:
    """The host's member, if the user is its staff and it sends its accounting flux to Hélios
    from here (`keeps_helios`); None otherwise."""
    return _staff_member(request, keeps_helios, "_helios_member")


def helios_member_or_404(request: HttpRequest) -> RegistryMember:
    member = helios_member(request)
    if member is None:
        raise Http404("no member whose accounting flux this user sends on this host")
    return member

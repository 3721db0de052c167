"""Who may open which pages of the parapheur, by the registry's rule (`provisioning.access`):
the person a request's user is, the members whose circuits and delegations they edit (those
where a seat of theirs holds a staff role, whatever else it holds), and those whose
officials' credentials they install (as the member's DGS)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from provisioning import access, people
from provisioning.models import RegistryMember, RegistryPerson

from .workflow.people import SERVICE

DGS = "dgs"


def person_of(request: HttpRequest) -> RegistryPerson:
    """The registry person the user is; a 403 for an account that is nobody's."""
    person = people.person_for(request.user)
    if person is None:
        raise PermissionDenied("Votre compte n'est rattaché à aucune personne de l'annuaire.")
    return person


def managed_members(person: RegistryPerson) -> list[RegistryMember]:
    """The members subscribing to the parapheur whose staff the person is."""
    return [seat.member for seat in access.staff_seats(person, SERVICE)]


def manages_credentials(person: RegistryPerson | None) -> list[RegistryMember]:
    """The members whose credentials the person installs, as their DGS."""
    if person is None:
        return []
    return [s.member for s in people.seats_of(person)
            if DGS in (s.roles or []) and access.subscribes(s.member, SERVICE)]


# ------------------------------------------------------------------ the staff pages, in the admin

def host_member(request: HttpRequest) -> RegistryMember | None:
    """The member whose host the request came to (None on the syndicate's own host)."""
    from portal.hosts import member_of_request

    return member_of_request(request)


def staff_members_here(request: HttpRequest) -> list[RegistryMember]:
    """The members whose parapheur the user works on in this admin: the host's member, when it
    subscribes and the user is its staff; on the syndicate's host (no member), every
    subscribing member for a superuser; nobody else."""
    member = host_member(request)
    if member is None:
        if not request.user.is_superuser:
            return []
        return list(people.subscribing(people.members(), SERVICE))
    if access.subscribes(member, SERVICE) and access.standing(request.user).is_staff_of(member):
        return [member]
    return []


def staff_member(request: HttpRequest, code: str) -> RegistryMember:
    """The member a staff page names by its code: only the host's member (a superuser on the
    syndicate's host may open any subscribing member). Another code is a 404, as is a member
    that does not subscribe or whose staff the user is not."""
    member = next((m for m in staff_members_here(request) if m.code == code), None)
    if member is None:
        raise Http404("Collectivité introuvable.")
    return member

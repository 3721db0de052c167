"""Who may open which pages of the parapheur, by the registry's rule (`provisioning.access`):
the person a request's user is, the members whose circuits and delegations they edit (those
where a seat of theirs holds a staff role, whatever else it holds), and those whose
officials' credentials they install (as the member's DGS)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

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

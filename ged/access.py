"""Who works in the GED's admin pages: the staff of the member whose host the admin is opened
on, when that member subscribes to `ged`, and only on that member's documents (a person
staff of two members works on each one's GED on its own host)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from provisioning.access import staff_member_here
from provisioning.models import RegistryMember

SERVICE = "ged"


def host_member(request: HttpRequest) -> RegistryMember | None:
    """The member on whose host the request came, if it subscribes to `ged` and the user is
    its staff; None otherwise."""
    return staff_member_here(request, SERVICE)


def member_or_404(request: HttpRequest) -> RegistryMember:
    member = host_member(request)
    if member is None:
        raise Http404("no member whose GED this user keeps on this host")
    return member

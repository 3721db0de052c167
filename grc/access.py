"""Who sees which requests: the staff of the member whose host the admin is opened on, when
that member subscribes to `grc`, and only that member's requests; citizens, on the member's
site, only that member's démarches."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from provisioning.access import member_here, staff_member_here
from provisioning.models import RegistryMember

SERVICE = "grc"


def site_member(request: HttpRequest) -> RegistryMember | None:
    """The active member whose site answers on this host (subscribing or not)."""
    return member_here(request)


def host_member(request: HttpRequest) -> RegistryMember | None:
    """The host's member, if it subscribes to grc and the user is its staff; else None."""
    return staff_member_here(request, SERVICE)


def member_or_404(request: HttpRequest) -> RegistryMember:
    member = host_member(request)
    if member is None:
        raise Http404("no member whose citizen requests this user treats on this host")
    return member

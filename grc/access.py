"""Who sees which requests: the staff of the member whose host the admin is opened on, when
that member subscribes to `grc`, and only that member's requests; citizens, on the member's
site, only that member's démarches."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from provisioning import people
from provisioning.access import standing, subscribes
from provisioning.models import RegistryMember

SERVICE = "grc"


def _host(request: HttpRequest) -> str:
    return request.get_host().rsplit(":", 1)[0].lower()


def site_member(request: HttpRequest) -> RegistryMember | None:
    """The active member whose site answers on this host (subscribing or not)."""
    cached = getattr(request, "_grc_site_member", False)
    if cached is False:
        cached = people.member_at(_host(request))
        request._grc_site_member = cached
    return cached


def host_member(request: HttpRequest) -> RegistryMember | None:
    """The host's member, if it subscribes to grc and the user is its staff; else None."""
    cached = getattr(request, "_grc_member", False)
    if cached is not False:
        return cached
    member = site_member(request)
    if member is None or not subscribes(member, SERVICE) or (
            not standing(request.user).is_staff_of(member)):
        member = None
    request._grc_member = member
    return member


def member_or_404(request: HttpRequest) -> RegistryMember:
    member = host_member(request)
    if member is None:
        raise Http404("no member whose citizen requests this user treats on this host")
    return member

"""Who works on a member's PES pages: its staff, on its own host, when it subscribes to `pes`
(the registry's rule, `provisioning.access`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from provisioning.access import staff_member_here
from provisioning.models import RegistryMember

SERVICE = "pes"


def host_member(request: HttpRequest) -> RegistryMember | None:
    return staff_member_here(request, SERVICE)


def member_or_404(request: HttpRequest) -> RegistryMember:
    member = host_member(request)
    if member is None:
        raise Http404("no member whose PES flux this user deposits on this host")
    return member

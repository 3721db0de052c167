"""Who works in the GED's admin pages: the staff of the member whose host the admin is opened
on, when that member subscribes to `ged`, and only on that member's documents (a person
staff of two members works on each one's GED on its own host)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from provisioning import people
from provisioning.access import standing, subscribes
from provisioning.models import RegistryMember

SERVICE = "ged"


def host_member(request: HttpRequest) -> RegistryMember | None:
    cached = getattr(request, "_ged_member", False)
    if cached is not False:
        return cached
    host = request.get_host().rsplit(":", 1)[0].lower()
    member = people.member_at(host)
    if member is None or not subscribes(member, SERVICE) or (
            not standing(request.user).is_staff_of(member)):
        member = None
    request._ged_member = member
    return member


def member_or_404(request: HttpRequest) -> RegistryMember:
    member = host_member(request)
    if member is None:
        raise Http404("no member whose GED this user keeps on this host")
    return member

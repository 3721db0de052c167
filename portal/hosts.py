"""The member whose site answers on a request's hostname, read from the registry."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from provisioning import people
from provisioning.models import RegistryMember


def member_of_request(request: HttpRequest) -> RegistryMember | None:
    host = request.get_host().rsplit(":", 1)[0].lower()
    return people.member_at(host)


def layout_for(member: RegistryMember | None) -> str:
    """The template pages extend: the commune's site around them on its host, else the
    syndicate's plain frame."""
    return "portal/site_frame.html" if member is not None else "portal/plain.html"


def syndicate_name() -> str:
    """The syndicate of the last applied inventory, else the product's name."""
    syndicate = people.syndicate()
    return syndicate.name if syndicate is not None and syndicate.name else (
        settings.WAGTAIL_SITE_NAME)

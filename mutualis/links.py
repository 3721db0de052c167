"""Absolute links to the web app and to the members' sites, for what leaves a request: mails,
activation links, the publication register.

The app's address is `MUTUALIS_BASE_URL` when it is set (production), else the address the
demo serves on (`mutualis demo --addr`, recorded in var/services.json so that other commands,
`passwd-link` included, print links that work), else http://127.0.0.1:8000. A member's site
takes the same scheme and port on its own hostname: http://melle.localhost:8000/ in the demo,
https://melle.fr/ in production.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mutualis import conf
from provisioning.backends import embedded_services

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def base_url() -> str:
    """The web app's address, without a trailing slash."""
    configured = conf.MUTUALIS_BASE_URL
    if configured:
        return configured.rstrip("/")
    served = embedded_services().get("web", {}).get("url", "")
    return (served or DEFAULT_BASE_URL).rstrip("/")


def app_url(path: str = "/") -> str:
    return base_url() + path


def site_url(hostname: str, path: str = "/") -> str:
    """`path` on a member's hostname, with the app's scheme and port."""
    parts = urlsplit(base_url())
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{hostname}{port}{path}"


def member_url(member, path: str = "/") -> str:
    """`path` on the member's own host (a RegistryMember, or anything with `hostname`)."""
    return site_url(member.hostname, path)

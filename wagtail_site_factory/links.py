"""Links from a site to itself and to the other sites, relative to the request being served.

Wagtail's `page.url` (no request) is the page's full URL on its Site, whose port is 80: behind
`mutualis demo` (port 8000) such a link leads nowhere. Every link a site makes is therefore
built from the request: a path when the page is on the site being served, else the other
site's hostname with the scheme and port the visitor used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit, urlunsplit

from django.http import HttpRequest
from django.http.request import split_domain_port
from wagtail.models import Page

_request: ContextVar[HttpRequest | None] = ContextVar("wagtail_site_factory_request",
                                                      default=None)


@contextmanager
def serving(request: HttpRequest | None) -> Iterator[None]:
    """Within this block, rich text links are built for `request` (see `current_request`)."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def current_request() -> HttpRequest | None:
    """The request rich text is being rendered for, if any."""
    return _request.get()


def request_port(request: HttpRequest) -> str:
    """The port the visitor typed (the Host header's), "" for the scheme's default."""
    _domain, port = split_domain_port(request.get_host())
    default = "443" if request.is_secure() else "80"
    return "" if port in ("", default) else port


def host_url(request: HttpRequest, hostname: str, path: str = "/") -> str:
    """`path` on `hostname`, with the scheme and port of `request`."""
    port = request_port(request)
    return f"{request.scheme}://{hostname}{':' + port if port else ''}{path}"


def page_href(page: Page, request: HttpRequest) -> str:
    """The link to `page` from the site `request` is on: its path on the same site, else its
    full URL with the request's scheme and port."""
    url = page.get_url(request) or ""
    if not url.startswith(("http://", "https://")):
        return url
    parts = urlsplit(url)
    return host_url(request, parts.hostname or "", urlunsplit(("", "", parts.path or "/",
                                                              parts.query, parts.fragment)))

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

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.urls import reverse
from wagtail.models import Page, Site

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


def path_on_site(page: Page, request: HttpRequest) -> str | None:
    """The path of `page` when it is on the site `request` is served from, else None: what
    Wagtail's `get_url(request)` answers for such a page (it prefers the request's site),
    without loading the root paths of every site."""
    site = Site.find_for_request(request) if isinstance(request, HttpRequest) else None
    if site is None or getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return None
    root_path = site.root_page.url_path
    if not page.url_path or not page.url_path.startswith(root_path):
        return None
    path = reverse("wagtail_serve", args=(page.url_path[len(root_path):],))
    if not getattr(settings, "WAGTAIL_APPEND_SLASH", True) and path != "/":
        path = path.rstrip("/")
    return path


def page_href(page: Page, request: HttpRequest) -> str:
    """The link to `page` from the site `request` is on: its path on the same site, else its
    full URL with the request's scheme and port."""
    path = path_on_site(page, request)
    if path is not None:
        return path
    url = page.get_url(request) or ""
    if not url.startswith(("http://", "https://")):
        return url
    parts = urlsplit(url)
    return host_url(request, parts.hostname or "", urlunsplit(("", "", parts.path or "/",
                                                              parts.query, parts.fragment)))

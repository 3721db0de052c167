"""A per-site cache of rendered pages, for anonymous visitors.

Keys carry the site and the site's version: publishing, unpublishing or changing the site's
settings bumps the version, so that the site's cached pages are simply no longer read (they
expire on their own). With a thousand sites, a request costs what it costs with one: a lookup
by key, never a scan.

What is stored is served to every anonymous visitor of the site, so only a response that is the
same for all of them is stored (`storable`): never a page with a view restriction (password,
login or groups, its own or an ancestor's), never a response that read or changed the session,
used the CSRF token, set a cookie, varies on cookies or says private / no-store / no-cache.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse
from django.utils.cache import cc_delim_re

from .links import request_port

PAGE_TTL = 300  # seconds
HOST_TTL = 300


def _version_key(site_id: int) -> str:
    return f"wsf:site:{site_id}:version"


def site_version(site_id: int) -> int:
    key = _version_key(site_id)
    version = cache.get(key)
    if version is None:
        version = time.time_ns()
        if not cache.add(key, version, None):
            version = cache.get(key, version)
    return version


def bump(site_id: int) -> None:
    """Every cached page of the site is out of date."""
    cache.set(_version_key(site_id), time.time_ns(), None)


def is_cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or getattr(request, "is_preview", False):
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def page_key(site_id: int, request: HttpRequest) -> str:
    # The port is in the key: links to the other sites carry the one the visitor used.
    seen = f"{request_port(request)}|{request.get_full_path()}"
    path = hashlib.sha256(seen.encode()).hexdigest()[:32]
    return f"wsf:page:{site_id}:{site_version(site_id)}:{path}"


def _hit(key: str) -> HttpResponse | None:
    hit = cache.get(key)
    if hit is None:
        return None
    content, content_type = hit
    response = HttpResponse(content, content_type=content_type)
    response["X-Mutualis-Cache"] = "hit"
    return response


def storable(page, response: HttpResponse, session_used: bool, csrf_used: bool) -> bool:
    """Whether `response` (rendered for an anonymous visitor) may be served to anyone."""
    if response.status_code != 200 or response.streaming or session_used or csrf_used:
        return False
    if response.cookies or response.has_header("Set-Cookie"):
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", ""))}
    if "cookie" in vary or "*" in vary:
        return False
    control = {v.split("=")[0].strip().lower()
               for v in cc_delim_re.split(response.get("Cache-Control", ""))}
    if control & {"private", "no-store", "no-cache"}:
        return False
    # Last, as it costs a query: a restriction of the page or of any ancestor.
    return not page.get_view_restrictions().exists()


def serve_cached(site_id: int, request: HttpRequest, render: Callable[[], HttpResponse],
                 *, page) -> HttpResponse:
    key = page_key(site_id, request)
    response = _hit(key)
    if response is not None:
        return response
    cache.set(_host_key(request), site_id, HOST_TTL)
    # Watch what the rendering itself does with the session (the login check before it
    # already loaded the session, which sets `accessed`).
    session = getattr(request, "session", None)
    accessed_before = session.accessed if session is not None else False
    if session is not None:
        session.accessed = False
    try:
        response = render()
        if isinstance(response, SimpleTemplateResponse):
            response.render()
    finally:
        session_used = session is not None and (session.accessed or session.modified)
        if session is not None:
            session.accessed = session.accessed or accessed_before
    csrf_used = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
    if storable(page, response, session_used, csrf_used):
        cache.set(key, (response.content, response["Content-Type"]), PAGE_TTL)
    response["X-Mutualis-Cache"] = "miss"
    return response


def _host_key(request: HttpRequest) -> str:
    return f"wsf:host:{request.get_host().lower()}"


class PageCacheMiddleware:
    """Answer an anonymous GET from the cache before Wagtail routes it (site lookup, one
    query per path segment, privacy checks): a hit costs three cache reads, whatever the
    number of sites. The host -> site map is learnt when a page is first cached; a site that
    changes gets a new version, so a stale map can only cause a miss."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_cacheable(request):
            site_id = cache.get(_host_key(request))
            if site_id is not None:
                response = _hit(page_key(site_id, request))
                if response is not None:
                    return response
        return self.get_response(request)

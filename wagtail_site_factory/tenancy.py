"""What an editor may see in the admin: their members' pages, collections and sites only.

Superusers (the syndicate's admins) see everything. Every other admin user is confined to the
members whose editors' group they belong to; a user in no such group sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from .models import MemberSite


@dataclass(frozen=True)
class EditorScope:
    codes: frozenset[str]
    site_ids: frozenset[int]
    page_paths: tuple[str, ...]  # tree paths of the members' home pages
    collection_paths: tuple[str, ...]

    def has_page_path(self, path: str) -> bool:
        return any(path.startswith(root) for root in self.page_paths)

    def has_collection_path(self, path: str) -> bool:
        return any(path.startswith(root) for root in self.collection_paths)

    def pages_q(self, prefix: str = "") -> Q:
        q = Q(pk__in=[])
        for root in self.page_paths:
            q |= Q(**{f"{prefix}path__startswith": root})
        return q

    def collections_q(self, prefix: str = "collection__") -> Q:
        q = Q(pk__in=[])
        for root in self.collection_paths:
            q |= Q(**{f"{prefix}path__startswith": root})
        return q


def scope_for(request: HttpRequest) -> EditorScope | None:
    """None for a superuser or an anonymous visitor (no confinement applies)."""
    return scope_for_user(getattr(request, "user", None))


def scope_for_user(user) -> EditorScope | None:
    """The scope of `user`, kept on the user object (one per request) to query it once."""
    if user is None or not user.is_authenticated or user.is_superuser:
        return None
    cached = getattr(user, "_wsf_scope", None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    rows = list(MemberSite.objects.filter(group__user=user).values_list(
        "code", "site_id", "site__root_page__path", "collection__path"))
    scope = EditorScope(
        codes=frozenset(r[0] for r in rows),
        site_ids=frozenset(r[1] for r in rows if r[1]),
        page_paths=tuple(r[2] for r in rows if r[2]),
        collection_paths=tuple(r[3] for r in rows if r[3]))
    user._wsf_scope = (user.pk, scope)
    return scope


def confine_pages(pages: QuerySet, request: HttpRequest) -> QuerySet:
    scope = scope_for(request)
    return pages if scope is None else pages.filter(scope.pages_q())


def member_of_host(request: HttpRequest) -> str | None:
    """The code of the member whose site answers on this request's hostname, if any."""
    host = request.get_host().rsplit(":", 1)[0].lower()
    return (MemberSite.objects.filter(site__hostname=host)
            .values_list("code", flat=True).first())

"""The admin's listing filters, confined to the editor's members.

Wagtail's filter sets offer, as choices, every site and every user who owns, edited, locked
or published any page, and every workflow (wagtail issue 4288): their names would tell an
editor who works on the other communes' sites. After each filter set is built, the choices of
each of its model filters are narrowed to what the editor may see (`isolation.visible`: their
sites, the editors of the same members, the workflows of their pages...).
"""

from __future__ import annotations

import django_filters
from wagtail.admin.filters import PopularTagsFilter, WagtailFilterSet

from .isolation import popular_tags, visible
from .tenancy import scope_for

_installed = False
MODEL_FILTERS = (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)


def confine(filterset: WagtailFilterSet) -> None:
    request = getattr(filterset, "request", None)
    scope = scope_for(request) if request is not None else None
    if scope is None:
        return
    def narrow(queryset):
        if queryset is None:
            return None
        if callable(queryset):
            queryset = queryset(request)
        objects = visible(queryset.model, request.user)
        return queryset if objects is None else queryset.filter(pk__in=objects.values("pk"))

    if isinstance(filterset.filters.get("tag"), PopularTagsFilter):
        # The popular tags of the editor's own objects, not of every member's.
        names = [t.name for t in popular_tags(filterset._meta.model, request.user)]
        if names:
            filterset.filters["tag"].extra["choices"] = [(n, n) for n in names]
        else:
            del filterset.filters["tag"]
    for f in filterset.filters.values():
        if isinstance(f, MODEL_FILTERS):
            f.queryset = narrow(f.queryset)
            if "queryset" in f.extra:  # set by some filter sets after their creation
                f.extra["queryset"] = narrow(f.extra["queryset"])


def install() -> None:
    """Narrow every Wagtail filter set's choices just before its form is built, once the
    filter set (subclasses included) has set its own querysets. Idempotent."""
    global _installed
    if _installed:
        return
    build_form = WagtailFilterSet.form.fget

    def form(self):
        if not hasattr(self, "_form"):
            confine(self)
        return build_form(self)

    WagtailFilterSet.form = property(form)
    _installed = True

"""What a visitor of a site sees of its tree, in a fixed number of queries whatever the number
of sites, pages and view restrictions.

Wagtail's `PageQuerySet.public()` first loads every view restriction of every site (one query,
then one OR clause per restriction): its cost grows with the whole installation. `public` here
asks the same question inside the page query itself.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Length, Substr
from django.http import HttpRequest
from wagtail.models import Page, PageViewRestriction, Site


def _restricted():
    # A restriction on the page itself or on one of its ancestors: the restricted page's
    # tree path is a prefix of the page's (what Wagtail's `descendant_of_q(inclusive)` says).
    return Exists(PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("path"), 1, Length("page__path"))))


def public(pages: QuerySet) -> QuerySet:
    """`pages` outside every private section (Wagtail's `public()`), in the same query."""
    return pages.filter(~_restricted())


def site_children(request: HttpRequest) -> list[Page]:
    """The live children of the root of the site `request` is served from, in tree order,
    each with `private` (in a private section), read once per request for the menus, the
    footer and the home page's links."""
    cached = getattr(request, "_wsf_site_children", None)
    if cached is not None:
        return cached
    site = Site.find_for_request(request)
    children = [] if site is None else list(
        site.root_page.get_children().live().annotate(private=_restricted())
        .only("title", "url_path", "path", "depth", "show_in_menus", "content_type_id"))
    request._wsf_site_children = children
    return children

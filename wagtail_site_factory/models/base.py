"""What every page type of a commune's site builds on: `SitePage` (the commune's settings in
the context, the per-site page cache) and `ThemedRoot` (a site's root page, which also serves
its stylesheet). The page modules (pages, services, municipal, syndicate) import it; it imports
none of them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult

from .. import pagecache
from .settings import CommuneSettings


class SitePage(Page):
    """What every page of a commune's site shares: the commune's settings in the context, and
    the per-site page cache for anonymous visitors."""

    cacheable = True
    show_in_menus_default = True

    class Meta:
        abstract = True

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["commune"] = CommuneSettings.for_request(request)
        return context

    def get_view_restrictions(self):
        # Asked twice of each page served (Wagtail's check before serving, the page cache's
        # after rendering), two queries each time: the page instance lives one request.
        if "_view_restrictions" not in self.__dict__:
            self.__dict__["_view_restrictions"] = super().get_view_restrictions()
        return self.__dict__["_view_restrictions"]

    # A page's URL on the site being served, without the list of every site's root path
    # (Wagtail reads it for every URL, a query that grows with the sites when not cached).
    def get_url_parts(self, request: HttpRequest | None = None):
        from ..links import path_on_site

        path = path_on_site(self, request) if request is not None else None
        if path is None:
            return super().get_url_parts(request)
        site = Site.find_for_request(request)
        return site.pk, site.root_url, path

    def get_url(self, request: HttpRequest | None = None, current_site: Site | None = None):
        from ..links import path_on_site

        path = path_on_site(self, request) if request is not None and current_site is None \
            else None
        return path if path is not None else super().get_url(request, current_site)

    def serve(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        site = Site.find_for_request(request)
        if not (self.cacheable and site and pagecache.is_cacheable(request)):
            return super().serve(request, *args, **kwargs)
        return pagecache.serve_cached(
            site.pk, request, lambda: super(SitePage, self).serve(request, *args, **kwargs),
            page=self)


# The stylesheet's path on every site, `/_theme/`: Wagtail serves only paths of words.
STYLESHEET_SLUG = "_theme"


class ThemedRoot:
    """A site's root page: it also answers `/_theme/`, the site's stylesheet."""

    def route(self, request: HttpRequest, path_components: list[str]) -> RouteResult:
        if path_components == [STYLESHEET_SLUG] and self.live:
            return RouteResult(self, kwargs={"stylesheet": True})
        return super().route(request, path_components)

    def serve(self, request: HttpRequest, *args, stylesheet: bool = False,
              **kwargs) -> HttpResponse:
        if stylesheet:
            from ..stylesheet import stylesheet as css

            response = HttpResponse(css(self.theme_settings(request)),
                                    content_type="text/css; charset=utf-8")
            response["Cache-Control"] = "public, max-age=86400"
            return response
        return super().serve(request, *args, **kwargs)

    def theme_settings(self, request: HttpRequest) -> CommuneSettings | None:
        return CommuneSettings.for_request(request)

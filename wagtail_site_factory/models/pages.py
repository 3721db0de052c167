"""Page types of the commune template: home, standard page, news index and article."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, Site
from wagtail.search import index
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


class HomePage(ThemedRoot, SitePage):
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = SitePage.content_panels + [
        FieldPanel("intro"),
        InlinePanel("quick_links", heading=_("Accès rapides"), label=_("accès rapide")),
    ]
    search_fields = SitePage.search_fields + [index.SearchField("intro")]
    parent_page_types = ["wagtailcore.Page"]
    show_in_menus_default = False

    class Meta:
        verbose_name = _("page d'accueil")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        from ..agenda import upcoming_events

        context = super().get_context(request, *args, **kwargs)
        context["news"] = (NewsPage.objects.live().public().descendant_of(self)
                           .order_by("-date", "-pk")[:3])
        events, available = upcoming_events(request, context["commune"].code, limit=3)
        context["events"], context["available"] = events, available
        context["agenda_page"] = self.get_children().live().type(_agenda_model()).first()
        context["links"] = self.quick_links.select_related("link_page")
        return context


def _agenda_model():
    from .services import AgendaPage

    return AgendaPage


class QuickLink(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="quick_links")
    title = models.CharField(_("intitulé"), max_length=100)
    link_page = models.ForeignKey("wagtailcore.Page", verbose_name=_("page du site"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    url = models.URLField(_("ou adresse externe"), blank=True)

    panels = [FieldPanel("title"), FieldPanel("link_page"), FieldPanel("url")]

    def href(self, request: HttpRequest) -> str:
        """The link, a path when the page is on the site `request` is served from."""
        if self.link_page_id and self.link_page.live:
            from ..links import page_href

            return page_href(self.link_page, request)
        return self.url


class StandardPage(SitePage):
    intro = models.TextField(_("chapeau"), blank=True)
    body = RichTextField(_("contenu"), blank=True)

    content_panels = SitePage.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = SitePage.search_fields + [index.SearchField("intro"),
                                              index.SearchField("body")]
    subpage_types = ["wagtail_site_factory.StandardPage"]

    class Meta:
        verbose_name = _("page simple")


class NewsIndexPage(SitePage):
    intro = models.TextField(_("chapeau"), blank=True)

    content_panels = SitePage.content_panels + [FieldPanel("intro")]
    subpage_types = ["wagtail_site_factory.NewsPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("liste des actualités")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        articles = NewsPage.objects.live().public().child_of(self).order_by("-date", "-pk")
        context["articles"] = Paginator(articles, 10).get_page(request.GET.get("page"))
        return context


class NewsPage(SitePage):
    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.TextField(_("chapeau"), blank=True)
    body = RichTextField(_("contenu"), blank=True)
    image = models.ForeignKey("wagtailimages.Image", verbose_name=_("image"), null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="+")
    image_alt = models.CharField(
        _("texte alternatif de l'image"), max_length=250, blank=True,
        help_text=_("Décrivez ce que montre l'image ; laissez vide si elle est décorative."))

    content_panels = SitePage.content_panels + [
        FieldPanel("date"), FieldPanel("intro"), FieldPanel("body"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("image_alt")], heading=_("Image")),
    ]
    search_fields = SitePage.search_fields + [index.SearchField("intro"),
                                              index.SearchField("body")]
    parent_page_types = ["wagtail_site_factory.NewsIndexPage"]
    subpage_types: list[str] = []
    show_in_menus_default = False

    class Meta:
        verbose_name = _("actualité")

"""Page types of the commune template: home, standard page, news index and article."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, Site
from wagtail.search import index

from ..visible import public, site_children
from .base import SitePage, ThemedRoot
from .services import AgendaPage


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
        context["news"] = (public(NewsPage.objects.live().descendant_of(self))
                           .order_by("-date", "-pk")[:3])
        events, available = upcoming_events(request, context["commune"].code, limit=3)
        context["events"], context["available"] = events, available
        context["agenda_page"] = self._agenda_page(request)
        context["links"] = self.quick_links.select_related("link_page")
        return context

    def _agenda_page(self, request: HttpRequest):
        """The first live agenda among the children (those of the site's root, already read
        for the menus, when this is the root)."""
        site = Site.find_for_request(request)
        if site is None or site.root_page_id != self.pk:
            return self.get_children().live().type(AgendaPage).first()
        return next((child for child in site_children(request)
                     if issubclass(child.specific_class or Page, AgendaPage)), None)


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
        articles = public(NewsPage.objects.live().child_of(self)).order_by("-date", "-pk")
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

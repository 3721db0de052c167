"""The syndicate's page: what the default site (the host that is no member's) shows, its name,
its members with a link to each member's site, and the way to the administration."""

from __future__ import annotations

import idna
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from .base import SitePage, ThemedRoot
from .tenancy import MemberSite

MEMBERS_PER_PAGE = 100


def display_hostname(hostname: str) -> str:
    """A hostname as people read it: "périgné.localhost", not "xn--prign-bsae.localhost"."""
    try:
        return idna.decode(hostname)
    except idna.IDNAError:
        return hostname


class SyndicatePage(ThemedRoot, SitePage):
    """Made by the site driver (`wagtail.syndicate:<siren>`); its title is the syndicate's
    name, declared by the inventory; the introduction is the syndicate's to edit."""

    siren = models.CharField(_("SIREN"), max_length=9, unique=True)
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types: list[str] = []
    show_in_menus_default = False
    max_count = 1

    class Meta:
        verbose_name = _("page du syndicat")

    def theme_settings(self, request: HttpRequest) -> None:
        return None  # the default colours: the syndicate has no commune settings

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        from ..links import host_url

        # Page's context, not SitePage's: the default site has no commune settings.
        context = super(SitePage, self).get_context(request, *args, **kwargs)
        rows = (MemberSite.objects.filter(site__isnull=False, site__root_page__live=True)
                .order_by("site__site_name").values_list("site__site_name", "site__hostname"))
        members = Paginator(rows, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
        members.object_list = [
            {"name": name, "hostname": display_hostname(hostname),
             "url": host_url(request, hostname, "/")}
            for name, hostname in members.object_list]
        context["members"] = members
        return context

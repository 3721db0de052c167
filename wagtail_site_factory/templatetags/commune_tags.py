"""Template tags of the commune theme: menus, alerts, stylesheet URL."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from wagtail.models import Page, Site

from .. import richtext
from ..links import page_href
from ..models import SiteAlert
from ..models.base import STYLESHEET_SLUG
from ..models.pages import QuickLink
from ..stylesheet import stylesheet_version
from ..visible import site_children

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context) -> list[dict]:
    """The home page's children shown in menus: [{title, url, current}]."""
    request, page = context["request"], context.get("page")
    items = []
    for child in site_children(request):
        if child.private or not child.show_in_menus:
            continue
        current = page is not None and page.path.startswith(child.path)
        items.append({"title": child.title, "url": page_href(child, request), "current": current,
                      "exact": page is not None and page.pk == child.pk})
    return items


@register.simple_tag(takes_context=True)
def footer_pages(context) -> list[dict]:
    """The home page's children kept out of menus: legal notice, accessibility..."""
    request = context["request"]
    return [{"title": p.title, "url": page_href(p, request)}
            for p in site_children(request) if not p.private and not p.show_in_menus]


@register.simple_tag(takes_context=True)
def current_alerts(context) -> list[SiteAlert]:
    site = Site.find_for_request(context["request"])
    return list(SiteAlert.objects.current(site)[:3]) if site else []


@register.simple_tag(takes_context=True)
def theme_url(context) -> str:
    commune = context.get("commune")
    return f"/{STYLESHEET_SLUG}/?v={stylesheet_version(commune)}"


@register.simple_tag(takes_context=True)
def breadcrumbs(context) -> list[Page]:
    page = context.get("page")
    if page is None or page.depth <= 2:
        return []
    return list(page.get_ancestors().filter(depth__gte=2).only("title", "url_path", "path"))


@register.simple_tag(takes_context=True)
def quick_link_href(context, link: QuickLink) -> str:
    return link.href(context["request"])


@register.simple_tag(takes_context=True)
def page_link(context, page: Page) -> str:
    """`{% pageurl %}` for the site being served, without Wagtail's list of every site."""
    return page_href(page, context["request"])


@register.filter
def site_richtext(value, request: HttpRequest):
    """`richtext`, its page links relative to the site being served:
    {{ page.body|site_richtext:request }}."""
    return richtext.render(value, request)

"""Rich text on the sites: page links built for the request being served (see links.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString
from wagtail.rich_text.pages import PageLinkHandler
from wagtail.templatetags.wagtailcore_tags import richtext

from . import links


class SitePageLinkHandler(PageLinkHandler):
    """Wagtail's page links, as paths on the site being served when a request is known."""

    @classmethod
    def expand_db_attributes_many(cls, attrs_list: list[dict]) -> list[str]:
        request = links.current_request()
        if request is None:  # the admin's previews of text, a mail...: Wagtail's full URLs
            return super().expand_db_attributes_many(attrs_list)
        return [f'<a href="{escape(links.page_href(page.localized, request))}">'
                if page else "<a>" for page in cls.get_many(attrs_list)]


def render(value, request: HttpRequest | None) -> SafeString:
    """Wagtail's `richtext` filter, its page links made for `request`."""
    with links.serving(request):
        return richtext(value)

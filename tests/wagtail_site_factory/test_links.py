"""Links on the sites keep the host and port the visitor used (the demo serves on :8000): menus,
quick links, rich text page links, the contact form's redirect, links to the other sites."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from wagtail.models import Page

from wagtail_site_factory.models import ContactPage, HomePage, MemberSite, QuickLink

from .test_pages import PATHS

HOST = "alphaville.localhost:8000"
LINK = re.compile(r'(?:href|action|src)="([^"]*)"')


@pytest.fixture
def no_caldav(settings):
    settings.MUTUALIS_CALDAV = {"url": "http://127.0.0.1:9/", "user": "x", "password": "y"}


def links_of(html: str) -> list[str]:
    return LINK.findall(html)


def assert_keeps_the_port(url: str) -> None:
    """A link is a path on this site, an external address, or a member's host with :8000."""
    if url.startswith(("/", "?", "#", "mailto:", "tel:", "https://www.service-public.fr/")):
        return
    assert re.match(r"^http://[a-z0-9.-]+\.localhost:8000/", url), url


def home_of(code: str) -> HomePage:
    return MemberSite.objects.select_related("site").get(code=code).site.root_page.specific


def test_every_link_of_every_page_keeps_the_port(sites, no_caldav):
    client = Client()
    for path in PATHS:
        response = client.get(path, HTTP_HOST=HOST)
        assert response.status_code == 200, path
        urls = links_of(response.content.decode())
        assert urls, path
        for url in urls:
            assert_keeps_the_port(url)


def test_the_quick_links_are_paths_on_the_site(sites, no_caldav):
    html = Client().get("/", HTTP_HOST=HOST).content.decode()
    quick = html.split('class="quick-links"')[1].split("</ul>")[0]
    assert links_of(quick) == ["/demarches/", "/agenda/", "/vie-municipale/actes/", "/contact/"]


def test_a_link_to_another_members_page_keeps_the_port(sites, no_caldav):
    alpha, bravo = (home_of(m.code) for m in sites.members)
    bravo_contact = ContactPage.objects.child_of(bravo).get()
    alpha.quick_links.add(QuickLink(title="Chez nos voisins", link_page=bravo_contact))
    own_contact = ContactPage.objects.child_of(alpha).get()
    alpha.intro = (f'<p>Écrivez-nous (<a linktype="page" id="{own_contact.pk}">contact</a>) '
                   f'ou à nos <a linktype="page" id="{bravo_contact.pk}">voisins</a>.</p>')
    alpha.save_revision().publish()
    html = Client().get("/", HTTP_HOST=HOST).content.decode()
    assert '<a href="/contact/">contact</a>' in html
    assert '<a href="http://bravoville.localhost:8000/contact/">voisins</a>' in html
    assert '<a href="http://bravoville.localhost:8000/contact/">Chez nos voisins</a>' in html
    # Without a port, none is added.
    plain = Client().get("/", HTTP_HOST="alphaville.localhost").content.decode()
    assert '<a href="http://bravoville.localhost/contact/">voisins</a>' in plain


def test_the_contact_forms_redirect_keeps_the_host_and_port(sites, no_caldav):
    client = Client()
    data = {"name": "Jeanne Habitante", "email": "jeanne@example.org", "subject": "Salle",
            "message": "Bonjour"}
    response = client.post("/demarches/", data, HTTP_HOST=HOST)
    assert response.status_code == 302 and len(mail.outbox) == 1
    assert response["Location"] == "/demarches/?envoye=1#formulaire"
    followed = client.get(response["Location"], HTTP_HOST=HOST)
    assert "bien été envoyé" in followed.content.decode()


def test_a_page_link_in_the_admin_keeps_wagtails_full_url(sites):
    """Outside a site's request (the admin, a mail), rich text links stay full URLs."""
    from wagtail.rich_text import expand_db_html

    page = Page.objects.get(pk=ContactPage.objects.first().pk)
    assert expand_db_html(f'<a linktype="page" id="{page.pk}">x</a>').startswith(
        '<a href="http://')

"""Security promises of the caches: what one visitor gets is never served to another.

The per-site page cache (wagtail_site_factory/pagecache.py) serves anonymous visitors before
Wagtail routes the request, so it must only hold responses that are the same for everyone:
never a page with a view restriction (password, login, groups; its own or an ancestor's),
never a response that read or wrote the session, used the CSRF token, set a cookie, varies on
cookies or says private / no-store. The other responses served to every visitor (the favicon,
the theme's stylesheet) carry nothing of the visitor either.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction

from tests.factories import commune_inventory, provision
from wagtail_site_factory import pagecache
from wagtail_site_factory.models import MemberSite, StandardPage

HOST = "alphaville.localhost"
PASSWORD = "mot de passe du conseil"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class StoreSpy:
    """The cache, recording every page the page cache stores."""

    def __init__(self, real):
        self.real, self.stored = real, []

    def set(self, key, value, *args, **kwargs):
        if key.startswith("wsf:page:"):
            self.stored.append(value[0].decode())
        return self.real.set(key, value, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def spy(monkeypatch) -> StoreSpy:
    s = StoreSpy(cache)
    monkeypatch.setattr(pagecache, "cache", s)
    return s


@pytest.fixture
def site(db, settings):
    """Alphaville's site with pages restricted by password (and a sub-page that inherits it),
    by login and by group, each showing a secret of its own."""
    settings.MUTUALIS_CALDAV = {"url": "http://127.0.0.1:9/", "user": "x", "password": "y"}
    inventory = commune_inventory()
    provision(inventory)
    root = MemberSite.objects.get(code=inventory.members[0].code).site.root_page.specific
    pages = {}
    for slug in ("reserve", "interne", "groupes", "publique"):
        pages[slug] = root.add_child(instance=StandardPage(
            title=f"Page {slug}", slug=slug, body=f"<p>SECRET-{slug}</p>"))
    pages["reserve/sous-page"] = pages["reserve"].add_child(instance=StandardPage(
        title="Sous-page", slug="sous-page", body="<p>SECRET-sous-page</p>"))
    PageViewRestriction.objects.create(page=pages["reserve"], password=PASSWORD,
                                       restriction_type=PageViewRestriction.PASSWORD)
    PageViewRestriction.objects.create(page=pages["interne"],
                                       restriction_type=PageViewRestriction.LOGIN)
    council = Group.objects.create(name="Conseil restreint")
    restriction = PageViewRestriction.objects.create(
        page=pages["groupes"], restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(council)
    member = User.objects.create_user("membre", password="x" * 16)
    member.groups.add(council)
    cache.clear()
    return pages


def get(client: Client, path: str, host: str = HOST):
    return client.get(path, HTTP_HOST=host)


def unlock(client: Client, page: Page) -> None:
    restriction = PageViewRestriction.objects.get(page=page)
    url = reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk])
    response = client.post(url, {"password": PASSWORD, "return_url": f"/{page.slug}/"},
                           HTTP_HOST=HOST)
    assert response.status_code == 302


@pytest.mark.parametrize("path, secret", [("/reserve/", "SECRET-reserve"),
                                          ("/reserve/sous-page/", "SECRET-sous-page")])
def test_a_page_unlocked_by_its_password_is_never_served_to_another_visitor(
        site, spy, path, secret):
    first, second = Client(), Client()
    assert secret not in get(first, path).content.decode()  # the password form
    unlock(first, site["reserve"])
    for _ in range(2):  # twice: a second request of the first visitor is no hit either
        response = get(first, path)
        assert secret in response.content.decode()
        assert response.get("X-Mutualis-Cache") != "hit"
    for _ in range(2):
        response = get(second, path)
        assert response.status_code == 200 and secret not in response.content.decode()
        assert 'name="password"' in response.content.decode()
    assert not any(secret in page for page in spy.stored)


@pytest.mark.parametrize("slug", ["interne", "groupes"])
def test_a_page_restricted_to_logged_in_people_or_groups_is_never_stored(site, spy, slug):
    insider = Client()
    insider.force_login(User.objects.get(username="membre"))
    assert f"SECRET-{slug}" in get(insider, f"/{slug}/").content.decode()
    insider.logout()  # now anonymous, with a session: the page is asked for again
    for client in (insider, Client()):
        response = get(client, f"/{slug}/")
        assert response.status_code == 302 and f"next=/{slug}/" in response["Location"]
        assert response["Location"].startswith("/connexion/")  # the site's own login page
    assert not any(f"SECRET-{slug}" in page for page in spy.stored)


def test_a_page_restricted_after_it_was_cached_is_no_longer_served_from_the_cache(site):
    visitor = Client()
    get(visitor, "/publique/")
    assert get(visitor, "/publique/")["X-Mutualis-Cache"] == "hit"
    PageViewRestriction.objects.create(page=site["publique"], password=PASSWORD,
                                       restriction_type=PageViewRestriction.PASSWORD)
    response = get(Client(), "/publique/")
    assert "SECRET-publique" not in response.content.decode()
    assert 'name="password"' in response.content.decode()


def _reads_session(request, response):
    request.session.get("panier")


def _writes_session(request, response):
    request.session["vu"] = True


def _uses_csrf(request, response):
    from django.middleware.csrf import get_token

    get_token(request)


def _sets_cookie(request, response):
    response.set_cookie("bienvenue", "1")


def _varies_on_cookie(request, response):
    response["Vary"] = "Accept-Language, Cookie"


def _private(request, response):
    response["Cache-Control"] = "private, max-age=60"


def _no_store(request, response):
    response["Cache-Control"] = "no-store"


@pytest.mark.parametrize("behaviour", [_reads_session, _writes_session, _uses_csrf,
                                       _sets_cookie, _varies_on_cookie, _private, _no_store])
def test_a_response_that_depends_on_the_visitor_is_never_stored(site, spy, monkeypatch,
                                                                behaviour):
    serve = Page.serve

    def page_serve(self, request, *args, **kwargs):
        response = serve(self, request, *args, **kwargs)
        behaviour(request, response)
        return response

    monkeypatch.setattr(Page, "serve", page_serve)
    for client in (Client(), Client(), Client()):
        assert get(client, "/publique/")["X-Mutualis-Cache"] == "miss"
    assert spy.stored == []


def test_the_page_with_a_form_gives_each_visitor_their_own_csrf_token(site, spy):
    first, second = Client(), Client()
    token_a = TOKEN.search(get(first, "/demarches/").content.decode())[1]
    response = get(second, "/demarches/")
    assert response.get("X-Mutualis-Cache") != "hit"
    assert TOKEN.search(response.content.decode())[1] != token_a
    assert spy.stored == []


def test_every_page_of_a_site_served_from_the_cache_is_the_same_for_everyone(site, spy):
    """Walk every live page as a visitor holding a session (a password entered), then as a
    newcomer: whatever is served from the cache carries no token, no secret, no cookie."""
    root = MemberSite.objects.get(site__hostname=HOST).site.root_page
    paths = ["/" + p.url_path.split("/", 2)[2]
             for p in Page.objects.live().descendant_of(root, inclusive=True)]
    assert len(paths) > 10
    holder = Client()
    unlock(holder, site["reserve"])
    for path in paths:
        get(holder, path)
    hits = 0
    for client in (Client(), holder):
        for path in paths:
            response = get(client, path)
            if response.get("X-Mutualis-Cache") == "hit":
                hits += 1
                assert not response.cookies, path
            html = response.content.decode()
            if client is not holder:
                assert "SECRET-reserve" not in html and "SECRET-sous-page" not in html, path
    assert hits >= 10  # the public pages are cached
    assert spy.stored
    for page in spy.stored:
        assert "csrfmiddlewaretoken" not in page and "SECRET-" not in page.replace(
            "SECRET-publique", "")


@pytest.mark.parametrize("path", ["/favicon.ico", "/_theme/"])
def test_the_favicon_and_the_theme_set_no_cookie_and_are_the_same_for_everyone(site, path):
    holder = Client()
    unlock(holder, site["reserve"])
    first = get(holder, path)
    second = get(Client(), path)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert not first.cookies and not second.cookies
    assert "public" in first["Cache-Control"]


def test_a_hostname_given_to_another_site_never_serves_the_first_sites_pages(site):
    alpha = MemberSite.objects.get(site__hostname=HOST).site
    get(Client(), "/")
    assert get(Client(), "/")["X-Mutualis-Cache"] == "hit"
    bravo = MemberSite.objects.get(site__hostname="bravoville.localhost").site
    alpha.hostname = "ancien-alphaville.localhost"
    alpha.save()
    bravo.hostname = HOST
    bravo.save()
    html = get(Client(), "/").content.decode()
    assert "<h1>Bravoville</h1>" in html and "<h1>Alphaville</h1>" not in html

"""The syndicate's page on the host that is no member's (127.0.0.1 in the demo): made by the
site driver, it lists the members' sites (keeping the visitor's port) and leads to the
administration; Wagtail's welcome page is kept, no longer shown."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from django.test import Client
from wagtail.models import Page, Site

from provisioning.engine import make_plan
from provisioning.registry import RegistryDriver
from tests.factories import commune_inventory, provision
from wagtail_site_factory.driver import SiteDriver
from wagtail_site_factory.models import SyndicatePage
from wagtail_site_factory.seed import tree_root

# Plans observe in a pool thread, on its own connection: tests that plan use transactional_db.
BARE = "127.0.0.1:8000"
WELCOME = "Welcome to your new Wagtail site"


@pytest.fixture
def no_caldav(settings):
    settings.MUTUALIS_CALDAV = {"url": "http://127.0.0.1:9/", "user": "x", "password": "y"}


def drivers():
    return [RegistryDriver(), SiteDriver()]


def bare_home(host: str = BARE) -> str:
    response = Client().get("/", HTTP_HOST=host)
    assert response.status_code == 200
    return response.content.decode()


def member_links(html: str) -> dict[str, str]:
    members = html.split('id="membres"')[1].split("</section>")[0]
    return {name: href for href, name in re.findall(r'<a href="([^"]+)">([^<]+)</a>', members)}


def fresh_install() -> Page:
    """Wagtail's default site and its welcome page, as its migrations make them (made again
    when an earlier transactional test emptied the database)."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        welcome = tree_root().add_child(instance=Page(title=f"{WELCOME}!", slug="home"))
        site = Site.objects.create(hostname="localhost", port=80, root_page=welcome,
                                   is_default_site=True)
    return site.root_page


def test_the_bare_host_shows_the_syndicate_and_its_members_sites(db, no_caldav):
    welcome = fresh_install().pk
    assert WELCOME in bare_home()  # what a new install showed
    inventory = commune_inventory()
    provision(inventory)
    html = bare_home()
    assert WELCOME not in html
    assert '<html lang="fr">' in html and len(re.findall(r"<h1[ >]", html)) == 1
    assert f"<h1>{inventory.syndicate.name}</h1>" in html
    assert f"<title>{inventory.syndicate.name}</title>" in html
    assert member_links(html) == {"Alphaville": "http://alphaville.localhost:8000/",
                                  "Bravoville": "http://bravoville.localhost:8000/"}
    assert re.search(r'<a href="/admin/">Espace d.administration</a>', html)
    assert Page.objects.filter(pk=welcome).exists()  # kept, only no longer the default root
    # Without a port in the address, the links have none either.
    assert member_links(bare_home("127.0.0.1"))["Alphaville"] == "http://alphaville.localhost/"
    # Styled like the members' sites, with the default colours.
    css = Client().get("/_theme/", HTTP_HOST=BARE)
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert "--primary:#1d5c8c" in css.content.decode()


def test_only_members_with_a_website_are_listed_and_the_list_follows_the_inventory(
        transactional_db, no_caldav):
    inventory = commune_inventory(extra=("Charlieville",))
    alpha, bravo, charlie = inventory.members
    without_site = replace(charlie, services=("extranet",))
    provision(replace(inventory, members=(alpha, bravo, without_site)))
    assert set(member_links(bare_home())) == {"Alphaville", "Bravoville"}
    provision(inventory)  # Charlieville subscribes: it appears (the cached page is refreshed)
    assert set(member_links(bare_home())) == {"Alphaville", "Bravoville", "Charlieville"}
    provision(replace(inventory, members=(alpha, bravo, without_site)))  # and leaves
    assert set(member_links(bare_home())) == {"Alphaville", "Bravoville"}


def test_the_syndicates_page_converges_and_follows_its_name(transactional_db, no_caldav):
    inventory = commune_inventory()
    provision(inventory)
    assert make_plan(inventory, drivers()).empty
    assert SyndicatePage.objects.count() == 1
    renamed = replace(inventory, syndicate=replace(inventory.syndicate,
                                                   name="Syndicat renommé"))
    plan = make_plan(renamed, drivers())
    siren = inventory.syndicate.siren  # the registry keeps the name too, for the apps
    assert sorted((c.key, c.after) for c in plan.pending) == [
        (f"registry.syndicate:{siren}", {"name": "Syndicat renommé"}),
        (f"wagtail.syndicate:{siren}", {"name": "Syndicat renommé"})]
    provision(renamed)
    assert "<h1>Syndicat renommé</h1>" in bare_home()
    assert SyndicatePage.objects.count() == 1 and make_plan(renamed, drivers()).empty


def test_a_database_without_a_default_site_gets_one(transactional_db, no_caldav):
    Site.objects.filter(is_default_site=True).delete()
    inventory = commune_inventory()
    provision(inventory)
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, SyndicatePage)
    assert site.hostname == "localhost" and make_plan(inventory, drivers()).empty
    assert f"<h1>{inventory.syndicate.name}</h1>" in bare_home()


def test_the_default_site_pointed_elsewhere_is_put_back(transactional_db, no_caldav):
    inventory = commune_inventory()
    provision(inventory)
    site = Site.objects.get(is_default_site=True)
    site.root_page = tree_root().add_child(instance=Page(title="Ailleurs", slug="ailleurs"))
    site.save()
    plan = make_plan(inventory, drivers())
    assert [(c.key, c.before, c.after) for c in plan.pending] == [
        (f"wagtail.syndicate:{inventory.syndicate.siren}", {"home": False}, {"home": True})]
    provision(inventory)
    assert f"<h1>{inventory.syndicate.name}</h1>" in bare_home()

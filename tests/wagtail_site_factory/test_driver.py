"""The site driver through the engine: plan, apply, converge, archive, republish; and what
Wagtail then holds (sites, pages, settings, collections, groups and their permissions)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Collection, GroupPagePermission, Page, Site

from provisioning.drivers import Scope
from provisioning.engine import apply_plan, make_plan
from provisioning.models import Run
from provisioning.registry import RegistryDriver
from provisioning.resources import ARCHIVE, CREATE, NOOP, UPDATE
from tests.factories import commune_inventory, provision
from wagtail_site_factory.driver import SiteDriver
from wagtail_site_factory.models import CommuneSettings, HomePage, MemberSite, NewsPage
from wagtail_site_factory.seed import tree_root

pytestmark = pytest.mark.django_db(transaction=True)


def drivers():
    return [RegistryDriver(), SiteDriver()]


def converge(inv, **kw):
    ds = drivers()
    plan = make_plan(inv, ds)
    result = apply_plan(plan, ds, inventory=inv, replan=lambda: make_plan(inv, drivers()), **kw)
    assert result.status == Run.SUCCEEDED, result.errors
    assert result.pending_after == 0
    return plan


def wagtail_changes(plan):
    return {c.key: c.action for c in plan.pending if c.backend == "wagtail"}


def test_apply_builds_each_site_and_a_second_plan_is_empty():
    inv = commune_inventory()
    plan = converge(inv)
    a, b = inv.members
    assert wagtail_changes(plan) == {
        f"wagtail.{kind}:{m.code}": CREATE for m in (a, b)
        for kind in ("site", "collection", "settings", "editors")} | {
        f"wagtail.syndicate:{inv.syndicate.siren}": CREATE}
    assert make_plan(inv, drivers()).empty
    site = Site.objects.get(hostname="alphaville.localhost")
    assert site.site_name == "Alphaville" and site.port == 80
    home = site.root_page.specific
    assert isinstance(home, HomePage) and home.title == "Alphaville" and home.live
    titles = [p.title for p in home.get_descendants().live()]
    for title in ("Actualités", "Agenda", "Vie municipale", "Actes publiés", "Démarches",
                  "Contact", "Mentions légales", "Déclaration d'accessibilité"):
        assert title in titles
    settings = CommuneSettings.for_site(site)
    assert (settings.name, settings.code, settings.email) == (
        "Alphaville", a.code, "mairie@alphaville.example.fr")
    assert Collection.objects.filter(name=f"Alphaville ({a.code})").count() == 1
    group = Group.objects.get(name=f"{a.code}-staff")
    assert set(GroupPagePermission.objects.filter(group=group).values_list(
        "page_id", flat=True)) == {home.pk}
    assert group.permissions.filter(codename="access_admin").exists()


def test_editors_content_survives_a_reapply_and_managed_data_is_restored():
    inv = commune_inventory()
    converge(inv)
    site = Site.objects.get(hostname="alphaville.localhost")
    news = NewsPage.objects.descendant_of(site.root_page).get()
    news.title = "Titre choisi par la mairie"
    news.save_revision().publish()
    settings = CommuneSettings.for_site(site)
    settings.primary_color, settings.opening_hours = "#7a1f3d", "Le samedi matin"
    settings.name = "Nom modifié à la main"
    settings.save()
    home = site.root_page.specific
    home.title = "Bienvenue à Alphaville"
    home.save_revision().publish()
    pages_before = Page.objects.count()

    plan = make_plan(inv, drivers())
    assert wagtail_changes(plan) == {f"wagtail.settings:{inv.members[0].code}": UPDATE}
    assert plan.pending[0].after == {"name": "Alphaville"}
    converge(inv)
    settings.refresh_from_db()
    assert (settings.name, settings.primary_color, settings.opening_hours) == (
        "Alphaville", "#7a1f3d", "Le samedi matin")
    assert NewsPage.objects.get(pk=news.pk).title == "Titre choisi par la mairie"
    assert Page.objects.get(pk=home.pk).title == "Bienvenue à Alphaville"
    assert Page.objects.count() == pages_before


def test_renaming_and_moving_a_member_updates_in_place():
    inv = commune_inventory()
    converge(inv)
    a = inv.members[0]
    moved = replace(a, name="Alphaville", hostname="www.alphaville.fr", phone="05 49 11 11 11")
    inv2 = replace(inv, members=(moved,) + inv.members[1:])
    plan = make_plan(inv2, drivers())
    assert wagtail_changes(plan) == {f"wagtail.site:{a.code}": UPDATE,
                                     f"wagtail.settings:{a.code}": UPDATE}
    converge(inv2)
    member = MemberSite.objects.get(code=a.code)
    assert member.site.hostname == "www.alphaville.fr"
    assert Site.objects.filter(hostname="alphaville.localhost").count() == 0
    assert CommuneSettings.for_site(member.site).phone == "05 49 11 11 11"


def test_unsubscribing_unpublishes_and_resubscribing_republishes_exactly():
    inv = commune_inventory()
    converge(inv)
    a = inv.members[0]
    member = MemberSite.objects.get(code=a.code)
    home = member.site.root_page
    draft = home.get_children().get(slug="contact")
    draft.unpublish()  # the editors had taken this page offline themselves
    live_before = set(Page.objects.descendant_of(home, inclusive=True).live()
                      .values_list("pk", flat=True))

    gone = replace(inv, members=(replace(a, services=("extranet",)),) + inv.members[1:])
    plan = make_plan(gone, drivers())
    assert wagtail_changes(plan) == {f"wagtail.{k}:{a.code}": ARCHIVE
                                     for k in ("site", "collection", "settings", "editors")}
    converge(gone, allow_destroy=True)
    member.refresh_from_db()
    assert member.site is not None and Site.objects.filter(pk=member.site_id).exists()
    assert not Page.objects.descendant_of(home, inclusive=True).live().exists()
    assert not GroupPagePermission.objects.filter(group=member.group).exists()
    assert Page.objects.descendant_of(home, inclusive=True).count() == len(live_before) + 1

    converge(inv)
    assert set(Page.objects.descendant_of(home, inclusive=True).live()
               .values_list("pk", flat=True)) == live_before
    assert not Page.objects.get(pk=draft.pk).live  # still the editors' choice
    assert GroupPagePermission.objects.filter(group=member.group, page=home).count() == 5
    assert make_plan(inv, drivers()).empty


def test_drift_in_permissions_is_planned_and_repaired():
    inv = commune_inventory()
    converge(inv)
    a, b = (MemberSite.objects.get(code=m.code) for m in inv.members)
    # Someone gives Alphaville's editors a permission on Bravoville's home page.
    GroupPagePermission.objects.create(
        group=a.group, page=b.site.root_page,
        permission=GroupPagePermission.objects.filter(group=b.group).first().permission)
    plan = make_plan(inv, drivers())
    change = next(c for c in plan.pending)
    assert (change.key, change.before, change.after) == (
        f"wagtail.editors:{a.code}", {"elsewhere": 1}, {"elsewhere": 0})
    converge(inv)
    assert not GroupPagePermission.objects.filter(group=a.group, page=b.site.root_page).exists()


def test_a_hostname_taken_by_another_site_is_a_clear_error():
    Site.objects.create(hostname="alphaville.localhost", port=80, root_page=tree_root())
    inv = commune_inventory()
    ds = drivers()
    result = apply_plan(make_plan(inv, ds), ds, inventory=inv)
    assert result.status == Run.FAILED
    code = inv.members[0].code
    assert "already another site's" in result.errors[f"wagtail.site:{code}"]
    assert "depends on" in result.errors[f"wagtail.editors:{code}"]


@pytest.mark.django_db(transaction=False)
def test_observe_is_one_query_per_model_whatever_the_number_of_sites():
    def observe(expected_sites: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            observed = list(SiteDriver().observe(Scope()))
        assert len(observed) == 4 * expected_sites + 1  # and the syndicate's page
        return len(queries)

    provision(commune_inventory(names=("Unique",)))
    one = observe(1)
    provision(commune_inventory(names=("Unique",), extra=("Deux", "Trois", "Quatre")))
    assert observe(4) == one <= 7  # sites, settings, permissions..., the syndicate's page


@pytest.mark.django_db(transaction=False)
def test_only_one_member_is_observed_under_only(sites):
    code = sites.members[1].code
    keys = {o.key for o in SiteDriver().observe(Scope(frozenset({code})))}
    assert keys == {f"wagtail.{k}:{code}" for k in ("site", "collection", "settings", "editors")}


@pytest.mark.django_db(transaction=False)
def test_members_without_the_website_service_get_no_site(db):
    inv = commune_inventory(services=("extranet",))
    plan = make_plan(inv, drivers())
    assert wagtail_changes(plan) == {f"wagtail.syndicate:{inv.syndicate.siren}": CREATE}
    assert all(c.action == CREATE or c.action == NOOP for c in plan.changes)

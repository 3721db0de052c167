"""The one rule for what a role allows (`provisioning.access`), and the person whose seat holds
a staff role and an elected one, followed from the inventory to the directory, Nextcloud and
the apps' pages: they are both staff and an official of their member everywhere."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.auth import get_user_model

from ldap_sync.entries import desired_resources as directory
from nextcloud_bridge.config import NextcloudConfig
from nextcloud_bridge.desired import desired_resources as nextcloud
from provisioning import access, people
from provisioning.engine import make_plan
from provisioning.inventory import Person, Seat
from provisioning.registry import RegistryDriver
from tests.factories import make_inventory, make_member

SERVICES = ("website", "extranet", "convocation", "parapheur")
BOTH = ("dgs", "conseiller-municipal")


# --------------------------------------------------------------------- the rule, pure


@pytest.mark.parametrize("roles, staff, official", [
    (("maire",), False, True),
    (("secretaire-de-mairie",), True, False),
    (("agent",), True, False),
    (BOTH, True, True),
    (("conseiller-municipal", "agent"), True, True),
    (("unknown-role",), False, False),  # a role the catalogue does not know gives nothing
    ((), False, False),
])
def test_rights_come_from_each_role(roles, staff, official):
    assert access.is_staff(roles) is staff
    assert access.is_official(roles) is official
    seat = Seat("79174", roles, ())
    assert (seat.staff, seat.elected) == (staff, official)


def test_the_groups_of_a_seat():
    assert access.seat_groups("79174", ("maire",), ("conseil-municipal",),
                              ("extranet", "agenda")) == [
        "79174-conseil-municipal", "79174-elus", "79174-svc-agenda", "79174-svc-extranet"]
    assert access.seat_groups("2A004", ("agent",), (), ("extranet",)) == [
        "2a004-staff", "2a004-svc-extranet"]
    assert access.seat_groups("79174", BOTH, ("conseil-municipal",), ()) == [
        "79174-conseil-municipal", "79174-elus", "79174-staff"]


def test_standing_from_seats():
    s = access.standing_from(False, [(1, ["maire"]), (2, list(BOTH)), (3, ["agent"])])
    assert (s.staff_of, s.official_of) == (frozenset({2, 3}), frozenset({1, 2}))
    assert s.is_staff_somewhere and s.is_official_somewhere
    assert access.elected_roles(["dgs", "conseiller-municipal", "adjoint"]) == [
        "conseiller-municipal", "adjoint"]


# ------------------------------------------------------------------- end to end


@pytest.fixture
def inventory():
    """One commune with a maire, a secrétaire and Denise, DGS and conseillère municipale."""
    base = make_inventory(members=0, people=0)
    member = replace(make_member("79174", "Melle", services=SERVICES), email="mairie@melle.fr")
    everyone = (
        Person("smaire", "Sylvie", "Maire", "smaire@example.fr",
               (Seat(member.code, ("maire",), ("conseil-municipal",)),)),
        Person("zsecretaire", "Zoé", "Secrétaire", "zsecretaire@example.fr",
               (Seat(member.code, ("secretaire-de-mairie",), ()),)),
        Person("ddouble", "Denise", "Double", "ddouble@example.fr",
               (Seat(member.code, BOTH, ("conseil-municipal",)),), civility="mme"),
    )
    return replace(base, members=(member,), people=everyone)


def group_members(resources, key):
    return next(r.attrs["members"] for r in resources if r.key == key)


def test_the_directory_puts_both_in_staff_and_elus(inventory):
    resources = list(directory(inventory))
    assert group_members(resources, "ldap.group:79174-staff") == ["ddouble", "zsecretaire"]
    assert group_members(resources, "ldap.group:79174-elus") == ["ddouble", "smaire"]
    assert group_members(resources, "ldap.group:79174-conseil-municipal") == [
        "ddouble", "smaire"]


def test_nextcloud_puts_both_in_staff_and_elus(inventory):
    config = NextcloudConfig(url="https://cloud.example.fr", user="mutualis", password="x")
    resources = {r.key: r for r in nextcloud(inventory, config, groupfolders=True)}
    groups = resources["nextcloud.membership:79174/ddouble"].attrs["groups"]
    assert {"79174-staff", "79174-elus", "79174-conseil-municipal"} <= set(groups)
    assert "79174-staff" not in resources["nextcloud.membership:79174/smaire"].attrs["groups"]
    assert "79174-elus" not in resources[
        "nextcloud.membership:79174/zsecretaire"].attrs["groups"]


@pytest.fixture
def registry(db, inventory, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    driver = RegistryDriver()
    for change in make_plan(inventory, [driver]).pending:
        outcome = driver.apply([change])[0]
        assert outcome.ok, outcome.error
    return people.member("79174")


def logged_in(client, uid):
    user, _ = get_user_model().objects.get_or_create(username=uid)
    client.force_login(user)
    return client


def test_the_apps_read_both_rights_from_the_registry(registry):
    denise = people.person("ddouble")
    user, _ = get_user_model().objects.get_or_create(username="ddouble")
    standing = access.standing(user)
    assert standing.is_staff_of(registry) and standing.is_official_of(registry)
    assert list(access.staffed_members(user, "convocation")) == [registry]
    assert list(access.seated_members(user, "parapheur")) == [registry]
    assert access.group_members(registry, "79174-staff") == {
        denise.pk, people.person("zsecretaire").pk}
    assert access.group_members(registry, "79174-elus") == {
        denise.pk, people.person("smaire").pk}
    assert [s.person for s in access.official_seats(registry)] == [denise, people.person(
        "smaire")]


@pytest.mark.parametrize("uid, convocation, circuits, space", [
    ("ddouble", 200, 200, 200),  # staff and official: every page of both
    ("zsecretaire", 200, 200, 302),  # staff only: not the officials' space
    ("smaire", 302, 302, 200),  # official only: not the staff pages (the admin's login)
])
def test_each_role_opens_its_pages(client, registry, uid, convocation, circuits, space):
    host = registry.hostname
    c = logged_in(client, uid)
    sittings = c.get("/admin/convocations/", HTTP_HOST=host)
    assert sittings.status_code == convocation
    if convocation == 302:
        assert sittings["Location"].startswith("/admin/login/")
    assert c.get(f"/admin/parapheur/collectivites/{registry.code}/circuits/",
                 HTTP_HOST=host).status_code == circuits
    page = c.get("/espace-elus/", HTTP_HOST=host)
    assert page.status_code == space
    if space == 302:
        assert page["Location"] == "/admin/"


def test_both_see_their_own_officials_space(client, registry):
    page = logged_in(client, "ddouble").get("/espace-elus/", HTTP_HOST=registry.hostname)
    text = page.content.decode()
    assert "Conseillère municipale" in text and "Directrice générale des services" in text

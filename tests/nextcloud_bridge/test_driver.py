"""The Nextcloud driver through the engine, against the emulator: assertions on what the
emulator holds afterwards, not on what the driver believes it sent."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest

from nextcloud_bridge import accounts, create_public_link, publish_files
from nextcloud_bridge.driver import NextcloudDriver
from nextcloud_bridge.services import FolderMissing
from provisioning.drivers import EVERYTHING, ProvisioningError
from provisioning.engine import apply_plan, make_plan
from provisioning.inventory import Assembly, Inventory, Seat
from provisioning.models import ChangeRecord
from provisioning.naming import MANAGED_GROUP, SERVICE_GROUP, member_groups, parse_mount_point
from tests.factories import make_inventory, without_person
from tests.fixtures.nextcloud import RunningEmulator, driver_settings

SERVICES = ("extranet", "agenda", "convocation")


def nc_inventory(members: int = 2, people: int = 4, shared: int = 1,
                 services: tuple[str, ...] = SERVICES) -> Inventory:
    """make_inventory's people: p<i>-0 maire, p<i>-1 secrétaire, the others conseillers;
    p0-0 also sits in member 1's council."""
    inv = make_inventory(members=members, people=people, shared=shared)
    return replace(inv, members=tuple(replace(m, services=services) for m in inv.members))


def uid_of(inv: Inventory, email: str) -> str:
    return next(p.uid for p in inv.people if p.email == email)


def with_services(inv: Inventory, index: int, services: tuple[str, ...]) -> Inventory:
    ms = list(inv.members)
    ms[index] = replace(ms[index], services=services)
    return replace(inv, members=tuple(ms))


def converge(inv: Inventory, driver: NextcloudDriver, allow_destroy: bool = False):
    plan = make_plan(inv, [driver])
    result = apply_plan(plan, [driver], inventory=inv, allow_destroy=allow_destroy,
                        replan=lambda: make_plan(inv, [driver]))
    assert result.errors == {}, result.errors
    assert result.pending_after == 0
    return plan


@pytest.fixture
def driver(nc_emulator: RunningEmulator) -> Iterator[NextcloudDriver]:
    d = NextcloudDriver(driver_settings(nc_emulator))
    yield d
    d.close()


def folder_by_mount(state, mount: str):
    return next(f for f in state.folders.values() if f.mount_point == mount)


@pytest.mark.django_db(transaction=True)
def test_provisioning_lands_in_nextcloud_and_converges(nc_emulator, driver):
    inv = nc_inventory()
    plan = converge(inv, driver)
    assert {c.action for c in plan.pending} == {"create"}
    state = nc_emulator.emulator.state
    m0, m1 = inv.members
    # Accounts: display name, e-mail, quota, French, enabled, marked as managed.
    for p in inv.people:
        user = state.users[p.uid]
        assert (user.display_name, user.email, user.quota, user.language, user.enabled) == (
            p.display_name, p.email, "1 GB", "fr", True)
        assert p.uid in state.groups[MANAGED_GROUP].members
    assert "admin" not in state.groups[MANAGED_GROUP].members
    # Groups: the directory's names, with readable display names.
    for m in inv.members:
        for gid in member_groups(m.code, [a.slug for a in m.assemblies], m.services):
            assert gid in state.groups
    assert state.groups[f"{m0.code}-staff"].display_name == f"Personnel — {m0.name}"
    assert state.groups[SERVICE_GROUP].members == ["admin"]
    # Memberships: the maire of member 0 sits in both councils.
    maire = uid_of(inv, "p0-0@example.fr")
    assert sorted(state.user_groups(maire)) == sorted([
        MANAGED_GROUP, f"{m0.code}-elus", f"{m0.code}-conseil-municipal",
        *(f"{m0.code}-svc-{s}" for s in SERVICES),
        f"{m1.code}-elus", f"{m1.code}-conseil-municipal",
        *(f"{m1.code}-svc-{s}" for s in SERVICES)])
    # Folders: extranet for the staff, the council's for its members (read) and staff.
    council = folder_by_mount(state, f"Conseil municipal — {m0.name} ({m0.code})")
    assert council.groups == {f"{m0.code}-conseil-municipal": 1, f"{m0.code}-staff": 31,
                              SERVICE_GROUP: 31}
    assert (council.quota, council.acl, council.manage) == (
        10 * 1024**3, True, [("group", f"{m0.code}-staff")])
    extranet = folder_by_mount(state, f"Extranet — {m0.name} ({m0.code})")
    assert extranet.groups == {f"{m0.code}-staff": 31, SERVICE_GROUP: 31}
    # Nothing left to do, and the plan is the same for a fresh driver (nothing cached).
    fresh = NextcloudDriver(driver_settings(nc_emulator))
    try:
        assert make_plan(inv, [fresh]).empty
    finally:
        fresh.close()


@pytest.mark.django_db(transaction=True)
def test_the_secretary_administers_her_member_groups_only(nc_emulator, driver):
    inv = nc_inventory()
    converge(inv, driver)
    state = nc_emulator.emulator.state
    m0, m1 = inv.members
    secretary = uid_of(inv, "p0-1@example.fr")
    assert sorted(state.subadmin_groups(secretary)) == sorted(
        member_groups(m0.code, [a.slug for a in m0.assemblies], m0.services))
    assert not any(g.startswith(m1.code) for g in state.subadmin_groups(secretary))
    assert sorted(state.user_groups(secretary)) == sorted(
        [MANAGED_GROUP, f"{m0.code}-staff", *(f"{m0.code}-svc-{s}" for s in SERVICES)])
    # A conseiller administers nothing.
    assert state.subadmin_groups(uid_of(inv, "p0-2@example.fr")) == []


@pytest.mark.django_db(transaction=True)
def test_membership_changes_touch_only_the_differing_groups(nc_emulator, driver):
    inv = nc_inventory()
    converge(inv, driver)
    m0 = inv.members[0]
    who = uid_of(inv, "p0-2@example.fr")  # a conseiller becomes an agent (staff)
    people = tuple(replace(p, seats=(Seat(m0.code, ("agent",), ()),)) if p.uid == who else p
                   for p in inv.people)
    moved = replace(inv, people=people)
    plan = make_plan(moved, [driver])
    assert [(c.key, c.action) for c in plan.pending] == [
        (f"nextcloud.membership:{m0.code}/{who}", "update")]
    stats = nc_emulator.emulator.stats
    stats.reset()
    apply_plan(plan, [driver], inventory=moved)
    groups = "/ocs/v1.php/cloud/users/{userId}/groups"
    assert stats.get("POST", groups) == 1  # staff
    assert stats.get("DELETE", groups) == 2  # elus, conseil-municipal
    assert stats.get("PUT", "/ocs/v1.php/cloud/users/{userId}") == 0
    state = nc_emulator.emulator.state
    assert sorted(state.user_groups(who)) == sorted(
        [MANAGED_GROUP, f"{m0.code}-staff", *(f"{m0.code}-svc-{s}" for s in SERVICES)])
    assert make_plan(moved, [driver]).empty


@pytest.mark.django_db(transaction=True)
def test_a_person_leaving_is_disabled_then_restored(nc_emulator, driver):
    inv = nc_inventory()
    converge(inv, driver)
    state = nc_emulator.emulator.state
    who = uid_of(inv, "p1-3@example.fr")
    (state.home_dir(who) / "notes.txt").write_text("gardé")
    left = without_person(inv, who)
    plan = make_plan(left, [driver])
    code = inv.members[1].code
    assert {(c.key, c.action) for c in plan.pending} == {
        (f"nextcloud.user:{who}", "disable"), (f"nextcloud.membership:{code}/{who}", "disable")}
    converge(left, driver, allow_destroy=True)
    user = state.users[who]  # disabled, never deleted
    assert not user.enabled
    assert state.authenticate(who, user.password) is None
    assert state.user_groups(who) == [MANAGED_GROUP]
    assert (state.home_dir(who) / "notes.txt").read_text() == "gardé"
    # Back in the inventory: enabled, in the member's groups again, files untouched.
    plan = converge(inv, driver)
    assert {(c.key, c.action) for c in plan.pending} == {
        (f"nextcloud.user:{who}", "update"), (f"nextcloud.membership:{code}/{who}", "create")}
    assert state.users[who].enabled
    assert f"{code}-conseil-municipal" in state.user_groups(who)
    assert (state.home_dir(who) / "notes.txt").read_text() == "gardé"


@pytest.mark.django_db(transaction=True)
def test_a_folder_is_archived_then_restored_with_its_files(nc_emulator, driver, nc_settings):
    inv = nc_inventory()
    converge(inv, driver)
    m0 = inv.members[0]
    publish_files(m0.code, "conseil-municipal", {"2026-03-12/ordre-du-jour.pdf": b"%PDF-1.7"})
    state = nc_emulator.emulator.state
    mount = f"Conseil municipal — {m0.name} ({m0.code})"
    folder = folder_by_mount(state, mount)
    stored = state.folder_dir(folder.id) / "2026-03-12" / "ordre-du-jour.pdf"
    assert stored.read_bytes() == b"%PDF-1.7"

    dropped = with_services(inv, 0, ("extranet", "agenda"))  # no more convocation
    plan = make_plan(dropped, [driver])
    assert (f"nextcloud.folder:{m0.code}/conseil-municipal", "archive") in {
        (c.key, c.action) for c in plan.pending}
    converge(dropped, driver, allow_destroy=True)
    assert folder.mount_point == f"[Archivé] {mount}"
    assert folder.groups == {} and folder.manage == []
    assert stored.read_bytes() == b"%PDF-1.7"
    maire = uid_of(inv, "p0-0@example.fr")
    assert all(f.id != folder.id for f, _ in state.folders_for_user(maire))
    assert state.groups[f"{m0.code}-svc-convocation"].display_name.startswith("[Archivé] ")
    # The extranet stays as it was.
    assert folder_by_mount(state, f"Extranet — {m0.name} ({m0.code})").groups

    converge(inv, driver)  # subscribed again: the same folder, its files, its groups
    assert folder.mount_point == mount
    assert folder.groups[f"{m0.code}-conseil-municipal"] == 1
    assert len([f for f in state.folders.values() if m0.code in f.mount_point]) == 2
    assert stored.read_bytes() == b"%PDF-1.7"
    assert any(f.id == folder.id for f, _ in state.folders_for_user(maire))


@pytest.mark.django_db(transaction=True)
def test_apply_converges_when_a_fifth_of_requests_fail(nc_emulator, settings):
    settings.MUTUALIS_RETRY_ATTEMPTS = 8
    settings.MUTUALIS_RETRY_BACKOFF = 0.02
    emulator = nc_emulator.emulator
    driver = NextcloudDriver(driver_settings(nc_emulator, timeout=0.4, retries=2,
                                             backoff=0.02))
    try:
        inv = nc_inventory(members=3, people=4)
        plan = make_plan(inv, [driver])
        emulator.configure_faults(rate=0.2, latency=0.8, timeout_share=0.25, seed=7)
        result = apply_plan(plan, [driver], inventory=inv)
        emulator.configure_faults(rate=0.0)
        assert result.errors == {}, result.errors
        injected = emulator.faults.injected
        assert injected["timeout"] > 0 and sum(injected.values()) > 20
        assert make_plan(inv, [driver]).empty
        state = emulator.state
        assert all(state.users[p.uid].enabled for p in inv.people)
        # No duplicate: one folder per mount point, each group once.
        mounts = [f.mount_point for f in state.folders.values()]
        assert len(mounts) == len(set(mounts)) == 6
    finally:
        emulator.configure_faults(rate=0.0)
        driver.close()


@pytest.mark.django_db(transaction=True)
def test_names_with_slashes_and_dots_never_escape(nc_emulator, driver, nc_settings):
    odd = (Assembly("../../etc", "../../etc/passwd"), Assembly("a/b", "Finances/Budget"),
           Assembly("x%2Fy", "Travaux %2F voirie"))
    inv = nc_inventory(members=1, shared=0)
    m0 = replace(inv.members[0], assemblies=inv.members[0].assemblies + odd)
    people = tuple(replace(p, seats=(replace(p.seats[0], assemblies=("a/b", "x%2Fy")),))
                   if p.email == "p0-2@example.fr" else p for p in inv.people)
    inv = replace(inv, members=(m0,), people=people)
    converge(inv, driver)
    state = nc_emulator.emulator.state
    code = m0.code
    for slug in ("../../etc", "a/b", "x%2Fy"):
        assert f"{code}-{slug}" in state.groups  # the gid, literally
    assert state.groups[f"{code}-a/b"].display_name == f"Finances/Budget — {m0.name}"
    assert not any(g in state.groups for g in (f"{code}-..", "etc", "b", f"{code}-x/y"))
    who = uid_of(inv, "p0-2@example.fr")
    assert {f"{code}-a/b", f"{code}-x%2Fy"} <= set(state.user_groups(who))
    for folder in state.folders.values():
        assert "/" not in folder.mount_point
        assert parse_mount_point(folder.mount_point)[0] == code
    etc = next(f for f in state.folders.values() if f.mount_point.startswith("..-..-etc"))
    assert etc.groups[f"{code}-../../etc"] == 1
    # Files stay in their folder, whatever their name says.
    publish_files(code, "x%2Fy", {"a%2Fb.pdf": b"1", "sous-dossier/c.pdf": b"2"})
    folder = next(f for f in state.folders.values() if f.mount_point.startswith("Travaux"))
    base = state.folder_dir(folder.id)
    assert (base / "a%2Fb.pdf").read_bytes() == b"1"
    assert (base / "sous-dossier" / "c.pdf").read_bytes() == b"2"
    for bad in ("../evil.pdf", "a/../../evil.pdf", "", "a//b.pdf"):
        with pytest.raises(ProvisioningError):
            publish_files(code, "x%2Fy", {bad: b"x"})
    data = nc_emulator.data_dir
    top = {p.name for p in data.iterdir()}
    assert top == {"__groupfolders", "admin", *(p.uid for p in inv.people)}
    assert not list(data.parent.glob("**/evil.pdf"))
    # Renaming the member renames the groups (ids with '/', sent encoded) and the folders.
    renamed = replace(inv, members=(replace(m0, name="Melle"),))
    converge(renamed, driver)
    assert state.groups[f"{code}-a/b"].display_name == "Finances/Budget — Melle"
    assert state.groups[f"{code}-../../etc"].display_name == "../../etc/passwd — Melle"
    assert folder.mount_point == f"Travaux %2F voirie [x%252Fy] — Melle ({code})"


@pytest.mark.django_db(transaction=True)
def test_public_link_with_password_and_expiry(nc_emulator, driver, nc_settings):
    inv = nc_inventory(members=1, shared=0)
    converge(inv, driver)
    code = inv.members[0].code
    paths = publish_files(code, "conseil-municipal", {"2026-03-12/dossier.pdf": b"%PDF"})
    assert paths == ["conseil-municipal/2026-03-12/dossier.pdf"]
    expires = date.today() + timedelta(days=30)
    url = create_public_link(code, paths[0], "Mot-de-passe-2026", expires)
    state = nc_emulator.emulator.state
    (share,) = state.shares.values()
    assert url == f"{nc_emulator.url}/index.php/s/{share.token}"
    assert share.share_type == 3 and share.permissions & 1
    assert share.path == (f"/Conseil municipal — {inv.members[0].name} ({code})"
                          "/2026-03-12/dossier.pdf")
    assert share.expiration == expires.isoformat()
    assert share.password_hash and "Mot-de-passe-2026" not in share.password_hash
    with pytest.raises(ProvisioningError, match="doit expirer après aujourd'hui"):
        create_public_link(code, paths[0], "Mot-de-passe-2026", date.today())
    with pytest.raises(FolderMissing, match="« bureau » de la collectivité"):
        create_public_link(code, "bureau/x.pdf", "Mot-de-passe-2026", expires)


@pytest.mark.django_db(transaction=True)
def test_without_groupfolders_folders_are_shared_with_the_groups(nc_plain, settings):
    settings.MUTUALIS_NEXTCLOUD = driver_settings(nc_plain)
    driver = NextcloudDriver(driver_settings(nc_plain))
    try:
        inv = nc_inventory(members=1, shared=0)
        m0 = inv.members[0]
        converge(inv, driver)
        state = nc_plain.emulator.state
        council = f"Conseil municipal — {m0.name} ({m0.code})"
        home = state.home_dir("admin")
        assert (home / council).is_dir() and (home / f"Extranet — {m0.name} ({m0.code})").is_dir()
        shares = {(s.path, s.share_with): s.permissions for s in state.shares.values()}
        assert all(s.share_type == 1 and s.owner == "admin" for s in state.shares.values())
        assert shares[(f"/{council}", f"{m0.code}-conseil-municipal")] == 1
        assert shares[(f"/{council}", f"{m0.code}-staff")] == 31
        assert not any(group == SERVICE_GROUP for _, group in shares)
        paths = publish_files(m0.code, "conseil-municipal", {"odj.pdf": b"%PDF"})
        assert (home / council / "odj.pdf").read_bytes() == b"%PDF"
        create_public_link(m0.code, paths[0], "Mot-de-passe-2026",
                           date.today() + timedelta(days=2))

        dropped = with_services(inv, 0, ("extranet", "agenda"))
        converge(dropped, driver, allow_destroy=True)
        assert (home / f"[Archivé] {council}" / "odj.pdf").read_bytes() == b"%PDF"
        assert not (home / council).exists()
        assert not any(s.share_type == 1 and "Conseil" in s.path
                       for s in state.shares.values())
        converge(inv, driver)
        assert (home / council / "odj.pdf").read_bytes() == b"%PDF"
        restored = {s.share_with: s.permissions for s in state.shares.values()
                    if s.share_type == 1 and s.path == f"/{council}"}
        assert restored == {f"{m0.code}-conseil-municipal": 1, f"{m0.code}-staff": 31}
    finally:
        driver.close()


@pytest.mark.django_db(transaction=True)
def test_ldap_mode_configures_user_ldap(nc_emulator):
    secret = "Bind-s3cret-pw"
    config = driver_settings(nc_emulator, mode="ldap", ldap_url="ldaps://annuaire.example.fr",
                             base_dn="dc=paysmellois,dc=fr",
                             bind_dn="cn=nextcloud,dc=paysmellois,dc=fr", bind_password=secret)
    driver = NextcloudDriver(config)
    try:
        inv = nc_inventory(members=1, shared=0)
        state = nc_emulator.emulator.state
        # user_ldap would show the directory's groups; the emulator has no directory, so
        # they are put there as it would.
        m0 = inv.members[0]
        directory = member_groups(m0.code, [a.slug for a in m0.assemblies], m0.services)
        for gid in directory:
            state.add_group(gid)
        plan = make_plan(inv, [driver])
        assert secret not in json.dumps(plan.as_json())
        assert {c.kind for c in plan.pending} == {
            "nextcloud.ldap", "nextcloud.folder", "nextcloud.group"}
        converge(inv, driver)
        assert not any(secret in json.dumps([r.before, r.after, r.error])
                       for r in ChangeRecord.objects.all())
        ldap = state.ldap_configs["s01"]
        assert (ldap["ldapHost"], ldap["ldapPort"], ldap["ldapConfigurationActive"]) == (
            "ldaps://annuaire.example.fr", "636", "1")
        assert ldap["ldapAgentPassword"] == secret
        assert ldap["ldapBaseUsers"] == ["ou=people,dc=paysmellois,dc=fr"]
        assert ldap["ldapExpertUsernameAttr"] == "uid"
        assert ldap["ldapGroupFilter"] == (
            "(&(objectClass=groupOfNames)(!(businessCategory=archived)))")
        # Users and member groups come from the directory: none is made in Nextcloud.
        assert set(state.users) == {"admin"}
        assert set(state.groups) == {"admin", SERVICE_GROUP, *directory}
        code = inv.members[0].code
        council = next(f for f in state.folders.values() if "Conseil" in f.mount_point)
        assert council.groups[f"{code}-conseil-municipal"] == 1

        # A new bind password shows in the plan only as a masked value.
        moved = NextcloudDriver({**config, "bind_password": "Other-s3cret"})
        try:
            plan = make_plan(inv, [moved])
            assert [(c.key, c.after) for c in plan.pending] == [
                ("nextcloud.ldap:directory", {"ldapAgentPassword": "********"})]
            apply_plan(plan, [moved], inventory=inv)
            assert state.ldap_configs["s01"]["ldapAgentPassword"] == "Other-s3cret"
            # No member wants Nextcloud any more: the configuration is turned off, kept.
            gone = with_services(inv, 0, ("website",))
            converge(gone, moved, allow_destroy=True)
            assert state.ldap_configs["s01"]["ldapConfigurationActive"] == "0"
        finally:
            moved.close()
    finally:
        driver.close()


def test_observe_requests_grow_with_pages_not_resources(nc_emulator, driver, monkeypatch):
    emulator = nc_emulator.emulator
    counts = {}
    for members in (2, 6):
        inv = nc_inventory(members=members, people=4)
        # Create what the plan wants, straight through the driver, level by level.
        plan = make_plan(inv, [driver])
        for level in sorted({c.level for c in plan.pending}):
            outcomes = driver.apply([c for c in plan.pending if c.level == level])
            assert all(o.ok for o in outcomes)
        emulator.stats.reset()
        assert len(list(driver.observe(EVERYTHING))) > 30 * members / 2
        counts[members] = emulator.stats.total
    assert counts[2] == counts[6] <= 6
    # With pages of 10, users/details takes one request per page.
    monkeypatch.setattr(accounts, "PAGE", 10)
    emulator.stats.reset()
    list(driver.observe(EVERYTHING))
    users = len(emulator.state.users)
    assert emulator.stats.get("GET", "/ocs/v1.php/cloud/users/details") == math.floor(
        users / 10) + 1


@pytest.mark.django_db(transaction=True)
def test_a_refused_change_gives_one_clear_sentence(nc_emulator, driver):
    inv = nc_inventory(members=1, shared=0)
    bad = inv.people[2].uid
    inv = replace(inv, people=tuple(replace(p, email="pas-une-adresse") if p.uid == bad else p
                                    for p in inv.people))
    plan = make_plan(inv, [driver])
    result = apply_plan(plan, [driver], inventory=inv)
    assert result.status == "failed"
    assert result.errors[f"nextcloud.user:{bad}"] == (
        f"nextcloud.user:{bad}: while adding user {bad}, Nextcloud answered: Invalid email "
        "(OCS 101)")
    code = inv.members[0].code
    assert "which failed" in result.errors[f"nextcloud.membership:{code}/{bad}"]
    assert set(result.errors) == {f"nextcloud.user:{bad}", f"nextcloud.membership:{code}/{bad}"}
    state = nc_emulator.emulator.state
    assert bad not in state.users and inv.people[0].uid in state.users

"""The LDAP driver against a real slapd: every assertion reads the server back."""

from __future__ import annotations

import threading

import ldap
import pytest

from ldap_sync import entries as E
from ldap_sync.driver import LdapDriver
from provisioning.drivers import EVERYTHING, Context, Scope, TransientBackendError
from provisioning.engine import apply_plan, make_plan
from provisioning.resources import ACTIVE, ARCHIVED, CREATE, DISABLED, Change

from . import builder as B

A, B2 = "79001", "79002"


def base_inventory():
    alpha, beta = B.member(A, "Alpha"), B.member(B2, "Beta", services=("extranet",))
    people = [
        B.person("Jean", "Dupont", B.elu(A, "Maire"), B.elu(B2, "Conseiller")),
        B.person("Anne", "Martin", B.agent(A, "Secrétaire de mairie")),
        B.person("Luc", "Petit", B.elu(A)),
        B.person("Inès", "Moreau", B.agent(B2)),
    ]
    return B.inventory([alpha, beta], people)


def converge(inv, driver) -> None:
    """Plan and apply through the engine; the engine re-plans and must find nothing to do."""
    plan = make_plan(inv, [driver])
    result = apply_plan(plan, [driver], inventory=inv, allow_destroy=True,
                        replan=lambda: make_plan(inv, [driver]))
    assert result.errors == {}
    assert result.pending_after == 0


def apply_direct(inv, driver) -> list:
    plan = make_plan(inv, [driver])
    outcomes = driver.apply(plan.pending)
    assert [o for o in outcomes if not o.ok] == []
    return plan.pending


def observed(driver, scope=EVERYTHING):
    return {o.key: o for o in driver.observe(scope)}


def bind(slapd, uid: str, password: str) -> bool:
    conn = ldap.initialize(slapd.url)
    try:
        conn.simple_bind_s(f"uid={uid},ou=people,{slapd.base_dn}", password)
        return True
    except ldap.INVALID_CREDENTIALS:
        return False
    finally:
        conn.unbind_s()


@pytest.mark.django_db(transaction=True)
def test_first_apply_builds_the_directory_and_a_second_plan_is_empty(slapd, driver, admin):
    inv = base_inventory()
    converge(inv, driver)

    jd = admin.account("jdupont")
    assert jd["objectClass"] == ["inetOrgPerson"]
    assert (jd["cn"], jd["sn"], jd["givenName"], jd["displayName"]) == (
        ["Jean Dupont"], ["Dupont"], ["Jean"], ["Jean Dupont"])
    assert jd["mail"] == ["jean.dupont@example.fr"]
    assert sorted(jd["title"]) == ["Conseiller", "Maire"]
    assert sorted(jd["ou"]) == [A, B2]
    # One account for a person in two members, in the groups of both (memberof overlay).
    assert admin.count("(uid=jdupont)") == 1
    assert admin.member_of("jdupont") == sorted([
        "79001-conseil-municipal", "79001-elus", "79001-svc-cloud", "79001-svc-extranet",
        "79002-conseil-municipal", "79002-elus", "79002-svc-extranet"])
    assert admin.group_uids(A, "79001-staff") == ["amartin"]
    assert admin.group_uids(A, "79001-elus") == ["jdupont", "lpetit"]
    assert admin.group_uids(B2, "79002-svc-extranet") == ["imoreau", "jdupont"]
    assert admin.group(A, "79001-staff")["objectClass"] == ["groupOfNames"]
    assert admin.entry(f"ou={A},ou=members,{slapd.base_dn}")["description"] == ["Alpha"]
    # Nothing to do the second time, and observe reads exactly what desired() says.
    desired = {r.key: r for r in driver.desired(inv, Context())}
    seen = observed(driver)
    assert set(seen) == set(desired)
    assert all(seen[k].attrs == r.attrs and seen[k].state == ACTIVE
               for k, r in desired.items())
    assert make_plan(inv, [driver]).empty


@pytest.mark.django_db
def test_empty_group_holds_the_hidden_placeholder(slapd, driver, admin):
    inv = B.inventory([B.member(A, "Alpha")], [B.person("Anne", "Martin", B.agent(A))])
    apply_direct(inv, driver)
    elus = admin.group(A, "79001-elus")
    assert elus["member"] == [f"cn=nobody,{slapd.base_dn}"]
    assert observed(driver)["ldap.group:79001-elus"].attrs["members"] == []
    # Filling it removes the placeholder; emptying it puts it back.
    inv2 = B.changed(inv, "amartin", seats=(B.elu(A),))
    apply_direct(inv2, driver)
    assert admin.group(A, "79001-elus")["member"] == [
        f"uid=amartin,ou=people,{slapd.base_dn}"]
    assert admin.group(A, "79001-staff")["member"] == [f"cn=nobody,{slapd.base_dn}"]
    assert make_plan(inv2, [driver]).empty


@pytest.mark.django_db
def test_surname_change_keeps_uid_and_dn(slapd, driver, admin):
    inv = base_inventory()
    apply_direct(inv, driver)
    before = admin.account("amartin")
    changes = apply_direct(B.changed(inv, "amartin", surname="Martin-Leroy"), driver)
    assert [(c.key, c.action, sorted(c.after)) for c in changes] == [
        ("ldap.account:amartin", "update", ["cn", "displayName", "sn"])]
    after = admin.account("amartin")
    assert after["entryUUID"] == before["entryUUID"]  # the same entry, not a new one
    assert (after["sn"], after["cn"], after["displayName"]) == (
        ["Martin-Leroy"], ["Anne Martin-Leroy"], ["Anne Martin-Leroy"])
    assert after["uid"] == ["amartin"]
    assert admin.count("(sn=Martin-Leroy)") == 1
    assert admin.member_of("amartin") == before_groups(before)


def before_groups(entry: dict) -> list[str]:
    return sorted(ldap.dn.str2dn(v)[0][0][1] for v in entry["memberOf"])


@pytest.mark.django_db
def test_update_touches_only_what_changed(slapd, driver, admin):
    inv = base_inventory()
    apply_direct(inv, driver)
    dn = f"uid=lpetit,ou=people,{slapd.base_dn}"
    # Something the inventory does not manage, set by hand: an update must leave it alone.
    admin.conn.modify_s(dn, [(ldap.MOD_ADD, "roomNumber", [b"B12"])])
    apply_direct(B.changed(inv, "lpetit", phone="+33 5 49 00 00 00"), driver)
    entry = admin.account("lpetit")
    assert entry["roomNumber"] == ["B12"]
    assert entry["telephoneNumber"] == ["+33 5 49 00 00 00"]


def test_group_membership_changes_are_value_adds_and_deletes(slapd):
    from ldap_sync.layout import Layout

    layout = Layout(slapd.base_dn)
    p = lambda u: f"uid={u},ou=people,{slapd.base_dn}".encode()  # noqa: E731
    nobody = layout.nobody_dn.encode()
    assert E.group_member_mods(layout, ["a", "b"], ["b", "c"], False) == [
        (ldap.MOD_ADD, "member", [p("c")]), (ldap.MOD_DELETE, "member", [p("a")])]
    assert E.group_member_mods(layout, ["a"], [], False) == [
        (ldap.MOD_ADD, "member", [nobody]), (ldap.MOD_DELETE, "member", [p("a")])]
    assert E.group_member_mods(layout, [], ["a"], True) == [
        (ldap.MOD_ADD, "member", [p("a")]), (ldap.MOD_DELETE, "member", [nobody])]
    assert E.group_member_mods(layout, ["a"], ["a"], False) == []


@pytest.mark.django_db(transaction=True)
def test_person_moving_between_members(slapd, driver, admin):
    inv = base_inventory()
    converge(inv, driver)
    assert admin.member_of("imoreau") == ["79002-staff", "79002-svc-extranet"]
    moved = B.changed(inv, "imoreau", seats=(B.elu(A, "Adjointe"),))
    converge(moved, driver)
    entry = admin.account("imoreau")
    assert entry["ou"] == [A]
    assert entry["title"] == ["Adjointe"]
    assert admin.member_of("imoreau") == [
        "79001-conseil-municipal", "79001-elus", "79001-svc-cloud", "79001-svc-extranet"]
    assert "imoreau" not in admin.group_uids(B2, "79002-staff")
    assert "imoreau" not in admin.group_uids(B2, "79002-svc-extranet")
    assert admin.count("(uid=imoreau)") == 1


@pytest.mark.django_db(transaction=True)
def test_disable_then_restore(slapd, driver, admin):
    from ldap_sync.services import set_password

    inv = base_inventory()
    converge(inv, driver)
    set_password("jdupont", "correct horse battery", slapd.settings())
    assert bind(slapd, "jdupont", "correct horse battery")
    before = admin.account("jdupont")

    gone = B.without(inv, "jdupont")
    plan = make_plan(gone, [driver])
    assert ("ldap.account:jdupont", "disable") in [(c.key, c.action) for c in plan.pending]
    converge(gone, driver)
    entry = admin.account("jdupont")
    assert entry is not None and entry["entryUUID"] == before["entryUUID"]  # never deleted
    assert entry["pwdAccountLockedTime"] == [E.LOCKED_FOREVER]
    assert "memberOf" not in entry
    assert admin.count(f"(member=uid=jdupont,ou=people,{slapd.base_dn})") == 0
    assert not bind(slapd, "jdupont", "correct horse battery")
    assert observed(driver)["ldap.account:jdupont"].state == DISABLED

    converge(inv, driver)  # back in the inventory: the same entry, unlocked, groups back
    entry = admin.account("jdupont")
    assert entry["entryUUID"] == before["entryUUID"]
    assert "pwdAccountLockedTime" not in entry
    assert admin.member_of("jdupont") == before_groups(before)
    assert bind(slapd, "jdupont", "correct horse battery")


@pytest.mark.django_db
def test_disable_alone_takes_the_account_out_of_every_group(slapd, driver, admin):
    """Retiring an account without the groups' own updates (e.g. a plan cut by --only)."""
    inv = base_inventory()
    apply_direct(inv, driver)
    obs = observed(driver)["ldap.account:lpetit"]
    change = Change(obs.key, "disable", observed=obs, members=obs.members)
    assert [o.ok for o in driver.apply([change, change])] == [True, True]  # twice is fine
    assert admin.member_of("lpetit") == []
    assert admin.group_uids(A, "79001-elus") == ["jdupont"]
    assert admin.account("lpetit")["pwdAccountLockedTime"] == [E.LOCKED_FOREVER]


@pytest.mark.django_db(transaction=True)
def test_group_no_longer_wanted_is_archived_then_restored(slapd, driver, admin):
    inv = base_inventory()
    converge(inv, driver)
    alpha = inv.members[0]
    from dataclasses import replace

    without_cloud = replace(inv, members=(replace(alpha, services=("extranet",)),
                                          inv.members[1]))
    plan = make_plan(without_cloud, [driver])
    assert [(c.key, c.action) for c in plan.pending] == [("ldap.group:79001-svc-cloud",
                                                          "archive")]
    converge(without_cloud, driver)
    group = admin.group(A, "79001-svc-cloud")
    assert group is not None  # never deleted
    assert group["member"] == [f"cn=nobody,{slapd.base_dn}"]
    assert group["businessCategory"] == ["archived"]
    assert observed(driver)["ldap.group:79001-svc-cloud"].state == ARCHIVED
    assert "79001-svc-cloud" not in admin.member_of("jdupont")

    converge(inv, driver)
    group = admin.group(A, "79001-svc-cloud")
    assert "businessCategory" not in group
    assert admin.group_uids(A, "79001-svc-cloud") == ["amartin", "jdupont", "lpetit"]


@pytest.mark.django_db
def test_injection_names_make_one_correct_entry_and_never_widen_a_search(slapd, driver, admin):
    from ldap_sync.services import find_account

    inv = B.inventory([B.member(A, "Alpha")], [
        B.person("Zoé", "*)(uid=*", B.elu(A)),
        B.person("Dupont, Jean+cn=admin", "Durand", B.agent(A)),
        # uids come from the naming module and are safe; the driver escapes them anyway.
        B.person("Paul", "Virgule", B.agent(A), uid="p,v+x=1"),
        B.person("Anne", "Martin", B.agent(A)),
    ])
    apply_direct(inv, driver)
    people = admin.search(f"ou=people,{slapd.base_dn}", "(objectClass=inetOrgPerson)", ["uid"])
    assert len(people) == 4
    star = inv.people[0]
    entry = admin.account(star.uid)
    assert entry["sn"] == ["*)(uid=*"] and entry["cn"] == ["Zoé *)(uid=*"]
    comma = admin.account(inv.people[1].uid)
    assert comma["givenName"] == ["Dupont, Jean+cn=admin"]
    assert comma["cn"] == ["Dupont, Jean+cn=admin Durand"]
    assert admin.count("(cn=admin)") == 0  # no entry named admin appeared
    odd = admin.search(f"ou=people,{slapd.base_dn}", "(uid=p,v+x=1)", ["uid"])
    assert [ldap.dn.str2dn(dn)[0] for dn, _ in odd] == [[("uid", "p,v+x=1", 1)]]
    assert "p,v+x=1" in admin.group_uids(A, "79001-staff")
    # A search for a name full of filter syntax finds that one person, not everybody.
    assert find_account("*)(uid=*", slapd.settings()) is None
    assert find_account("*", slapd.settings()) is None
    assert find_account("p,v+x=1", slapd.settings())["uid"] == "p,v+x=1"
    assert make_plan(inv, [driver]).empty


@pytest.mark.django_db
def test_create_of_an_existing_entry_becomes_a_modify(slapd, driver, admin):
    inv = base_inventory()
    plan = make_plan(inv, [driver])
    assert all(o.ok for o in driver.apply(plan.pending))
    admin.conn.modify_s(f"uid=lpetit,ou=people,{slapd.base_dn}",
                        [(ldap.MOD_REPLACE, "sn", [b"Changed by hand"])])
    admin.conn.modify_s(f"cn=79001-elus,ou={A},ou=members,{slapd.base_dn}",
                        [(ldap.MOD_DELETE, "member", [f"uid=lpetit,ou=people,{slapd.base_dn}"
                                                      .encode()])])
    # The same creates again, as a retried task would send them.
    assert all(o.ok for o in driver.apply(plan.pending))
    assert admin.account("lpetit")["sn"] == ["Petit"]
    assert admin.group_uids(A, "79001-elus") == ["jdupont", "lpetit"]
    assert admin.count("(uid=lpetit)") == 1
    assert make_plan(inv, [driver]).empty


@pytest.mark.django_db
def test_stale_group_observation_is_read_again(slapd, driver, admin):
    inv = base_inventory()
    apply_direct(inv, driver)
    plan = make_plan(B.changed(inv, "amartin", seats=(B.elu(A),)), [driver])
    # Someone applies part of it by hand between plan and apply: the planned value ops clash.
    admin.conn.modify_s(f"cn=79001-elus,ou={A},ou=members,{slapd.base_dn}",
                        [(ldap.MOD_ADD, "member", [f"uid=amartin,ou=people,{slapd.base_dn}"
                                                   .encode()])])
    assert all(o.ok for o in driver.apply(plan.pending))
    assert admin.group_uids(A, "79001-elus") == ["amartin", "jdupont", "lpetit"]
    assert admin.group(A, "79001-staff")["member"] == [f"cn=nobody,{slapd.base_dn}"]


def test_permanent_error_names_the_entry(slapd, driver):
    from provisioning.resources import Resource

    res = Resource("ldap.group:99999-staff", {"description": "x", "members": []},
                   frozenset(["99999"]))
    [outcome] = driver.apply([Change(res.key, CREATE, desired=res, members=res.members)])
    assert not outcome.ok and not outcome.transient
    assert f"cn=99999-staff,ou=99999,ou=members,{slapd.base_dn}" in outcome.error
    assert "No such object" in outcome.error


def test_observe_under_a_scope_and_in_small_pages(slapd, driver, monkeypatch):
    import ldap_sync.connection as conn_mod

    inv = base_inventory()
    driver.issue_tokens = False
    apply_direct(inv, driver)
    monkeypatch.setattr(conn_mod, "PAGE_SIZE", 3)
    assert len(observed(driver)) == len(list(driver.desired(inv, Context())))
    only_b = observed(driver, Scope(frozenset([B2])))
    assert sorted(only_b) == sorted([
        "ldap.account:imoreau", "ldap.account:jdupont", "ldap.member:79002",
        "ldap.group:79002-staff", "ldap.group:79002-elus", "ldap.group:79002-conseil-municipal",
        "ldap.group:79002-svc-extranet"])


def test_server_down_is_transient_and_the_driver_reconnects(slapd, driver):
    inv = B.inventory([B.member(A, "Alpha")], [B.person("Anne", "Martin", B.agent(A))])
    driver.issue_tokens = False
    plan = make_plan(inv, [driver])
    slapd.stop()
    with pytest.raises(TransientBackendError):
        list(driver.observe(EVERYTHING))
    with pytest.raises(TransientBackendError):
        driver.apply(plan.pending)
    slapd.start()
    assert all(o.ok for o in driver.apply(plan.pending))
    assert make_plan(inv, [driver]).empty


class StoppingDriver(LdapDriver):
    """Stops the server from another thread once `after` operations were sent."""

    def __init__(self, config, slapd, after: int):
        super().__init__(config)
        self.slapd, self.after, self.sent = slapd, after, 0
        self.stopped = threading.Event()

    def _task(self, c):
        return self._counting(super()._task(c))

    def _counting(self, inner):
        """Forward every operation of the real task (and its answer or error), counting."""
        value, error = None, None
        while True:
            try:
                op = inner.throw(error) if error is not None else inner.send(value)
            except StopIteration:
                return
            self.sent += 1
            if self.sent == self.after:
                stopper = threading.Thread(target=self._stop)
                stopper.start()
                stopper.join()
            try:
                value, error = (yield op), None
            except ldap.LDAPError as exc:
                value, error = None, exc

    def _stop(self):
        self.slapd.stop()
        self.stopped.set()


@pytest.mark.django_db(transaction=True)
def test_slapd_stopped_in_the_middle_of_an_apply_then_rerun_converges(slapd, admin):
    inv = B.many(300, members=3)
    driver = StoppingDriver({**slapd.settings(), "window": 32}, slapd, after=150)
    plan = make_plan(inv, [driver])
    accounts = [c for c in plan.pending if c.kind == "ldap.account"]
    outcomes = driver.apply(accounts)
    assert driver.stopped.is_set()
    failed = [o for o in outcomes if not o.ok]
    assert failed and all(o.transient for o in failed)
    assert "was lost" in failed[0].error or "cannot be reached" in failed[0].error
    assert any(o.ok for o in outcomes)

    slapd.start()
    admin.conn = ldap.initialize(slapd.url)
    admin.conn.simple_bind_s(slapd.admin_dn, slapd.admin_password)
    fresh = LdapDriver(slapd.settings())
    converge(inv, fresh)
    uids = [e[1]["uid"][0] for e in admin.search(f"ou=people,{slapd.base_dn}",
                                                   "(objectClass=inetOrgPerson)", ["uid"])]
    assert len(uids) == len(set(uids)) == 300
    for code in ("80000", "80001", "80002"):
        members = admin.group(code, f"{code}-svc-extranet")["member"]
        assert len(members) == len(set(members)) == 100
    fresh.close()


@pytest.mark.django_db
def test_new_accounts_get_a_stored_token_once(slapd, driver):
    from ldap_sync.models import ActivationToken

    inv = base_inventory()
    plan = make_plan(inv, [driver])
    driver.apply(plan.pending)
    rows = list(ActivationToken.objects.order_by("uid"))
    assert [r.uid for r in rows] == ["amartin", "imoreau", "jdupont", "lpetit"]
    assert all(len(r.token_hash) == 64 and r.used_at is None for r in rows)
    driver.apply(plan.pending)  # a retried batch issues no second token
    assert ActivationToken.objects.count() == 4


def test_ppolicy_locks_out_after_five_failed_binds(slapd, driver):
    from ldap_sync.services import set_password

    driver.issue_tokens = False
    inv = B.inventory([B.member(A, "Alpha")], [B.person("Anne", "Martin", B.agent(A))])
    apply_direct(inv, driver)
    set_password("amartin", "a long enough secret", slapd.settings())
    assert bind(slapd, "amartin", "a long enough secret")
    for _ in range(5):
        assert not bind(slapd, "amartin", "wrong password")
    assert not bind(slapd, "amartin", "a long enough secret")  # locked out, even the right one
    # A lockout is the policy's, not a retirement: the account is still active for the plan.
    assert observed(driver)["ldap.account:amartin"].state == ACTIVE
    assert make_plan(inv, [driver]).empty


@pytest.mark.django_db
def test_plan_only_reads_and_apply_creates_a_missing_skeleton(slapd, admin):
    """A production directory may lack ou=people, ou=members and the placeholder."""
    for dn in (f"cn=nobody,{slapd.base_dn}", f"ou=people,{slapd.base_dn}",
               f"ou=members,{slapd.base_dn}"):
        admin.conn.delete_s(dn)
    driver = LdapDriver(slapd.settings())
    inv = B.inventory([B.member(A, "Alpha")], [B.person("Anne", "Martin", B.agent(A))])
    plan = make_plan(inv, [driver])
    assert admin.entry(f"ou=people,{slapd.base_dn}") is None  # planning wrote nothing
    assert all(o.ok for o in driver.apply(plan.pending))
    assert admin.entry(f"cn=nobody,{slapd.base_dn}")["objectClass"] == ["organizationalRole"]
    assert admin.group(A, "79001-elus")["member"] == [f"cn=nobody,{slapd.base_dn}"]
    assert make_plan(inv, [driver]).empty
    driver.close()

"""The registry driver against the real database (SQLite, or PostgreSQL with DATABASE_URL):
batches written set-wise, one outcome per change, one bad row failing alone, nothing deleted,
a second plan empty."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from django.db import OperationalError

from provisioning import registry
from provisioning.drivers import Scope
from provisioning.engine import apply_plan, make_plan
from provisioning.models import (
    ChangeRecord,
    RegistryAssembly,
    RegistryMember,
    RegistryPerson,
    RegistrySeat,
)
from provisioning.registry import RegistryDriver
from tests.factories import make_inventory, renamed, without_person

ROOT = Path(__file__).resolve().parents[2]

# Plans observe in a pool thread, on its own connection: the test's writes must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def apply_all(inv, driver=None):
    """Plan, then hand every pending change to the driver in one call (one batch)."""
    driver = driver or RegistryDriver()
    plan = make_plan(inv, [driver])
    outcomes = driver.apply(plan.pending)
    assert [o.key for o in outcomes] == [c.key for c in plan.pending]
    return plan, outcomes


def counts() -> tuple[int, int, int, int]:
    return (RegistryMember.objects.count(), RegistryPerson.objects.count(),
            RegistryAssembly.objects.count(), RegistrySeat.objects.count())


def without_member(inv, code):
    return replace(inv, members=tuple(m for m in inv.members if m.code != code),
                   people=tuple(p for p in inv.people
                                if all(s.member != code for s in p.seats)))


def test_one_batch_of_every_kind_creates_the_rows_and_the_next_plan_is_empty():
    inv = make_inventory(members=3, people=4, shared=2)
    plan, outcomes = apply_all(inv)  # members, people, assemblies and seats in one batch
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert make_plan(inv, [RegistryDriver()]).empty

    m = RegistryMember.objects.get(code="79000")
    assert (m.name, m.slug, m.services, m.active) == (
        "Commune 0", "commune-0", ["extranet", "website"], True)
    shared = inv.people[0]
    person = RegistryPerson.objects.get(uid=shared.uid)
    assert (person.email, person.given_name, person.surname) == (
        shared.email, shared.given_name, shared.surname)
    seats = {s.member.code: s for s in person.seats.all()}
    assert set(seats) == {"79000", "79001"}
    assert seats["79000"].roles == ["maire"]
    assert seats["79001"].assemblies == ["conseil-municipal"]
    assert RegistryAssembly.objects.filter(member=m, slug="conseil-municipal",
                                           active=True).exists()


def test_applying_the_same_changes_twice_gives_the_same_rows():
    inv = make_inventory(members=2, people=3)
    driver = RegistryDriver()
    plan = make_plan(inv, [driver])
    assert all(o.ok for o in driver.apply(plan.pending))
    before = (counts(), list(RegistryPerson.objects.values().order_by("uid")))
    assert all(o.ok for o in driver.apply(plan.pending))  # a task run twice
    assert (counts(), list(RegistryPerson.objects.values().order_by("uid"))) == before
    assert make_plan(inv, [driver]).empty


def test_leaving_archives_and_disables_then_coming_back_reactivates():
    inv = make_inventory(members=3, people=3)
    apply_all(inv)
    total = counts()
    gone = inv.people[3]  # a person of member 79001
    smaller = without_person(without_member(inv, "79002"), gone.uid)

    plan, outcomes = apply_all(smaller)
    assert all(o.ok for o in outcomes)
    actions = {c.key: c.action for c in plan.pending}
    assert actions["registry.member:79002"] == "archive"
    assert actions["registry.assembly:79002/conseil-municipal"] == "archive"
    assert actions[f"registry.person:{gone.uid}"] == "disable"
    assert actions[f"registry.seat:79001/{gone.uid}"] == "disable"
    assert counts() == total  # nothing deleted
    member = RegistryMember.objects.get(code="79002")
    assert member.active is False and member.name == "Commune 2"  # only `active` changes
    assert not RegistryAssembly.objects.filter(member=member, active=True).exists()
    assert not RegistrySeat.objects.filter(member=member, active=True).exists()
    assert not RegistryPerson.objects.get(uid=gone.uid).active
    assert RegistrySeat.objects.filter(member__code="79000", active=True).count() == 3
    assert make_plan(smaller, [RegistryDriver()]).empty

    plan, outcomes = apply_all(inv)  # they come back
    assert all(o.ok for o in outcomes) and {c.action for c in plan.pending} == {"update"}
    assert counts() == total
    assert not RegistryMember.objects.filter(active=False).exists()
    assert not RegistrySeat.objects.filter(active=False).exists()
    assert make_plan(inv, [RegistryDriver()]).empty


def test_a_row_the_database_refuses_fails_alone_and_says_why():
    inv = make_inventory(members=3, people=3)
    apply_all(inv)
    people = inv.people
    # Every person renamed, and one member whose population the database refuses
    # (a PositiveIntegerField: CHECK population >= 0, on SQLite and PostgreSQL alike).
    changed = inv
    for p in people:
        changed = renamed(changed, p.uid, p.surname + "-Nouveau")
    bad = replace(changed.members[1], population=-1, name="Commune Une")
    changed = replace(changed, members=(changed.members[0], bad, changed.members[2]))

    plan, outcomes = apply_all(changed)
    by_key = {o.key: o for o in outcomes}
    assert len(plan.pending) == len(people) + 1
    failed = [o for o in outcomes if not o.ok]
    assert [o.key for o in failed] == ["registry.member:79001"]
    assert not failed[0].transient
    assert "IntegrityError" in failed[0].error and "one by one" in failed[0].error
    assert all(by_key[f"registry.person:{p.uid}"].ok for p in people)

    # The others are written, the refused one is untouched.
    assert all(RegistryPerson.objects.get(uid=p.uid).surname == p.surname + "-Nouveau"
               for p in people)
    member = RegistryMember.objects.get(code="79001")
    assert (member.name, member.population) == ("Commune 1", 500)
    assert [c.key for c in make_plan(changed, [RegistryDriver()]).pending] == [
        "registry.member:79001"]


def test_a_change_whose_member_or_person_is_missing_fails_alone():
    inv = make_inventory(members=2, people=2)
    driver = RegistryDriver()
    plan = make_plan(inv, [driver])
    newcomer = inv.people[0].uid
    # The people of member 79000 and the member itself are left out of the batch.
    batch = [c for c in plan.pending
             if not (c.key.startswith("registry.person:") and c.members == {"79000"})
             and c.key != "registry.member:79000"]
    outcomes = {o.key: o for o in driver.apply(batch)}
    assert not outcomes[f"registry.seat:79000/{newcomer}"].ok
    assert outcomes["registry.assembly:79000/conseil-municipal"].error == (
        "member 79000 is not in the registry")
    seat_of_79001 = next(c.key for c in batch if c.key.startswith("registry.seat:79001/"))
    assert outcomes[seat_of_79001].ok
    of_79000 = {c.key for c in batch if c.members == {"79000"}}  # its seats and assemblies
    assert {k for k, o in outcomes.items() if not o.ok} == of_79000
    assert RegistrySeat.objects.filter(member__code="79001").count() == 2

    # The seat of a person who is not there (member present) names the person.
    RegistryMember.objects.create(code="79000", name="Commune 0", kind="commune",
                                  slug="commune-0", hostname="commune-0.localhost")
    seat = next(c for c in batch if c.key == f"registry.seat:79000/{newcomer}")
    [outcome] = driver.apply([seat])
    assert outcome.error == f"person {newcomer} is not in the registry"


def test_a_bulk_write_that_raises_falls_back_to_one_by_one(monkeypatch):
    inv = make_inventory(members=2, people=3)
    calls = []

    def broken(rows):
        calls.append(len(rows))
        raise ValueError("bulk write refused")

    monkeypatch.setattr(registry, "_bulk_write", broken)
    plan, outcomes = apply_all(inv)
    assert calls == [len(plan.pending)]
    assert all(o.ok for o in outcomes)  # each change, on its own, went through
    assert make_plan(inv, [RegistryDriver()]).empty


def test_a_busy_database_is_a_transient_failure(monkeypatch):
    def locked(rows):
        raise OperationalError("database is locked")

    monkeypatch.setattr(registry, "_bulk_write", locked)
    _, outcomes = apply_all(make_inventory(members=1, people=2))
    assert all(not o.ok and o.transient and "database is locked" in o.error for o in outcomes)
    assert counts() == (0, 0, 0, 0)


def test_a_failing_change_through_the_engine(settings):
    """Through apply_plan (eager Celery tasks, journal): the refused member fails, what
    depends on it is skipped, every other member converges."""
    settings.MUTUALIS_RETRY_BACKOFF = 0
    inv = make_inventory(members=3, people=3)
    driver = RegistryDriver()
    apply_plan(make_plan(inv, [driver]), [driver], inventory=inv)
    changed = inv
    for p in inv.people:
        changed = renamed(changed, p.uid, p.surname + "-Bis")
    bad = replace(changed.members[2], population=-5)
    changed = replace(changed, members=changed.members[:2] + (bad,))

    result = apply_plan(make_plan(changed, [driver]), [driver], inventory=changed)
    assert result.status == "failed"
    assert list(result.errors) == ["registry.member:79002"]
    assert "one by one" in result.errors["registry.member:79002"]
    records = ChangeRecord.objects.filter(run_id=result.run_id)
    assert records.filter(outcome=ChangeRecord.FAILED).count() == 1
    assert records.filter(outcome=ChangeRecord.OK).count() == len(inv.people)
    assert [c.key for c in make_plan(changed, [driver]).pending] == ["registry.member:79002"]


def test_a_batch_costs_a_few_queries_not_one_per_row(django_assert_max_num_queries):
    inv = make_inventory(members=2, people=60, shared=3)
    driver = RegistryDriver()
    plan = make_plan(inv, [driver])
    # The syndicate's row costs its own two queries at creation: a constant, not per row.
    with django_assert_max_num_queries(14):
        assert all(o.ok for o in driver.apply(plan.pending))
    changed = inv
    for p in inv.people:
        changed = renamed(changed, p.uid, p.surname + "-Ter")
    smaller = without_member(changed, "79001")
    plan = make_plan(smaller, [driver])
    assert {c.action for c in plan.pending} == {"update", "disable", "archive"}
    with django_assert_max_num_queries(16):
        assert all(o.ok for o in driver.apply(plan.pending))
    with django_assert_max_num_queries(5):  # one query per model, the syndicate's included
        assert make_plan(smaller, [driver]).empty


def test_observe_under_only_sees_the_same_as_everything():
    inv = make_inventory(members=4, people=3, shared=2)
    apply_all(inv)
    apply_all(without_member(inv, "79003"))  # archived rows are observed too
    driver = RegistryDriver()
    everything = {o.key: o for o in driver.observe(Scope())}
    for codes in ({"79001"}, {"79000", "79003"}, {"99999"}):
        scope = Scope(frozenset(codes))
        seen = {o.key: o for o in driver.observe(scope)}
        assert seen == {k: o for k, o in everything.items() if o.members & codes}


def test_a_large_batch_is_applied_then_the_plan_is_empty():
    """2,000 people (20 members x 100) in one call: more than a chunk, kinds across chunks."""
    inv = make_inventory(members=20, people=100, shared=5)
    plan, outcomes = apply_all(inv)
    assert len(plan.pending) > 4 * registry.CHUNK
    assert all(o.ok for o in outcomes), next(o.error for o in outcomes if not o.ok)
    assert counts() == (20, 2000, 20, 2005)
    assert make_plan(inv, [RegistryDriver()]).empty

    # Every person updated, two members leave: one batch again, then nothing to do.
    changed = inv
    for p in inv.people[::2]:
        changed = renamed(changed, p.uid, p.surname + "-Nouveau")
    changed = without_member(without_member(changed, "79018"), "79019")
    plan, outcomes = apply_all(changed)
    assert all(o.ok for o in outcomes)
    assert counts() == (20, 2000, 20, 2005)
    assert RegistryPerson.objects.filter(active=False).count() == 200
    assert RegistryMember.objects.filter(active=False).count() == 2
    assert make_plan(changed, [RegistryDriver()]).empty


def test_a_large_inventory_through_the_engine_converges():
    inv = make_inventory(members=20, people=100, shared=5)
    driver = RegistryDriver()
    result = apply_plan(make_plan(inv, [driver]), [driver], inventory=inv,
                        replan=lambda: make_plan(inv, [driver]))
    assert result.status == "succeeded" and result.pending_after == 0, result.errors
    assert counts() == (20, 2000, 20, 2005)


def test_the_syndicate_and_its_mail_settings_are_kept_without_their_secret(tmp_path,
                                                                           monkeypatch):
    from provisioning.loader import load_inventory
    from provisioning.models import RegistrySyndicate

    source = (ROOT / "examples" / "pays-mellois.yml").read_text()
    source = source.replace(
        'smtp: {url: embedded, from: "Pays Mellois Numérique <ne-pas-repondre@paysmellois.fr>"}',
        'smtp: {host: relais.paysmellois.fr, port: 587, starttls: true, user: mutualis, '
        'password: "${SMTP_PASSWORD}", from: "Pays Mellois <ne-pas-repondre@paysmellois.fr>"}')
    path = tmp_path / "inventaire.yml"
    path.write_text(source)
    monkeypatch.setenv("SMTP_PASSWORD", "ne-doit-jamais-etre-stocke")
    inv = load_inventory(path)
    apply_all(inv)
    syndicate = RegistrySyndicate.objects.get()
    assert (syndicate.siren, syndicate.name) == ("257900126",
                                                 "Syndicat mixte Pays Mellois Numérique")
    assert syndicate.mail == {"host": "relais.paysmellois.fr", "port": 587, "starttls": True,
                              "user": "mutualis", "password_env": "SMTP_PASSWORD",
                              "from": "Pays Mellois <ne-pas-repondre@paysmellois.fr>"}
    assert make_plan(inv, [RegistryDriver()]).empty

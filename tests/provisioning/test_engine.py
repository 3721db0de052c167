"""The engine on the in-memory driver: diff, ordering, apply, journal, convergence."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioning.diff import diff, diff_one
from provisioning.drivers import ProvisioningError, Scope
from provisioning.engine import DestructivePlanError, apply_plan, make_plan, schedule
from provisioning.journal import run_digest, verify
from provisioning.models import ChangeRecord, Run
from provisioning.resources import (
    ARCHIVE,
    CREATE,
    DISABLE,
    DISABLED,
    MASK,
    NOOP,
    UPDATE,
    Change,
    Observed,
    Resource,
)
from tests.factories import make_inventory, renamed, without_person

from .memory_driver import Crash, MemoryBackend, MemoryDriver

pytestmark = pytest.mark.django_db(transaction=True)


def converge(inv, driver, **kw):
    plan = make_plan(inv, [driver])
    result = apply_plan(plan, [driver], inventory=inv,
                        replan=lambda: make_plan(inv, [driver]), **kw)
    return plan, result


# ------------------------------------------------------------------ diff

@pytest.mark.django_db(transaction=False)
class TestDiff:
    def test_create_update_noop(self):
        res = Resource("x.a:1", {"name": "A", "mail": "a@x"})
        assert diff_one(res, None).action == CREATE
        same = diff_one(res, Observed("x.a:1", {"name": "A", "mail": "a@x"}))
        assert same.action == NOOP
        changed = diff_one(res, Observed("x.a:1", {"name": "B", "mail": "a@x", "extra": 1}))
        assert (changed.action, changed.before, changed.after) == (
            UPDATE, {"name": "B"}, {"name": "A"})

    def test_create_only_attributes_are_never_updated(self):
        res = Resource("x.site:1", {"title": "Seed", "host": "a"}, create_only=frozenset({"title"}))
        assert diff_one(res, Observed("x.site:1", {"title": "Edited", "host": "a"})).action == NOOP

    def test_secrets_are_masked(self):
        res = Resource("x.a:1", {"token": "s3cret", "name": "A"}, secret_attrs=frozenset({"token"}))
        create = diff_one(res, None)
        assert create.after == {"token": MASK, "name": "A"}
        update = diff_one(res, Observed("x.a:1", {"token": "old", "name": "A"}))
        assert update.before == {"token": MASK} and update.after == {"token": MASK}
        assert "s3cret" not in str(create.public()) + str(update.public())

    def test_a_disabled_resource_wanted_again_is_restored(self):
        res = Resource("x.a:1", {"name": "A"})
        change = diff_one(res, Observed("x.a:1", {"name": "A"}, DISABLED))
        assert (change.action, change.before, change.after) == (
            UPDATE, {"state": "disabled"}, {"state": "active"})

    def test_unwanted_resources_are_retired_by_their_kind(self):
        drv = MemoryDriver()
        observed = {"memory.account:a": Observed("memory.account:a", {}),
                    "memory.site:1": Observed("memory.site:1", {}),
                    "memory.account:b": Observed("memory.account:b", {}, DISABLED)}
        plan = diff({}, observed, {"memory": drv})
        actions = {c.key: c.action for c in plan.changes}
        assert actions == {"memory.account:a": DISABLE, "memory.site:1": ARCHIVE,
                           "memory.account:b": NOOP}
        assert plan.observed_count == 2

    def test_dependencies_come_first_and_retirements_last(self):
        drv = MemoryDriver()
        desired = {
            "memory.group:g": Resource("memory.group:g", {}, depends_on=("memory.account:z",)),
            "memory.account:z": Resource("memory.account:z", {}),
            "memory.account:a": Resource("memory.account:a", {}),
        }
        observed = {"memory.site:old": Observed("memory.site:old", {})}
        keys = [c.key for c in diff(desired, observed, {"memory": drv}).changes]
        assert keys == ["memory.account:a", "memory.account:z", "memory.group:g",
                        "memory.site:old"]

    def test_a_dependency_cycle_is_an_error(self):
        desired = {"m.a:1": Resource("m.a:1", {}, depends_on=("m.a:2",)),
                   "m.a:2": Resource("m.a:2", {}, depends_on=("m.a:1",))}
        with pytest.raises(ProvisioningError, match="cycle: m.a:1, m.a:2"):
            diff(desired, {}, {"m": MemoryDriver()})

    def test_only_limits_the_plan_to_the_members_selected(self):
        inv = make_inventory(members=3, people=3)
        drv = MemoryDriver()
        plan = make_plan(inv, [drv], Scope(frozenset({"79001"})))
        assert plan.pending and all("79001" in c.members for c in plan.pending)

    def test_payload_round_trip(self):
        res = Resource("x.a:1", {"n": [1, 2]}, frozenset({"1"}), ("x.b:2",),
                       frozenset({"s"}), frozenset({"t"}))
        c = diff_one(res, Observed("x.a:1", {"n": [1]}, DISABLED, frozenset({"1"})))
        back = Change.from_payload(c.to_payload())
        assert back.public() == c.public() and back.desired == res
        assert back.desired.attrs == res.attrs and back.observed.state == DISABLED

    def test_schedule_puts_shared_accounts_before_member_chains(self):
        inv = make_inventory(members=2, people=3, shared=1)
        plan = make_plan(inv, [MemoryDriver()])
        sched = schedule(plan)
        shared_keys = {c.key for step in sched.shared_steps for b in step for c in b.changes}
        assert shared_keys == {f"memory.account:{inv.people[0].uid}"}
        assert set(sched.member_chains) == {"79000", "79001"}


# ------------------------------------------------------------------ apply

def test_apply_converges_and_second_plan_is_empty():
    inv = make_inventory(members=3, people=6, shared=2)
    drv = MemoryDriver()
    plan, result = converge(inv, drv)
    assert plan.summary()["create"] == len(drv.store.records) > 0
    assert result.status == Run.SUCCEEDED and result.pending_after == 0
    assert make_plan(inv, [drv]).empty
    # One account per person, even for those who sit in two members.
    accounts = [k for k in drv.store.keys() if k.startswith("memory.account:")]
    assert len(accounts) == len(set(accounts)) == len(inv.people)
    assert ChangeRecord.objects.filter(run_id=result.run_id).count() == len(plan.pending)


def test_rename_updates_in_place():
    inv = make_inventory(members=1, people=3)
    drv = MemoryDriver()
    converge(inv, drv)
    uid = inv.people[1].uid
    before_id = drv.store.by_key[f"memory.account:{uid}"]["id"]
    plan = make_plan(renamed(inv, uid, "Nouveau-Nom"), [drv])
    assert [(c.key, c.action) for c in plan.pending] == [(f"memory.account:{uid}", UPDATE)]
    assert plan.pending[0].after == {"name": f"{inv.people[1].given_name} Nouveau-Nom"}
    apply_plan(plan, [drv])
    assert drv.store.by_key[f"memory.account:{uid}"]["id"] == before_id


def test_a_person_leaving_is_disabled_then_restored():
    inv = make_inventory(members=1, people=12)
    drv = MemoryDriver()
    converge(inv, drv)
    leaver = inv.people[5].uid
    smaller = without_person(inv, leaver)
    plan = make_plan(smaller, [drv])
    assert (f"memory.account:{leaver}", DISABLE) in [(c.key, c.action) for c in plan.pending]
    apply_plan(plan, [drv])
    assert drv.store.by_key[f"memory.account:{leaver}"]["state"] == DISABLED
    assert make_plan(smaller, [drv]).empty
    _, result = converge(inv, drv)
    assert drv.store.by_key[f"memory.account:{leaver}"]["state"] == "active"
    assert result.pending_after == 0
    assert len([k for k in drv.store.keys() if k.endswith(leaver)]) == 1


def test_destructive_plans_are_refused_without_allow_destroy():
    inv = make_inventory(members=2, people=5)
    drv = MemoryDriver()
    converge(inv, drv)
    gone = make_inventory(members=1, people=5)  # the second member leaves
    plan = make_plan(gone, [drv])
    with pytest.raises(DestructivePlanError, match=r"would disable or archive \d+ of the \d+ "
                       r"existing resources \(\d+%\), more than the 10% allowed"):
        apply_plan(plan, [drv])
    assert Run.objects.count() == 1  # refused before anything started
    result = apply_plan(plan, [drv], allow_destroy=True)
    assert result.status == Run.SUCCEEDED
    assert all(r["state"] != "active" for r in drv.store.records if "79001" in r["members"])
    assert len(drv.store.records) == len(set(drv.store.keys()))  # nothing deleted


def test_transient_failures_are_retried(settings):
    settings.MUTUALIS_RETRY_BACKOFF = 0.001
    settings.MUTUALIS_RETRY_ATTEMPTS = 10  # 0.2 ** 10: no change fails every attempt
    inv = make_inventory(members=2, people=8)
    drv = MemoryDriver()
    drv.transient_rate = 0.2
    plan, result = converge(inv, drv)
    assert result.status == Run.SUCCEEDED, result.errors
    retried = ChangeRecord.objects.filter(run_id=result.run_id, attempts__gt=1).count()
    assert retried > 0


def test_a_permanent_failure_is_journaled_and_its_dependents_skipped(settings):
    settings.MUTUALIS_RETRY_BACKOFF = 0.001
    inv = make_inventory(members=1, people=4)
    drv = MemoryDriver()
    bad = f"memory.account:{inv.people[2].uid}"
    drv.permanent_fail = {bad}
    plan, result = converge(inv, drv)
    assert result.status == Run.FAILED
    assert result.errors[bad] == f"{bad}: refused by the backend"
    rec = ChangeRecord.objects.get(run_id=result.run_id, key=bad)
    assert (rec.outcome, rec.attempts) == (ChangeRecord.FAILED, 1)  # permanent: no retry
    skipped = ChangeRecord.objects.filter(run_id=result.run_id, outcome=ChangeRecord.SKIPPED)
    assert skipped.exists() and all(bad in r.error for r in skipped)
    drv.permanent_fail = set()
    _, again = converge(inv, drv)
    assert again.status == Run.SUCCEEDED and again.pending_after == 0


def test_runs_are_hash_chained():
    inv = make_inventory(members=1, people=3)
    drv = MemoryDriver()
    converge(inv, drv)
    converge(renamed(inv, inv.people[0].uid, "Autre"), drv)
    first, second = Run.objects.order_by("id")
    assert (first.seq, first.previous, second.seq, second.previous) == (
        1, "", 2, first.digest)
    assert run_digest(first) == first.digest and run_digest(second) == second.digest
    assert first.change_count == ChangeRecord.objects.filter(run=first).count()
    edited = ChangeRecord.objects.filter(run=first).first()
    ChangeRecord.objects.filter(pk=edited.pk).update(error="edited afterwards")
    problems, _, _ = verify()
    assert [(p.run_id, p.record_id) for p in problems] == [(first.id, edited.id)]


# ------------------------------------------------------------------ properties

inventories = st.builds(make_inventory, members=st.integers(1, 4), people=st.integers(1, 6),
                        shared=st.integers(0, 2))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=inventories, second=inventories)
def test_after_apply_a_new_plan_is_empty(first, second):
    drv = MemoryDriver()
    for inv in (first, second):
        plan = make_plan(inv, [drv])
        apply_plan(plan, [drv], allow_destroy=True)
        assert make_plan(inv, [drv]).empty


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inv=inventories, crash_at=st.integers(0, 60))
def test_a_crash_after_any_change_then_a_rerun_converges(inv, crash_at):
    store = MemoryBackend()
    crashing = MemoryDriver(store)
    crashing.crash_after = crash_at
    plan = make_plan(inv, [crashing])
    try:
        apply_plan(plan, [crashing])
        crashed = False
    except Crash:
        crashed = True
    assert crashed == (crash_at < len(plan.pending))
    fresh = MemoryDriver(store)  # a new process: same backend, new driver
    apply_plan(make_plan(inv, [fresh]), [fresh], allow_destroy=True)
    assert make_plan(inv, [fresh]).empty
    keys = store.keys()
    assert len(keys) == len(set(keys))  # no duplicate
    assert len(keys) == len(plan.pending)  # nothing lost, nothing extra


def test_secrets_never_reach_the_journal(settings):
    from provisioning.engine import register_secrets

    settings.MUTUALIS_RETRY_BACKOFF = 0.001
    register_secrets({"bind_password": "correct-horse-battery"}, ["bind_password"])
    inv = make_inventory(members=1, people=2)
    drv = MemoryDriver()

    class Leaky(MemoryDriver):
        def apply(self, changes):
            return [type(o)(o.key, False, "bind as admin with correct-horse-battery failed")
                    for o in super().apply(changes)]

    leaky = Leaky(drv.store)
    _, result = converge(inv, leaky)
    errors = list(ChangeRecord.objects.filter(run_id=result.run_id).values_list("error", flat=True))
    assert errors and all("correct-horse-battery" not in e for e in errors)
    assert any("bind as admin with ******** failed" in e for e in errors)
    assert "correct-horse-battery" not in str(result.errors)

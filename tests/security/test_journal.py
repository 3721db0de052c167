"""The provisioning journal's promises.

Every change is journaled before it is applied (`started`) and with its outcome after
(`ok`, `failed`; `skipped` when a change it depends on failed). Every run ends closed and
sealed into one hash chain, in the order runs close: a run that succeeds, diverges or fails
closes itself; a run whose process is stopped closes itself `interrupted`; a run whose
process died (killed, host lost) is closed `interrupted` by the next command that opens a run
or reads the journal. Whatever raises once a run opened (a backend dying while it is observed
again, a worker refusing a batch), the run closes `failed` and the command prints the
changes that were not applied, one per line, with why. `mutualis runs --verify` names every
run and every record forged, deleted or inserted, whatever the run's status.

What the chain cannot promise: it has no secret, so someone who rewrites the database and
recomputes every later digest rewrites history, and deleting the latest runs leaves no trace
in the rows that remain; the last seal that `runs --verify` prints is what to keep elsewhere.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from mutualis.cli import main
from provisioning.drivers import BackendError, ProvisioningError
from provisioning.engine import apply_plan, make_plan
from provisioning.journal import record_digest, verify
from provisioning.models import ChangeRecord, Run
from tests.factories import SMALL_INVENTORY, make_inventory, renamed
from tests.provisioning.file_driver import FileDriver
from tests.provisioning.memory_driver import Crash, MemoryBackend, MemoryDriver

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_inventory(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.yml"
    path.write_text(SMALL_INVENTORY)
    return path


def cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def converge(inv, driver, **kw):
    return apply_plan(make_plan(inv, [driver]), [driver], inventory=inv,
                      replan=lambda: make_plan(inv, [driver]), **kw)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def assert_chained() -> None:
    problems, count, _ = verify()
    assert problems == []
    sealed = list(Run.objects.filter(seq__isnull=False).order_by("seq"))
    assert [r.seq for r in sealed] == list(range(1, count + 1)) and count == len(sealed)
    assert [r.previous for r in sealed] == [""] + [r.digest for r in sealed[:-1]]


# ------------------------------------------------------------------ every run ends closed

def test_a_run_left_running_by_a_dead_process_is_closed_interrupted_by_the_next_apply():
    dead = Run.objects.create(pid=dead_pid(), host=socket.gethostname(),
                              heartbeat=timezone.now())
    from provisioning.journal import write_records

    write_records(dead.id, [("memory.account:x", "create", {}, {"name": "X"},
                             ChangeRecord.STARTED, 0, 0.0, "")])
    result = converge(make_inventory(members=1, people=2), MemoryDriver())
    dead.refresh_from_db()
    assert dead.status == Run.INTERRUPTED and dead.finished_at and "interrupted" in dead.error
    assert (dead.seq, Run.objects.get(pk=result.run_id).seq) == (1, 2)
    assert dead.change_count == 1  # its started record is sealed with it
    assert_chained()


def test_reading_the_journal_closes_a_run_on_another_host_whose_heartbeat_stopped(capsys):
    stale = Run.objects.create(host="elsewhere", pid=1,
                               heartbeat=timezone.now() - timedelta(minutes=11))
    alive = Run.objects.create(host="elsewhere", pid=1, heartbeat=timezone.now())
    code, out, err = cli(capsys, "runs", "--json")
    statuses = {r["id"]: r["status"] for r in json.loads(out)}
    assert code == 0 and f"Run {stale.id} was left open" in err
    assert statuses == {stale.id: Run.INTERRUPTED, alive.id: Run.RUNNING}
    assert_chained()


def test_a_run_whose_process_is_alive_is_not_closed(capsys):
    mine = Run.objects.create(pid=os.getpid(), host=socket.gethostname(),
                              heartbeat=timezone.now() - timedelta(hours=1))
    converge(make_inventory(members=1, people=2), MemoryDriver())
    mine.refresh_from_db()
    assert (mine.status, mine.seq) == (Run.RUNNING, None)


def test_a_run_stopped_in_its_process_is_closed_interrupted_with_its_started_changes():
    inv = make_inventory(members=2, people=4)
    drv = MemoryDriver()
    drv.crash_after = 3
    with pytest.raises(Crash):
        apply_plan(make_plan(inv, [drv]), [drv], inventory=inv)
    run = Run.objects.get()
    assert run.status == Run.INTERRUPTED and run.seq == 1 and "Crash" in run.error
    started = ChangeRecord.objects.filter(run=run, outcome=ChangeRecord.STARTED)
    assert started.exists()  # applied or not: the journal says it does not know
    assert_chained()


class HangingFileDriver(FileDriver):
    """The file driver, hanging (until killed) when it reaches MUTUALIS_TEST_HANG_ON, after
    writing a marker file next to the backend's directory."""

    def apply(self, changes):
        for i, c in enumerate(changes):
            if c.key == os.environ.get("MUTUALIS_TEST_HANG_ON"):
                outcomes = super().apply(changes[:i])
                Path(str(self.root) + ".hanging").write_text(c.key)
                time.sleep(600)
                return outcomes
        return super().apply(changes)


def test_a_killed_apply_is_closed_by_the_next_command_and_nothing_it_changed_is_unjournaled(
        tmp_path, small_inventory):
    files = tmp_path / "files"
    env = {**os.environ, "MUTUALIS_VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'mutualis.sqlite3'}",
           "MUTUALIS_DRIVERS": "provisioning.registry.RegistryDriver,"
                               "tests.security.test_journal.HangingFileDriver",
           "MUTUALIS_TEST_FILE_BACKEND": str(files), "PYTHONPATH": str(ROOT)}
    env.pop("CELERY_BROKER_URL", None)

    def mutualis(*argv, **extra):
        return subprocess.run([sys.executable, "-m", "mutualis.cli", *argv],
                              env={**env, **extra}, cwd=ROOT, capture_output=True, text=True,
                              timeout=180)

    apply = subprocess.Popen([sys.executable, "-m", "mutualis.cli", "apply",
                              str(small_inventory), "--yes"],
                             env={**env, "MUTUALIS_TEST_HANG_ON": "file.site:79142"},
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker = Path(str(files) + ".hanging")
    try:
        deadline = time.monotonic() + 150
        while not marker.exists():
            assert apply.poll() is None and time.monotonic() < deadline, "the apply never hung"
            time.sleep(0.1)
    finally:
        apply.send_signal(signal.SIGKILL)
        apply.wait()

    listed = mutualis("runs", "--json")
    assert listed.returncode == 0, listed.stderr
    killed = json.loads(listed.stdout)[0]
    assert killed["status"] == "interrupted" and killed["seq"] == 1
    records = {r["key"]: r for r in json.loads(mutualis("runs", str(killed["id"]),
                                                        "--json").stdout)}
    assert records["file.site:79142"]["outcome"] == "started"
    on_backend = {json.loads(f.read_text())["key"] for f in files.glob("*.json")}
    assert on_backend and on_backend <= set(records)  # every change made was journaled
    verified = mutualis("runs", "--verify")
    assert verified.returncode == 0 and "intact: 1 runs" in verified.stdout, verified.stderr

    again = mutualis("apply", str(small_inventory), "--yes")
    assert again.returncode == 0 and "succeeded" in again.stdout, again.stdout + again.stderr
    verified = mutualis("runs", "--verify")
    assert verified.returncode == 0 and "intact: 2 runs" in verified.stdout, verified.stderr


# ------------------------------------------------------------------ whatever raises, it closes

class DyingDriver(MemoryDriver):
    """A backend that refuses one change, then dies once the apply is over: observing it
    again raises."""

    shared = MemoryBackend()
    refuse: set[str] = set()
    dead = False

    def __init__(self, config=None):
        super().__init__(DyingDriver.shared)
        self.permanent_fail = DyingDriver.refuse

    def observe(self, scope):
        if DyingDriver.dead:
            raise BackendError("the memory backend at 127.0.0.1:9 refused the connection")
        return super().observe(scope)

    def apply(self, changes):
        outcomes = super().apply(changes)
        DyingDriver.dead = True
        return outcomes


@pytest.fixture
def dying(settings, small_inventory):
    settings.MUTUALIS_DRIVERS = ["tests.security.test_journal.DyingDriver"]
    settings.MUTUALIS_RETRY_BACKOFF = 0.001
    DyingDriver.shared, DyingDriver.dead = MemoryBackend(), False
    DyingDriver.refuse = set()
    yield small_inventory


def test_a_backend_dying_after_the_apply_closes_the_run_failed_and_prints_the_failing_keys(
        capsys, dying):
    planned = json.loads(cli(capsys, "plan", str(dying), "--json")[1])["changes"]
    refused = next(c["key"] for c in planned if c["key"].startswith("memory.account:"))
    DyingDriver.refuse = {refused}
    code, out, err = cli(capsys, "apply", str(dying), "--yes")
    assert code == 1
    assert f"error: {refused}: {refused}: refused by the backend" in err
    assert "could not be observed again: the memory backend at 127.0.0.1:9 refused" in err
    run = Run.objects.get()
    assert (run.status, run.seq) == (Run.FAILED, 1) and "observed again" in run.error
    assert f"Run {run.id}: failed" in out
    assert_chained()


@pytest.mark.parametrize("where", ["choosing the batch's driver", "journaling outcomes"])
def test_anything_raising_once_the_run_opened_closes_it_failed_and_sealed(
        capsys, dying, monkeypatch, where):
    from provisioning import batches
    from provisioning.executors import InProcessExecutor

    def refuse(*args, **kwargs):
        raise ProvisioningError(f"{where}: refused")

    if where.startswith("choosing"):
        monkeypatch.setattr(InProcessExecutor, "driver_for", refuse)
    else:
        monkeypatch.setattr(batches, "journal_outcomes", refuse)
    code, out, err = cli(capsys, "apply", str(dying), "--yes")
    run = Run.objects.get()
    assert code == 1 and f"error: run {run.id}: the apply stopped: {where}: refused" in err
    assert (run.status, run.seq) == (Run.FAILED, 1)
    assert_chained()


def test_a_later_batch_raising_keeps_the_earlier_batches_outcomes_inside_the_seal(
        capsys, dying, monkeypatch):
    """In this process, a batch's outcomes are written with the next write of the journal:
    a run stopped by a later batch still has them written before it is sealed."""
    from provisioning.executors import InProcessExecutor

    real, calls = InProcessExecutor.driver_for, []

    def second_refused(*args, **kwargs):
        calls.append(args)
        if len(calls) > 1:
            raise ProvisioningError("second batch: refused")
        return real(*args, **kwargs)

    monkeypatch.setattr(InProcessExecutor, "driver_for", second_refused)
    code, _, err = cli(capsys, "apply", str(dying), "--yes")
    run = Run.objects.get()
    assert code == 1 and len(calls) > 1 and "second batch: refused" in err
    assert run.changes.filter(outcome=ChangeRecord.OK).exists()  # the first batch's
    assert_chained()  # written before the seal, not after it


# ------------------------------------------------------------------ journaled before applied

class JournalCheckingDriver(MemoryDriver):
    """Looks in the journal for each change's record before applying it."""

    seen: list[tuple[str, str | None]] = []

    def apply(self, changes):
        journaled = dict(ChangeRecord.objects.filter(
            run__seq__isnull=True, key__in=[c.key for c in changes]).values_list(
                "key", "outcome"))
        JournalCheckingDriver.seen += [(c.key, journaled.get(c.key)) for c in changes]
        return super().apply(changes)


def test_every_change_is_journaled_as_started_before_the_driver_applies_it():
    JournalCheckingDriver.seen = []
    inv = make_inventory(members=3, people=5, shared=1)
    result = converge(inv, JournalCheckingDriver())
    seen = dict(JournalCheckingDriver.seen)
    assert len(seen) == len(JournalCheckingDriver.seen) == Run.objects.get().change_count
    assert set(seen.values()) == {ChangeRecord.STARTED}
    outcomes = set(ChangeRecord.objects.filter(run_id=result.run_id).values_list(
        "outcome", flat=True))
    assert outcomes == {ChangeRecord.OK}


def test_a_batch_run_twice_keeps_one_record_per_change_and_a_closed_run_takes_no_more():
    from provisioning.tasks import apply_batch

    inv = make_inventory(members=1, people=3)
    drv = MemoryDriver()
    plan = make_plan(inv, [drv])
    run = Run.objects.create()
    payload = [c.to_payload() for c in plan.pending if c.level == 0]
    from provisioning import batches, engine

    batches.open_local_run(run.id, [drv])
    try:
        for _ in range(2):  # a worker lost mid-task: the task runs again
            apply_batch.apply(args=([], run.id, "memory", payload)).get()
        records = ChangeRecord.objects.filter(run=run)
        assert records.count() == len(payload)
        assert set(records.values_list("outcome", flat=True)) == {ChangeRecord.OK}
        batches.close_local_run(run.id)  # as when the run closes
        engine.finish_run(run.id, Run.INTERRUPTED, None)
        applied = drv.applied
        late = apply_batch.apply(args=([], run.id, "memory", payload)).get()
        assert drv.applied == applied and all("was closed" in e for e in late["errors"].values())
    finally:
        batches.close_local_run(run.id)
    assert_chained()


# ------------------------------------------------------------------ forgeries are named

def journal_of_every_kind(settings) -> dict[str, Run]:
    """Three sealed runs: one succeeded, one failed, one interrupted (in this order)."""
    settings.MUTUALIS_RETRY_BACKOFF = 0.001
    inv = make_inventory(members=2, people=4)
    store = MemoryBackend()
    converge(inv, MemoryDriver(store))
    failing = MemoryDriver(store)
    failing.permanent_fail = {f"memory.account:{inv.people[1].uid}"}
    converge(renamed(inv, inv.people[1].uid, "Autre"), failing)
    crashing = MemoryDriver(store)
    crashing.crash_after = 1
    with pytest.raises(Crash):
        converge(make_inventory(members=2, people=7), crashing)
    succeeded, failed, interrupted = Run.objects.order_by("seq")
    assert (succeeded.status, failed.status, interrupted.status) == (
        Run.SUCCEEDED, Run.FAILED, Run.INTERRUPTED)
    return {"succeeded": succeeded, "failed": failed, "interrupted": interrupted}


def forge_a_record(run):
    rec = run.changes.order_by("id").last()
    ChangeRecord.objects.filter(pk=rec.pk).update(after={"name": "Forged"})
    return rec.id


def forge_a_record_and_its_digest(run):
    rec = run.changes.order_by("id").first()
    rec.outcome = ChangeRecord.OK if rec.outcome != ChangeRecord.OK else ChangeRecord.FAILED
    rec.digest = record_digest(rec.run_id, rec.key, rec.action, rec.before, rec.after,
                               rec.outcome, rec.attempts, rec.duration_ms, rec.error)
    rec.save()
    return None  # the record verifies on its own: the run's seal is what catches it


def delete_a_record(run):
    rec = run.changes.order_by("id").first()
    rec.delete()
    return rec.id


def insert_a_record(run):
    key, action, outcome = "memory.account:intruder", "create", ChangeRecord.OK
    rec = ChangeRecord.objects.create(
        run=run, key=key, action=action, outcome=outcome, after={"name": "Intruder"},
        digest=record_digest(run.id, key, action, {}, {"name": "Intruder"}, outcome, 1, 0, ""))
    return rec.id


def move_a_record_in_from_another_run(run):
    rec = ChangeRecord.objects.exclude(run=run).exclude(
        key__in=run.changes.values("key")).order_by("id").first()
    ChangeRecord.objects.filter(pk=rec.pk).update(run=run)
    return rec.id


def rewrite_the_run(run):
    Run.objects.filter(pk=run.pk).update(status=Run.SUCCEEDED, error="")
    if run.status == Run.SUCCEEDED:
        Run.objects.filter(pk=run.pk).update(summary={"create": 0})
    return None


TAMPERINGS = [forge_a_record, forge_a_record_and_its_digest, delete_a_record, insert_a_record,
              move_a_record_in_from_another_run, rewrite_the_run]


@pytest.mark.parametrize("kind", ["succeeded", "failed", "interrupted"])
@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda f: f.__name__)
def test_runs_verify_names_the_run_and_the_record_forged_deleted_or_inserted(
        capsys, settings, kind, tamper):
    runs = journal_of_every_kind(settings)
    assert cli(capsys, "runs", "--verify")[0] == 0
    run = runs[kind]
    record_id = tamper(run)
    code, _, err = cli(capsys, "runs", "--verify")
    assert code == 1 and "the journal was altered" in err
    assert f"run {run.id}" in err
    if record_id is not None:
        assert f"record {record_id}" in err
    others = [r.id for k, r in runs.items() if k != kind]
    if tamper is not move_a_record_in_from_another_run:
        assert not any(f"run {i}" in err for i in others)  # only the run that was touched


@pytest.mark.parametrize("kind", ["succeeded", "failed"])
def test_runs_verify_names_the_run_after_a_run_deleted_from_the_chain(capsys, settings, kind):
    runs = journal_of_every_kind(settings)
    gone = runs[kind]
    gone.changes.all().delete()
    gone.delete()
    after = Run.objects.filter(seq=gone.seq + 1).get()
    code, _, err = cli(capsys, "runs", "--verify")
    assert code == 1 and f"run {after.id} (sealed #{after.seq})" in err
    assert f"#{gone.seq} before it was deleted" in err


def test_a_run_closed_without_a_seal_is_reported(capsys, settings):
    journal_of_every_kind(settings)
    forged = Run.objects.create(status=Run.SUCCEEDED)  # a run that never ran
    code, _, err = cli(capsys, "runs", "--verify")
    assert code == 1 and f"run {forged.id} is succeeded but was never sealed" in err


# ------------------------------------------------------------------ runs of older versions

def test_runs_sealed_by_an_older_version_keep_their_digests_and_the_chain_goes_on(capsys):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from provisioning.journal import legacy_digest

    executor = MigrationExecutor(connection)
    executor.migrate([("provisioning", "0003_syndicate")])
    old = executor.loader.project_state([("provisioning", "0003_syndicate")]).apps
    OldRun, OldRecord = old.get_model("provisioning", "Run"), old.get_model(
        "provisioning", "ChangeRecord")
    previous, ids = "", []
    for status in ("succeeded", "failed"):
        run = OldRun.objects.create(status=status, summary={"create": 1})
        OldRecord.objects.create(run=run, key=f"memory.account:{status}", action="create",
                                 outcome="ok", after={"name": status})
        run.digest = previous = legacy_digest(previous, run)
        run.save()
        ids.append(run.id)
    crashed = OldRun.objects.create(status="crashed", error="Crash: before memory.x")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    converge(make_inventory(members=1, people=2), MemoryDriver())  # seals the crashed run
    assert list(Run.objects.order_by("seq").values_list("id", "seq", "seal_version")) == [
        (ids[0], 1, 1), (ids[1], 2, 1), (crashed.id, 3, 2), (crashed.id + 1, 4, 2)]
    assert_chained()
    ChangeRecord.objects.filter(run_id=ids[0]).update(after={"name": "forged"})
    code, _, err = cli(capsys, "runs", "--verify")
    assert code == 1 and f"run {ids[0]} (sealed #1) no longer matches its digest" in err

"""The `mutualis` command line: validate, schema, plan, apply, runs, services, demo.

Errors are one sentence on stderr and exit code 1, never a traceback. `plan
--detailed-exitcode` exits 2 when changes are pending, as Terraform does. Packages add their
own sub-commands through `<package>.cli.register(subparsers)`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from rich.console import Console
from rich.markup import escape

# Also what the Ansible collection's module_utils import from here.
from .cli_support import ensure_database, err, out, setup_django

PLUGIN_PACKAGES = ("ldap_sync", "nextcloud_bridge", "wagtail_site_factory", "convocation",
                   "signature", "actes", "portal", "mail_service", "grc", "courrier")


def load(path: str):
    from provisioning import service

    return service.load(path)


# --------------------------------------------------------------------------- printing

SYMBOLS = {"create": ("+", "green"), "update": ("~", "yellow"), "disable": ("-", "red"),
           "archive": ("▣", "red")}


def _value(v) -> str:
    return json.dumps(v, ensure_ascii=False)


def print_plan(plan, console: Console = out, detailed: bool = True) -> None:
    """The changes, before → after (unless not `detailed`), then the summary."""
    for c in plan.pending if detailed else []:
        symbol, colour = SYMBOLS[c.action]
        console.print(f"[{colour}]{symbol} {c.action:8}[/] {escape(c.key)}")
        if c.action == "create":
            for name, value in c.after.items():
                console.print(f"      {escape(name)}: {escape(_value(value))}")
        else:
            for name in c.after:
                console.print(f"      {escape(name)}: {escape(_value(c.before.get(name)))}"
                              f" → {escape(_value(c.after[name]))}")
    s = plan.summary()
    console.print(f"Plan: {s['create']} to create, {s['update']} to update, {s['disable']} to "
                  f"disable, {s['archive']} to archive, {s['noop']} unchanged.")
    from mutualis import conf

    share = plan.destructive_share()
    if share > conf.MUTUALIS_DESTROY_THRESHOLD:
        console.print(f"[red]Warning: this plan disables or archives {share:.0%} of the existing "
                      "resources; apply will refuse it without --allow-destroy.[/]")


# --------------------------------------------------------------------------- commands

def cmd_validate(args) -> int:
    inv = load(args.file)
    services = sorted({s for m in inv.members for s in m.services})
    out.print(f"{args.file}: valid: {len(inv.members)} members, {len(inv.people)} people, "
              f"services {', '.join(services) or 'none'}.")
    return 0


def cmd_schema(args) -> int:
    from provisioning.schema import schema_json

    print(schema_json())
    return 0


def _plan(args):
    from provisioning import service

    return service.plan(load(args.file), args.only)


def cmd_plan(args) -> int:
    ensure_database()
    plan = _plan(args).plan
    if args.json:
        print(json.dumps(plan.as_json(), ensure_ascii=False, indent=2))
    else:
        print_plan(plan)
    return 2 if args.detailed_exitcode and not plan.empty else 0


def cmd_apply(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from provisioning import service
    from provisioning.engine import check_destructive

    ensure_database()
    planned = _plan(args)
    plan = planned.plan
    print_plan(plan, detailed=not getattr(args, "quiet", False))
    if plan.empty:
        out.print("Nothing to do: the backends already match the inventory.")
        return 0
    check_destructive(plan, args.allow_destroy)
    if not args.yes:
        if not sys.stdin.isatty():
            err.print("error: apply asks for confirmation; pass --yes when no one can answer")
            return 1
        if input("Apply this plan? [y/N] ").strip().lower() not in ("y", "yes", "o", "oui"):
            out.print("Cancelled: nothing was changed.")
            return 1
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=out, transient=False,
                  disable=not out.is_terminal) as bar:
        task = bar.add_task("applying", total=len(plan.pending))
        done = [0]

        def progress(count: int) -> None:
            done[0] += count
            bar.update(task, completed=done[0])

        result = service.apply(planned, args.allow_destroy, progress)
    for key, message in sorted(result.errors.items()):
        err.print(f"[red]error[/]: {escape(key)}: {escape(message)}")
    if result.error:
        err.print(f"[red]error[/]: run {result.run_id}: {escape(result.error)}")
    after = ("not re-observed" if result.pending_after is None
             else f"{result.pending_after} still pending after re-observing")
    out.print(f"Run {result.run_id}: {result.status}; {len(plan.pending)} changes, "
              f"{len(result.errors)} not applied; {after}.")
    return 0 if result.status == "succeeded" else 1


def cmd_runs(args) -> int:
    from provisioning.journal import close_dead_runs, verify
    from provisioning.models import ChangeRecord, Run

    ensure_database()
    for run_id in close_dead_runs():
        err.print(f"Run {run_id} was left open by a process that stopped: closed and sealed.")
    if args.verify:
        problems, count, last = verify()
        for problem in problems:
            err.print(f"error: the journal was altered: {escape(problem.sentence)}")
        if problems:
            return 1
        out.print(f"The journal is intact: {count} runs, each matching its seal and chained "
                  f"to the one before; last seal {last or 'none'}.")
        return 0
    if args.run:
        records = ChangeRecord.objects.filter(run_id=args.run)
        rows = [{"key": r.key, "action": r.action, "outcome": r.outcome, "attempts": r.attempts,
                 "duration_ms": round(r.duration_ms, 2), "error": r.error} for r in records]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        for r in [] if args.json else rows:
            out.print(f"{r['outcome']:8} {r['action']:8} {escape(r['key'])} {escape(r['error'])}")
        return 0
    runs = list(Run.objects.all()[: args.limit])
    rows = [{"id": r.id, "started_at": r.started_at.isoformat(), "status": r.status,
             "only": r.only, "summary": r.summary, "pending_after": r.pending_after,
             "inventory": r.inventory_path, "error": r.error, "seq": r.seq} for r in runs]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        s = r["summary"]
        out.print(f"{r['id']:5} {r['started_at'][:19]} {r['status']:11} "
                  f"+{s.get('create', 0)} ~{s.get('update', 0)} -{s.get('disable', 0)} "
                  f"▣{s.get('archive', 0)}  {escape(r['inventory'])}")
    return 0


def cmd_services(args) -> int:
    from mutualis import services

    if args.action == "start":
        services.start()
        for name, state in services.status().items():
            out.print(f"{name}: {state}")
        out.print(f"Settings written to {services.services_path()}.")
    elif args.action == "stop":
        stopped = services.stop()
        out.print("Stopped: " + (", ".join(stopped) or "nothing was running") + ".")
    else:
        for name, state in services.status().items():
            out.print(f"{name}: {state}")
    return 0


def cmd_demo(args) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from mutualis import demo, services

    services.start()
    for name, state in services.status().items():
        out.print(f"{name}: {state}")
    # Before the apply: the links it mails (activation) carry the address served.
    services.record_web_address(f"http://{args.addr}")
    ensure_database()
    rc = cmd_apply(argparse.Namespace(file=args.file, only=None, yes=True, allow_destroy=False,
                                      quiet=True))
    if rc != 0:
        return rc
    for line in demo.prepare():
        out.print(line)
    settings.MUTUALIS_SERVE_MEDIA = True  # no web server in front in the demo
    out.print("Serving (Ctrl-C to stop).")
    call_command("runserver", args.addr, use_reloader=False, insecure_serving=True, verbosity=0)
    return 0


def cmd_worker(args) -> int:
    from mutualis import conf
    from mutualis.celery import app
    from mutualis.worker_health import ENVIRONMENT, HealthStep, parse_address
    from provisioning.engine import driver_classes

    if args.apps:  # the apps' tasks: Celery's default queue
        queues, name = ["celery"], "mutualis-default"
        concurrency = args.concurrency or 4
    else:
        backends = args.backend or [cls.backend for cls in driver_classes()]
        queues = ["mutualis.control"] + [f"mutualis.{b}" for b in backends]
        name = f"mutualis-{'-'.join(backends)}"
        concurrency = args.concurrency or max(
            conf.MUTUALIS_BACKEND_CONCURRENCY.get(b, 4) for b in backends)
    if args.health:
        os.environ[ENVIRONMENT] = args.health  # where the worker's health step listens
    if os.environ.get(ENVIRONMENT):
        try:
            parse_address(os.environ[ENVIRONMENT])
        except ValueError as exc:
            err.print(f"error: {escape(str(exc))}")
            return 1
        app.steps["worker"].add(HealthStep)
    app.worker_main(["worker", "--queues", ",".join(queues), "--concurrency", str(concurrency),
                     "--loglevel", args.loglevel, "--hostname", f"{name}@%h"])
    return 0


# --------------------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mutualis", description="Provision a syndicate's members "
                                "and run its e-administration services.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("validate", help="check an inventory file")
    s.add_argument("file")
    s.set_defaults(handler=cmd_validate, needs_db=False)

    s = sub.add_parser("schema", help="print the inventory's JSON Schema")
    s.set_defaults(handler=cmd_schema)

    for name, handler, text in (("plan", cmd_plan, "show what apply would change"),
                                ("apply", cmd_apply, "make the backends match the inventory")):
        s = sub.add_parser(name, help=text)
        s.add_argument("file")
        s.add_argument("--only", action="append", metavar="CODE",
                       help="limit to these members (repeat, or separate with commas)")
        if name == "plan":
            s.add_argument("--json", action="store_true", help="print the plan as JSON")
            s.add_argument("--detailed-exitcode", action="store_true",
                           help="exit 2 when changes are pending")
        else:
            s.add_argument("--yes", action="store_true", help="do not ask for confirmation")
            s.add_argument("--allow-destroy", action="store_true",
                           help="accept a plan that disables or archives many resources")
        s.set_defaults(handler=handler)

    s = sub.add_parser("runs", help="the provisioning journal")
    s.add_argument("run", nargs="?", type=int, help="show the changes of this run")
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--json", action="store_true")
    s.add_argument("--verify", action="store_true", help="check the journal's hash chain")
    s.set_defaults(handler=cmd_runs)

    s = sub.add_parser("services", help="embedded backends for the demo and development")
    s.add_argument("action", choices=["start", "stop", "status"])
    s.set_defaults(handler=cmd_services)

    s = sub.add_parser("demo", help="start the embedded backends, provision the example "
                       "inventory and serve the sites")
    s.add_argument("--file", default="examples/pays-mellois.yml")
    s.add_argument("--addr", default="127.0.0.1:8000")
    s.set_defaults(handler=cmd_demo)

    s = sub.add_parser("worker", help="run a Celery worker for the apply tasks")
    which = s.add_mutually_exclusive_group()
    which.add_argument("--backend", action="append", help="only this backend's queue (repeat)")
    which.add_argument("--apps", action="store_true",
                       help="the apps' tasks (reminders, transmissions…) instead of the apply's")
    s.add_argument("--concurrency", type=int, help="tasks at once (default: the backend's limit)")
    s.add_argument("--loglevel", default="info")
    s.add_argument("--health", metavar="ADDRESS:PORT",
                   help="serve /healthz there (mutualis/worker_health.py)")
    s.set_defaults(handler=cmd_worker)

    for package in PLUGIN_PACKAGES:
        try:
            module = importlib.import_module(f"{package}.cli")
        except ModuleNotFoundError as exc:
            if exc.name not in (package, f"{package}.cli"):
                raise
            continue
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from provisioning.drivers import ProvisioningError

    try:
        setup_django()
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except ProvisioningError as exc:
        err.print(f"error: {escape(str(exc))}")
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:  # never a traceback for people; developers can ask for it
        if os.environ.get("MUTUALIS_DEBUG") == "1":
            raise
        err.print(f"error: {type(exc).__name__}: {escape(str(exc))} "
                  "(set MUTUALIS_DEBUG=1 to see the traceback)")
        return 1


if __name__ == "__main__":
    sys.exit(main())

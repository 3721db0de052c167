"""What an operator's monitoring reads from each web process: `/healthz` and `/metrics`.

`/healthz` answers the load balancer and systemd's watchers: 200 when this process reaches the
database, the shared cache and the Celery broker, 503 naming the part that fails. It says which
part, never why (an error message may carry an address or a password): the process's log does.

`/metrics` is Prometheus's text exposition format (version 0.0.4): the Celery queues' lengths,
the last provisioning run, its failed changes, the nearest expiry of a signing certificate and
the members. It needs the bearer token of MUTUALIS_METRICS_TOKEN: the web processes sit behind
the front, so every request reaches them from a loopback or private address and the client's
address tells nothing; and Prometheus scrapes each web host from its own machine.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from mutualis import conf

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BROKER_TIMEOUT = 2.0  # seconds: a health check must answer before the load balancer gives up


# ---------------------------------------------------------------------------- the checks

def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = "mutualis:healthz"
    value = str(time.time_ns())
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not give back what was stored")


def _broker_url() -> str:
    from mutualis.celery import app

    return app.conf.broker_url or ""


def broker_configured() -> bool:
    return not _broker_url().startswith("memory://")


def _broker_connection():
    from mutualis.celery import app

    return app.connection_for_read(connect_timeout=BROKER_TIMEOUT,
                                   transport_options={"socket_timeout": BROKER_TIMEOUT,
                                                      "socket_connect_timeout": BROKER_TIMEOUT})


def _broker() -> None:
    with _broker_connection() as conn:
        conn.ensure_connection(max_retries=1)
        conn.default_channel  # noqa: B018 - opening a channel proves the broker answers


def checks(broker: bool = True) -> dict[str, str]:
    """Each part this process depends on: "ok", "failed", or "not configured". `broker=False`
    leaves the broker out (a worker answers for its own consumer's connection instead)."""
    parts = {"database": _database, "cache": _cache}
    if broker and broker_configured():
        parts["broker"] = _broker
    result = {}
    for name, check in parts.items():
        try:
            check()
            result[name] = "ok"
        except Exception:
            log.warning("healthz: the %s is unreachable", name, exc_info=True)
            result[name] = "failed"
    if broker and "broker" not in result:
        result["broker"] = "not configured"  # tasks run eagerly in this process
    return result


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    parts = checks()
    healthy = "failed" not in parts.values()
    return JsonResponse({"status": "ok" if healthy else "failed", "checks": parts},
                        status=200 if healthy else 503)


class HealthMiddleware:
    """Answers /healthz before any other middleware: the page cache and the sessions need the
    cache and the database, so with either down they would answer 500 instead of saying which
    part fails; and the front's checks reach the process by its address, over plain HTTP
    (no host check, no HTTPS redirect)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


# ---------------------------------------------------------------------------- the figures

def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


class Exposition:
    """Metric families written in the text format: HELP and TYPE once, then the samples."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, text: str,
               samples: Iterable[tuple[dict[str, str], float]]) -> None:
        self.lines.append(f"# HELP {name} {_help(text)}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
            self.lines.append(f"{name}{{{label_text}}} {value!r}" if label_text
                              else f"{name} {value!r}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def queue_names() -> list[str]:
    """The control queue, each backend's queue, and the apps' default queue."""
    from mutualis.celery import app
    from provisioning.engine import driver_classes
    from provisioning.executors import CONTROL_QUEUE, backend_queue

    names = [CONTROL_QUEUE] + [backend_queue(cls.backend) for cls in driver_classes()]
    default = app.conf.task_default_queue or "celery"
    return names + ([default] if default not in names else [])


def queue_lengths() -> dict[str, float]:
    """Messages waiting in each queue (a queue never declared holds none)."""
    lengths: dict[str, float] = {}
    with _broker_connection() as conn:
        conn.ensure_connection(max_retries=1)
        for name in queue_names():
            channel = conn.channel()
            try:
                lengths[name] = float(channel.queue_declare(queue=name, passive=True)
                                      .message_count)
            except conn.channel_errors:
                lengths[name] = 0.0
            finally:
                channel.close()
    return lengths


def _timestamp(value) -> float:
    return round(value.timestamp(), 3)


def exposition() -> str:
    from provisioning.models import ChangeRecord, RegistryMember, Run

    out = Exposition()
    if broker_configured():
        try:
            lengths = queue_lengths()
            up = 1.0
        except Exception:
            log.warning("metrics: the broker is unreachable", exc_info=True)
            lengths, up = {}, 0.0
        out.family("mutualis_celery_broker_up", "gauge",
                   "1 when the Celery broker answered this scrape.", [({}, up)])
        out.family("mutualis_celery_queue_length", "gauge",
                   "Tasks waiting in each Celery queue.",
                   [({"queue": name}, n) for name, n in lengths.items()])

    last = Run.objects.exclude(status=Run.RUNNING).order_by("-id").first()
    running = Run.objects.filter(status=Run.RUNNING).count()
    out.family("mutualis_provisioning_runs_running", "gauge",
               "Provisioning runs still open.", [({}, float(running))])
    if last is not None:
        ended = last.finished_at or last.started_at
        out.family("mutualis_provisioning_last_run_timestamp_seconds", "gauge",
                   "When the last closed provisioning run ended (Unix time).",
                   [({}, _timestamp(ended))])
        statuses = (Run.SUCCEEDED, Run.FAILED, Run.DIVERGED, Run.INTERRUPTED)
        if last.status not in statuses:
            statuses += (last.status,)
        out.family("mutualis_provisioning_last_run_status", "gauge",
                   "1 for the status of the last closed provisioning run, 0 for the others.",
                   [({"status": s}, 1.0 if s == last.status else 0.0) for s in statuses])
        failed = ChangeRecord.objects.filter(run=last, outcome=ChangeRecord.FAILED).count()
        out.family("mutualis_provisioning_last_run_failed_changes", "gauge",
                   "Changes of the last closed provisioning run that failed.",
                   [({}, float(failed))])
        out.family("mutualis_provisioning_last_run_pending_changes", "gauge",
                   "Changes still planned after the last closed run (0 when it converged).",
                   [({}, float(last.pending_after or 0))])

    expiry = _nearest_certificate_expiry()
    if expiry is not None:
        out.family("mutualis_signing_certificate_nearest_expiry_timestamp_seconds", "gauge",
                   "When the first of the active signing certificates expires (Unix time).",
                   [({}, _timestamp(expiry))])

    counts = RegistryMember.objects.aggregate(n_active=Count("pk", filter=Q(active=True)),
                                              n_archived=Count("pk", filter=Q(active=False)))
    out.family("mutualis_members", "gauge", "Members in the registry, active or archived.",
               [({"state": state}, float(counts[f"n_{state}"]))
                for state in ("active", "archived")])
    return out.text()


def _nearest_certificate_expiry():
    from django.apps import apps
    from django.db.models import Min

    if not apps.is_installed("signature"):
        return None
    from signature.models import SigningKey

    return SigningKey.objects.filter(active=True).aggregate(first=Min("not_after"))["first"]


def _authorized(request: HttpRequest) -> bool:
    token = conf.MUTUALIS_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if not token or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").encode(), token.encode())


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not conf.MUTUALIS_METRICS_TOKEN:
        return HttpResponse(_("Les mesures sont désactivées : MUTUALIS_METRICS_TOKEN n'est pas "
                              "défini dans l'environnement du serveur."),
                            status=404, content_type="text/plain; charset=utf-8")
    if not _authorized(request):
        response = HttpResponse(_("Les mesures demandent le jeton de MUTUALIS_METRICS_TOKEN "
                                  "(en-tête « Authorization: Bearer … »)."),
                                status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE)

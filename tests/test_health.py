"""`/healthz` and `/metrics` of a web process, over HTTP from the real test server, with a real
Redis as the shared cache and the Celery broker.

The Redis database is this module's own (REDIS_DB), emptied before and after. The queue lengths
are those of messages really sent to the broker by Celery; the exposition is read back with a
strict parser of Prometheus's text format (version 0.0.4), written from its description
(https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), since
prometheus_client is not among the project's packages.
"""

from __future__ import annotations

import math
import re

import httpx
import pytest
import redis
from cryptography import x509

from mutualis.celery import app
from provisioning import journal
from provisioning.backends import free_port
from provisioning.models import RegistryMember, Run
from signature.models import SigningKey

REDIS_DB = 11  # 13, 14 and 15 are other tests'
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
TOKEN = "jeton-de-test-des-mesures"

pytestmark = pytest.mark.django_db(transaction=True)


# ---------------------------------------------------------------------------- a strict parser

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"'
SAMPLE = re.compile(rf"^({NAME})(?:\{{((?:{LABEL})(?:,{LABEL})*)?\}})? (\S+)(?: (-?\d+))?$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_exposition(text: str) -> dict[str, dict]:
    """{family: {"type", "help", "samples": {frozenset(labels): value}}}; any line that does not
    follow the format fails the test."""
    assert text.endswith("\n"), "the exposition must end with a line feed"
    families: dict[str, dict] = {}
    for number, line in enumerate(text[:-1].split("\n"), 1):
        where = f"line {number}: {line!r}"
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                assert re.fullmatch(NAME, parts[2]), where
                family = families.setdefault(parts[2], {"samples": {}})
                key = parts[1].lower()
                assert key not in family, f"{where}: a second {parts[1]}"
                if key == "type":
                    assert len(parts) == 4 and parts[3] in TYPES, where
                    assert not family["samples"], f"{where}: TYPE after the samples"
                    family["type"] = parts[3]
                else:
                    family["help"] = parts[3] if len(parts) == 4 else ""
            continue
        assert line.strip(), f"{where}: blank line"
        match = SAMPLE.match(line)
        assert match, f"{where}: not a sample"
        name, labels_text, value = match.group(1), match.group(2), match.group(7)
        assert name in families and "type" in families[name], f"{where}: no TYPE before"
        pairs = re.findall(LABEL, labels_text or "")
        labels = {k: re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)
                  for k, v in pairs}
        assert len(labels) == len(pairs), f"{where}: a label twice"
        number_value = float(value)  # Go's ParseFloat accepts what float() does here
        assert not math.isnan(number_value), where
        key = frozenset(labels.items())
        assert key not in families[name]["samples"], f"{where}: the same sample twice"
        families[name]["samples"][key] = number_value
    return families


def value(families: dict, name: str, **labels) -> float:
    return families[name]["samples"][frozenset(labels.items())]


# ---------------------------------------------------------------------------- fixtures

@pytest.fixture
def store():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"these tests need Redis on 127.0.0.1:6379 (scripts/setup.sh): {exc}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def broker(store, settings):
    """Redis as the shared cache and as the broker of this process (the live server's)."""
    settings.CACHES = {"default": {"BACKEND": "mutualis.redis_cache.RedisCache",
                                   "LOCATION": REDIS_URL, "KEY_PREFIX": "health-test"}}
    settings.MUTUALIS_METRICS_TOKEN = TOKEN
    before = app.conf.broker_url
    app.conf.broker_url = REDIS_URL
    forget_connections()
    yield REDIS_URL
    app.conf.broker_url = before
    forget_connections()


def forget_connections() -> None:
    """Celery keeps the connections of its producers once made (a task run eagerly makes
    them too, to the memory broker): drop them, so that what is sent next goes to the broker
    now configured (what Celery does itself after a fork, app._after_fork)."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def get(live_server, path: str, **headers) -> httpx.Response:
    return httpx.get(f"{live_server.url}{path}", headers=headers, timeout=30)


def scrape(live_server) -> dict[str, dict]:
    response = get(live_server, "/metrics", Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse_exposition(response.text)


# ---------------------------------------------------------------------------- /healthz

def test_healthz_says_each_part_answers(live_server, broker, store):
    response = get(live_server, "/healthz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "checks": {
        "database": "ok", "cache": "ok", "broker": "ok"}}
    assert response.headers["Cache-Control"].startswith("max-age=0")
    assert store.keys("health-test:*"), "the cache check wrote nothing to Redis"


def test_healthz_names_the_part_that_fails(live_server, broker, settings):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    app.conf.broker_url = closed
    response = get(live_server, "/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "failed", "checks": {
        "database": "ok", "cache": "ok", "broker": "failed"}}
    assert "127.0.0.1" not in response.text  # which part, never why

    app.conf.broker_url = broker
    settings.CACHES = {"default": {"BACKEND": "mutualis.redis_cache.RedisCache",
                                   "LOCATION": closed}}
    response = get(live_server, "/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "failed", "broker": "ok"}


def test_healthz_without_a_broker(live_server, settings):
    """The embedded default: tasks run in the process, there is no broker to reach."""
    assert app.conf.broker_url.startswith("memory://")
    response = get(live_server, "/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok",
                                         "broker": "not configured"}


# ---------------------------------------------------------------------------- /metrics

def test_metrics_need_the_token(live_server, settings):
    settings.MUTUALIS_METRICS_TOKEN = ""
    off = get(live_server, "/metrics")
    assert off.status_code == 404
    assert "MUTUALIS_METRICS_TOKEN" in off.text

    settings.MUTUALIS_METRICS_TOKEN = TOKEN
    for headers in ({}, {"Authorization": "Bearer faux"}, {"Authorization": TOKEN},
                    {"Authorization": f"Basic {TOKEN}"}):
        refused = get(live_server, "/metrics", **headers)
        assert refused.status_code == 401, headers
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert "mutualis_" not in refused.text


def test_metrics_give_the_operators_figures(live_server, broker, store, registry):
    # Tasks waiting: three for the directory, one for the control queue, none elsewhere.
    for _ in range(3):
        app.send_task("provisioning.apply_batch", args=[None, 0, "ldap", []],
                      queue="mutualis.ldap")
    app.send_task("provisioning.collect", args=[[]], queue="mutualis.control")
    # Two runs closed: the last one failed two of its three changes.
    first = Run.objects.create(inventory_path="inventaire.yml")
    journal.seal(first.id, Run.SUCCEEDED, pending_after=0)
    last = Run.objects.create(inventory_path="inventaire.yml")
    journal.write_records(last.id, [
        ("ldap.account:jdupont", "create", {}, {"cn": "x"}, "ok", 1, 2.0, ""),
        ("ldap.account:pmartin", "create", {}, {"cn": "y"}, "failed", 4, 9.0, "refusé"),
        ("ldap.group:79101-elus", "update", {}, {"m": 1}, "failed", 4, 9.0, "refusé")])
    sealed = journal.seal(last.id, Run.FAILED, pending_after=2)
    Run.objects.create(inventory_path="inventaire.yml")  # a run still open
    RegistryMember.objects.filter(code="79102").update(active=False)

    families = scrape(live_server)

    assert families["mutualis_celery_queue_length"]["type"] == "gauge"
    assert value(families, "mutualis_celery_broker_up") == 1
    queues = {dict(k)["queue"]: v
              for k, v in families["mutualis_celery_queue_length"]["samples"].items()}
    assert queues["mutualis.ldap"] == 3 == store.llen("mutualis.ldap")
    assert queues["mutualis.control"] == 1
    assert {"mutualis.registry", "mutualis.wagtail", "celery"} <= set(queues)
    assert queues["mutualis.registry"] == 0

    assert value(families, "mutualis_provisioning_last_run_timestamp_seconds") == round(
        sealed.finished_at.timestamp(), 3)
    assert value(families, "mutualis_provisioning_last_run_status", status="failed") == 1
    assert value(families, "mutualis_provisioning_last_run_status", status="succeeded") == 0
    assert value(families, "mutualis_provisioning_last_run_failed_changes") == 2
    assert value(families, "mutualis_provisioning_last_run_pending_changes") == 2
    assert value(families, "mutualis_provisioning_runs_running") == 1

    # The nearest expiry, as the installed certificates themselves say.
    expiries = [x509.load_pem_x509_certificate(k.certificate.encode()).not_valid_after_utc
                for k in SigningKey.objects.filter(active=True)]
    assert len(expiries) == 4
    assert value(families, "mutualis_signing_certificate_nearest_expiry_timestamp_seconds") \
        == round(min(expiries).timestamp(), 3)
    # A revoked key (inactive) that expires sooner does not count.
    soonest = SigningKey.objects.filter(active=True).order_by("not_after").first()
    SigningKey.objects.filter(pk=soonest.pk).update(active=False)
    after = scrape(live_server)
    remaining = SigningKey.objects.filter(active=True).order_by("not_after").first()
    assert value(after, "mutualis_signing_certificate_nearest_expiry_timestamp_seconds") \
        == round(remaining.not_after.timestamp(), 3)

    assert value(families, "mutualis_members", state="active") == 1
    assert value(families, "mutualis_members", state="archived") == 1


def test_metrics_when_the_broker_is_down(live_server, broker):
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    families = scrape(live_server)
    assert value(families, "mutualis_celery_broker_up") == 0
    assert families["mutualis_celery_queue_length"]["samples"] == {}
    assert "mutualis_provisioning_last_run_timestamp_seconds" not in families  # no run yet
    assert value(families, "mutualis_members", state="active") == 0


def test_the_parser_is_strict():
    good = ('# HELP a_b A \\\\ help\n# TYPE a_b gauge\na_b{q="x\\"y",r="z"} 1.5\n'
            "a_b 2 1700000000000\n")
    assert parse_exposition(good)["a_b"]["samples"][frozenset({("q", 'x"y'), ("r", "z")})] == 1.5
    for bad in ("a_b 1\n",  # no TYPE
                "# TYPE a_b gauge\na_b 1",  # no final line feed
                "# TYPE a_b gauge\na_b{q=x} 1\n",  # unquoted label
                "# TYPE a_b gauge\na_b 1\na_b 2\n",  # the same sample twice
                "# TYPE a_b gauge\na_b 1\n# TYPE a_b gauge\n",
                "# TYPE a_b kind\na_b 1\n", "# TYPE a_b gauge\na_b  1\n",
                "# TYPE a_b gauge\na_b one\n"):
        with pytest.raises((AssertionError, ValueError)):
            parse_exposition(bad)

"""The settings modules: production passes Django's deployment checks (a shared cache
included), the others do not; the cache comes from a URL; every MUTUALIS_* setting the apps
read is declared once, in mutualis/conf.py."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mutualis import cache_url, conf

ROOT = Path(__file__).resolve().parents[1]


SHARED_CACHE = "redis://127.0.0.1:6379/14"  # the check reads the URL, never connects


def check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    """`manage.py check --deploy` on the default settings module (pytest names the test one)."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith("MUTUALIS_") and k not in ("DATABASE_URL",
                                                              "DJANGO_SETTINGS_MODULE")}
    environ.update(MUTUALIS_VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy",
                           "--fail-level", "WARNING"], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy(tmp_path):
    proc = check_deploy(tmp_path, MUTUALIS_HTTPS="1", MUTUALIS_CACHE_URL=SHARED_CACHE,
                        MUTUALIS_SECRET_KEY=secrets.token_urlsafe(50))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_production_module_named_is_production(tmp_path):
    key = secrets.token_urlsafe(50)
    named = check_deploy(tmp_path, DJANGO_SETTINGS_MODULE="mutualis.settings.production",
                         MUTUALIS_CACHE_URL=SHARED_CACHE, MUTUALIS_SECRET_KEY=key)
    assert named.returncode == 0, named.stdout + named.stderr
    without_key = check_deploy(tmp_path, DJANGO_SETTINGS_MODULE="mutualis.settings.production")
    assert "needs MUTUALIS_SECRET_KEY" in without_key.stderr


@pytest.mark.parametrize("url", [None, "locmem://", "dummy://"])
def test_production_refuses_a_cache_per_process(tmp_path, url):
    env = {"MUTUALIS_CACHE_URL": url} if url else {}
    proc = check_deploy(tmp_path, MUTUALIS_HTTPS="1",
                        MUTUALIS_SECRET_KEY=secrets.token_urlsafe(50), **env)
    assert proc.returncode != 0
    assert "mutualis.E001" in proc.stdout + proc.stderr
    assert "security.W" not in proc.stdout + proc.stderr  # the cache is all that is missing


def test_development_settings_do_not(tmp_path):
    proc = check_deploy(tmp_path)
    assert proc.returncode != 0 and "security.W" in proc.stdout + proc.stderr


def test_https_without_a_secret_key_refuses_to_start(tmp_path):
    proc = check_deploy(tmp_path, MUTUALIS_HTTPS="1")
    assert proc.returncode != 0
    assert "MUTUALIS_HTTPS=1 needs MUTUALIS_SECRET_KEY" in proc.stderr


def directives(header: str) -> dict[str, str]:
    """A policy as {directive: sources}: the order of its directives means nothing."""
    parts = [part.strip().split(" ", 1) for part in header.split(";") if part.strip()]
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_pages_carry_a_content_security_policy(client, db):
    page = client.get("/activation/unknown-token/")
    assert directives(page["Content-Security-Policy"]) == {
        "default-src": "'self'", "img-src": "'self' data:", "object-src": "'none'",
        "base-uri": "'self'", "form-action": "'self'", "frame-ancestors": "'self'"}
    assert "Content-Security-Policy" not in client.get("/admin/login/")
    assert "Content-Security-Policy" not in client.get("/django-admin/login/")


# ------------------------------------------------------------------------------ the cache URL

def test_the_cache_comes_from_a_url():
    redis = cache_url.caches("redis://:secret@10.0.0.5:6380/3", "syndicat")["default"]
    assert redis == {"BACKEND": "mutualis.redis_cache.RedisCache", "KEY_PREFIX": "syndicat",
                     "LOCATION": "redis://:secret@10.0.0.5:6380/3"}
    assert cache_url.caches("locmem://demo", "p")["default"] == {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": "p",
        "LOCATION": "demo"}
    assert cache_url.caches("dummy://", "p")["default"]["BACKEND"].endswith("DummyCache")
    with pytest.raises(ImproperlyConfigured, match="unknown scheme 'memcached'"):
        cache_url.caches("memcached://127.0.0.1:11211", "p")


def test_the_test_settings_take_their_own_key_prefix(settings):
    assert settings.CACHES["default"]["KEY_PREFIX"].startswith("mutualis-test-")


# -------------------------------------------------------------------------- declared settings

PRODUCT = ("mutualis", "provisioning", "ldap_sync", "nextcloud_bridge", "wagtail_site_factory",
           "convocation", "signature", "actes", "mail_service", "portal")


def product_sources():
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts and "settings" not in path.parts:
                yield path, path.read_text()


def test_apps_read_their_settings_through_conf():
    scattered = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path, text in product_sources()
                 for m in re.finditer(r'getattr\((?:django_)?settings, "MUTUALIS_\w+"', text)]
    assert scattered == []


def test_every_setting_read_or_set_is_declared():
    read = {m.group(1) for _, text in product_sources()
            for m in re.finditer(r"\bconf\.(MUTUALIS_\w+)", text)}
    assert read - set(conf.DEFAULTS) == set()
    # What a settings module sets is declared too, or it would be read by nobody.
    from django.conf import settings

    own = {name for name in dir(settings) if name.startswith("MUTUALIS_")}
    assert own - set(conf.DEFAULTS) == set()


def test_conf_gives_the_setting_else_its_default(settings):
    settings.MUTUALIS_CONTACT_WINDOW = 60
    assert conf.MUTUALIS_CONTACT_WINDOW == 60 == conf.get("MUTUALIS_CONTACT_WINDOW")
    del settings.MUTUALIS_CONTACT_WINDOW
    assert conf.MUTUALIS_CONTACT_WINDOW == conf.DEFAULTS["MUTUALIS_CONTACT_WINDOW"] == 3600
    with pytest.raises(AttributeError, match="not a declared setting"):
        conf.MUTUALIS_NOT_A_SETTING  # noqa: B018

"""Two web processes on one database and one Redis cache: a page published through one of
them is served new by both at once.

With a cache per process (the memory cache, what every process had before MUTUALIS_CACHE_URL)
the other process keeps serving the page it cached for five minutes: pointing the servers at
`locmem://` makes this test fail. The servers are real `manage.py runserver` processes on the
default settings module, as an operator runs the web app; the test's own process only
provisions the sites and saves the draft.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from provisioning.backends import free_port, stop_process
from wagtail_site_factory.models import MemberSite, NewsPage

ROOT = Path(__file__).resolve().parents[2]
HOST = "alphaville.localhost"
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """MUTUALIS_TEST_CACHE_URL (CI's Redis) when set, else a Redis server of our own."""
    configured = os.environ.get("MUTUALIS_TEST_CACHE_URL", "")
    if configured.startswith(("redis://", "rediss://", "unix://")):
        yield configured
        return
    binary = shutil.which("redis-server")
    assert binary, "the shared cache test needs Redis: install redis-server (scripts/setup.sh)"
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path_factory.mktemp("redis"))], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and server.poll() is None, "Redis did not start"
            time.sleep(0.1)
    yield url
    stop_process(server)


def database_url() -> str:
    """The test database, as DATABASE_URL gives it to the servers."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return (f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}")


def start_web(port: int, env: dict, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_process(process)
                raise RuntimeError(
                    f"the web process did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.3)


@pytest.fixture
def two_web_processes(sites, redis_url, tmp_path):
    """The ports of two web processes sharing the test database and one cache (its own key
    prefix in the Redis database)."""
    prefix = f"mutualis-two-processes-{secrets.token_hex(6)}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MUTUALIS_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=database_url(), MUTUALIS_VAR_DIR=str(tmp_path),
               MUTUALIS_CACHE_URL=redis_url,
               MUTUALIS_CACHE_PREFIX=prefix, PYTHONPATH=str(ROOT))
    ports = (free_port(), free_port())
    processes = []
    try:
        for port in ports:
            processes.append(start_web(port, env, tmp_path / f"web-{port}.log"))
        yield ports
    finally:
        for process in processes:
            stop_process(process)
        store = redis.Redis.from_url(redis_url)
        for key in store.scan_iter(match=f"{prefix}:*"):
            store.delete(key)


def visit(port: int, path: str = "/actualites/") -> httpx.Response:
    """An anonymous visitor of Alphaville's site, through the web process on `port`."""
    response = httpx.get(f"http://127.0.0.1:{port}{path}", headers={"Host": HOST}, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return response


def publish_through(port: int, page: NewsPage) -> None:
    """Publish the page's latest revision from the Wagtail admin of the web process on `port`,
    as the syndicate's admin (logged in here; the session is in the shared database)."""
    admin = User.objects.create_superuser("admin-two-processes", "admin@example.fr")
    browser = Client()
    browser.force_login(admin)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                      cookies={settings.SESSION_COOKIE_NAME: session}) as staff:
        url = f"/admin/bulk/wagtailcore/page/publish/?id={page.pk}"
        form = staff.get(url)
        assert form.status_code == 200, form.text[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        done = staff.post(url, data={"csrfmiddlewaretoken": token})
        assert done.status_code in (200, 302), done.text[:500]


def test_a_page_published_through_one_web_process_is_new_on_both(sites, two_web_processes):
    first, second = two_web_processes
    assert visit(first).headers["X-Mutualis-Cache"] == "miss"
    assert visit(first).headers["X-Mutualis-Cache"] == "hit"
    # The page the first process stored is the one the second serves: one cache for both.
    assert visit(second).headers["X-Mutualis-Cache"] == "hit"

    member = MemberSite.objects.get(code=sites.members[0].code)
    news = NewsPage.objects.descendant_of(member.site.root_page).get()
    news.title = "Nouvelle fête"
    news.save_revision()  # a draft: the visitors still see the published page
    assert "Nouvelle fête" not in visit(second).text

    publish_through(first, news)
    after = [visit(first), visit(second)]
    assert ["Nouvelle fête" in response.text for response in after] == [True, True]
    assert [response.headers["X-Mutualis-Cache"] for response in after] == ["miss", "hit"]


@pytest.mark.django_db(transaction=False)
def test_clearing_one_cache_leaves_the_others_sharing_its_redis(redis_url):
    from mutualis.redis_cache import RedisCache

    ours, theirs = (RedisCache(redis_url, {"KEY_PREFIX": f"clear-{secrets.token_hex(6)}"})
                    for _ in range(2))
    for cache in (ours, theirs):
        cache.set_many({f"k{i}": i for i in range(1200)})  # more than one SCAN batch
    assert ours.clear()
    assert ours.get_many(["k0", "k1199"]) == {}
    assert theirs.get_many(["k0", "k1199"]) == {"k0": 0, "k1199": 1199}
    theirs.clear()

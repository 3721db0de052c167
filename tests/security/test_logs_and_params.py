"""Log, file and query-parameter promises of Mutualis.

- No token of a link sent by mail reaches a log. Every URL pattern with a token parameter is
  found from the resolver; each is requested with a valid-looking token and with a real one
  (GET, POST, PUT, and a POST without CSRF token) so that Django logs 4xx answers, 405s and
  CSRF refusals for them; no captured record holds the token, and each pattern's paths were
  logged with the token masked. The demo server's request lines (django.server) are masked too.
- The SQLite database (it holds the sessions) is readable by its owner only: the var dir the
  settings create is 0700, the database file and its -wal and -shm files are 0600, and a
  world-readable database of an older installation is made 0600.
- A hand-edited query parameter never makes a 500: every query parameter the apps read (found
  in their source, so that a new one cannot be forgotten) is sent garbage, as the syndicate's
  superuser and as a commune's secrétaire, on each page that reads it.
"""

from __future__ import annotations

import ast
import logging
import os
import re
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mutualis.log_filters import MASK, token_patterns

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------ tokens

def url_of(regex: str, values: dict[str, str]) -> str:
    """The path a route regex (as token_patterns gives it) matches with these values."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], regex)
    return "/" + re.sub(r"\\(.)", r"\1", path)


def _convocation_token() -> str:
    from convocation import receipts
    from convocation.models import Convocation
    from tests.convocation.sittings import make_sitting
    from tests.factories import make_council

    council = make_council(members=3)
    sitting = make_sitting(council, items=0, annexes=0, note=False)
    person = council.elected[1]
    convocation = Convocation.objects.create(sitting=sitting, person=person, name="Élu1 Nom1",
                                             email=person.email, sent_at=timezone.now())
    return receipts.issue_token(convocation)


def _activation_token() -> str:
    from ldap_sync.services import _new_token

    token, row = _new_token("jdupont")
    row.save()
    return token


def _tracking_code() -> str:
    from grc import services
    from grc.templates_data import instantiate
    from tests.factories import make_council

    demarche = instantiate(make_council(members=1).member, "contact-service")
    return services.file_request(demarche, name="Jeanne Test", answers={})[0].code


def _reset_token() -> tuple[str, str]:
    user = User.objects.create_superuser("admin-reset", "admin-reset@example.fr", "x" * 20)
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


# Real tokens of every token-bearing pattern, by view: (uidb64 or None, token).
REAL_TOKENS = {
    "convocation_link:link": lambda: (None, _convocation_token()),
    "convocation_link:link-answer": lambda: (None, _convocation_token()),
    "convocation_link:link-document": lambda: (None, _convocation_token()),
    "convocation_legacy:legacy-link": lambda: (None, _convocation_token()),
    "convocation_legacy:legacy-link-answer": lambda: (None, _convocation_token()),
    "convocation_legacy:legacy-link-document": lambda: (None, _convocation_token()),
    "ldap_sync:activation": lambda: (None, _activation_token()),
    "portal:admin-password": _reset_token,
    "wagtailadmin_password_reset_confirm": _reset_token,
    "grc_public:follow": lambda: (None, _tracking_code()),
}


def _view_name(path: str) -> str:
    return resolve(path).view_name


def _token_cases():
    cases = []
    for regex, pattern in token_patterns():
        cases.append(pytest.param(regex, id=pattern.name or regex))
    return cases


@pytest.fixture
def private_media(media, settings):
    settings.MUTUALIS_TSA_URL = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_known_token_links_are_found():
    names = {_view_name(url_of(regex, {n: "x" for n in p.pattern.regex.groupindex}))
             for regex, p in token_patterns()}
    assert names == set(REAL_TOKENS)


def _request_every_way(path: str) -> list[int]:
    statuses = []
    client = Client()
    statuses.append(client.get(path).status_code)
    statuses.append(client.post(path, {"choice": "nonsense"}).status_code)
    statuses.append(client.put(path).status_code)
    statuses.append(Client(enforce_csrf_checks=True).post(path, {}).status_code)
    return statuses


@pytest.mark.parametrize("regex", _token_cases())
def test_no_token_reaches_the_log(regex, caplog, private_media):
    names = {n: "x" for n in re.findall(r"\(\?P<(\w+)>", regex)}
    view = _view_name(url_of(regex, names))
    uidb64, real = REAL_TOKENS[view]()
    fake = secrets.token_urlsafe(32)
    tokens = [fake, real]
    with caplog.at_level(logging.DEBUG):
        for token in tokens:
            values = {}
            for name in names:
                if "token" in name:
                    values[name] = token
                elif name == "uidb64":
                    values[name] = uidb64 or "MQ"
                else:
                    values[name] = "introuvable.pdf"
            path = url_of(regex, values)
            assert resolve(path).view_name == view
            statuses = _request_every_way(path)
            assert any(400 <= s < 500 for s in statuses), (path, statuses)
    messages = [r.getMessage() for r in caplog.records]
    for token in tokens:
        assert not [m for m in messages if token in m], token
        assert not [r for r in caplog.records if token in str(r.msg) or token in str(r.args)]
    # The 4xx answers were logged, with the token masked (the test is not vacuous).
    masked = [m for m in messages if MASK in m]
    assert len(masked) >= 2, messages


def test_the_demo_servers_request_lines_are_masked():
    token = secrets.token_urlsafe(32)
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    logger = logging.getLogger("django.server")  # not propagated: caplog does not see it
    handler = Keep()
    logger.addHandler(handler)
    try:
        # What runserver's WSGIRequestHandler.log_message sends.
        for path in (f"/espace-elus/convocation/{token}/",
                     f"/espace-elus/convocation/{token}/documents/x.pdf",
                     f"/convocation/l/{token}/",  # a link mailed before the move
                     f"/activation/{token}/", f"/compte-syndicat/MQ/{token}/",
                     f"/admin/password_reset/confirm/MQ/{token}/"):
            logger.info('"%s" %s %s', f"GET {path} HTTP/1.1", "404", "179",
                        extra={"status_code": 404, "request": None})
    finally:
        logger.removeHandler(handler)
    assert len(lines) == 6 and all(MASK in line for line in lines)
    assert not [line for line in lines if token in line]


def test_other_loggers_reaching_the_console_are_masked(capsys):
    token = secrets.token_urlsafe(32)
    handler = next(h for h in logging.getLogger().handlers
                   if any(type(f).__name__ == "TokenFilter" for f in h.filters))
    record = logging.LogRecord("wagtail", logging.WARNING, __file__, 1, "seen %s", (
        f"http://alphaville.localhost/activation/{token}/",), None)
    assert handler.filter(record)
    assert token not in record.getMessage() and MASK in record.getMessage()


# ------------------------------------------------------------------------------- files

def _load_settings(var: Path) -> dict[str, int]:
    """Load the settings in a new process (umask 022) with this var dir, open the database as
    Django does (WAL) and write to it; the modes of the files while it is open."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", "MUTUALIS_VAR_DIR")}
    environment["MUTUALIS_VAR_DIR"] = str(var)
    code = ("import os, sqlite3, mutualis.settings as s\n"
            "name = s.DATABASES['default']['NAME']\n"
            "c = sqlite3.connect(name); c.execute('PRAGMA journal_mode=WAL')\n"
            "c.execute('CREATE TABLE IF NOT EXISTS t (x)'); c.execute('INSERT INTO t VALUES (1)')\n"
            "c.commit(); sqlite3.connect(name).execute('SELECT * FROM t').fetchall()\n"
            "for suffix in ('', '-wal', '-shm'):\n"
            "    if os.path.exists(name + suffix):\n"
            "        print(suffix or 'db', oct(os.stat(name + suffix).st_mode & 0o777))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stderr
    return {line.split()[0]: int(line.split()[1], 8) for line in done.stdout.splitlines()}


def test_the_sqlite_database_and_its_var_dir_are_the_owners_only(tmp_path):
    var = tmp_path / "new" / "var"
    modes = _load_settings(var)
    assert var.stat().st_mode & 0o077 == 0
    assert set(modes) == {"db", "-wal", "-shm"}
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes


def test_a_world_readable_database_of_an_older_installation_is_made_private(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    database = var / "mutualis.sqlite3"
    sqlite3.connect(database).close()
    database.chmod(0o644)
    modes = _load_settings(var)
    assert database.stat().st_mode & 0o077 == 0
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes


# ------------------------------------------------------------------ garbage parameters

GARBAGE = ["abc", "-1", "0", "99999999999999999999", "1e3", "\x00", "'; --", "²", "١٢",
           "%", "a" * 2000, " 1 ", "[]"]
APPS = ["convocation", "signature", "actes", "portal", "wagtail_site_factory", "ldap_sync",
        "mail_service", "mutualis", "provisioning", "courrier", "ged", "grc", "pes"]


def query_parameters_read_by_the_apps() -> set[tuple[str, str]]:
    """(file, parameter) of every request.GET read in the apps' source."""
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or "tests" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                target = None
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                        node.func.attr in ("get", "getlist") and node.args:
                    target, key = node.func.value, node.args[0]
                elif isinstance(node, ast.Subscript):
                    target, key = node.value, node.slice
                if (isinstance(target, ast.Attribute) and target.attr == "GET"
                        and isinstance(key, ast.Constant)):
                    found.add((str(path.relative_to(ROOT)), key.value))
    return found


# Each page that reads a query parameter: (source file, parameter, host, path). In the path,
# {code} is the commune's code and {page} the id of a page of its site; a query string in it is
# the good value the garbage is sent next to.
ALPHA = "alphaville.localhost"
PAGES = [
    # The sittings listing's page, filters and sorting are Wagtail's IndexView's.
    ("convocation/listing.py", "p", ALPHA, "/admin/convocations/"),
    ("convocation/listing.py", "state", ALPHA, "/admin/convocations/"),
    ("convocation/listing.py", "ordering", ALPHA, "/admin/convocations/resultats/"),
    ("convocation/views.py", "annee", ALPHA, "/admin/convocations/economies/"),
    ("convocation/views.py", "membre", ALPHA, "/admin/convocations/economies/"),
    # The folders listing's page, filters and sorting are Wagtail's IndexView's.
    ("signature/admin_views.py", "p", ALPHA, "/admin/parapheur/"),
    ("signature/admin_views.py", "status", ALPHA, "/admin/parapheur/"),
    ("signature/admin_views.py", "created_at_from", ALPHA, "/admin/parapheur/resultats/"),
    ("signature/admin_views.py", "ordering", ALPHA, "/admin/parapheur/resultats/"),
    ("signature/credential_views.py", "page", ALPHA,
     "/admin/parapheur/collectivites/{code}/certificats/"),
    ("signature/staff_views.py", "page", ALPHA,
     "/admin/parapheur/collectivites/{code}/circuits/"),
    # The members' certificates' listing: Wagtail's IndexView reads its page and filters.
    ("signature/certificates/views.py", "p", ALPHA, "/admin/certificats/"),
    ("signature/certificates/views.py", "expiring", ALPHA, "/admin/certificats/"),
    ("signature/certificates/views.py", "member", ALPHA, "/admin/certificats/resultats/"),
    ("signature/certificates/views.py", "archived", ALPHA, "/admin/certificats/"),
    ("signature/certificates/views.py", "expiring", "localhost", "/admin/certificats/"),
    ("signature/staff_views.py", "page", ALPHA,
     "/admin/parapheur/collectivites/{code}/delegations/"),
    ("actes/admin_views.py", "p", ALPHA, "/admin/actes/"),  # Wagtail's listing reads it
    ("actes/public_views.py", "page", ALPHA, "/actes/{code}/registre/"),
    ("wagtail_site_factory/models/pages.py", "page", ALPHA, "/actualites/"),
    ("wagtail_site_factory/models/syndicate.py", "page", "localhost", "/"),
    ("wagtail_site_factory/models/services.py", "envoye", ALPHA, "/demarches/"),
    ("wagtail_site_factory/models/municipal.py", "type", ALPHA, "/vie-municipale/actes/"),
    ("wagtail_site_factory/models/municipal.py", "page", ALPHA, "/vie-municipale/actes/"),
    ("wagtail_site_factory/isolation.py", "term", ALPHA, "/admin/tag-autocomplete/"),
    ("wagtail_site_factory/middleware.py", "term", ALPHA, "/admin/tag-autocomplete/"),
    ("wagtail_site_factory/isolation.py", "p", ALPHA, "/admin/workflows/task_chooser/"),
    ("wagtail_site_factory/isolation.py", "p", ALPHA, "/admin/workflows/task_chooser/results/"),
    ("wagtail_site_factory/middleware.py", "id", ALPHA,
     "/admin/bulk/wagtailcore/page/delete/?id={page}"),
    ("wagtail_site_factory/isolation.py", "id", ALPHA,
     "/admin/bulk/wagtailcore/page/delete/?id={page}"),
    ("mutualis/tls_ask.py", "domain", "localhost", f"/tls/ask?domain={ALPHA}"),
    # The register's, the documents' and the requests' listings are Wagtail's IndexView's.
    ("courrier/admin_views.py", "p", ALPHA, "/admin/courrier/"),
    ("courrier/admin_views.py", "p", ALPHA, "/admin/courrier/refus/"),
    ("ged/admin_views.py", "p", ALPHA, "/admin/ged/"),
    ("grc/admin_views.py", "p", ALPHA, "/admin/grc/"),
    ("grc/admin_views.py", "annee", ALPHA, "/admin/grc/rapport/"),
    ("grc/public_views.py", "recue", ALPHA, "/suivi/{tracking}/"),
    # The Hélios flux' and PES_Retour listings are Wagtail's IndexView's too.
    ("actes/helios_views.py", "p", ALPHA, "/admin/helios/"),
    ("actes/helios_views.py", "state", ALPHA, "/admin/helios/resultats/"),
    ("actes/helios_views.py", "p", ALPHA, "/admin/helios/retours/"),
]


def test_every_query_parameter_the_apps_read_is_probed():
    probed = {(source, parameter) for source, parameter, _host, _path in PAGES}
    assert query_parameters_read_by_the_apps() - probed == set()


@pytest.fixture
def staff_and_superuser(db, media):
    from provisioning.naming import staff_group
    from tests.factories import commune_inventory, provision

    inventory = commune_inventory(services=("website", "extranet", "convocation", "parapheur",
                                            "courrier", "ged", "grc", "pes"))
    provision(inventory)
    member = inventory.members[0]
    secretary = next(p for p in inventory.people
                     if p.seats[0].member == member.code and
                     "secretaire-de-mairie" in p.seats[0].roles)
    staff = User.objects.create_user(secretary.uid, secretary.email, "x" * 20)
    staff.groups.add(Group.objects.get(name=staff_group(member.code)))
    admin = User.objects.create_superuser("admin-syndicat", "admin@example.fr", "x" * 20)
    return member.code, {"secrétaire": staff, "superuser": admin}


@pytest.fixture
def tracking(staff_and_superuser) -> str:
    """The tracking code of a citizen's request in the commune, for its follow page."""
    from grc.services import file_request
    from grc.templates_data import instantiate
    from provisioning.models import RegistryMember

    code, _users = staff_and_superuser
    demarche = instantiate(RegistryMember.objects.get(code=code), "contact-service")
    request, _new = file_request(demarche, name="Jeanne Citoyenne", email="j@example.fr",
                                 answers={})
    return request.code


@pytest.mark.parametrize("source, parameter, host, path",
                         [pytest.param(*row, id=f"{row[3]}?{row[1]}") for row in PAGES])
def test_garbage_query_parameters_never_make_a_500(source, parameter, host, path,
                                                   staff_and_superuser, tracking):
    from wagtail_site_factory.models import NewsIndexPage

    code, users = staff_and_superuser
    page = NewsIndexPage.objects.get(url_path__startswith=f"/site-{code}/").pk
    path, _, good = path.format(code=code, page=page, tracking=tracking).partition("?")
    good = dict(pair.split("=") for pair in good.split("&")) if good else {}
    answered_ok = []
    for who, user in users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        baseline = client.get(path, good, HTTP_HOST=host)
        assert baseline.status_code < 500, (who, path)
        answered_ok.append(baseline.status_code == 200)
        for value in GARBAGE:
            response = client.get(path, {**good, parameter: value}, HTTP_HOST=host)
            assert response.status_code < 500, (who, path, parameter, value)
            # The same parameter twice, garbage next to a good value.
            response = client.get(path, {**good, parameter: [value, good.get(parameter, "1")]},
                                  HTTP_HOST=host)
            assert response.status_code < 500, (who, path, parameter, value)
    assert any(answered_ok), f"{path}: neither user reaches the page, nothing was probed"


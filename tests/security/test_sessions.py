"""Session promises of Mutualis: a session is worth what the directory still grants, no more.

- Offboarding ends access at once. When the inventory no longer holds a person, the apply
  that locks their directory account also deactivates their Django user, takes away the
  groups the directory gave them and ends every session they had opened: the same browser is
  sent to the login page, in the Wagtail admin and in the apps, on its very next request,
  whatever the session engine, and the stored sessions are gone.
- The end is for good. A person back in the inventory logs in again, with a new session; the
  cookie of the old one stays dead.
- Rights follow the directory at once. A person who leaves one member but stays in another
  keeps their session, but the leaving member's groups (and the admin rights they carried) are
  gone on the next request.
- Offboarding is never half done: when the web app's database cannot follow, the directory is
  left as it was and the change fails, so a rerun does both; a login that slips in while the
  account is being locked is ended as well.
- A superuser is the syndicate's own account: the directory never deactivates one (it logs
  why), and a directory account of the same name never logs in as it.
- Logging out ends the session on the server; logging in on a second device keeps the first.

Every test logs in through the directory (a real slapd), opens the session before the
change, applies the inventory change through the real engine and drivers (registry, sites,
LDAP), then replays the same browser.
"""

from __future__ import annotations

import logging

import ldap
import pytest
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.db import DatabaseError
from django.test import Client
from wagtail.models import Site

from ldap_sync import offboarding
from ldap_sync.driver import LdapDriver
from ldap_sync.server import start_slapd
from ldap_sync.services import set_password
from provisioning.engine import apply_plan, make_plan
from provisioning.registry import RegistryDriver
from tests.ldap_sync import builder as B
from wagtail_site_factory.driver import SiteDriver

pytestmark = pytest.mark.django_db(transaction=True)

A, B2 = "79001", "79002"
ALPHA, BETA = "alpha.localhost", "beta.localhost"
PASSWORD = "une phrase de passe assez longue"
ENGINES = ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db",
           "django.contrib.sessions.backends.signed_cookies"]


def people() -> list:
    return [
        B.person("Anne", "Martin", B.agent(A, "Secrétaire de mairie")),  # staff of Alpha
        B.person("Inès", "Moreau", B.elu(A, "Maire")),  # an official of Alpha
        B.person("Jean", "Dupont", B.agent(A), B.agent(B2)),  # staff of both
        B.person("Luc", "Petit", B.agent(A), B.elu(B2)),  # staff of Alpha, official of Beta
    ]


def inventory(services=("website", "extranet")):
    return B.inventory([B.member(A, "Alpha", services=services),
                        B.member(B2, "Beta", services=("website", "extranet"))], people())


class Stack:
    """The directory and the web app, provisioned from an inventory through the engine."""

    def __init__(self, slapd):
        self.slapd = slapd
        self.drivers = [RegistryDriver(), SiteDriver(), LdapDriver(slapd.settings())]

    def apply(self, inv):
        plan = make_plan(inv, self.drivers)
        return apply_plan(plan, self.drivers, inventory=inv, allow_destroy=True,
                          replan=lambda: make_plan(inv, self.drivers))

    def converge(self, inv) -> None:
        result = self.apply(inv)
        assert result.errors == {}
        assert result.pending_after == 0

    def can_bind(self, uid: str) -> bool:
        conn = ldap.initialize(self.slapd.url)
        try:
            conn.simple_bind_s(f"uid={uid},ou=people,{self.slapd.base_dn}", PASSWORD)
            return True
        except ldap.LDAPError:
            return False
        finally:
            conn.unbind_s()


@pytest.fixture
def stack(tmp_path, settings):
    server = start_slapd(tmp_path / "ldap")
    settings.MUTUALIS_LDAP = server.settings()
    s = Stack(server)
    s.converge(inventory())
    for p in people():
        set_password(p.uid, PASSWORD, server.settings())
    yield s
    s.drivers[2].close()
    server.stop()


def login(uid: str, host: str = ALPHA) -> Client:
    """A browser that logs in through the login page, with its directory password."""
    browser = Client(HTTP_HOST=host)
    response = browser.post("/connexion/", {"username": uid, "password": PASSWORD})
    assert response.status_code == 302, f"{uid} could not log in"
    return browser


def sent_to_login(response) -> bool:
    """Redirected to a login page: the app's (/connexion/) or the Wagtail admin's."""
    return response.status_code == 302 and any(
        page in response["Location"] for page in ("/connexion/", "/admin/login/"))


def logged_in(browser: Client, host: str = ALPHA) -> bool:
    return browser.get("/connexion/suite/", HTTP_HOST=host).wsgi_request.user.is_authenticated


def managed_groups(uid: str) -> list[str]:
    return sorted(g.name for g in User.objects.get(username=uid).groups.all()
                  if g.name[:5].isdigit())


def sessions_of(uid: str) -> int:
    pk = str(User.objects.get(username=uid).pk)
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == pk)


def alpha_home_edit() -> str:
    return f"/admin/pages/{Site.objects.get(hostname=ALPHA).root_page_id}/edit/"


# ------------------------------------------------------------------ offboarding


@pytest.mark.parametrize("engine", ENGINES, ids=["db", "cached_db", "signed_cookies"])
def test_staff_removed_from_the_inventory_are_logged_out_of_the_admin_and_the_apps_at_once(
        stack, settings, engine):
    settings.SESSION_ENGINE = engine
    browser = login("amartin")
    assert browser.get("/admin/").status_code == 200
    assert managed_groups("amartin") == [f"{A}-staff"]

    stack.converge(B.without(inventory(), "amartin"))

    assert sent_to_login(browser.get("/admin/"))
    assert sent_to_login(browser.get(alpha_home_edit()))
    assert sent_to_login(browser.get("/connexion/suite/"))
    user = User.objects.get(username="amartin")
    assert not user.is_active
    assert managed_groups("amartin") == []
    assert not stack.can_bind("amartin")


def test_the_stored_sessions_of_a_removed_person_are_deleted(stack):
    phone, desk = login("amartin"), login("amartin")
    assert sessions_of("amartin") == 2
    stack.converge(B.without(inventory(), "amartin"))
    assert sessions_of("amartin") == 0
    assert not logged_in(phone) and not logged_in(desk)


def test_an_official_removed_from_the_inventory_is_logged_out_of_the_officials_space(stack):
    browser = login("imoreau")
    assert browser.get("/espace-elus/").status_code == 200

    stack.converge(B.without(inventory(), "imoreau"))

    assert sent_to_login(browser.get("/espace-elus/"))
    assert not User.objects.get(username="imoreau").is_active
    assert managed_groups("imoreau") == []


@pytest.mark.parametrize("engine", ENGINES, ids=["db", "cached_db", "signed_cookies"])
def test_a_person_back_in_the_inventory_logs_in_again_but_the_old_session_stays_ended(
        stack, settings, engine):
    settings.SESSION_ENGINE = engine
    old = login("amartin")
    stack.converge(B.without(inventory(), "amartin"))
    stack.converge(inventory())

    assert User.objects.get(username="amartin").is_active
    assert sent_to_login(old.get("/admin/"))
    assert not logged_in(old)
    new = login("amartin")
    assert new.get("/admin/").status_code == 200
    assert managed_groups("amartin") == [f"{A}-staff"]


# ------------------------------------------------------------------ rights follow the directory


def test_leaving_one_member_keeps_the_session_but_takes_that_members_rights_at_once(stack):
    browser = login("jdupont")
    assert browser.get(alpha_home_edit()).status_code == 200
    assert managed_groups("jdupont") == [f"{A}-staff", f"{B2}-staff"]

    stack.converge(B.changed(inventory(), "jdupont", seats=(B.agent(B2),)))

    assert logged_in(browser, BETA)
    assert browser.get("/admin/", HTTP_HOST=BETA).status_code == 200  # still staff of Beta
    assert browser.get(alpha_home_edit()).status_code != 200
    assert managed_groups("jdupont") == [f"{B2}-staff"]
    assert User.objects.get(username="jdupont").is_active


def test_leaving_the_only_member_one_works_for_takes_the_admin_at_once_but_not_the_rest(stack):
    browser = login("lpetit")
    assert browser.get("/admin/").status_code == 200

    stack.converge(B.changed(inventory(), "lpetit", seats=(B.elu(B2),)))

    assert logged_in(browser, BETA)  # an official of Beta still
    assert browser.get("/espace-elus/", HTTP_HOST=BETA).status_code == 200
    assert f"{A}-staff" not in managed_groups("lpetit")
    assert browser.get("/admin/").status_code == 403  # Alpha's admin: refused


def test_a_service_a_member_gives_up_takes_its_group_from_everybody_at_once(stack):
    Group.objects.create(name=f"{A}-svc-extranet")
    login("amartin")
    assert f"{A}-svc-extranet" in managed_groups("amartin")

    stack.converge(inventory(services=("website",)))

    assert f"{A}-svc-extranet" not in managed_groups("amartin")
    assert not Group.objects.get(name=f"{A}-svc-extranet").user_set.exists()


# ------------------------------------------------------------------ never half done


def test_an_offboarding_the_web_app_cannot_follow_leaves_the_directory_as_it_was(
        stack, monkeypatch):
    browser = login("amartin")
    real = offboarding.deactivate

    def database_down(uid):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(offboarding, "deactivate", database_down)
    gone = B.without(inventory(), "amartin")
    result = stack.apply(gone)
    assert "ldap.account:amartin" in result.errors
    assert "web app" in str(result.errors["ldap.account:amartin"])
    assert stack.can_bind("amartin")  # not locked while the web app still lets them in

    monkeypatch.setattr(offboarding, "deactivate", real)
    stack.converge(gone)
    assert sent_to_login(browser.get("/admin/"))
    assert not stack.can_bind("amartin")


def test_a_login_that_comes_in_while_the_account_is_being_locked_is_ended_too(
        stack, monkeypatch):
    real, late = offboarding.deactivate, []

    def then_a_login(uid):
        real(uid)
        if not late:  # the directory has not written the lock yet: the password still works
            late.append(login(uid))

    monkeypatch.setattr(offboarding, "deactivate", then_a_login)
    stack.converge(B.without(inventory(), "amartin"))
    assert late and sent_to_login(late[0].get("/admin/"))
    assert not User.objects.get(username="amartin").is_active
    assert sessions_of("amartin") == 0


def test_a_superuser_is_never_deactivated_by_the_directory_and_the_refusal_is_logged(
        stack, caplog):
    User.objects.create_superuser("amartin", "amartin@example.fr", "un mot de passe local")
    with caplog.at_level(logging.WARNING, logger="ldap_sync.offboarding"):
        stack.converge(B.without(inventory(), "amartin"))
    assert User.objects.get(username="amartin").is_active
    assert "superuser" in caplog.text and "amartin" in caplog.text


def test_a_directory_account_never_logs_in_as_the_superuser_of_the_same_name(stack):
    admin = User.objects.create_superuser("amartin", "admin@example.fr", "un mot de passe local")
    browser = Client(HTTP_HOST=ALPHA)
    browser.post("/connexion/", {"username": "amartin", "password": PASSWORD})
    assert not logged_in(browser)
    admin.refresh_from_db()
    assert admin.check_password("un mot de passe local")


# ------------------------------------------------------------------ logging in and out


def test_logging_out_ends_the_session_on_the_server(stack):
    browser = login("amartin")
    cookie = browser.cookies["sessionid"].value
    browser.post("/deconnexion/")
    replay = Client(HTTP_HOST=ALPHA)
    replay.cookies["sessionid"] = cookie
    assert sent_to_login(replay.get("/admin/"))


def test_logging_in_on_a_second_device_keeps_the_first_devices_session(stack):
    first = login("amartin")
    second = login("amartin")
    assert logged_in(first) and logged_in(second)
    assert first.get("/admin/").status_code == 200

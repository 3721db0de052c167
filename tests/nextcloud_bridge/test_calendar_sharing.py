"""Assembly calendars shared read-only with the assembly's members.

Radicale: a real slapd provisioned by the LDAP driver and a real Radicale that logs people in
against it; every check is a request made as the person, and the answer is what Radicale
decides. Nextcloud cannot run here: its sharing requests are checked against a small handler
that reads them as apps/dav does (each behaviour names the Nextcloud source it follows).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote
from xml.etree import ElementTree as ET

import httpx
import ldap
import pytest

from ldap_sync.driver import LdapDriver
from ldap_sync.layout import Layout
from ldap_sync.server import start_slapd
from ldap_sync.services import set_password
from nextcloud_bridge.agendas import PARIS, Event
from nextcloud_bridge.agendas.client import CalDAV
from nextcloud_bridge.agendas.driver import AgendaDriver
from nextcloud_bridge.agendas.server import Radicale, start_radicale
from nextcloud_bridge.agendas.sharing import RadicaleSharing, Share
from provisioning.backends import free_port
from provisioning.drivers import BackendError, Scope
from provisioning.engine import apply_plan, make_plan
from tests.factories import make_inventory

PASSWORD = "un mot de passe assez long"
START = datetime(2026, 3, 12, 20, tzinfo=PARIS)
WEEK = (START - timedelta(days=3), START + timedelta(days=4))


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    server = start_slapd(tmp_path_factory.mktemp("ldap"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def agendas(tmp_path_factory, directory):
    """A Radicale whose people are the directory's."""
    server = start_radicale(
        tmp_path_factory.mktemp("radicale-ldap"),
        directory={
            "url": directory.url,
            "base_dn": directory.base_dn,
            "bind_dn": directory.admin_dn,
            "bind_password": directory.admin_password,
        },
    )
    yield server
    server.stop()


def fresh_inventory(members: int = 2, services: tuple[str, ...] = ("agenda",)):
    """Communes of three people each (a maire and a conseiller in the conseil municipal, a
    secrétaire in no assembly), with member codes and uids no other test uses."""
    inv = make_inventory(members=members, people=3)
    base = uuid.uuid4().int % 89000 + 10000
    codes = {m.code: f"{base + i:05d}" for i, m in enumerate(inv.members)}
    tag = codes[inv.members[0].code]
    ms = tuple(replace(m, code=codes[m.code], services=services) for m in inv.members)
    people = tuple(
        replace(
            p,
            uid=f"{p.uid}{tag}",
            seats=tuple(replace(s, member=codes[s.member]) for s in p.seats),
        )
        for p in inv.people
    )
    return replace(inv, members=ms, people=people)


def people_of(inv, code: str):
    return [p for p in inv.people if p.seat(code)]


def plan_for(inv, drivers):
    return make_plan(inv, drivers, Scope(frozenset(m.code for m in inv.members)))


def applied(inv, drivers, allow_destroy: bool = False):
    result = apply_plan(
        plan_for(inv, drivers),
        drivers,
        allow_destroy=allow_destroy,
        replan=lambda: plan_for(inv, drivers),
    )
    assert result.errors == {} and result.status == "succeeded", result
    return result


def as_person(agendas, uid: str) -> CalDAV:
    """A CalDAV client logged in as the person: its home is /<uid>/, where Radicale puts the
    calendars shared with the person's groups."""
    return CalDAV(agendas.url, uid, PASSWORD)


@pytest.fixture
def drivers(directory, agendas):
    ds = [LdapDriver(directory.settings()), AgendaDriver(agendas.settings())]
    yield ds
    ds[0].close()


@pytest.mark.django_db(transaction=True)
def test_members_read_their_assembly_calendar_and_nothing_else(drivers, directory, agendas):
    inv = fresh_inventory()
    code, other_code = (m.code for m in inv.members)
    council, other_council = f"{code}-conseil-municipal", f"{other_code}-conseil-municipal"
    plan = plan_for(inv, drivers)
    share = next(c for c in plan.pending if c.key == f"caldav.share:{code}/conseil-municipal")
    assert (share.action, share.after) == ("create", {"group": council, "access": "read"})
    assert applied(inv, drivers).pending_after == 0
    assert plan_for(inv, drivers).empty

    maire, secretaire, conseiller = people_of(inv, code)
    other_maire = people_of(inv, other_code)[0]
    for p in (maire, secretaire, other_maire):
        set_password(p.uid, PASSWORD, directory.settings())
    drivers[1].client.put_event(council, Event("seance-1", "Conseil municipal", START, START))

    me = as_person(agendas, maire.uid)
    # The calendar is in the person's own home, where a tablet's CalDAV account finds it.
    assert me.list_calendars()[council]["name"] == f"Conseil municipal — {inv.members[0].name}"
    assert [e.summary for e in me.events(council, *WEEK)] == ["Conseil municipal"]
    # Read-only: Radicale refuses a new event and a changed one.
    for uid in ("intrus", "seance-1"):
        with pytest.raises(BackendError, match="HTTP 403"):
            me.put_event(council, Event(uid, "Changé", START, START))
    assert [e.summary for e in drivers[1].client.events(council, *WEEK)] == ["Conseil municipal"]
    # Not another commune's council, not the owner's collection itself.
    with pytest.raises(BackendError, match="HTTP 403"):
        me.events(other_council, *WEEK)
    owner_path = f"{agendas.url}{agendas.admin_user}/{council}/"
    assert httpx.request("PROPFIND", owner_path, auth=(maire.uid, PASSWORD)).status_code == 403
    # No calendar of one's own either.
    assert httpx.request("MKCALENDAR", f"{agendas.url}{maire.uid}/perso/",
                         auth=(maire.uid, PASSWORD)).status_code == 403
    # The secrétaire sits in no assembly; the other maire in another council.
    with pytest.raises(BackendError, match="HTTP 403"):
        as_person(agendas, secretaire.uid).events(council, *WEEK)
    assert council not in as_person(agendas, other_maire.uid).list_calendars()
    assert [e.summary for e in as_person(agendas, other_maire.uid).events(other_council, *WEEK)] \
        == []

    # The maire leaves the council (but stays maire): the directory changes, no share does,
    # and Radicale refuses him at the next request.
    seat = maire.seat(code)
    left = replace(inv, people=tuple(
        replace(p, seats=(replace(seat, assemblies=()),)) if p.uid == maire.uid else p
        for p in inv.people))
    plan = plan_for(left, drivers)
    assert [c.key for c in plan.pending] == [f"ldap.group:{council}"]
    applied(left, drivers)
    with pytest.raises(BackendError, match="HTTP 403"):
        me.events(council, *WEEK)
    assert council not in me.list_calendars()
    assert plan_for(left, drivers).empty


@pytest.mark.django_db(transaction=True)
def test_a_share_no_longer_wanted_is_disabled_then_restored(drivers, directory, agendas):
    inv = fresh_inventory(members=1, services=("agenda", "website"))
    code = inv.members[0].code
    council = f"{code}-conseil-municipal"
    applied(inv, drivers)
    maire = people_of(inv, code)[0]
    set_password(maire.uid, PASSWORD, directory.settings())
    me = as_person(agendas, maire.uid)
    assert me.events(council, *WEEK) == []
    # A create retried after a crash finds the share there (409) and leaves one share.
    drivers[1].sharing.share(council, council, exists=False)
    assert [s for s in drivers[1].sharing.shares({}) if s.calendar == council] == [
        Share(council, council, "read", True)]
    # Only the service account may share (the M right of the rights file).
    with pytest.raises(BackendError, match=f"Radicale does not let {maire.uid} share"):
        RadicaleSharing(me).share(council, council)

    # The commune stops the agenda service: calendars archived, the share disabled.
    stopped = replace(inv, members=(replace(inv.members[0], services=("website",)),))
    plan = plan_for(stopped, drivers)
    actions = {c.key: c.action for c in plan.pending if c.backend == "caldav"}
    assert actions == {f"caldav.calendar:{code}/agenda": "archive",
                       f"caldav.calendar:{code}/conseil-municipal": "archive",
                       f"caldav.share:{code}/conseil-municipal": "disable"}
    applied(stopped, drivers, allow_destroy=True)
    with pytest.raises(BackendError, match="HTTP 403"):
        me.events(council, *WEEK)
    observed = {o.key: o for o in drivers[1].observe(Scope(frozenset([code])))}
    assert observed[f"caldav.share:{code}/conseil-municipal"].state == "disabled"
    assert plan_for(stopped, drivers).empty

    # Subscribing again gives the same share back.
    plan = plan_for(inv, drivers)
    share = next(c for c in plan.pending if c.key == f"caldav.share:{code}/conseil-municipal")
    assert (share.action, share.before, share.after) == (
        "update", {"state": "disabled"}, {"state": "active"})
    applied(inv, drivers)
    assert me.events(council, *WEEK) == []
    assert plan_for(inv, drivers).empty


def test_guessing_the_service_accounts_password_never_locks_it_out(agendas):
    """Its entry's password policy has no lockout, unlike the people's (pwdMaxFailure 5)."""
    for _ in range(8):
        with pytest.raises(BackendError):
            CalDAV(agendas.url, agendas.admin_user, "pas le bon").list_calendars()
    CalDAV(agendas.url, agendas.admin_user, agendas.admin_password).list_calendars()


def test_no_person_of_the_directory_logs_in_as_the_service_account(directory, agendas):
    """A person whose uid is the service account's name (and who is in a group) logs in
    neither under that name nor as the service account."""
    layout = Layout(directory.base_dn)
    conn = ldap.initialize(directory.url)
    conn.simple_bind_s(directory.admin_dn, directory.admin_password)
    person = layout.account_dn(agendas.admin_user)
    conn.add_s(person, [("objectClass", [b"inetOrgPerson"]), ("cn", [b"Homonyme"]),
                        ("sn", [b"Homonyme"]), ("uid", [agendas.admin_user.encode()]),
                        ("userPassword", [PASSWORD.encode()])])
    group = f"cn=homonymes,{layout.members_dn}"
    conn.add_s(group, [("objectClass", [b"groupOfNames"]), ("cn", [b"homonymes"]),
                       ("member", [person.encode()])])
    try:
        with pytest.raises(BackendError):
            CalDAV(agendas.url, agendas.admin_user, PASSWORD).list_calendars()
        CalDAV(agendas.url, agendas.admin_user, agendas.admin_password).list_calendars()
    finally:
        conn.delete_s(group)
        conn.delete_s(person)
        conn.unbind_s()


def test_each_start_writes_the_service_accounts_new_password(directory, tmp_path):
    settings = {"url": directory.url, "base_dn": directory.base_dn,
                "bind_dn": directory.admin_dn, "bind_password": directory.admin_password}
    with Radicale(tmp_path, free_port(), admin_user="relance", directory=settings).start() \
            as first:
        CalDAV(first.url, "relance", first.admin_password).list_calendars()
    with Radicale(tmp_path, free_port(), admin_user="relance", directory=settings).start() \
            as second:
        with pytest.raises(BackendError):
            CalDAV(second.url, "relance", first.admin_password).list_calendars()
        CalDAV(second.url, "relance", second.admin_password).list_calendars()


@pytest.mark.django_db(transaction=True)
def test_a_server_that_cannot_share_says_so_and_plans_no_share(radicale, caplog):
    """The embedded Radicale without a directory has one account and no sharing."""
    inv = fresh_inventory(members=1)
    driver = AgendaDriver(radicale.settings())
    with caplog.at_level(logging.WARNING, logger="nextcloud_bridge.agendas.driver"):
        plan = plan_for(inv, [driver])
        assert apply_plan(plan, [driver]).status == "succeeded"
        assert plan_for(inv, [driver]).empty
    assert {c.kind for c in plan.pending} == {"caldav.calendar"}
    warnings = [r.getMessage() for r in caplog.records
                if r.name == "nextcloud_bridge.agendas.driver"]
    assert len(warnings) == 1  # once per driver, not once per plan
    assert f"the CalDAV server at {radicale.url.rstrip('/')} cannot share calendars" in warnings[0]


# ------------------------------------------------------------------------- Nextcloud's DAV

OC, DAV, CAL = "http://owncloud.org/ns", "DAV:", "urn:ietf:params:xml:ns:caldav"
HOME = "/remote.php/dav/calendars/mutualis/"


class FakeNextcloudDav:
    """The parts of apps/dav the agendas use: the service account's calendar home, and the
    sharing plugin. Not Nextcloud: what a request means follows the cited source."""

    def __init__(self, groups: set[str]):
        self.groups = groups  # gids Nextcloud knows
        self.calendars: dict[str, dict] = {}  # slug -> {name, description, shares}
        self.posts: list[ET.Element] = []

    def propfind(self, path: str, body: bytes) -> tuple[int, bytes]:
        wanted = {el.tag for el in ET.fromstring(body).iter()} if body else set()
        if path == HOME:
            items = [(HOME, None)] + [(f"{HOME}{s}/", c) for s, c in self.calendars.items()]
        elif path.startswith(HOME) and path[len(HOME):].strip("/") in self.calendars:
            slug = path[len(HOME):].strip("/")
            items = [(path, self.calendars[slug])]
        else:
            return 404, b""
        out = ET.Element(f"{{{DAV}}}multistatus")
        for href, cal in items:
            resp = ET.SubElement(out, f"{{{DAV}}}response")
            ET.SubElement(resp, f"{{{DAV}}}href").text = href
            propstat = ET.SubElement(resp, f"{{{DAV}}}propstat")
            prop = ET.SubElement(propstat, f"{{{DAV}}}prop")
            ET.SubElement(propstat, f"{{{DAV}}}status").text = "HTTP/1.1 200 OK"
            rtype = ET.SubElement(prop, f"{{{DAV}}}resourcetype")
            ET.SubElement(rtype, f"{{{DAV}}}collection")
            if cal is None:
                continue
            ET.SubElement(rtype, f"{{{CAL}}}calendar")
            ET.SubElement(prop, f"{{{DAV}}}displayname").text = cal["name"]
            ET.SubElement(prop, f"{{{CAL}}}calendar-description").text = cal["description"]
            if f"{{{OC}}}invite" in wanted:
                # Sharing/Xml/Invite.php: one oc:user per sharee, href "principal:<uri>"
                # (Backend::getShares), oc:invite-accepted, oc:access with oc:read or
                # oc:read-write.
                invite = ET.SubElement(prop, f"{{{OC}}}invite")
                for principal, read_only in cal["shares"].items():
                    user = ET.SubElement(invite, f"{{{OC}}}user")
                    ET.SubElement(user, f"{{{DAV}}}href").text = f"principal:{principal}"
                    ET.SubElement(user, f"{{{OC}}}invite-accepted")
                    access = ET.SubElement(user, f"{{{OC}}}access")
                    ET.SubElement(access, f"{{{OC}}}{'read' if read_only else 'read-write'}")
        return 207, ET.tostring(out)

    def write_props(self, slug: str, body: bytes) -> None:
        root = ET.fromstring(body)
        cal = self.calendars.setdefault(slug, {"name": "", "description": "", "shares": {}})
        cal["name"] = root.findtext(f".//{{{DAV}}}displayname") or ""
        cal["description"] = root.findtext(f".//{{{CAL}}}calendar-description") or ""

    def post(self, slug: str, content_type: str, body: bytes) -> int:
        # Sharing/Plugin.php::httpPost: only XML bodies, and only the oc:share document.
        if "application/xml" not in content_type and "text/xml" not in content_type:
            return 415
        root = ET.fromstring(body)
        if root.tag != f"{{{OC}}}share" or slug not in self.calendars:
            return 400
        self.posts.append(root)
        shares = self.calendars[slug]["shares"]
        # Xml/ShareRequest.php: oc:set (read-only unless oc:read-write) and oc:remove, each
        # with a d:href; Backend.php: a principal:principals/groups/<urlencoded gid> sharee
        # whose group does not exist is ignored; setting one again replaces its access.
        for element in root:
            href = element.findtext(f"{{{DAV}}}href", "")
            principal = href.removeprefix("principal:")
            if not principal.startswith("principals/groups/"):
                continue
            if element.tag == f"{{{OC}}}set":
                if unquote(principal.removeprefix("principals/groups/")) in self.groups:
                    shares[principal] = element.find(f"{{{OC}}}read-write") is None
            elif element.tag == f"{{{OC}}}remove":
                shares.pop(principal, None)
        return 200


@pytest.fixture
def nextcloud_dav():
    state = FakeNextcloudDav(set())

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status: int, body: bytes = b"") -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            if body:
                self.send_header("Content-Type", "application/xml; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _slug(self) -> str:
            return self.path[len(HOME):].strip("/") if self.path.startswith(HOME) else ""

        def do_PROPFIND(self):
            self._answer(*state.propfind(self.path, self._body()))

        def do_MKCALENDAR(self):
            body, slug = self._body(), self._slug()
            if slug in state.calendars:
                return self._answer(405)  # RFC 4791 §5.3.1.2
            state.write_props(slug, body)
            self._answer(201)

        def do_PROPPATCH(self):
            state.write_props(self._slug(), self._body())
            self._answer(207, b'<d:multistatus xmlns:d="DAV:"/>')

        def do_POST(self):
            body = self._body()
            self._answer(state.post(self._slug(), self.headers.get("Content-Type", ""), body))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/remote.php/dav"
    yield state
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_nextcloud_calendars_are_shared_with_the_group_through_the_sharing_plugin(
    nextcloud_dav,
):
    inv = fresh_inventory(members=1)
    code = inv.members[0].code
    council = f"{code}-conseil-municipal"
    principal = f"principals/groups/{council}"
    nextcloud_dav.groups.add(council)
    driver = AgendaDriver({"url": nextcloud_dav.url, "user": "mutualis", "password": "x"})

    applied(inv, [driver])
    assert nextcloud_dav.calendars[council]["shares"] == {principal: True}
    (post,) = nextcloud_dav.posts
    assert [(el.tag, el.findtext(f"{{{DAV}}}href")) for el in post] == [
        (f"{{{OC}}}set", f"principal:{principal}")]
    assert post.find(f"{{{OC}}}set/{{{OC}}}read-write") is None
    assert plan_for(inv, [driver]).empty  # the share read back from oc:invite

    # Made read-write by hand: the plan puts it back to read-only.
    nextcloud_dav.calendars[council]["shares"][principal] = False
    plan = plan_for(inv, [driver])
    assert [(c.key, c.before, c.after) for c in plan.pending] == [
        (f"caldav.share:{code}/conseil-municipal", {"access": "read-write"}, {"access": "read"})]
    applied(inv, [driver])
    assert nextcloud_dav.calendars[council]["shares"] == {principal: True}

    # No longer wanted: the sharee is removed (Nextcloud has no stopped share), the calendar
    # archived and kept.
    stopped = replace(inv, members=(replace(inv.members[0], services=("website",)),))
    applied(stopped, [driver], allow_destroy=True)
    assert nextcloud_dav.posts[-1][0].tag == f"{{{OC}}}remove"
    assert nextcloud_dav.calendars[council]["shares"] == {}
    assert nextcloud_dav.calendars[council]["name"].startswith("[Archivé] ")
    assert plan_for(stopped, [driver]).empty

    # A group Nextcloud does not know: it answers 200 and shares nothing; the driver says so.
    nextcloud_dav.groups.clear()
    result = apply_plan(plan_for(inv, [driver]), [driver])
    assert result.errors[f"caldav.share:{code}/conseil-municipal"] == (
        f"sharing of calendar {council}: Nextcloud did not share the calendar {council} with "
        f"the group {council}: that group does not exist in Nextcloud (provision it, or check "
        "the nextcloud backend's mode)")

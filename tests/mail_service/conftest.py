"""The demo mail server, started for real for the whole session (any free ports: a demo may
hold 1025 and 8025 on this machine), and Django's mail settings pointing at it."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import ldap
import pytest

from ldap_sync.layout import Layout
from ldap_sync.server import start_slapd
from mail_service import schema
from mail_service.server import start_mail
from mail_service.servers import start_mail_servers
from provisioning.backends import write_embedded_services


@pytest.fixture(scope="session")
def mail_server(tmp_path_factory):
    server = start_mail(tmp_path_factory.mktemp("mail"), smtp_port=0, web_port=0)
    yield server
    server.stop()


@pytest.fixture
def embedded_mail(mail_server, settings, tmp_path):
    """Django as on the demo: no mail server configured, the embedded one in services.json
    (written as `mutualis services start` writes it, pid included)."""
    settings.EMAIL_BACKEND = "mail_service.backend.EmailBackend"
    settings.MUTUALIS_EMAIL_CONFIGURED = False
    settings.VAR_DIR = tmp_path / "var"
    write_embedded_services({"mail": {**mail_server.settings(),
                                      "pid": mail_server.process.pid}})
    return mail_server


def address(name: str = "elu") -> str:
    """An address of its own for each test: the session's Maildir is shared."""
    return f"{name}.{uuid.uuid4().hex[:10]}@melle.test"


# ---------------------------------------------------------------------------- shared mail
# Real slapd, Dovecot and Postfix for the session (about two seconds to start); each test
# makes people and lists of its own, under one member domain.

DOMAIN = "melle.test"
MEMBER = "79174"


@pytest.fixture(scope="session")
def mail_slapd(tmp_path_factory):
    server = start_slapd(tmp_path_factory.mktemp("mail-ldap"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mail_servers(mail_slapd):
    # Not under pytest's temporary directory: its root is mode 0700, and Dovecot's mail
    # processes run as the `mail` system user, which must reach the mailboxes.
    directory = Path(tempfile.mkdtemp(prefix="mutualis-mail-"))
    os.chmod(directory, 0o711)
    servers = start_mail_servers(directory, mail_slapd.settings(), slow_failures=False)
    setup = MailDirectory(mail_slapd)
    setup.add_member(MEMBER, DOMAIN)
    setup.close()
    yield servers
    servers.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def mail_directory(mail_slapd, mail_servers):
    d = MailDirectory(mail_slapd)
    yield d
    d.close()


class MailDirectory:
    """Writes mail entries as the driver will (mail_service.schema), as the admin."""

    def __init__(self, slapd):
        self.slapd = slapd
        self.layout = Layout(slapd.base_dn)
        self.conn = ldap.initialize(slapd.url)
        self.conn.simple_bind_s(slapd.admin_dn, slapd.admin_password)

    def close(self) -> None:
        self.conn.unbind_s()

    def add_member(self, code: str, domain: str) -> None:
        self.conn.add_s(self.layout.member_dn(code), _encode(
            [("objectClass", ["organizationalUnit"]), ("ou", [code])]
            + schema.domain_mods(domain)))

    def add_person(self, name: str, password: str, quota_kb: int | None = None,
                   routing: str | None = None) -> Person:
        """A person with a mailbox at `<name>.<random>@melle.test`; `routing` "" gives them
        no mailbox (the address receives nothing), another address forwards to it."""
        uid = f"{name}{uuid.uuid4().hex[:8]}"
        address = f"{uid}@{DOMAIN}"
        routing = address if routing is None else routing
        self.conn.add_s(self.layout.account_dn(uid), _encode(
            [("objectClass", ["inetOrgPerson"]), ("uid", [uid]), ("cn", [name]),
             ("sn", [name]), ("mail", [f"{uid}@contact.example"])]
            + schema.mailbox_mods([address], routing, quota_kb)))
        self.conn.passwd_s(self.layout.account_dn(uid), None, password)
        return Person(uid, address, password, self.layout.account_dn(uid))

    def add_list(self, local: str, members: list[Person]) -> str:
        cn = f"{MEMBER}-{local}-{uuid.uuid4().hex[:6]}"
        address = f"{cn}@{DOMAIN}"
        self.conn.add_s(self.layout.group_dn(MEMBER, cn), _encode(
            [("objectClass", ["groupOfNames"]), ("cn", [cn]),
             ("member", [p.dn for p in members] or [self.layout.nobody_dn])]
            + schema.list_mods([address])))
        return address

    def add_to_list(self, address: str, person: Person) -> None:
        cn = address.split("@")[0]
        self.conn.modify_s(self.layout.group_dn(MEMBER, cn),
                           [(ldap.MOD_ADD, "member", [person.dn.encode()])])

    def entry(self, dn: str, attrs: list[str]) -> dict[str, list[str]]:
        [(_, found)] = self.conn.search_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", attrs)
        return {k: [v.decode() for v in vs] for k, vs in found.items()}


@dataclass(frozen=True)
class Person:
    uid: str
    address: str
    password: str
    dn: str


def _encode(attrs: list[tuple]) -> list[tuple[str, list[bytes]]]:
    """(name, values) pairs as add_s takes them, a name given twice merged (objectClass)."""
    merged: dict[str, list[bytes]] = {}
    for name, values in attrs:
        merged.setdefault(name, []).extend(v.encode() for v in values)
    return list(merged.items())


def add_shared_mailbox(directory: MailDirectory, servers, local: str,
                       readers: list[Person]) -> tuple[str, str]:
    """A shared mailbox (e.g. mairie@) read by `readers`: (its uid, its address)."""
    cn = f"{MEMBER}-{local}-{uuid.uuid4().hex[:6]}"
    uid, address = f"shared-{cn}", f"{cn}@{DOMAIN}"
    directory.conn.add_s(directory.layout.group_dn(MEMBER, cn), _encode(
        [("objectClass", ["groupOfNames"]), ("cn", [cn]),
         ("member", [p.dn for p in readers])] + schema.shared_mailbox_mods(uid, address)))
    servers.dovecot.share_mailbox(uid, cn)
    return uid, address

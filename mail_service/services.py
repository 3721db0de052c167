"""Public functions of the shared mail, for the apps and the command line.

- `person_mail(uid)`: what a person's mail client needs (server, ports, login, their
  addresses, the shared mailboxes they read), read from the directory; None without mail;
- `dns_records(code=None)`: per member domain, the SPF, DKIM and DMARC records to publish
  (the DKIM key made on this host if it is missing);
- `functional_mailbox(code, local)`: how an app opens a member's shared mailbox over IMAP
  (courrier@, which the register reads), as the apps' Dovecot master user; None without it.

Which servers: `settings.MUTUALIS_MAIL` (a dict: host, imap_port, submission_port,
dkim_dir, as a syndicate's mail host gives them) when set, else the embedded Postfix and
Dovecot that `mutualis services start` runs (`mail-server` in var/services.json). The
directory: as ldap_sync reaches it (`MUTUALIS_LDAP`, else the embedded one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ldap
from ldap.dn import str2dn
from ldap.filter import escape_filter_chars

from ldap_sync.connection import TRANSIENT, connect, describe
from ldap_sync.layout import Layout
from provisioning import naming
from provisioning.backends import runtime_backend
from provisioning.drivers import BackendError, ProvisioningError

from . import dkim
from . import schema as S


@dataclass(frozen=True, order=True)
class SharedMailbox:
    address: str
    folder: str  # as an IMAP client lists it (Dovecot's shared namespace)


@dataclass(frozen=True)
class PersonMail:
    login: str
    addresses: list[str]
    shared: list[SharedMailbox] = field(default_factory=list)
    host: str = ""
    imap_port: int = 0
    submission_port: int = 0


def mail_host() -> dict:
    """host, imap_port, submission_port, dkim_dir of the mail servers."""
    record = runtime_backend("mail-server", "MUTUALIS_MAIL", "mail server")
    if record.get("error"):
        raise ProvisioningError(f"the mail servers did not start: {record['error']}")
    return record


def _directory():
    config = runtime_backend("ldap", "MUTUALIS_LDAP", "directory")
    return connect(config), Layout(config["base_dn"])


def _search(conn, base: str, filterstr: str, attrs: list[str]) -> list[tuple[str, dict]]:
    try:
        return [(dn, e) for dn, e in conn.search_s(base, ldap.SCOPE_SUBTREE, filterstr, attrs)
                if dn]
    except ldap.NO_SUCH_OBJECT:
        return []
    except TRANSIENT as exc:
        raise BackendError(f"the directory cannot be reached: {describe(exc)}") from None


def person_mail(uid: str) -> PersonMail | None:
    """The person's mailbox as the directory has it now; None when they have none (their
    members do not subscribe to `messagerie`, or their mailbox stopped receiving)."""
    conn, layout = _directory()
    try:
        found = _search(conn, layout.account_dn(uid), f"({S.ROUTING}=*)",
                        [S.ADDRESS, S.ROUTING])
        if not found:
            return None
        entry = found[0][1]
        shared = _search(conn, layout.members_dn,
                         f"(&(objectClass={S.SHARED_CLASS})({S.ROUTING}=*)"
                         f"(member={escape_filter_chars(layout.account_dn(uid))}))",
                         ["uid", S.ROUTING])
    finally:
        conn.unbind_s()
    routing = entry[S.ROUTING][0].decode()
    addresses = sorted((a.decode() for a in entry.get(S.ADDRESS, ())),
                       key=lambda a: (a != routing, a))
    boxes = sorted(SharedMailbox(e[S.ROUTING][0].decode(), f"shared/{e['uid'][0].decode()}")
                   for _, e in shared)
    host = mail_host()
    return PersonMail(login=uid, addresses=addresses, shared=boxes, host=host["host"],
                      imap_port=int(host["imap_port"]),
                      submission_port=int(host["submission_port"]))


def member_domains(code: str | None = None) -> list[tuple[str, str]]:
    """(member code, mail domain) of every member whose mail is on, from the directory."""
    conn, layout = _directory()
    try:
        found = _search(conn, layout.members_dn,
                        f"(&(objectClass={S.DOMAIN_CLASS})({S.DOMAIN}=*))", [S.DOMAIN])
    finally:
        conn.unbind_s()
    result = []
    for dn, entry in found:
        member = str2dn(dn)[0][0][1]
        if code is None or member == code:
            result += [(member, d.decode()) for d in entry[S.DOMAIN]]
    if code is not None and not result:
        raise ProvisioningError(f"member {code}: no mail domain in the directory (does it "
                                "subscribe to messagerie, and was the inventory applied?)")
    return sorted(result)


def dns_records(code: str | None = None) -> list[tuple[str, str, list[dkim.DnsRecord]]]:
    """(member code, domain, records) per member domain; a missing DKIM key is made."""
    directory = mail_host().get("dkim_dir")
    if not directory:
        raise ProvisioningError("the mail servers' settings give no dkim_dir (MUTUALIS_MAIL)")
    domains = member_domains(code)
    if dkim.ensure_keys(Path(directory), [d for _, d in domains]):
        dkim.reload(Path(directory))
    return [(member, domain, dkim.dns_records(Path(directory), domain,
                                              report_to=f"mairie@{domain}"))
            for member, domain in domains]


@dataclass(frozen=True)
class MailboxAccess:
    """An IMAP login to one mailbox: `<its uid><separator><master user>` and the master
    password (Dovecot's master users: the mailbox is opened as its owner)."""

    address: str
    host: str
    port: int
    login: str
    password: str = field(repr=False)
    ca_file: str = ""


def functional_mailbox(code: str, local: str) -> MailboxAccess | None:
    """The member's shared mailbox `local@` (e.g. courrier@) as an app reads it; None when the
    directory gives the member no such mailbox receiving mail. The servers' settings give the
    master user (`imap_master_user`, `imap_master_separator`) and its password
    (`imap_master_password`, or the file `imap_master_password_file`)."""
    uid = naming.shared_mailbox_uid(code, local)
    conn, layout = _directory()
    try:
        found = _search(conn, layout.member_dn(code),
                        f"(&(objectClass={S.SHARED_CLASS})(uid={escape_filter_chars(uid)})"
                        f"({S.ROUTING}=*))", [S.ROUTING])
    finally:
        conn.unbind_s()
    if not found:
        return None
    host = mail_host()
    master = host.get("imap_master_user")
    password = host.get("imap_master_password")
    if not password and host.get("imap_master_password_file"):
        password = Path(host["imap_master_password_file"]).read_text().strip()
    if not (master and password):
        raise ProvisioningError("the mail servers' settings give no master user for the apps "
                                "(imap_master_user and imap_master_password in MUTUALIS_MAIL)")
    return MailboxAccess(found[0][1][S.ROUTING][0].decode(), host["host"],
                         int(host["imap_port"]),
                         f"{uid}{host.get('imap_master_separator') or '*'}{master}", password,
                         str(host.get("ca_file") or ""))

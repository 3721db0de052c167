"""A Dovecot instance of our own: IMAP on a loopback port, LMTP and SASL auth for Postfix.

`start_dovecot(directory, access, ...)` writes `directory/dovecot.conf` and its two LDAP
files, then runs `dovecot -F -c directory/dovecot.conf` (foreground, so that we own the
process). Everything of the instance lives under `directory`: base_dir (run/), state_dir,
the log, the mailboxes (mail/<uid>/Maildir). Debian's /etc/dovecot is not read.

- Passwords: passdb LDAP with `auth_bind` — Dovecot binds to slapd *as the person*
  (uid=<login>,ou=people,<base>), so slapd's password policy counts each failure and a
  locked account cannot log in; no password, hash or account is copied anywhere.
- Users: userdb LDAP, read as the mail-reader account (directory.py). One entry answers
  both an IMAP login (its uid) and an LMTP recipient (its mailbox address: the entry whose
  mailRoutingAddress is that address and which receives at it); both give the uid as the
  user name, so both reach mail/<uid>/Maildir. The quota comes from `mailQuota` (kilobytes,
  Dovecot's `storage` unit; absent or 0: no limit), counted by the `count` backend, and LMTP
  refuses a message that would exceed it at RCPT time.
- Sockets for Postfix (`sockets` argument: a directory inside Postfix's queue directory, so
  that Postfix reaches them by a path relative to its queue): `auth` (SASL) and `lmtp`,
  owned by the user Postfix runs as.
"""

from __future__ import annotations

import base64
import hashlib
import os
import pwd
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from provisioning.backends import free_port, stop_process

from . import schema
from .directory import DirectoryAccess
from .instance import (
    HOST,
    MailServerError,
    binary,
    check_plain_path,
    check_reachable,
    is_root,
    mail_account,
    wait_for_paths,
    wait_for_port,
)
from .tls import TlsFiles

CONF = "dovecot.conf"
LOG = "dovecot.log"
# The master user the apps log in with to read a functional mailbox (courrier@, where the
# register takes its mail): `<mailbox uid>*mutualis` and the master password
# (https://doc.dovecot.org/2.3/configuration_manual/authentication/master_users/).
MASTER_USER = "mutualis"
MASTER_SEPARATOR = "*"
MASTER_FILE = "master-users"
GLOBAL_ACL = "global-acl"
# Who owns the sockets Postfix connects to (Debian's postfix package creates this user).
POSTFIX_USER = "postfix"


_SIZE = re.compile(r",W=([0-9]+)|,S=([0-9]+)")


def mailbox_usage_kb(mail_root: Path) -> dict[str, int]:
    """What each user's Maildir holds, in kilobytes, as the `count` quota with quota_vsizes
    counts it: the messages' virtual sizes, which Dovecot writes in their file names (W=, else
    S=; a name with neither: the file's size). Read from the files, so that a plan may
    compare a new quota with it without asking Dovecot."""
    usage: dict[str, int] = {}
    if not Path(mail_root).is_dir():
        return usage
    for home in Path(mail_root).iterdir():
        maildir = home / "Maildir"
        if not maildir.is_dir():
            continue
        total = 0
        folders = [maildir, *(d for d in maildir.iterdir() if d.name.startswith("."))]
        for folder in folders:
            for part in ("cur", "new"):
                try:
                    entries = list(os.scandir(folder / part))
                except (FileNotFoundError, NotADirectoryError):
                    continue
                for entry in entries:
                    found = _SIZE.search(entry.name)
                    if found:
                        total += int(found.group(1) or found.group(2))
                    elif entry.is_file():
                        total += entry.stat().st_size
        usage[home.name] = (total + 1023) // 1024
    return usage


def passdb_conf(access: DirectoryAccess) -> str:
    # %u is the login after auth_username_format; auth_username_chars (Dovecot's default,
    # written out below) keeps ",", "=", "+" and "\" out of it, so it cannot change the DN.
    return (f"uris = {access.url}\n"
            "ldap_version = 3\n"
            f"base = {access.people_dn}\n"
            "auth_bind = yes\n"
            f"auth_bind_userdn = uid=%u,{access.people_dn}\n")


def userdb_conf(access: DirectoryAccess, mail_root: Path) -> str:
    account = mail_account()
    recipient = f"(objectClass={schema.RECIPIENT_CLASS})"
    # An LMTP recipient is the mailbox address the entry both receives at and routes to
    # (a person whose mail is forwarded elsewhere is no mailbox of that address).
    by_address = f"(&({schema.ROUTING}=%u)({schema.ADDRESS}=%u))"
    return (f"uris = {access.url}\n"
            "ldap_version = 3\n"
            f"dn = {access.bind_dn}\n"
            f"dnpass = {access.bind_password}\n"
            # People and shared mailboxes (groups under ou=members) alike.
            f"base = {access.base_dn}\n"
            "scope = subtree\n"
            f"user_filter = (&{recipient}(|(uid=%u){by_address}))\n"
            f"user_attrs = =user=%{{ldap:uid}}, =home={mail_root}/%{{ldap:uid}}, "
            f"=quota_rule=*:storage=%{{ldap:{schema.QUOTA}:0}}, "
            # Every mailbox is the mail user's: said in the reply, so that an IMAP process
            # may look up the shared mailbox it opens (auth checks the uid it answers with).
            f"=uid={account.pw_uid}, =gid={account.pw_gid}, "
            # The ACL groups of a person: their groups' DNs, joined with commas by Dovecot
            # and split at them again, so that "cn=<group>" is one of them (share_mailbox
            # grants to it).
            "memberOf=acl_groups\n"
            f"iterate_filter = (&{recipient}({schema.ROUTING}=*))\n"
            "iterate_attrs = =user=%{ldap:uid}\n")


def master_entry(password: str) -> str:
    """The passwd-file line of the master user: its password salted and hashed (SSHA256:
    base64 of sha256(password + salt) + salt, as Dovecot's password schemes define it)."""
    salt = os.urandom(8)
    digest = hashlib.sha256(password.encode() + salt).digest()
    return f"{MASTER_USER}:{{SSHA256}}{base64.b64encode(digest + salt).decode()}\n"


def dovecot_conf(directory: Path, imap_port: int, sockets: Path, tls: TlsFiles,
                 instance: str, slow_failures: bool) -> str:
    account = mail_account()
    users = (["default_internal_user = dovecot", "default_login_user = dovenull",
              f"mail_uid = {account.pw_name}", f"mail_gid = {account.pw_gid}",
              f"first_valid_uid = {account.pw_uid}", f"last_valid_uid = {account.pw_uid}",
              f"first_valid_gid = {account.pw_gid}", f"last_valid_gid = {account.pw_gid}"]
             if is_root() else
             [f"default_internal_user = {account.pw_name}",
              f"default_login_user = {account.pw_name}",
              f"first_valid_uid = {account.pw_uid}", f"last_valid_uid = {account.pw_uid}"])
    socket_owner = (f"user = {POSTFIX_USER}\n    group = {POSTFIX_USER}\n"
                    if is_root() else "")
    lines = [
        f"instance_name = {instance}",
        f"base_dir = {directory / 'run'}",
        f"state_dir = {directory / 'state'}",
        f"log_path = {directory / LOG}",
        "protocols = imap lmtp",
        f"listen = {HOST}",
        *users,
        # IMAP offers STARTTLS. Dovecot counts a connection from 127.0.0.1 as secured, so a
        # client on this machine may also log in without it.
        "ssl = yes",
        f"ssl_cert = <{tls.cert}",
        f"ssl_key = <{tls.key}",
        "ssl_min_protocol = TLSv1.2",
        "auth_mechanisms = plain login",
        "auth_username_format = %Lu",
        "auth_username_chars = abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        "01234567890.-_@",
        "auth_cache_size = 0",  # every login binds: slapd's policy sees each attempt
        # A failed login waits 2 s, and more for an address that keeps failing (anvil's
        # penalty); the tests, which fail on purpose from one address, turn both off.
        f"auth_failure_delay = {2 if slow_failures else 0} secs",
        "mail_home = %h",
        "mail_location = maildir:~/Maildir",
        "mail_plugins = quota acl",
        # Shared mailboxes: shared/<its uid>/INBOX, one copy whose flags every reader sees
        # (no private index), opened for the groups its ACL file names (share_mailbox).
        "namespace inbox {\n  inbox = yes\n  separator = /\n  prefix =\n}",
        "namespace shared {\n  type = shared\n  separator = /\n"
        "  prefix = shared/%%u/\n  location = maildir:%%h/Maildir\n"
        "  subscriptions = no\n  list = children\n}",
        "lmtp_rcpt_check_quota = yes",
        # The apps' master user first; it has its own rights in the global ACL file (the
        # mailboxes' own files name their readers only).
        f"auth_master_user_separator = {MASTER_SEPARATOR}",
        "passdb {",
        "  driver = passwd-file",
        f"  args = scheme=SSHA256 {directory / MASTER_FILE}",
        "  master = yes",
        "}",
        "passdb {",
        "  driver = ldap",
        f"  args = {directory / 'ldap-passdb.conf.ext'}",
        "}",
        "userdb {",
        "  driver = ldap",
        f"  args = {directory / 'ldap-userdb.conf.ext'}",
        "}",
        "service imap-login {",
        f"  inet_listener imap {{\n    address = {HOST}\n    port = {imap_port}\n  }}",
        "  inet_listener imaps {\n    port = 0\n  }",
        "}",
        "service pop3-login {\n  inet_listener pop3 {\n    port = 0\n  }\n}",
        "service lmtp {",
        f"  unix_listener {sockets / 'lmtp'} {{\n    mode = 0600\n    {socket_owner}  }}",
        "}",
        "service auth {",
        f"  unix_listener {sockets / 'auth'} {{\n    mode = 0660\n    {socket_owner}  }}",
        "}",
        *([] if slow_failures else [
            "service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}"]),
        "protocol imap {\n  mail_plugins = $mail_plugins imap_quota imap_acl\n}",
        "plugin {",
        f"  acl = vfile:{directory / GLOBAL_ACL}",
        f"  acl_shared_dict = file:{directory / 'state' / 'shared-mailboxes.db'}",
        "  quota = count:User quota",
        "  quota_vsizes = yes",
        "}",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Dovecot:
    directory: Path
    imap_port: int
    sockets: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def lmtp_socket(self) -> Path:
        return self.sockets / "lmtp"

    @property
    def auth_socket(self) -> Path:
        return self.sockets / "auth"

    @property
    def mail_root(self) -> Path:
        return self.directory / "mail"

    def maildir(self, uid: str) -> Path:
        return self.mail_root / uid / "Maildir"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def share_mailbox(self, uid: str, group_cn: str, readers: tuple[str, ...] = ()) -> None:
        """Open the shared mailbox `uid` to the members of the directory group `group_cn`
        (read, flag, answer, file, delete: everything but changing who may). The file names
        the group only; who is in it stays the directory's business."""
        maildir = self.maildir(uid)
        account = mail_account()
        # The Maildir made now, whole: its readers may open it before its first message.
        for path in (maildir.parent, maildir, *(maildir / d for d in ("cur", "new", "tmp"))):
            path.mkdir(exist_ok=True)
            os.chown(path, account.pw_uid, account.pw_gid)
        acl = maildir / "dovecot-acl"
        # `readers` by uid as well: Dovecot's userdb keeps only the first memberOf value of
        # a person in several groups, so the group alone opens it only to some of them.
        acl.write_text(f"group=cn={group_cn} lrwstipekx\n"
                       + "".join(f"user={r} lrwstipekx\n" for r in readers))
        os.chown(acl, account.pw_uid, account.pw_gid)

    def start(self, timeout: float = 15.0) -> Dovecot:
        log = self.directory / LOG
        out = open(self.directory / "dovecot.out", "ab")  # handed to the child, closed here
        try:
            # Its own session: a Ctrl-C meant for `mutualis demo` does not stop the mail.
            self.process = subprocess.Popen(
                [binary("dovecot", "dovecot-core"), "-F", "-c", str(self.directory / CONF)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        finally:
            out.close()
        try:
            wait_for_port(self.imap_port, self.process, log, "dovecot", timeout)
            wait_for_paths([self.lmtp_socket, self.auth_socket], self.process, log,
                           "dovecot", timeout)
        except MailServerError:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM: the master stops its processes and removes its sockets."""
        stop_process(self.process, timeout)
        self.process = None

    def __enter__(self) -> Dovecot:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_dovecot(directory: Path, access: DirectoryAccess, tls: TlsFiles, sockets: Path,
                  imap_port: int | None = None, slow_failures: bool = True,
                  master_password: str | None = None) -> Dovecot:
    """Configure (again) and start the Dovecot instance of `directory`; its mailboxes are
    kept from earlier runs. `sockets`: where to put the auth and LMTP sockets.
    `slow_failures`: Dovecot's delays after a failed login (on but for the tests; slapd's
    password policy locks the account after 5 failures either way). `master_password`: the
    apps' master user's (none: no master user can log in)."""
    directory = Path(directory).resolve()
    check_plain_path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sockets.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o755)
    check_reachable(directory, mail_account().pw_name)
    mail_root = directory / "mail"
    mail_root.mkdir(exist_ok=True)
    account = mail_account()
    os.chown(mail_root, account.pw_uid, account.pw_gid)
    os.chmod(mail_root, 0o700)
    for name, text in (("ldap-passdb.conf.ext", passdb_conf(access)),
                       ("ldap-userdb.conf.ext", userdb_conf(access, mail_root))):
        fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)  # the userdb file holds the reader's password
    master = directory / MASTER_FILE
    fd = os.open(master, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(master_entry(master_password) if master_password else "")
    if is_root():  # read by the auth process, which runs as default_internal_user
        internal = pwd.getpwnam("dovecot")
        os.chown(master, internal.pw_uid, internal.pw_gid)
    # Global ACLs (mailbox pattern, identifier, rights): the master user reads, flags and
    # files the mail of any mailbox it logs into.
    (directory / GLOBAL_ACL).write_text(f"* user={MASTER_USER} lrwstipekx\n")
    port = imap_port or free_port()
    instance = "mutualis-" + hashlib.sha256(str(directory).encode()).hexdigest()[:8]
    (directory / CONF).write_text(dovecot_conf(directory, port, sockets, tls, instance,
                                                        slow_failures))
    return Dovecot(directory, port, sockets).start()

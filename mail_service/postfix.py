"""A Postfix instance of our own, its maps read live from the directory.

`start_postfix(directory, access, dovecot, tls, ...)` writes `directory/conf/main.cf`,
`master.cf` and one LDAP map file per table, then runs `postfix -c directory/conf start-fg`
(the master in the foreground, so that we own the process). Queue (`queue/`), data
(`data/`) and log (`postfix.log`) are beside `conf/` — not in it, as `postfix check` wants
every file of the configuration directory to be root's; /etc/postfix is only read for
`postfix-files` (meta_directory).

Two listeners, both on 127.0.0.1:
- `smtp_port`: the server's MX role. It accepts mail for the directory's domains only (no
  relay for anybody), and refuses a sender address of ours from a client that did not log in
  (reject_unauthenticated_sender_login_mismatch).
- `submission_port`: for people. STARTTLS required before AUTH (SASL through Dovecot's auth
  socket), nothing without AUTH, and a person may only send as an address the directory
  gives them (reject_sender_login_mismatch on smtpd_sender_login_maps).

- `injection_port`: the application's own mail (Django's, mail_service/backend.py). No AUTH:
  it takes mail from 127.0.0.1 only (permit_mynetworks, mynetworks = 127.0.0.1/32, and the
  listener is bound to loopback), like the sendmail(1) command a local program would use; it
  still refuses, as the MX port does, a sender address of ours (a person's) from a client
  that did not log in. Mail for outside domains goes nowhere on the Internet: it bounces,
  or, when `relay_to` is given (the demo), goes to the demo's mail catcher.

Maps (ldap_table(5)), each filtering on exactly the looked-up key and reading one
attribute (see schema.py for the attributes):
- virtual_mailbox_domains: member branches whose associatedDomain is the domain;
- virtual_mailbox_maps: an entry that receives at the address and routes it to itself;
- virtual_alias_maps: the entry receiving at the address → its mailRoutingAddress (a
  person, a shared mailbox); a list (groupOfNames without one) → the mailRoutingAddress of
  each `member` (Postfix follows the DNs);
- smtpd_sender_login_maps: a person receiving at the address → their uid (the SASL login);
  a shared mailbox → the uids of its members.
Delivery: `virtual_transport` LMTP to Dovecot over its unix socket.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from provisioning.backends import free_port, stop_process

from . import schema
from .directory import DirectoryAccess
from .dovecot import Dovecot
from .instance import HOST, MailServerError, binary, check_plain_path, is_root, wait_for_port
from .tls import TlsFiles

# Postfix logs to the master's stdout (`maillog_file = /dev/stdout`, meant for start-fg),
# which is this file.
LOG = "postfix.log"
# Dovecot's sockets live here, inside the queue directory (Debian's usual place), so that
# Postfix's processes reach them by a path relative to the queue.
SOCKETS = "private/dovecot"


def map_conf(access: DirectoryAccess, base: str, query: str, result: str,
             **extra: str) -> str:
    lines = {"server_host": access.url, "version": "3", "bind": "yes",
             "bind_dn": access.bind_dn, "bind_pw": access.bind_password,
             "search_base": base, "scope": "sub", "query_filter": query,
             "result_attribute": result, **extra}
    return "".join(f"{k} = {v}\n" for k, v in lines.items())


def maps(access: DirectoryAccess) -> dict[str, str]:
    """The LDAP map files, by name. Postfix quotes %s, %u and %d for a filter (RFC 4515);
    written as %u@%d, a key without a local part or a domain (Postfix also tries "@domain"
    and "user") is not sent to slapd at all."""
    recipient = f"(objectClass={schema.RECIPIENT_CLASS})"
    key = "%u@%d"
    return {
        "ldap-domains.cf": map_conf(
            access, access.members_dn,
            f"(&(objectClass={schema.DOMAIN_CLASS})({schema.DOMAIN}=%s))", schema.DOMAIN),
        "ldap-mailboxes.cf": map_conf(
            access, access.base_dn,
            f"(&{recipient}({schema.ROUTING}={key})({schema.ADDRESS}={key}))", schema.ROUTING),
        # A routing address ends the expansion (a person, a shared mailbox: one copy);
        # an entry without one (a list) is expanded to its members' addresses.
        "ldap-aliases.cf": map_conf(
            access, access.base_dn, f"(&{recipient}({schema.ADDRESS}={key}))", schema.ROUTING,
            terminal_result_attribute=schema.ROUTING, special_result_attribute="member"),
        # A person sends as their addresses; the members of a shared mailbox as its address
        # (a list, with no routing address, gives nobody the right to send as it).
        "ldap-senders.cf": map_conf(
            access, access.base_dn,
            f"(&{recipient}({schema.ADDRESS}={key})"
            f"(|(objectClass=inetOrgPerson)({schema.ROUTING}=*)))", "uid",
            special_result_attribute="member"),
    }


def main_cf(directory: Path, hostname: str, tls: TlsFiles,
            static: bool = False, relay_to: tuple[str, int] | None = None) -> str:
    # Straight ldap: tables (each process keeps its connection for its lifetime): through
    # proxymap(8) the benchmark delivered no faster (benchmarks/bench_mail.py).
    ldap = {name: (f"hash:{directory / 'conf' / name.replace('.cf', '')}" if static
                   else f"ldap:{directory / 'conf' / name}") for name in maps_names()}
    outside = (f"smtp:[{relay_to[0]}]:{relay_to[1]}" if relay_to
               else "error:5.7.1 this instance sends no mail outside")
    params = {
        "compatibility_level": "3.6",
        "queue_directory": directory / "queue",
        "data_directory": directory / "data",
        "maillog_file": "/dev/stdout",
        "mail_owner": "postfix",
        "setgid_group": "postdrop",
        "myhostname": hostname,
        "mydomain": hostname.partition(".")[2] or hostname,
        "myorigin": "$myhostname",
        "mydestination": "",  # no local mailboxes: every domain is a virtual one
        "local_recipient_maps": "",
        "local_transport": "error:5.1.1 no local delivery here",
        "alias_maps": "",
        "alias_database": "",
        "inet_interfaces": HOST,
        "inet_protocols": "ipv4",
        # Nobody is trusted by address, loopback included: relaying needs AUTH.
        "mynetworks": "127.0.0.1/32",
        "smtpd_relay_restrictions": "permit_sasl_authenticated, reject_unauth_destination",
        "smtpd_recipient_restrictions": "",
        "smtpd_sender_restrictions": "reject_unauthenticated_sender_login_mismatch",
        "smtpd_sender_login_maps": ldap["ldap-senders.cf"],
        "virtual_mailbox_domains": ldap["ldap-domains.cf"],
        "virtual_mailbox_maps": ldap["ldap-mailboxes.cf"],
        "virtual_alias_maps": ldap["ldap-aliases.cf"],
        "virtual_transport": f"lmtp:unix:{SOCKETS}/lmtp",
        # Mail for outside domains never leaves for the Internet: it bounces, or (the demo)
        # goes to the demo's mail catcher, which keeps every message it is given.
        "default_transport": outside,
        "relay_transport": outside,
        "message_size_limit": 50 * 1024 * 1024,  # convocations carry their dossier
        "smtpd_sasl_type": "dovecot",
        "smtpd_sasl_path": f"{SOCKETS}/auth",
        # On both ports: Postfix applies the sender-login checks only where SASL is on. AUTH
        # is offered after STARTTLS only (smtpd_tls_auth_only).
        "smtpd_sasl_auth_enable": "yes",
        "smtpd_tls_cert_file": tls.cert,
        "smtpd_tls_key_file": tls.key,
        "smtpd_tls_security_level": "may",
        "smtpd_tls_auth_only": "yes",
        "smtpd_banner": "$myhostname ESMTP",
        "biff": "no",
        "append_dot_mydomain": "no",
        "readme_directory": "no",
        "smtputf8_enable": "no",
        "lmtp_destination_recipient_limit": "50",
        # A DKIM milter that does not answer lets the mail go unsigned rather than held.
        "milter_default_action": "accept",
        "milter_protocol": "6",
    }
    return "".join(f"{k} = {v}\n" for k, v in params.items())


def maps_names() -> list[str]:
    return ["ldap-domains.cf", "ldap-mailboxes.cf", "ldap-aliases.cf", "ldap-senders.cf"]


# master.cf: service type private unpriv chroot wakeup maxproc command. Nothing chrooted
# (the instance's paths are absolute). pickup: `postqueue -f` checks that it answers.
MASTER_SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def master_cf(smtp_port: int, submission_port: int, injection_port: int,
              milter: str | None = None) -> str:
    # The DKIM milter signs what people and the application send, not what comes in.
    signing = f"  -o smtpd_milters={milter}\n" if milter else ""
    return (f"{HOST}:{smtp_port} inet n - n - - smtpd\n"
            f"{HOST}:{submission_port} inet n - n - - smtpd\n"
            "  -o syslog_name=postfix/submission\n"
            "  -o smtpd_tls_security_level=encrypt\n"
            "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\n"
            "  -o smtpd_sender_restrictions=reject_sender_login_mismatch\n"
            "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
            + signing +
            # The application's own mail (convocations, activation links), from this
            # machine only; see the module's docstring.
            f"{HOST}:{injection_port} inet n - n - - smtpd\n"
            "  -o syslog_name=postfix/injection\n"
            "  -o smtpd_client_restrictions=permit_mynetworks,reject\n"
            "  -o smtpd_relay_restrictions=permit_mynetworks,reject\n"
            + signing + MASTER_SERVICES)


@dataclass
class Postfix:
    directory: Path
    smtp_port: int
    submission_port: int
    injection_port: int
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def log(self) -> Path:
        return self.directory / LOG

    @property
    def conf(self) -> Path:
        return self.directory / "conf"

    @property
    def sockets(self) -> Path:
        return sockets_for(self.directory)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def master_pid(self) -> int | None:
        """The master's pid: `postfix start-fg` (our child) is a script that runs it, and
        only a signal to the master stops the instance (the master ends its processes)."""
        try:
            return int((self.directory / "queue" / "pid" / "master.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None

    def postfix(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([binary("postfix", "postfix"), "-c", str(self.conf), *args],
                              capture_output=True, text=True)

    def postmap_query(self, table: str, key: str) -> str | None:
        """What a map answers for `key` (None: not found), as Postfix itself reads it."""
        run = subprocess.run([binary("postmap", "postfix"), "-c", str(self.conf), "-q",
                              key, f"ldap:{self.conf / table}"],
                             capture_output=True, text=True)
        if run.returncode == 1:
            return None
        if run.returncode != 0:
            raise MailServerError(f"postmap -q {key} {table}: {run.stderr.strip()}")
        return run.stdout.strip()

    def start(self, timeout: float = 20.0) -> Postfix:
        out = open(self.log, "ab")  # handed to the child, closed here
        try:
            self.process = subprocess.Popen(
                [binary("postfix", "postfix"), "-c", str(self.conf), "start-fg"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        finally:
            out.close()
        try:
            for port in (self.smtp_port, self.submission_port, self.injection_port):
                wait_for_port(port, self.process, self.log,
                              "postfix", timeout)
        except MailServerError:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """`postfix stop` (the master ends its processes), SIGTERM/SIGKILL as a fallback."""
        if self.running:
            self.postfix("stop")
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        stop_process(self.process, timeout)
        self.process = None

    def queue(self) -> list[dict]:
        """The messages waiting in the queue (`postqueue -j`: one JSON object each)."""
        run = subprocess.run([binary("postqueue", "postfix"), "-c", str(self.conf), "-j"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise MailServerError(f"postqueue -j: {run.stderr.strip()}")
        return [json.loads(line) for line in run.stdout.splitlines() if line.strip()]

    def flush(self) -> None:
        """Try every deferred message now (after Dovecot came back, say)."""
        run = subprocess.run([binary("postqueue", "postfix"), "-c", str(self.conf), "-f"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise MailServerError(f"postqueue -f: {run.stderr.strip()}")

    def __enter__(self) -> Postfix:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def configure_postfix(directory: Path, access: DirectoryAccess, tls: TlsFiles,
                      hostname: str = "mail.mutualis.test", smtp_port: int | None = None,
                      submission_port: int | None = None,
                      static_maps: dict[str, dict[str, str]] | None = None,
                      relay_to: tuple[str, int] | None = None,
                      milter: str | None = None) -> Postfix:
    """Write the configuration of the Postfix instance of `directory` (again) and create its
    queue; Dovecot is started next with `sockets=postfix.sockets`, then `postfix.start()`.

    `static_maps` ({"ldap-domains.cf": {key: value}, ...} for the four maps): the same
    Postfix on hash tables instead of LDAP, for the benchmark that compares the two.
    `relay_to` (host, port): where mail for outside domains goes (the demo's mail catcher);
    None: it bounces. `milter`: the DKIM signer's socket (dkim.py), for the submission and
    injection ports."""
    if not is_root():
        raise MailServerError("Postfix runs as root (its master hands each service to the "
                              "postfix user): start the mail servers as root, or keep the "
                              "embedded mail catcher (mail_service/server.py)")
    directory = Path(directory).resolve()
    check_plain_path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "queue").mkdir(exist_ok=True)  # root's; `postfix check` fills it
    data = directory / "data"
    data.mkdir(exist_ok=True)
    owner = pwd.getpwnam("postfix")
    os.chown(data, owner.pw_uid, owner.pw_gid)  # the data directory is mail_owner's
    conf = directory / "conf"
    conf.mkdir(exist_ok=True)
    for name, text in maps(access).items():
        path = conf / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)  # holds the reader's password
        # Readable by postfix's group too, for a process that opens its maps after
        # dropping privileges (proxymap, should the maps go through it).
        os.chown(path, 0, owner.pw_gid)
        os.chmod(path, 0o640)
    smtp_port = smtp_port or free_port()
    submission_port = submission_port or free_port()
    injection_port = free_port()
    (conf / "main.cf").write_text(main_cf(directory, hostname, tls, static_maps is not None,
                                          relay_to))
    (conf / "master.cf").write_text(master_cf(smtp_port, submission_port, injection_port,
                                              milter))
    server = Postfix(directory, smtp_port, submission_port, injection_port)
    for name, table in (static_maps or {}).items():
        path = conf / name.replace(".cf", "")
        path.write_text("".join(f"{k} {v}\n" for k, v in table.items()))
        run = subprocess.run([binary("postmap", "postfix"), "-c", str(conf), f"hash:{path}"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise MailServerError(f"postmap {path}: {run.stderr.strip()}")
    # Creates the queue's directories with their owners (postfix-files), checks the rest.
    check = server.postfix("check")
    if check.returncode != 0:
        raise MailServerError(f"postfix check of {directory} failed: "
                              f"{(check.stdout + check.stderr).strip()[-2000:]}")
    server.sockets.mkdir(exist_ok=True)
    os.chown(server.sockets, owner.pw_uid, owner.pw_gid)  # in private/, postfix's
    return server


def start_postfix(directory: Path, access: DirectoryAccess, dovecot: Dovecot, tls: TlsFiles,
                  **options) -> Postfix:
    """Configure and start Postfix delivering to `dovecot`, already running with its
    sockets in `sockets_for(directory)`."""
    if dovecot.sockets.resolve() != sockets_for(directory):
        raise MailServerError(f"Dovecot's sockets are in {dovecot.sockets}; Postfix of "
                              f"{directory} expects them in {sockets_for(directory)}")
    return configure_postfix(directory, access, tls, **options).start()


def sockets_for(directory: Path) -> Path:
    """Where Dovecot puts the sockets the Postfix of `directory` uses."""
    return Path(directory).resolve() / "queue" / SOCKETS

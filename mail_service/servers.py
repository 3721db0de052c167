"""The shared mail's servers together: Dovecot and Postfix of one directory.

`start_mail_servers(directory, admin_settings)` makes the mail-reader account in the
directory, the demo certificate, starts OpenDKIM (the DKIM signer), configures Postfix (its
queue holds Dovecot's sockets), starts Dovecot, then Postfix; `stop()` stops them in the
other order. Layout:

    directory/
    ├── reader.secret  the mail-reader account's password (directory.py), mode 0600
    ├── master.secret  the apps' Dovecot master user's password (dovecot.py), mode 0600
    ├── tls/        cert.pem, key.pem (tls.py)
    ├── dkim/       OpenDKIM's configuration, keys/<domain>.private, run/ (dkim.py)
    ├── dovecot/    dovecot.conf, LDAP files, run/, state/, mail/<uid>/Maildir, dovecot.log
    └── postfix/    conf/ (main.cf, master.cf, LDAP maps), queue/, data/, postfix.log
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .directory import DirectoryAccess, ensure_reader, reader_password
from .dkim import OpenDkim, socket_for, start_opendkim
from .dovecot import MASTER_SEPARATOR, MASTER_USER, Dovecot, start_dovecot
from .instance import HOST, check_plain_path, check_reachable, mail_account
from .postfix import Postfix, configure_postfix
from .tls import TlsFiles, demo_certificate

DEFAULT_HOSTNAME = "mail.mutualis.test"


@dataclass
class MailServers:
    directory: Path
    access: DirectoryAccess
    tls: TlsFiles
    dovecot: Dovecot
    postfix: Postfix
    dkim: OpenDkim

    host = HOST

    @property
    def imap_port(self) -> int:
        return self.dovecot.imap_port

    @property
    def smtp_port(self) -> int:
        return self.postfix.smtp_port

    @property
    def submission_port(self) -> int:
        return self.postfix.submission_port

    @property
    def injection_port(self) -> int:
        return self.postfix.injection_port

    @property
    def pids(self) -> list[int]:
        """Postfix's master, Dovecot's, OpenDKIM: the order they stop in, by SIGTERM."""
        return [p for p in (self.postfix.master_pid, self.dovecot.process.pid,
                            self.dkim.process.pid) if p]

    def settings(self) -> dict:
        return {"url": f"smtp://{HOST}:{self.submission_port}", "host": HOST,
                "smtp_port": self.smtp_port,
                "submission_port": self.submission_port, "imap_port": self.imap_port,
                "injection_port": self.injection_port, "ca_file": str(self.tls.cert),
                "dovecot_dir": str(self.dovecot.directory),
                "dkim_dir": str(self.dkim.directory),
                # How the apps open a functional mailbox (the password stays in its file).
                "imap_master_user": MASTER_USER, "imap_master_separator": MASTER_SEPARATOR,
                "imap_master_password_file": str(self.master_secret)}

    @property
    def master_secret(self) -> Path:
        return self.directory / "master.secret"

    def stop(self) -> None:
        self.postfix.stop()
        self.dovecot.stop()
        self.dkim.stop()

    def __enter__(self) -> MailServers:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_mail_servers(directory: Path, admin_settings: dict,
                       hostname: str = DEFAULT_HOSTNAME, slow_failures: bool = True,
                       relay_to: tuple[str, int] | None = None) -> MailServers:
    """`admin_settings`: a bind of the directory that may write (`Slapd.settings()`), used
    once, to give the mail-reader account its password. `slow_failures`: see start_dovecot.
    `relay_to`: where Postfix hands mail for outside domains (see configure_postfix)."""
    directory = Path(directory).resolve()
    # What would stop Postfix or Dovecot later, said before anything is written or started.
    check_plain_path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    check_reachable(directory, mail_account().pw_name)
    access = ensure_reader(admin_settings, reader_password(directory / "reader.secret"))
    tls = demo_certificate(directory / "tls", hostname)
    postfix = configure_postfix(directory / "postfix", access, tls, hostname=hostname,
                                relay_to=relay_to,
                                milter=f"unix:{socket_for(directory / 'dkim')}")
    dkim = start_opendkim(directory / "dkim")
    try:
        dovecot = start_dovecot(directory / "dovecot", access, tls, postfix.sockets,
                                slow_failures=slow_failures,
                                master_password=reader_password(directory / "master.secret"))
    except Exception:
        dkim.stop()
        raise
    try:
        postfix.start()
    except Exception:
        dovecot.stop()
        dkim.stop()
        raise
    return MailServers(directory, access, tls, dovecot, postfix, dkim)

"""DKIM signing per member domain: Debian's OpenDKIM as Postfix's milter, keys under the
mail servers' directory, and the DNS records each member domain publishes.

Why OpenDKIM: it is packaged by Debian (`opendkim`), is the milter Postfix set-ups commonly
use, and signs inside Postfix's own SMTP conversation, so no message leaves unsigned by a
path we forgot. (An in-process milter on dkimpy would need a milter protocol library that
Debian does not package for Python; dkimpy stays the tests' independent verifier.)

Layout (`directory`, var/mail-server/dkim on the demo), all the `opendkim` user's:

    dkim/
    ├── opendkim.conf   signing only (Mode s), from the submission and injection ports
    ├── keys/<domain>.private   RSA 2048, PKCS#1 PEM, mode 0600: never logged nor printed
    ├── key.table, signing.table   one line per key: "*@<domain>" signs with <domain>'s key
    └── run/opendkim.sock, opendkim.pid   the socket Postfix's smtpd connects to

`ensure_keys(directory, domains)` makes the keys that are missing and rewrites the tables;
`reload(directory)` has the running OpenDKIM read them again (SIGUSR1: opendkim(8)). The
mail driver calls both when it adds a domain, on the mail host (`dkim_dir`).
`dns_records(directory, domain)` gives the SPF, DKIM and DMARC records to publish.
"""

from __future__ import annotations

import base64
import os
import pwd
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from provisioning.backends import stop_process

from .instance import MailServerError, binary, check_plain_path, is_root, wait_for_paths

SELECTOR = "mutualis"
CONF = "opendkim.conf"
LOG = "opendkim.log"
USER = "opendkim"  # made by Debian's opendkim package
POSTFIX_GROUP = "postfix"
_writing = threading.Lock()  # the driver adds domains from several threads


@dataclass(frozen=True)
class DnsRecord:
    name: str
    type: str
    value: str

    def zone_line(self) -> str:
        """The record as a zone file writes it (TXT values cut in strings of 255 at most)."""
        chunks = [self.value[i:i + 250] for i in range(0, len(self.value), 250)]
        return f'{self.name}. 3600 IN {self.type} ' + " ".join(f'"{c}"' for c in chunks)


def key_path(directory: Path, domain: str) -> Path:
    return Path(directory) / "keys" / f"{domain}.private"


def _owner() -> tuple[int, int] | None:
    if not is_root():
        return None
    try:
        user = pwd.getpwnam(USER)
    except KeyError:
        raise MailServerError(f"the system user {USER} is missing (Debian package opendkim; "
                              "scripts/setup.sh installs it)") from None
    return user.pw_uid, user.pw_gid


def _own(path: Path) -> None:
    owner = _owner()
    if owner:
        os.chown(path, *owner)


def _prepare(directory: Path) -> None:
    for d in (directory, directory / "keys", directory / "run"):
        d.mkdir(parents=True, exist_ok=True)
        _own(d)
    os.chmod(directory, 0o711)  # Postfix's smtpd goes through it to the socket
    os.chmod(directory / "keys", 0o700)
    os.chmod(directory / "run", 0o750)
    if is_root():  # the socket's group: Postfix's processes connect to it
        os.chown(directory / "run", _owner()[0], pwd.getpwnam(POSTFIX_GROUP).pw_gid)


def ensure_keys(directory: Path, domains) -> list[str]:
    """A key for each domain that has none; the tables rewritten for every key there is.
    Returns the domains whose key was made now."""
    directory = Path(directory)
    with _writing:
        return _ensure_keys(directory, domains)


def _ensure_keys(directory: Path, domains) -> list[str]:
    _prepare(directory)
    made = []
    for domain in sorted({d.lower() for d in domains}):
        path = key_path(directory, domain)
        if path.exists():
            continue
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()))
        _own(path)
        made.append(domain)
    write_tables(directory)
    return made


def signed_domains(directory: Path) -> list[str]:
    keys = Path(directory) / "keys"
    return sorted(p.name.removesuffix(".private") for p in keys.glob("*.private"))


def write_tables(directory: Path) -> None:
    domains = signed_domains(directory)
    key_table = "".join(f"{d} {d}:{SELECTOR}:{key_path(directory, d)}\n" for d in domains)
    signing_table = "".join(f"*@{d} {d}\n" for d in domains)
    for name, text in (("key.table", key_table), ("signing.table", signing_table)):
        path = directory / name
        fresh = path.with_name(f".{name}.{os.getpid()}")
        fresh.write_text(text)
        _own(fresh)
        fresh.replace(path)  # whole: a reload never reads half a table


def public_key(directory: Path, domain: str) -> str:
    """The base64 of the domain key's public half (SubjectPublicKeyInfo DER, RFC 6376 p=)."""
    path = key_path(directory, domain)
    if not path.exists():
        raise MailServerError(f"no DKIM key for {domain} under {Path(directory) / 'keys'}")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def dns_records(directory: Path, domain: str, report_to: str = "") -> list[DnsRecord]:
    """SPF (only the domain's MX sends), DKIM (the selector's public key), DMARC
    (quarantine what fails, aggregate reports to `report_to` when given)."""
    dmarc = "v=DMARC1; p=quarantine; adkim=r; aspf=r" + (
        f"; rua=mailto:{report_to}" if report_to else "")
    return [DnsRecord(domain, "TXT", "v=spf1 mx -all"),
            DnsRecord(f"{SELECTOR}._domainkey.{domain}", "TXT",
                      f"v=DKIM1; k=rsa; p={public_key(directory, domain)}"),
            DnsRecord(f"_dmarc.{domain}", "TXT", dmarc)]


def conf_text(directory: Path) -> str:
    lines = {
        "Mode": "s",  # sign; verifying incoming mail is the receivers' business
        "Syslog": "no",
        "Socket": f"local:{socket_for(directory)}",
        "PidFile": str(directory / "run" / "opendkim.pid"),
        "UMask": "007",
        "Canonicalization": "relaxed/simple",
        "SignatureAlgorithm": "rsa-sha256",
        "OversignHeaders": "From",
        # The keys are 0600 in a 0700 directory of the opendkim user (_prepare); its own
        # check also refuses a key below any world-writable parent, such as /tmp.
        "RequireSafeKeys": "false",
        "KeyTable": f"file:{directory / 'key.table'}",
        "SigningTable": f"refile:{directory / 'signing.table'}",
        # Only the submission and injection ports use the milter, both on loopback.
        "InternalHosts": "127.0.0.1",
        "TemporaryDirectory": str(directory / "run"),
    }
    if is_root():
        lines["UserID"] = f"{USER}:{POSTFIX_GROUP}"
    return "".join(f"{k} {v}\n" for k, v in lines.items())


@dataclass
class OpenDkim:
    directory: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def socket(self) -> Path:
        return socket_for(self.directory)

    @property
    def milter(self) -> str:
        return f"unix:{self.socket}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> OpenDkim:
        if self.socket.exists():
            self.socket.unlink()  # left by a killed run; opendkim refuses to bind over it
        out = open(self.directory / LOG, "ab")  # handed to the child, closed here
        try:
            self.process = subprocess.Popen(
                [binary("opendkim", "opendkim"), "-f", "-x", str(self.directory / CONF)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        finally:
            out.close()
        try:
            wait_for_paths([self.socket], self.process, self.directory / LOG, "opendkim",
                           timeout)
        except MailServerError:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 1.0) -> None:
        # OpenDKIM's own shutdown waits several seconds for its milter threads; it keeps no
        # state (its socket is made anew at start), so it is not waited for longer.
        stop_process(self.process, timeout)
        self.process = None


def reload(directory: Path) -> bool:
    """Have the running OpenDKIM of `directory` read its tables again; False: none runs."""
    pid_file = Path(directory) / "run" / "opendkim.pid"
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGUSR1)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    return True


def socket_for(directory: Path) -> Path:
    return Path(directory).resolve() / "run" / "opendkim.sock"


def start_opendkim(directory: Path) -> OpenDkim:
    directory = Path(directory).resolve()
    check_plain_path(directory)
    ensure_keys(directory, [])
    conf = directory / CONF
    conf.write_text(conf_text(directory))
    _own(conf)
    return OpenDkim(directory).start()

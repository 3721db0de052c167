"""What the Postfix and Dovecot instances share: where their files go, who their mail
processes run as, and waiting for a server to answer.

Both servers run from a directory we give (var/mail-server for the demo, a temporary one in
the tests), never from /etc/postfix or /etc/dovecot: Debian's system instances, if they run
at all, are not used and not touched (other ports, other queue, other sockets).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import time
from pathlib import Path

HOST = "127.0.0.1"
SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
# When we run as root, the mailboxes belong to Debian's `mail` system user: Dovecot refuses
# to touch mail as root, and this user exists on every Debian system.
MAIL_USER = "mail"


class MailServerError(RuntimeError):
    pass


def binary(name: str, package: str) -> str:
    path = shutil.which(name, path=SBIN_PATH)
    if path is None:
        raise MailServerError(f"{name} is not installed (Debian package {package}; "
                              "scripts/setup.sh installs it)")
    return path


def is_root() -> bool:
    return os.geteuid() == 0


def mail_account() -> pwd.struct_passwd:
    """The system user the mailboxes belong to."""
    return pwd.getpwnam(MAIL_USER) if is_root() else pwd.getpwuid(os.geteuid())


def check_plain_path(path: Path) -> None:
    """The servers' configuration files take paths unquoted: refuse one they would misread."""
    if any(c.isspace() or c in "\"'#<>{}%$\\;" for c in str(path)):
        raise MailServerError(f"{path}: the mail servers' directory must not contain spaces "
                              "or any of \"'#<>{}%$\\; (pick another one)")


def check_reachable(path: Path, user: str) -> None:
    """Postfix and Dovecot drop to system users that open files under `path` by name: every
    parent must let others through (mode o+x), which pytest's and many home directories do
    not."""
    if not is_root():
        return
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            raise MailServerError(
                f"{parent} (mode {stat.S_IMODE(mode):o}) does not let the system user {user} "
                f"reach {path}: give it o+x or put the mail servers' directory elsewhere")


def wait_for_port(port: int, process, log: Path, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise MailServerError(f"{what} exited at start: {tail(log)}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise MailServerError(f"{what} did not answer on {HOST}:{port} within "
                                      f"{timeout}s: {tail(log)}") from None
            time.sleep(0.02)


def wait_for_paths(paths: list[Path], process, log: Path, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        if process.poll() is not None:
            raise MailServerError(f"{what} exited at start: {tail(log)}")
        if time.monotonic() > deadline:
            missing = ", ".join(str(p) for p in paths if not p.exists())
            raise MailServerError(f"{what} did not create {missing} within {timeout}s: "
                                  f"{tail(log)}")
        time.sleep(0.02)


def tail(log: Path, size: int = 2000) -> str:
    try:
        return log.read_text(errors="replace")[-size:].strip()
    except FileNotFoundError:
        return "(no log)"

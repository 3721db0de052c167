"""A throwaway Radicale CalDAV server on loopback, for the embedded default and the tests.

Radicale is a real multi-user CalDAV server; it runs as a child process with its own
configuration, users file and storage under a directory of ours, and is configured with its
documented options only.

Given a directory (`directory=`: the LDAP url, its base DN, and an account that may write it),
everybody logs in with Radicale's own LDAP backend (`[auth] type = ldap`): people with their
directory uid and password, bringing the groups that list them as `member` (which is what
Radicale's group shares match), and the service account with its own entry,
`uid=<service account>,ou=services,<base>`, written here at each start with the password
drawn for that start. That entry is outside ou=people (which the LDAP driver manages), its
password policy never locks it (a guesser cannot lock the agendas driver out), and the search
filter lets no person's entry log in under its name. The assembly calendars are shared with the
assembly's group (Radicale's map sharing, see sharing.py): a static rights file lets the
service account alone write and share, and group memberships are read from the directory at
each login (`cache_logins` stays off), so that someone taken out of an assembly loses its
calendar at once, with no restart. Without a directory, the service account is the only
account (Radicale's users file) and nothing is shared.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import ldap
from ldap.dn import escape_dn_chars
from ldap.filter import escape_filter_chars

from ldap_sync.layout import Layout
from provisioning.backends import free_port, stop_process

SERVICES_OU = "ou=services"
SERVICE_POLICY = "cn=services"  # under ou=policies: the service account's password policy


@dataclass
class Radicale:
    workdir: Path
    port: int
    admin_user: str = "mutualis"
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    # {"url", "base_dn", "bind_dn", "bind_password"}: where people log in, None for nobody.
    directory: dict | None = None
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def users_file(self) -> Path:
        return self.workdir / "users"

    def add_user(self, user: str, password: str) -> None:
        """Radicale reads its users file at each login: a new line is a new account."""
        with open(self.users_file, "a") as f:
            f.write(f"{user}:{password}\n")

    def _private_file(self, name: str, text: str) -> Path:
        path = self.workdir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return path

    def rights(self) -> str:
        """The static rights file (radicale/rights/from_file.py: first matching section wins;
        `user` and `collection` are regexes, `{user}` the login). Group shares need no rule
        of their own: a member's access is the owner's rights narrowed to the share's."""
        me = re.escape(self.admin_user).replace("{", "{{").replace("}", "}}")
        return (
            "# Written by Mutualis. The service account: its calendars, and it alone shares\n"
            "# them (M: create map shares, as [sharing] permit_create_map is off).\n"
            f"[service]\nuser = {me}\ncollection = {me}(/.*)?\npermissions = RrWwM\n\n"
            "# Everybody logged in: the root, and their own principal collection, which\n"
            "# Radicale creates at the first login (W) and where shared calendars appear.\n"
            "# No rule gives them a calendar of their own.\n"
            "[root]\nuser = .+\ncollection =\npermissions = R\n\n"
            "[principal]\nuser = .+\ncollection = {user}\npermissions = RW\n"
        )

    def _service_entry(self, layout: Layout) -> tuple[str, list[tuple[str, list]]]:
        """The service account's entry and the entries it needs, parents first."""
        services = f"{SERVICES_OU},{layout.base_dn}"
        policy = f"{SERVICE_POLICY},{layout.policies_dn}"
        dn = f"uid={escape_dn_chars(self.admin_user)},{services}"
        return dn, [
            (services, [("objectClass", [b"organizationalUnit"]), ("ou", [b"services"])]),
            (policy, [("objectClass", [b"organizationalRole", b"pwdPolicy"]),
                      ("cn", [b"services"]), ("pwdAttribute", [b"userPassword"]),
                      ("pwdLockout", [b"FALSE"])]),
            (dn, [("objectClass", [b"account", b"simpleSecurityObject"]),
                  ("uid", [self.admin_user.encode()]),
                  ("userPassword", [self.admin_password.encode()]),
                  ("pwdPolicySubentry", [policy.encode()])]),
        ]

    def write_service_entry(self) -> None:
        """Write the service account into the directory, with this start's password."""
        d = self.directory
        conn = ldap.initialize(d["url"])
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 5.0)
        try:
            conn.simple_bind_s(d["bind_dn"], d["bind_password"])
            dn, entries = self._service_entry(Layout(d["base_dn"]))
            for entry_dn, attrs in entries:
                try:
                    conn.add_s(entry_dn, attrs)
                except ldap.ALREADY_EXISTS:
                    pass
            conn.modify_s(dn, [(ldap.MOD_REPLACE, "userPassword",
                                [self.admin_password.encode()])])
        finally:
            conn.unbind_s()

    def login_filter(self) -> str:
        """Radicale's search filter (`{0}`: the login): a person of the directory in at least
        one group (someone who left is in none), never under the service account's name; or
        the service account's own entry."""
        me = escape_filter_chars(self.admin_user).replace("{", "{{").replace("}", "}}")
        return (f"(|(&(objectClass=inetOrgPerson)(uid={{0}})(memberOf=*)(!(uid={me})))"
                f"(&(objectClass=account)(objectClass=simpleSecurityObject)(uid={me})"
                "(uid={0})))")

    def _directory_config(self) -> str:
        d = self.directory
        missing = [k for k in ("url", "base_dn", "bind_dn", "bind_password") if not d.get(k)]
        if missing:
            raise ValueError(f"the directory of the embedded Radicale lacks {', '.join(missing)}")
        layout = Layout(d["base_dn"])
        secret = self._private_file("ldap-secret", d["bind_password"])
        rights = self.workdir / "rights"
        rights.write_text(self.rights())
        return (
            "[auth]\n"
            "type = ldap\n"
            "delay = 0\n"
            f"ldap_uri = {d['url']}\n"
            f"ldap_base = {layout.base_dn}\n"
            f"ldap_reader_dn = {d['bind_dn']}\n"
            f"ldap_secret_file = {secret}\n"
            f"ldap_filter = {self.login_filter()}\n"
            "ldap_user_attribute = uid\n"
            f"ldap_group_base = {layout.members_dn}\n"
            "ldap_group_filter = (objectClass=groupOfNames)\n"
            "ldap_group_members_attribute = member\n"
            "[rights]\n"
            "type = from_file\n"
            f"file = {rights}\n"
            "[sharing]\n"
            "type = csv\n"
            "collection_by_map = true\n"
        )

    def write_users_file(self) -> None:
        if not self.users_file.exists():
            fd = os.open(self.users_file, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        # The service account's password is drawn at each start (services.json keeps the new
        # one): replace its line, keep every other account.
        others = [line for line in self.users_file.read_text().splitlines()
                  if line and line.split(":", 1)[0] != self.admin_user]
        self.users_file.write_text("".join(f"{line}\n" for line in others))
        self.add_user(self.admin_user, self.admin_password)

    def write_config(self) -> Path:
        (self.workdir / "collections").mkdir(parents=True, exist_ok=True)
        if self.directory:
            self.write_service_entry()
            access = self._directory_config()
        else:
            self.write_users_file()
            access = (
                "[auth]\n"
                "type = htpasswd\n"
                f"htpasswd_filename = {self.users_file}\n"
                "htpasswd_encryption = plain\n"
                "delay = 0\n"
                "[rights]\n"
                "type = owner_only\n"
            )
        config = self.workdir / "config"
        config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            + access
            + "[storage]\n"
            f"filesystem_folder = {self.workdir / 'collections'}\n"
            "[logging]\n"
            "level = warning\n"
        )
        return config

    def start(self, timeout: float = 15) -> Radicale:
        config = self.write_config()
        log = open(self.workdir / "radicale.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Radicale exited at start; see {self.workdir / 'radicale.log'}")
            try:
                urllib.request.urlopen(self.url + ".web/", timeout=0.5)
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"Radicale did not answer on {self.url} within {timeout} s")

    def stop(self) -> None:
        stop_process(self.process)

    def settings(self) -> dict:
        return {
            "url": self.url,
            "user": self.admin_user,
            "password": self.admin_password,
            "users_file": str(self.users_file),
        }

    def __enter__(self) -> Radicale:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_radicale(
    workdir: Path, port: int | None = None, directory: dict | None = None
) -> Radicale:
    """A Radicale on loopback; with `directory`, people log in with their directory account
    and see the calendars shared with their groups."""
    workdir.mkdir(parents=True, exist_ok=True)
    return Radicale(workdir, port or free_port(), directory=directory).start()

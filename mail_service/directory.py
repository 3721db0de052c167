"""The directory account Postfix and Dovecot read it with.

Postfix's maps and Dovecot's user lookups bind as `cn=mail-reader,<base>`, an entry that may
only read (slapd's ACL "by users read", and never userPassword): never as the directory's
admin. Dovecot checks a password by binding as the person instead (dovecot.py), so this
account never sees one. `ensure_reader(settings, password)` creates it, or sets its password
when it exists, and returns the settings the servers take; `reader_password(file)` keeps a
random one in a file of the instance (mode 0600), so that starting the same servers again
gives the account the password their configuration already holds.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import ldap
import ldap.modlist

READER_RDN = "cn=mail-reader"


@dataclass(frozen=True)
class DirectoryAccess:
    """Where the directory is and how the mail servers bind to read it."""
    url: str
    base_dn: str
    bind_dn: str
    bind_password: str

    @property
    def people_dn(self) -> str:
        return f"ou=people,{self.base_dn}"

    @property
    def members_dn(self) -> str:
        return f"ou=members,{self.base_dn}"


def reader_password(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    return password


def ensure_reader(admin: dict, password: str) -> DirectoryAccess:
    """`admin`: the directory's settings with a bind that may write (url, base_dn, bind_dn,
    bind_password), such as `Slapd.settings()`."""
    dn = f"{READER_RDN},{admin['base_dn']}"
    conn = ldap.initialize(admin["url"])
    try:
        conn.simple_bind_s(admin["bind_dn"], admin["bind_password"])
        try:
            conn.add_s(dn, ldap.modlist.addModlist({
                "objectClass": [b"organizationalRole", b"simpleSecurityObject"],
                "cn": [b"mail-reader"], "userPassword": [password.encode()],
                "description": [b"Postfix and Dovecot read the mail attributes as this entry"],
            }))
        except ldap.ALREADY_EXISTS:
            conn.passwd_s(dn, None, password)
    finally:
        conn.unbind_s()
    return DirectoryAccess(admin["url"], admin["base_dn"], dn, password)

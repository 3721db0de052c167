"""The directory account Postfix and Dovecot read it with.

Postfix's maps and Dovecot's user lookups bind as `cn=mail-reader,<base>`, an entry that may
only read (slapd's ACL "by users read", and never userPassword): never as the directory's
admin. Dovecot checks a password by binding as the person instead (dovecot.py), so this
account never sees one. `ensure_reader(settings)` creates it, or gives it a new random
password when it exists, and returns the settings the servers take.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

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


def ensure_reader(admin: dict) -> DirectoryAccess:
    """`admin`: the directory's settings with a bind that may write (url, base_dn, bind_dn,
    bind_password), such as `Slapd.settings()`."""
    dn = f"{READER_RDN},{admin['base_dn']}"
    password = secrets.token_urlsafe(32)
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

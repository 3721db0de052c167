"""A real slapd per test (configured and started in about 0.1 s), and helpers that read back
what the server holds."""

from __future__ import annotations

import ldap
import pytest

from ldap_sync.driver import LdapDriver
from ldap_sync.server import Slapd, start_slapd


@pytest.fixture
def slapd(tmp_path) -> Slapd:
    server = start_slapd(tmp_path / "ldap")
    yield server
    server.stop()


@pytest.fixture
def driver(slapd):
    d = LdapDriver(slapd.settings())
    yield d
    d.close()


@pytest.fixture
def admin(slapd):
    """A connection bound as the directory's admin, to read back what the server holds."""
    conn = ldap.initialize(slapd.url)
    conn.simple_bind_s(slapd.admin_dn, slapd.admin_password)
    yield Reader(conn, slapd)
    conn.unbind_s()


class Reader:
    def __init__(self, conn, slapd: Slapd):
        self.conn, self.slapd = conn, slapd

    def search(self, base: str, filterstr: str = "(objectClass=*)",
               attrs: list[str] | None = None, scope=ldap.SCOPE_SUBTREE) -> list[tuple]:
        try:
            return self.conn.search_s(base, scope, filterstr, attrs)
        except ldap.NO_SUCH_OBJECT:
            return []

    def entry(self, dn: str, attrs: list[str] | None = None) -> dict[str, list[str]] | None:
        found = self.search(dn, attrs=attrs or ["*", "+"], scope=ldap.SCOPE_BASE)
        if not found:
            return None
        return {k: [v.decode(errors="replace") for v in vs] for k, vs in found[0][1].items()}

    def account(self, uid: str) -> dict | None:
        return self.entry(f"uid={ldap.dn.escape_dn_chars(uid)},ou=people,{self.slapd.base_dn}")

    def group(self, code: str, cn: str) -> dict | None:
        return self.entry(f"cn={cn},ou={code},ou=members,{self.slapd.base_dn}")

    def group_uids(self, code: str, cn: str) -> list[str]:
        entry = self.group(code, cn) or {}
        return sorted(ldap.dn.str2dn(v)[0][0][1] for v in entry.get("member", []))

    def member_of(self, uid: str) -> list[str]:
        entry = self.account(uid) or {}
        return sorted(ldap.dn.str2dn(v)[0][0][1] for v in entry.get("memberOf", []))

    def count(self, filterstr: str) -> int:
        return len(self.search(self.slapd.base_dn, filterstr, ["1.1"]))

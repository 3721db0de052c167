"""The throwaway slapd: configuration, restart on the same data, settings."""

from __future__ import annotations

import ldap

from ldap_sync.server import start_slapd


def test_server_layout_policy_and_restart(tmp_path):
    with start_slapd(tmp_path / "ldap", base_dn="dc=example,dc=org") as slapd:
        settings = slapd.settings()
        assert settings == {"url": slapd.url, "base_dn": "dc=example,dc=org",
                            "bind_dn": "cn=admin,dc=example,dc=org",
                            "bind_password": slapd.admin_password}
        assert slapd.url.startswith("ldap://127.0.0.1:")
        conn = ldap.initialize(slapd.url)
        conn.simple_bind_s(slapd.admin_dn, slapd.admin_password)
        dns = {dn for dn, _ in conn.search_s(slapd.base_dn, ldap.SCOPE_SUBTREE)}
        assert {"ou=people,dc=example,dc=org", "ou=members,dc=example,dc=org",
                "cn=default,ou=policies,dc=example,dc=org",
                "cn=nobody,dc=example,dc=org"} <= dns
        [(_, policy)] = conn.search_s("cn=default,ou=policies,dc=example,dc=org",
                                      ldap.SCOPE_BASE)
        assert policy["pwdMinLength"] == [b"12"] and policy["pwdMaxFailure"] == [b"5"]
        assert policy["pwdLockout"] == [b"TRUE"] and policy["pwdCheckQuality"] == [b"2"]
        # The admin password is stored hashed in the configuration, never in clear.
        config = (tmp_path / "ldap" / "config").rglob("*.ldif")
        assert not any(slapd.admin_password in p.read_text() for p in config)
        conn.add_s("ou=kept,dc=example,dc=org",
                   [("objectClass", [b"organizationalUnit"]), ("ou", [b"kept"])])
        conn.unbind_s()

        port = slapd.port
        slapd.stop()
        assert not slapd.running
        slapd.start()
        assert slapd.port == port
        conn = ldap.initialize(slapd.url)
        conn.simple_bind_s(slapd.admin_dn, slapd.admin_password)
        assert conn.search_s("ou=kept,dc=example,dc=org", ldap.SCOPE_BASE)
        conn.unbind_s()
    assert not slapd.running

    # Started again from the same directory (what `mutualis services start` does).
    again = start_slapd(tmp_path / "ldap")
    try:
        assert again.settings() == settings
    finally:
        again.stop()

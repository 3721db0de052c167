"""The ldap mode: Nextcloud reads people and groups from our directory through user_ldap.

One resource, `nextcloud.ldap:directory`: the user_ldap configuration named by the backend's
`ldap_config_id` (default s01), set through user_ldap's OCS API
(apps/user_ldap/lib/Controller/ConfigAPIController.php: POST /api/v1/config creates an empty,
inactive configuration and returns its configID; GET /api/v1/config/{configID}, with
showPassword, reads it; PUT with a `configData` map sets the keys of
apps/user_ldap/lib/Configuration.php). The directory's layout is the one the LDAP driver
keeps (docs/ldap-directory.md): people under ou=people, each member's groups under
ou=<code>,ou=members; an archived group is marked businessCategory=archived.

Users get their uid as Nextcloud user id (ldapExpertUsernameAttr) and groups their cn as
group id (ldapGroupDisplayName), so that gids are naming's group names in both modes. The
bind password never enters the resource: a salted digest stands for it (a secret attribute).
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from provisioning import keys
from provisioning.resources import DISABLE, Change, Observed, Resource, observed_state

from .client import NextcloudClient, OcsError
from .config import UNLIMITED, LdapSource, NextcloudConfig

KIND = keys.NEXTCLOUD_LDAP
KEY = KIND("directory")
CONFIG_API = "/apps/user_ldap/api/v1/config"
PASSWORD = "ldapAgentPassword"
ACTIVE_FLAG = "ldapConfigurationActive"


def password_digest(password: str) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), b"mutualis/user_ldap", 100_000)
    return "pbkdf2:" + digest.hex()


def ldap_attrs(source: LdapSource, config: NextcloudConfig) -> dict[str, str]:
    quota = "" if config.user_quota == UNLIMITED else f"{config.user_quota // 1024**2} MB"
    return {
        "ldapHost": source.host,
        "ldapPort": str(source.port),
        "ldapTLS": "1" if source.start_tls else "0",
        "ldapAgentName": source.bind_dn,
        PASSWORD: password_digest(source.bind_password),
        "ldapBase": source.base_dn,
        "ldapBaseUsers": f"ou=people,{source.base_dn}",
        "ldapBaseGroups": f"ou=members,{source.base_dn}",
        "ldapUserFilterMode": "1",
        "ldapUserFilterObjectclass": "inetOrgPerson",
        "ldapUserFilter": "(objectClass=inetOrgPerson)",
        "ldapLoginFilterMode": "1",
        "ldapLoginFilter": "(&(objectClass=inetOrgPerson)(uid=%uid))",
        "ldapGroupFilterMode": "1",
        "ldapGroupFilterObjectclass": "groupOfNames",
        "ldapGroupFilter": "(&(objectClass=groupOfNames)(!(businessCategory=archived)))",
        "ldapGroupDisplayName": "cn",
        "ldapGroupMemberAssocAttr": "member",
        "ldapUserDisplayName": "displayName",
        "ldapEmailAttribute": "mail",
        "ldapExpertUsernameAttr": "uid",
        "ldapQuotaDefault": quota,
        "ldapNestedGroups": "0",
        "ldapPagingSize": "500",
    }


def desired_ldap(config: NextcloudConfig, members: frozenset[str]) -> Resource:
    assert config.ldap is not None
    return Resource(KEY, ldap_attrs(config.ldap, config), members,
                    secret_attrs=frozenset({PASSWORD}))


def _path(config_id: str) -> str:
    return f"{CONFIG_API}/{quote(config_id, safe='')}"


async def read(client: NextcloudClient, source: LdapSource) -> dict | None:
    try:
        data = await client.ocs("GET", _path(source.config_id),
                                f"reading LDAP configuration {source.config_id}",
                                params={"showPassword": 1})
    except OcsError as exc:
        if exc.code == 404:  # ensureConfigIDExists: 'Config ID not found'
            return None
        raise
    return data if isinstance(data, dict) else None


def observe_ldap(data: dict, config: NextcloudConfig, members: frozenset[str]) -> Observed:
    """The configuration as `read` gave it, in the shape `ldap_attrs` has."""
    assert config.ldap is not None
    attrs = {k: str(data.get(k, "")) for k in ldap_attrs(config.ldap, config)}
    attrs[PASSWORD] = password_digest(str(data.get(PASSWORD, "")))
    state = observed_state(str(data.get(ACTIVE_FLAG, "")) == "1", DISABLE)
    return Observed(KEY, attrs, state, members)


async def apply_ldap(client: NextcloudClient, c: Change, source: LdapSource) -> None:
    config_id = source.config_id
    if c.action == DISABLE:
        await _modify(client, config_id, {ACTIVE_FLAG: "0"})
        return
    if c.observed is None and await read(client, source) is None:
        # Not retried: a second create after a timeout would make a second configuration.
        created = await client.ocs("POST", CONFIG_API, "creating an LDAP configuration",
                                   retry=False)
        config_id = str((created or {}).get("configID", ""))
    data = {k: v for k, v in c.desired.attrs.items() if k != PASSWORD}
    data.update({PASSWORD: source.bind_password, ACTIVE_FLAG: "1"})
    await _modify(client, config_id, data)
    if config_id != source.config_id:
        raise OcsError(f"Nextcloud named the new LDAP configuration {config_id}, not "
                       f"{source.config_id}: set ldap_config_id: {config_id} in the nextcloud "
                       "backend (the configuration is set up and active)", 0)


async def _modify(client: NextcloudClient, config_id: str, data: dict[str, str]) -> None:
    await client.ocs("PUT", _path(config_id), f"setting LDAP configuration {config_id}",
                     json={"configData": data})

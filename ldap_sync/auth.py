"""Logging into the web app with a directory account.

Django asks the directory: the account is looked up by its exact uid (escaped), the password is
checked by binding as that account (so that slapd's password policy counts failures and locks
out), and on success the Django user mirrors the account: names, email, and membership of the
Django groups that carry the same names as the account's directory groups (`79174-staff`,
`79174-elus`…), which is how a member's directory groups map to that member's Wagtail groups.
Between logins, ldap_sync.offboarding keeps the mirror from outliving what the directory takes
away. A directory account never logs in as a Django superuser of the same name.
"""

from __future__ import annotations

import logging
import re

import ldap
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from provisioning.drivers import ProvisioningError

from .connection import TRANSIENT, describe
from .services import directory, directory_settings

log = logging.getLogger(__name__)
UID = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
# Directory group names that Mutualis manages: `<member code>-<something>`.
MANAGED_GROUP = re.compile(r"^[0-9a-z]{5}(?:[0-9]{4})?-[a-z0-9-]+$")


def _text(entry: dict, name: str) -> str:
    return entry[name][0].decode() if entry.get(name) else ""


def _group_names(entry: dict) -> set[str]:
    names = set()
    for dn in entry.get("memberOf", []):
        rdn = ldap.dn.str2dn(dn.decode())[0][0]
        if rdn[0].lower() == "cn":
            names.add(rdn[1])
    return names


class LdapBackend:
    """An authentication backend (settings.AUTHENTICATION_BACKENDS) over our directory."""

    def authenticate(self, request, username: str | None = None, password: str | None = None,
                     **kwargs):
        if not username or not password or not UID.match(username):
            return None
        try:
            config = directory_settings()
            with directory(config) as (conn, layout):
                dn = layout.account_dn(username)
                try:
                    [(_, entry)] = conn.search_s(dn, ldap.SCOPE_BASE, "(objectClass=inetOrgPerson)",
                                                 ["givenName", "sn", "mail", "memberOf"])
                except ldap.NO_SUCH_OBJECT:
                    return None
            check = ldap.initialize(config["url"])
            check.set_option(ldap.OPT_NETWORK_TIMEOUT, 5.0)
            try:
                check.simple_bind_s(dn, password)  # ppolicy: counted, locked accounts refused
            finally:
                check.unbind_s()
        except ldap.INVALID_CREDENTIALS:
            return None
        except TRANSIENT as exc:
            log.warning("login of %s: the directory cannot be reached: %s", username,
                        describe(exc))
            return None
        except (ldap.LDAPError, ProvisioningError) as exc:
            log.warning("login of %s refused by the directory: %s", username, exc)
            return None
        return self._mirror(username, entry)

    def _mirror(self, uid: str, entry: dict):
        user, _ = get_user_model().objects.get_or_create(username=uid)
        if user.is_superuser:
            # A syndicate admin (portal.admin_account) whose name a directory uid happens to
            # take: the directory password must not open their account, nor replace theirs.
            log.warning("login of %s through the directory refused: a Django superuser has "
                        "that name and logs in with their own password", uid)
            return None
        user.first_name, user.last_name = _text(entry, "givenName"), _text(entry, "sn")
        user.email = _text(entry, "mail")
        user.is_active = True
        if user.password == "" or user.has_usable_password():
            # The directory holds the password, never Django. Set once: a new unusable password
            # changes the session hash and would log out the person's other devices.
            user.set_unusable_password()
        user.save()
        wanted = _group_names(entry)
        managed = [g for g in user.groups.all() if MANAGED_GROUP.match(g.name)]
        user.groups.remove(*[g for g in managed if g.name not in wanted])
        user.groups.add(*Group.objects.filter(name__in=wanted))
        return user

    def get_user(self, user_id: int):
        try:
            user = get_user_model().objects.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if user.is_active else None  # a deactivated account's sessions end

"""Logging into the web app with a directory account, through django-auth-ldap.

The password is checked by binding as the account itself (its DN is built from the uid,
escaped), so that slapd's password policy counts failures and refuses locked accounts. The
account's entry and groups are then read with the directory's service account, and the
Django user mirrors them: names, email, and membership of the Django groups that carry the
same names as the account's directory groups (`79174-staff`, `79174-elus`…), which is how a
member's directory groups map to that member's Wagtail groups. Only Django groups that exist
and carry a managed name are touched: none is created, others are left alone.
Between logins, ldap_sync.offboarding keeps the mirror from outliving what the directory takes
away. A directory account never logs in as a Django superuser of the same name.

The library's settings come from the directory's runtime configuration (MUTUALIS_LDAP or the
embedded directory), not from AUTH_LDAP_* settings.
"""

from __future__ import annotations

import logging
import re

import ldap
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.dispatch import receiver
from django_auth_ldap.backend import LDAPBackend, populate_user
from django_auth_ldap.config import LDAPSearch, LDAPSettings, MemberDNGroupType

from provisioning.drivers import ProvisioningError

from .layout import Layout
from .services import directory_settings

log = logging.getLogger(__name__)
UID = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
# Directory group names that Mutualis manages: `<member code>-<something>`.
MANAGED_GROUP = re.compile(r"^[0-9a-z]{5}(?:[0-9]{4})?-[a-z0-9-]+$")
ATTRIBUTES = {"first_name": "givenName", "last_name": "sn", "email": "mail"}


def library_settings(config: dict) -> dict:
    """django-auth-ldap's settings for the directory described by `config`."""
    layout = Layout(config["base_dn"])
    managed = Group.objects.filter(name__regex=MANAGED_GROUP.pattern)
    return {
        "SERVER_URI": config["url"],
        "START_TLS": bool(config.get("start_tls")),
        "CONNECTION_OPTIONS": {ldap.OPT_PROTOCOL_VERSION: 3, ldap.OPT_REFERRALS: 0,
                               ldap.OPT_NETWORK_TIMEOUT: float(config.get("connect_timeout", 5))},
        # The password is tried by a bind as the account (ppolicy counts it); what follows is
        # read with the service account, as the account itself may not read its groups.
        "USER_DN_TEMPLATE": f"uid=%(user)s,{layout.people_dn}",
        "BIND_AS_AUTHENTICATING_USER": False,
        "BIND_DN": config["bind_dn"],
        "BIND_PASSWORD": config["bind_password"],
        "USER_ATTRLIST": list(ATTRIBUTES.values()),
        "USER_ATTR_MAP": ATTRIBUTES,
        "GROUP_SEARCH": LDAPSearch(layout.members_dn, ldap.SCOPE_SUBTREE,
                                   "(objectClass=groupOfNames)"),
        "GROUP_TYPE": MemberDNGroupType("member"),
        # Mirrored: the existing Django groups of a managed name, and only those.
        "MIRROR_GROUPS": frozenset(managed.values_list("name", flat=True)),
    }


class LdapBackend(LDAPBackend):
    """An authentication backend (settings.AUTHENTICATION_BACKENDS) over our directory."""

    def authenticate(self, request, username: str | None = None, password: str | None = None,
                     **kwargs):
        if not username or not password or not UID.match(username):
            return None
        try:
            config = directory_settings()
        except ProvisioningError as exc:  # no directory configured
            log.warning("login of %s: %s", username, exc)
            return None
        self.settings = LDAPSettings(self.settings_prefix, library_settings(config))
        return super().authenticate(request, username=username, password=password)

    def get_or_build_user(self, username: str, ldap_user):
        user, built = super().get_or_build_user(username, ldap_user)
        if user.is_superuser:
            # A syndicate admin (portal.admin_account) whose name a directory uid happens to
            # take: the directory password must not open their account, nor replace theirs.
            log.warning("login of %s through the directory refused: a Django superuser has "
                        "that name and logs in with their own password", username)
            raise ldap_user.AuthenticationFailed("a Django superuser has that name")
        return user, built

    def get_user(self, user_id: int):
        try:
            user = get_user_model().objects.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if user.is_active else None  # a deactivated account's sessions end

    def get_group_permissions(self, user, obj=None) -> set:
        # Permissions come from the mirrored Django groups, through ModelBackend: asking the
        # directory at each permission check would only repeat it.
        return set()


@receiver(populate_user, sender=LdapBackend)
def mirror_account(sender, user, ldap_user, **kwargs) -> None:
    """What the library leaves as it was and the mirror must not keep."""
    for field, attribute in ATTRIBUTES.items():
        if not ldap_user.attrs.get(attribute):
            setattr(user, field, "")  # taken away in the directory: taken away here
    user.is_active = True
    if user.password == "" or user.has_usable_password():
        # The directory holds the password, never Django. Set once: a new unusable password
        # changes the session hash and would log out the person's other devices.
        user.set_unusable_password()

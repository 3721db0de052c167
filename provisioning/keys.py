"""Every resource kind, and the one way to build and read resource keys.

A key is `<backend>.<type>:<stable id>` (`ldap.account:jdupont`, `wagtail.site:79174`); its
kind is the part before the colon, its backend the part before the dot. An id made of a
member code and a name is written `<code>/<name>` (`nextcloud.folder:79174/extranet`).

A kind is a string (a dict key, compared with `Change.kind`) that builds its keys when
called: `LDAP_GROUP("79174-elus")` is `"ldap.group:79174-elus"`. Drivers build keys only
from these kinds, their own and the others' they depend on: no key is written by hand.
"""

from __future__ import annotations


class Kind(str):
    """A resource kind; calling it with a stable id (or a member code and a name) makes a
    key. Keys are built once per resource in a plan: this stays as cheap as an f-string."""

    def __new__(cls, name: str) -> Kind:
        kind = super().__new__(cls, name)
        kind.prefix = name + ":"
        return kind

    def __call__(self, ident: str, name: str | None = None) -> str:
        if name is None:
            return self.prefix + ident
        return f"{self.prefix}{ident}/{name}"

    @property
    def backend(self) -> str:
        return backend_of(self)


def kind_of(key: str) -> str:
    return key.split(":", 1)[0]


def backend_of(key: str) -> str:
    return key.split(".", 1)[0]


def ident_of(key: str) -> str:
    """The stable id: `jdupont` of `ldap.account:jdupont`, `79174/extranet` of a folder."""
    return key.partition(":")[2]


def pair_of(key: str) -> tuple[str, str]:
    """The member code and the name of a `<code>/<name>` id."""
    code, _, name = ident_of(key).partition("/")
    return code, name


# registry: provisioning/registry.py
REGISTRY_SYNDICATE = Kind("registry.syndicate")  # <siren>
REGISTRY_MEMBER = Kind("registry.member")  # <code>
REGISTRY_PERSON = Kind("registry.person")  # <uid>
REGISTRY_ASSEMBLY = Kind("registry.assembly")  # <code>/<assembly>
REGISTRY_SEAT = Kind("registry.seat")  # <code>/<uid>

# ldap: ldap_sync/driver.py
LDAP_ACCOUNT = Kind("ldap.account")  # <uid>
LDAP_GROUP = Kind("ldap.group")  # <cn>
LDAP_MEMBER = Kind("ldap.member")  # <code> (the member's branch)

# nextcloud: nextcloud_bridge/driver.py
NEXTCLOUD_USER = Kind("nextcloud.user")  # <uid>
NEXTCLOUD_GROUP = Kind("nextcloud.group")  # <gid>
NEXTCLOUD_MEMBERSHIP = Kind("nextcloud.membership")  # <code>/<uid>
NEXTCLOUD_FOLDER = Kind("nextcloud.folder")  # <code>/<slug>
NEXTCLOUD_LDAP = Kind("nextcloud.ldap")  # directory (user_ldap's configuration)

# caldav: nextcloud_bridge/agendas/driver.py
CALDAV_CALENDAR = Kind("caldav.calendar")  # <code>/<calendar>
CALDAV_SHARE = Kind("caldav.share")  # <code>/<assembly>

# wagtail: wagtail_site_factory/driver.py
WAGTAIL_SYNDICATE = Kind("wagtail.syndicate")  # <siren>
WAGTAIL_SITE = Kind("wagtail.site")  # <code>
WAGTAIL_COLLECTION = Kind("wagtail.collection")  # <code>
WAGTAIL_SETTINGS = Kind("wagtail.settings")  # <code>
WAGTAIL_EDITORS = Kind("wagtail.editors")  # <code>

# mail: mail_service/driver.py (attributes on the directory's entries, mail_service/schema.py)
MAIL_DOMAIN = Kind("mail.domain")  # <code> (the member branch's mail domain)
MAIL_MAILBOX = Kind("mail.mailbox")  # <uid> (a person's mailbox)
MAIL_SHARED = Kind("mail.shared")  # <code>/<local part> (mairie@, secretariat@...)
MAIL_LIST = Kind("mail.list")  # <code>/<local part> (elus@, one per assembly...)

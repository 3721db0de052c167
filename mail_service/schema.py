"""Where mail lives in the directory: the attributes Postfix and Dovecot read.

Two published schemas, chosen so that the directory stays the only source of truth and no
attribute the directory bridge already owns changes meaning:

- `inetLocalMailRecipient` from OpenLDAP's misc.schema (draft-lachman-laser-ldap-mail-routing,
  shipped by OpenLDAP and by Debian's slapd as /etc/ldap/schema/misc.ldif, so nothing is
  vendored). An AUXILIARY class with only optional attributes, which fits both a person
  (inetOrgPerson) and a list (groupOfNames):
    - `mailLocalAddress` (multi-valued): the addresses the entry receives mail at
      (`prenom.nom@<member domain>` for each member the person works or sits in; the list's
      address on a group);
    - `mailRoutingAddress` (single-valued): where that mail goes — the canonical address of
      the person's mailbox, or another address when the inventory forwards it. A mailbox
      that stops receiving loses it; its Maildir is kept.
  `mail` keeps its meaning (the person's contact address, where activation links go, set by
  ldap_sync), which rules out schemas whose mailbox address *is* `mail`.
- `mailQuota` from the "postfix-book" schema (OIDs 1.3.6.1.4.1.29426.1.*, from The Book of
  Postfix; the schema docker-mailserver's LDAP set-up and many Postfix/Dovecot-on-OpenLDAP
  guides use), on its AUXILIARY class `PostfixBookMailAccount`: the mailbox quota in
  kilobytes, read by Dovecot's quota plugin. misc.schema has no quota attribute, and
  postfix-book's class only requires `mail`, which every person of an inventory has. Only
  `mailQuota` of it is used; the definitions below are the published ones, so that a
  directory that already loads postfix-book.schema accepts the same entries.
- A shared mailbox (`mairie@`, `secretariat@`) is a groupOfNames whose `member`s are the
  people who read it and send as it, with `inetLocalMailRecipient` (its address, routed to
  itself) and `uidObject` (core.schema, RFC 4519: its `uid`, the Dovecot user its Maildir
  belongs to; it has no password, so nobody logs in as it). A list is a groupOfNames with
  an address and no routing: mail to it goes to each member.
- A member's mail domain is `associatedDomain` (cosine, RFC 4524) on its branch
  `ou=<code>,ou=members`, with the AUXILIARY class `domainRelatedObject`.

Each Postfix map filters on exactly the looked-up key and reads one attribute (postfix.py),
so a query returns only what is asked: no map is ever a dump of the directory.
"""

from __future__ import annotations

# Object classes and attributes, named once for the maps, the fixtures and the driver.
RECIPIENT_CLASS = "inetLocalMailRecipient"
QUOTA_CLASS = "PostfixBookMailAccount"
DOMAIN_CLASS = "domainRelatedObject"
SHARED_CLASS = "uidObject"
ADDRESS = "mailLocalAddress"
ROUTING = "mailRoutingAddress"
QUOTA = "mailQuota"
DOMAIN = "associatedDomain"

# The attributes slapd indexes for the maps' equality filters.
INDEXED = (ADDRESS, ROUTING, DOMAIN)

_IA5 = "1.3.6.1.4.1.1466.115.121.1.26"
_INTEGER = "1.3.6.1.4.1.1466.115.121.1.27"
_BOOLEAN = "1.3.6.1.4.1.1466.115.121.1.7"
_ATTR = "1.3.6.1.4.1.29426.1.10"

# postfix-book: (oid suffix, name, description, equality, syntax, single-valued)
_POSTFIX_BOOK_ATTRIBUTES = (
    (1, "mailHomeDirectory", "The absolute path to the mail user home directory",
     "caseExactIA5Match", _IA5, True),
    (2, "mailAlias", "RFC822 Mailbox - mail alias", "caseIgnoreIA5Match", _IA5 + "{256}",
     False),
    (3, "mailUidNumber", "UID required to access the mailbox", "integerMatch", _INTEGER,
     True),
    (4, "mailGidNumber", "GID required to access the mailbox", "integerMatch", _INTEGER,
     True),
    (5, "mailEnabled", "TRUE to enable, FALSE to disable account", "booleanMatch", _BOOLEAN,
     True),
    (6, "mailGroupMember", "Name of a mail distribution list", "caseExactIA5Match", _IA5,
     False),
    (7, "mailQuota", "Mail quota limit in kilobytes", "caseExactIA5Match", _IA5, False),
    (8, "mailStorageDirectory", "The absolute path to the mail users mailbox",
     "caseExactIA5Match", _IA5, True),
)


def postfix_book_schema() -> list[tuple[str, str]]:
    """The attributes of a cn=schema,cn=config child entry defining postfix-book."""
    attrs = [("objectClass", "olcSchemaConfig"), ("cn", "postfix-book")]
    for n, (suffix, name, desc, equality, syntax, single) in enumerate(_POSTFIX_BOOK_ATTRIBUTES):
        substr = " SUBSTR caseIgnoreIA5SubstringsMatch" if name == "mailAlias" else ""
        attrs.append(("olcAttributeTypes",
                      f"{{{n}}}( {_ATTR}.{suffix} NAME '{name}' DESC '{desc}' "
                      f"EQUALITY {equality}{substr} SYNTAX {syntax}"
                      f"{' SINGLE-VALUE' if single else ''} )"))
    may = " $ ".join(name for _, name, *_ in _POSTFIX_BOOK_ATTRIBUTES)
    attrs.append(("olcObjectClasses",
                  "{0}( 1.3.6.1.4.1.29426.1.2.2.1 NAME 'PostfixBookMailAccount' "
                  "DESC 'Mail account used in Postfix Book' SUP top AUXILIARY MUST mail "
                  f"MAY ( {may} ) )"))
    attrs.append(("olcObjectClasses",
                  "{1}( 1.3.6.1.4.1.29426.1.2.2.2 NAME 'PostfixBookMailForward' "
                  "DESC 'Mail forward used in Postfix Book' SUP top AUXILIARY "
                  "MUST ( mail $ mailAlias ) )"))
    return attrs


# ---------------------------------------------------------------------------- entries

def mailbox_mods(addresses: list[str], routing: str, quota_kb: int | None) -> list[tuple]:
    """The attributes (name, [values]) a person entry gets for a mailbox: the classes, the
    addresses it receives at, where they go, and its quota (None: no limit)."""
    attrs = [("objectClass", [RECIPIENT_CLASS, QUOTA_CLASS]), (ADDRESS, addresses)]
    if routing:
        attrs.append((ROUTING, [routing]))
    if quota_kb is not None:
        attrs.append((QUOTA, [str(quota_kb)]))
    return attrs


def list_mods(addresses: list[str]) -> list[tuple]:
    """A group entry made a list: mail to its addresses goes to every member's mailbox."""
    return [("objectClass", [RECIPIENT_CLASS]), (ADDRESS, addresses)]


def shared_mailbox_mods(uid: str, address: str) -> list[tuple]:
    """A group entry made a shared mailbox: one copy of its mail, read by its members."""
    return [("objectClass", [RECIPIENT_CLASS, SHARED_CLASS]), ("uid", [uid]),
            (ADDRESS, [address]), (ROUTING, [address])]


def domain_mods(domain: str) -> list[tuple]:
    """A member branch's mail domain."""
    return [("objectClass", [DOMAIN_CLASS]), (DOMAIN, [domain])]

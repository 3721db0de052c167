"""The three kinds of entries the driver manages, in both directions.

`desired()` and `observe()` must give attributes in exactly the same shape, because the engine
compares them value by value: strings for single values ("" when absent, as LDAP stores no
empty value), sorted lists for multi-valued ones, and for a group the sorted uids of its
members (the placeholder member hidden).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import ldap
from ldap.dn import str2dn

from provisioning import keys
from provisioning.inventory import Inventory, Member, Person
from provisioning.naming import (
    assembly_group,
    department_group,
    elected_group,
    member_group_labels,
    service_group,
    staff_group,
)
from provisioning.resources import ACTIVE, ARCHIVED, DISABLED, Observed, Resource

from .layout import Layout

ACCOUNT, GROUP, MEMBER = keys.LDAP_ACCOUNT, keys.LDAP_GROUP, keys.LDAP_MEMBER

# ppolicy's value for "locked until an administrator unlocks it" (slapo-ppolicy(5)).
LOCKED_FOREVER = "000001010000Z"
# Marks an archived group or member branch (businessCategory is allowed on both classes).
ARCHIVED_MARK = "archived"
# A group member that is not one of our accounts (added by hand) shows as "dn:<its DN>", so
# that the plan lists it and apply takes it out.
FOREIGN = "dn:"

# Attributes of an account that desired() sets; single-valued ones are strings.
ACCOUNT_SINGLE = ("cn", "sn", "givenName", "displayName", "mail", "telephoneNumber")
ACCOUNT_MULTI = ("title", "ou")  # ou: the codes of the person's members
OBSERVED_ATTRS = ["objectClass", "uid", *ACCOUNT_SINGLE, *ACCOUNT_MULTI, "description",
                  "member", "businessCategory", "pwdAccountLockedTime", "pwdChangedTime"]


def unique_values(values: Iterable[str]) -> list[str]:
    """Non-empty values, sorted, once each as LDAP's case-insensitive matching counts them
    (adding 'Adjointe' and 'adjointe' to one attribute would be refused)."""
    seen: dict[str, str] = {}
    for v in values:
        v = v.strip()
        if v and v.casefold() not in seen:
            seen[v.casefold()] = v
    return sorted(seen.values())


# ---------------------------------------------------------------------------- desired

def account_attrs(p: Person) -> dict[str, Any]:
    return {
        "cn": p.display_name.strip(), "sn": p.surname.strip(),
        "givenName": p.given_name.strip(), "displayName": p.display_name.strip(),
        "mail": p.email.strip(), "telephoneNumber": p.phone.strip(),
        "title": unique_values(s.title for s in p.seats),
        "ou": unique_values(s.member for s in p.seats),
    }


def member_groups(m: Member, people: list[Person]) -> Iterator[tuple[str, str, list[str]]]:
    """(cn, description, member uids) of every group of a member.

    staff: people whose seat holds a staff role; elus: those whose seat holds an elected one
    (a seat with both is in both, `provisioning.access`); an assembly: those who sit in it; a
    service: everybody of the member (the apps filter on it).
    """
    seats = [(p.uid, p.seat(m.code)) for p in people]
    everyone = sorted(uid for uid, _ in seats)
    labels = member_group_labels(m.code, m.name, [(a.slug, a.name) for a in m.assemblies],
                                 m.services)
    staff, elected = staff_group(m.code), elected_group(m.code)
    yield staff, labels[staff], sorted(uid for uid, s in seats if s.staff)
    yield elected, labels[elected], sorted(uid for uid, s in seats if s.elected)
    for a in m.assemblies:
        gid = assembly_group(m.code, a.slug)
        yield gid, labels[gid], sorted(uid for uid, s in seats if a.slug in s.assemblies)
    for service in m.services:
        gid = service_group(m.code, service)
        yield gid, labels[gid], everyone
    for d in m.departments:  # the courrier routes items to them
        yield department_group(m.code, d.slug), f"{d.name} — {m.name}", sorted(d.people)


def desired_resources(inventory: Inventory) -> Iterator[Resource]:
    by_member: dict[str, list[Person]] = {}
    for p in inventory.people:
        codes = frozenset(s.member for s in p.seats)
        for code in codes:
            by_member.setdefault(code, []).append(p)
        yield Resource(ACCOUNT(p.uid), account_attrs(p), codes)
    for m in inventory.members:
        own = frozenset([m.code])
        branch = MEMBER(m.code)
        yield Resource(branch, {"description": m.name}, own)
        for cn, description, uids in member_groups(m, by_member.get(m.code, [])):
            # The branch must exist before its groups, and the accounts before the groups
            # that list them (memberof writes memberOf on entries that exist).
            deps = (branch, *(ACCOUNT(u) for u in uids))
            yield Resource(GROUP(cn), {"description": description, "members": uids},
                           own, deps)


# ---------------------------------------------------------------------------- to LDAP

def encode(values: Iterable[str]) -> list[bytes]:
    return [v.encode() for v in values]


def ldap_values(attrs: dict[str, Any], name: str) -> list[bytes]:
    value = attrs.get(name)
    if isinstance(value, list):
        return encode(value)
    return [value.encode()] if value else []


def account_entry(uid: str, attrs: dict[str, Any]) -> list[tuple[str, list[bytes]]]:
    entry = [("objectClass", [b"inetOrgPerson"]), ("uid", [uid.encode()])]
    for name in (*ACCOUNT_SINGLE, *ACCOUNT_MULTI):
        values = ldap_values(attrs, name)
        if values:
            entry.append((name, values))
    return entry


def member_values(layout: Layout, uids: Iterable[str]) -> list[bytes]:
    return [(u[len(FOREIGN):] if u.startswith(FOREIGN) else layout.account_dn(u)).encode()
            for u in uids]


def group_entry(layout: Layout, cn: str, attrs: dict[str, Any]) -> list[tuple[str, list]]:
    members = member_values(layout, attrs["members"]) or [layout.nobody_dn.encode()]
    entry = [("objectClass", [b"groupOfNames"]), ("cn", [cn.encode()]), ("member", members)]
    if attrs.get("description"):
        entry.append(("description", [attrs["description"].encode()]))
    return entry


def member_entry(code: str, attrs: dict[str, Any]) -> list[tuple[str, list]]:
    entry = [("objectClass", [b"organizationalUnit"]), ("ou", [code.encode()])]
    if attrs.get("description"):
        entry.append(("description", [attrs["description"].encode()]))
    return entry


def replace_mods(before: dict[str, Any], after: dict[str, Any],
                 names: Iterable[str]) -> list[tuple]:
    """MOD_REPLACE of each attribute whose value changes (no value: the attribute goes)."""
    return [(ldap.MOD_REPLACE, name, ldap_values(after, name))
            for name in names if before.get(name) != after.get(name)]


def group_member_mods(layout: Layout, current: list[str], wanted: list[str],
                      placeholder: bool) -> list[tuple]:
    """Add and delete only the member values that change; the placeholder keeps the group
    valid whenever it would otherwise be empty. `placeholder`: whether it is there now."""
    have, want = set(current), set(wanted)
    adds, dels = sorted(want - have), sorted(have - want)
    mods: list[tuple] = []
    nobody = layout.nobody_dn.encode()
    if not want and not placeholder:
        mods.append((ldap.MOD_ADD, "member", [nobody]))  # first: never empty in between
    if adds:
        mods.append((ldap.MOD_ADD, "member", member_values(layout, adds)))
    if dels:
        mods.append((ldap.MOD_DELETE, "member", member_values(layout, dels)))
    if want and placeholder:
        mods.append((ldap.MOD_DELETE, "member", [nobody]))
    return mods


# ---------------------------------------------------------------------------- from LDAP

def _text(entry: dict[str, list[bytes]], name: str) -> str:
    values = entry.get(name)
    return values[0].decode() if values else ""


class Reader:
    """Turns search results into Observed resources; knows the layout's DNs."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.people_suffix = "," + layout.people_dn.lower()
        self.members_suffix = "," + layout.members_dn.lower()
        self.nobody = layout.nobody_dn.lower()
        # Member values as this driver writes them, matched on bytes: a directory of 25,000
        # people holds about 100,000 of them, and an observe reads them all.
        self.exact_suffix = ("," + layout.people_dn).encode()

    def member_uid(self, dn: str) -> str | None:
        """The uid of a member value, None for the placeholder, "dn:<DN>" for another entry."""
        low = dn.lower()
        if low == self.nobody:
            return None
        if low.endswith(self.people_suffix):
            rdn = dn[: len(dn) - len(self.people_suffix)]
            if rdn[:4].lower() == "uid=" and not any(c in rdn for c in "\\,+"):
                return rdn[4:]
            parsed = str2dn(dn)[0]
            if len(parsed) == 1 and parsed[0][0].lower() == "uid":
                return parsed[0][1]
        return FOREIGN + dn

    def group_members(self, entry: dict[str, list[bytes]]) -> tuple[list[str], bool]:
        uids, placeholder = [], False
        suffix, cut = self.exact_suffix, -len(self.exact_suffix)
        for value in entry.get("member", ()):
            if value.startswith(b"uid=") and value.endswith(suffix):
                rdn_value = value[4:cut]
                if b"\\" not in rdn_value and b"," not in rdn_value and b"+" not in rdn_value:
                    uids.append(rdn_value.decode())
                    continue
            uid = self.member_uid(value.decode())
            if uid is None:
                placeholder = True
            else:
                uids.append(uid)
        return sorted(uids), placeholder

    def read(self, dn: str, entry: dict[str, list[bytes]]) -> Observed | None:
        """The resource an entry is, or None when it is none of ours."""
        low = dn.lower()
        classes = {c.lower() for c in entry.get("objectClass", ())}
        if low.endswith(self.people_suffix) and b"inetorgperson" in classes:
            # Written out rather than through _text(): this runs once per person.
            get = entry.get
            attrs: dict[str, Any] = {}
            for n in ACCOUNT_SINGLE:
                v = get(n)
                attrs[n] = v[0].decode() if v else ""
            for n in ACCOUNT_MULTI:
                v = get(n)
                attrs[n] = sorted([x.decode() for x in v]) if v else []
            uid = _text(entry, "uid")
            locked = _text(entry, "pwdAccountLockedTime") == LOCKED_FOREVER
            return Observed(ACCOUNT(uid), attrs, DISABLED if locked else ACTIVE,
                            frozenset(attrs["ou"]))
        if not low.endswith(self.members_suffix):
            return None
        rdns = str2dn(dn[: len(dn) - len(self.members_suffix)])
        archived = ARCHIVED_MARK.encode() in entry.get("businessCategory", ())
        state = ARCHIVED if archived else ACTIVE
        if len(rdns) == 1 and b"organizationalunit" in classes:
            code = rdns[0][0][1]
            return Observed(MEMBER(code), {"description": _text(entry, "description")},
                            state, frozenset([code]))
        # A shared mailbox's group (uidObject) belongs to the mail driver, not to this one.
        if len(rdns) == 2 and b"groupofnames" in classes and b"uidobject" not in classes:
            cn, code = rdns[0][0][1], rdns[1][0][1]
            uids, _ = self.group_members(entry)
            return Observed(GROUP(cn), {"description": _text(entry, "description"),
                                              "members": uids}, state, frozenset([code]))
        return None

"""The mail driver: writes the mail attributes Postfix and Dovecot read (mail_service/schema.py)
onto the directory's entries, from the inventory's `messagerie` members.

Keys (provisioning/keys.py):
- `mail.domain:<code>`: the member branch's domain. Active: `associatedDomain` (Postfix's
  virtual domains). The branch also records the domain as `mailLocalAddress: @<domain>` (no
  map ever asks a key without a local part) and, when leavers' mail is forwarded, the target
  as `mailRoutingAddress`. Disabled (the member left the service): `associatedDomain` goes,
  so Postfix refuses the domain's mail; the record stays and re-subscribing restores it.
- `mail.mailbox:<uid>`: a person's addresses (one per member), routing, quota. Disabled (the
  person left): routing removed (mail refused) or set to the domain's forward target; the
  addresses and the Maildir stay, so re-adding restores the same address.
- `mail.shared:<code>/<local>`: a shared mailbox (mairie@, secretariat@), a groupOfNames +
  uidObject of its own, its readers as `member`; disabled: its routing goes.
- `mail.list:<code>/<local>`: an address on one of the directory driver's groups (elus,
  an assembly): mail goes to its members, who follow the inventory through that driver;
  disabled: the address is taken off the group.

Observe is one subtree search. The LDAP driver owns the entries themselves (and this driver
depends on them); this one touches only its own attributes and object classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ldap
from ldap.dn import str2dn
from ldap.filter import escape_filter_chars

from ldap_sync.connection import TRANSIENT, describe, paged_search
from ldap_sync.driver import Connections
from ldap_sync.layout import Layout
from provisioning import keys, naming
from provisioning.drivers import (
    BackendError,
    BaseDriver,
    Context,
    ProvisioningError,
    Scope,
    TransientBackendError,
)
from provisioning.inventory import Inventory, Member
from provisioning.resources import ACTIVE, DISABLE, DISABLED, Change, Observed, Resource

from . import schema as S

DOMAIN, MAILBOX, SHARED, LIST = keys.MAIL_DOMAIN, keys.MAIL_MAILBOX, keys.MAIL_SHARED, \
    keys.MAIL_LIST
FORWARD_TO = "mairie"  # where a leaver's mail goes when the inventory forwards it
_ATTRS = ["objectClass", "uid", "cn", "ou", "member", S.ADDRESS, S.ROUTING, S.QUOTA, S.DOMAIN]
_FILTER = f"(|(objectClass={S.RECIPIENT_CLASS})(objectClass={S.DOMAIN_CLASS}))"


# ---------------------------------------------------------------------------- desired

def functional_locals(m: Member) -> list[str]:
    """Every local part the member's domain gives a function (never a person's)."""
    return ["elus", *(a.slug for a in m.assemblies), *(local for local, _ in m.mail.shared),
            *(local for local, _ in m.mail.lists)]


def member_lists(m: Member) -> list[tuple[str, str]]:
    """(local part, directory group) of each list: elus@, one per assembly, the declared."""
    found = [("elus", naming.elected_group(m.code))]
    found += [(a.slug, naming.assembly_group(m.code, a.slug)) for a in m.assemblies]
    found += [(local, naming.assembly_group(m.code, slug)) for local, slug in m.mail.lists]
    return found


def desired_resources(inventory: Inventory, known: dict[str, list[str]]) -> Iterable[Resource]:
    """`known`: uid -> the addresses the directory already gives them (kept, like uids)."""
    boxes: dict[str, dict[str, Any]] = {}
    for m in inventory.members:
        if m.mail is None:
            continue
        domain, code, own = m.mail.domain, m.code, frozenset([m.code])
        suffix = "@" + domain
        people = inventory.people_of(code)
        addresses = naming.assign_mail_addresses(
            ((p.uid, p.given_name, p.surname) for p in people), domain,
            {uid: a for uid, found in known.items() for a in found if a.endswith(suffix)},
            functional_locals(m))
        branch = DOMAIN(code)
        yield Resource(branch, {"domain": domain, "forward": (
            f"{FORWARD_TO}@{domain}" if m.mail.forward_leavers else "")}, own,
            (keys.LDAP_MEMBER(code),))
        for local, readers in m.mail.shared:
            yield Resource(SHARED(code, local), {"address": f"{local}@{domain}",
                                                 "readers": sorted(readers)}, own,
                           (branch, *(keys.LDAP_ACCOUNT(u) for u in readers)))
        for local, group in member_lists(m):
            yield Resource(LIST(code, local), {"address": f"{local}@{domain}", "group": group},
                           own, (branch, keys.LDAP_GROUP(group)))
        for p in people:
            box = boxes.setdefault(p.uid, {"addresses": [], "members": [], "quotas": [],
                                           "own_quota": p.mail_quota_kb})
            box["addresses"].append(addresses[p.uid])
            box["members"].append(code)
            box["quotas"].append(m.mail.quota_kb)
    for uid, box in boxes.items():
        quota = box["own_quota"]
        if quota is None and None not in box["quotas"]:
            quota = max(box["quotas"])  # the most generous of their members
        yield Resource(MAILBOX(uid), {
            "addresses": sorted(box["addresses"]),
            "routing": box["addresses"][0],  # the first member's address is the mailbox's
            "quota": "" if quota is None else str(quota)},
            # Only on the account: a person of several members shares none of their domains.
            frozenset(box["members"]), (keys.LDAP_ACCOUNT(uid),))


def _size(kb: int) -> str:
    return f"{kb / 1024 / 1024:.1f} GB" if kb >= 1024 * 1024 else f"{max(1, kb // 1024)} MB"


def check_quotas(inventory: Inventory, resources: list[Resource],
                 usage: dict[str, int]) -> None:
    """A quota below what a mailbox already holds: one sentence naming the file, the line of
    the quota (the person's mail_quota, else their member's), the member and the person.
    Nothing is changed: Dovecot would refuse every message from then on."""
    for res in resources:
        if res.kind != MAILBOX or not res.attrs["quota"]:
            continue
        uid, quota = keys.ident_of(res.key), int(res.attrs["quota"])
        held = usage.get(uid, 0)
        if held <= quota:
            continue
        person = next((p for p in inventory.people if p.uid == uid), None)
        member = next((c for c in sorted(res.members)
                       if inventory.member(c).mail.quota_kb == quota), min(res.members))
        where = _quota_line(inventory, member, person)
        name = f"{person.given_name} {person.surname} ({uid})" if person else uid
        raise ProvisioningError(
            f"{where}member {member}: the mailbox of {name} holds {_size(held)}, more than "
            f"the quota of {_size(quota)}: raise the quota, or have the mailbox emptied "
            "first (nothing was changed)")


def _quota_line(inventory: Inventory, code: str, person) -> str:
    """"file:line: " of the quota that applies (the person's own, else the member's), or
    "file: " when the line is not found."""
    from provisioning.loader.yaml_source import reread

    if not inventory.path:
        return ""
    source = reread(inventory.path)
    raw = source.data if source is not None else None
    members = raw.get("members") if isinstance(raw, dict) else None
    if not isinstance(members, list):
        return f"{inventory.path}: "
    own = person is not None and person.mail_quota_kb is not None
    for i, m in enumerate(members):
        if not isinstance(m, dict):
            continue
        if not own:
            if str(m.get("code")) == code:
                return f"{inventory.path}:{source.line(('members', i, 'mail', 'quota'))}: "
            continue
        for j, p in enumerate(m.get("people") or []):
            if (isinstance(p, dict) and p.get("mail_quota")
                    and str(p.get("email", "")).lower() == person.email.lower()):
                line = source.line(("members", i, "people", j, "mail_quota"))
                return f"{inventory.path}:{line}: "
    return f"{inventory.path}: "


# ---------------------------------------------------------------------------- the driver

class MailDriver(BaseDriver):
    backend = "mail"
    retire = {DOMAIN: DISABLE, MAILBOX: DISABLE, SHARED: DISABLE, LIST: DISABLE}

    def __init__(self, config: dict):
        missing = [k for k in ("url", "base_dn", "bind_dn", "bind_password") if not config.get(k)]
        if missing:
            raise BackendError(f"the mail backend settings lack {', '.join(missing)}")
        super().__init__(config)
        self.url = config["url"]
        self.layout = Layout(config["base_dn"])
        # Dovecot's instance directory on this host: the shared mailboxes' ACL files.
        self.dovecot_dir = Path(config["dovecot_dir"]) if config.get("dovecot_dir") else None
        # OpenDKIM's directory on this host: a domain gets its signing key there.
        self.dkim_dir = Path(config["dkim_dir"]) if config.get("dkim_dir") else None
        self.people_suffix = "," + self.layout.people_dn.lower()
        self.members_suffix = "," + self.layout.members_dn.lower()

    def connect(self) -> Connections:
        return Connections(self.config)

    # -- errors: every LDAP error becomes one sentence; a lost server, a transient one

    def _ldap(self, what: str, call, *args):
        try:
            return call(*args)
        except TRANSIENT as exc:
            self.client.drop(lost=True)
            raise TransientBackendError(f"the directory at {self.url} was lost while {what}: "
                                        f"{describe(exc)}") from None
        except ldap.LDAPError as exc:
            raise BackendError(f"the directory refused {what}: {describe(exc)}") from None

    def _search(self, base: str, filterstr: str, attrs: list[str]) -> list[tuple]:
        return self._ldap(f"to search {base}", lambda: [
            (dn, entry) for dn, entry in paged_search(self.client.get(), base, filterstr, attrs)
            if dn is not None])

    def _modify(self, dn: str, mods: list[tuple]) -> None:
        if mods:
            self._ldap(f"to modify {dn}", lambda: self.client.get().modify_s(dn, mods))

    def _entry(self, dn: str) -> dict[str, list[bytes]] | None:
        try:
            found = self._ldap(f"to read {dn}", lambda: self.client.get().search_s(
                dn, ldap.SCOPE_BASE, "(objectClass=*)", _ATTRS))
        except BackendError as exc:
            if "No such object" in str(exc):
                return None
            raise
        return next((e for d, e in found if d is not None), None)

    # -- probe, desired, observe

    def probe(self, context: Context) -> None:
        """The addresses people already have: kept whatever their names become."""
        known: dict[str, list[str]] = {}
        for dn, entry in self._search(self.layout.people_dn, f"({S.ADDRESS}=*)",
                                      ["uid", S.ADDRESS]):
            if dn and entry.get("uid"):
                known[entry["uid"][0].decode()] = [a.decode() for a in entry[S.ADDRESS]]
        context.probed[self.backend] = known
        if self.dovecot_dir is not None:  # on the mail host: what the mailboxes hold
            from .dovecot import mailbox_usage_kb

            context.probed[self.backend + ".usage"] = mailbox_usage_kb(
                self.dovecot_dir / "mail")

    def desired(self, inventory: Inventory, context: Context) -> Iterable[Resource]:
        resources = list(desired_resources(inventory, self.probed(context) or {}))
        usage = context.probed.get(self.backend + ".usage")
        if usage:
            check_quotas(inventory, resources, usage)
        return resources

    def observe(self, scope: Scope) -> Iterable[Observed]:
        """Domains, mailboxes, shared mailboxes and lists: one subtree search."""
        domains: dict[str, str] = {}  # domain -> member code, for the mailboxes' members
        result: list[Observed] = []
        people = []
        for dn, entry in self._search(self.layout.base_dn, _FILTER, _ATTRS):
            low = (dn or "").lower()
            if low.endswith(self.people_suffix):
                people.append(entry)
            elif low.endswith(self.members_suffix):
                rdns = str2dn(dn[: len(dn) - len(self.members_suffix)])
                if len(rdns) == 1 and (obs := _domain_observed(rdns[0][0][1], entry)):
                    domains[obs.attrs["domain"]] = obs.ident
                    result.append(obs)
                elif len(rdns) == 2:
                    result += _group_observed(rdns[1][0][1], rdns[0][0][1], entry, self.layout)
        result += [obs for entry in people if (obs := _mailbox_observed(entry, domains))]
        return self.in_scope(result, scope)

    # -- handlers

    def _classes(self, dn: str, entry: dict | None, *wanted: str) -> list[tuple]:
        if entry is None:
            raise BackendError(f"the directory has no entry {dn} (the ldap backend creates it: "
                               "apply it first)")
        have = {c.decode().lower() for c in entry.get("objectClass", ())}
        missing = [c.encode() for c in wanted if c.lower() not in have]
        return [(ldap.MOD_ADD, "objectClass", missing)] if missing else []

    def _domain(self, c: Change) -> None:
        dn = self.layout.member_dn(c.ident)
        want = c.desired.attrs
        mods = self._classes(dn, self._entry(dn), S.RECIPIENT_CLASS, S.DOMAIN_CLASS)
        mods += [(ldap.MOD_REPLACE, S.DOMAIN, [want["domain"].encode()]),
                 (ldap.MOD_REPLACE, S.ADDRESS, [f"@{want['domain']}".encode()]),
                 (ldap.MOD_REPLACE, S.ROUTING, [want["forward"].encode()] if want["forward"]
                  else [])]
        self._modify(dn, mods)
        self._sign(want["domain"])

    def _sign(self, domain: str) -> None:
        """On the mail host: the domain's DKIM key (made once, kept), OpenDKIM told."""
        if self.dkim_dir is None:
            return
        from . import dkim

        try:
            if dkim.ensure_keys(self.dkim_dir, [domain]):
                dkim.reload(self.dkim_dir)
        except OSError as exc:
            raise BackendError(f"the DKIM key of {domain} could not be made under "
                               f"{self.dkim_dir}: {exc.strerror}") from None

    def _disable_domain(self, c: Change) -> None:
        dn = self.layout.member_dn(c.ident)
        entry = self._entry(dn)
        if entry is None or S.DOMAIN not in entry:
            return  # gone, or disabled already
        self._modify(dn, [(ldap.MOD_DELETE, S.DOMAIN, None),
                          (ldap.MOD_DELETE, "objectClass", [S.DOMAIN_CLASS.encode()])])

    def _mailbox(self, c: Change) -> None:
        dn = self.layout.account_dn(c.ident)
        want = c.desired.attrs
        mods = self._classes(dn, self._entry(dn), S.RECIPIENT_CLASS, S.QUOTA_CLASS)
        mods += [(ldap.MOD_REPLACE, S.ADDRESS, [a.encode() for a in want["addresses"]]),
                 (ldap.MOD_REPLACE, S.ROUTING, [want["routing"].encode()]),
                 (ldap.MOD_REPLACE, S.QUOTA, [want["quota"].encode()] if want["quota"] else [])]
        self._modify(dn, mods)

    def _disable_mailbox(self, c: Change) -> None:
        """Mail to them is refused, or forwarded where their first domain says; kept."""
        dn = self.layout.account_dn(c.ident)
        addresses = c.observed.attrs.get("addresses", []) if c.observed else []
        target = b""
        if addresses:
            domain = addresses[0].rsplit("@", 1)[1]
            for _, entry in self._search(self.layout.members_dn, f"({S.ADDRESS}=@"
                                         f"{escape_filter_chars(domain)})", [S.ROUTING]):
                target = (entry or {}).get(S.ROUTING, [b""])[0] or target
        try:
            self._modify(dn, [(ldap.MOD_REPLACE, S.ROUTING, [target] if target else [])])
        except BackendError as exc:
            if "No such object" not in str(exc):
                raise

    def _shared(self, c: Change) -> None:
        code, local = keys.pair_of(c.key)
        cn, uid = naming.shared_mailbox_group(code, local), naming.shared_mailbox_uid(code, local)
        dn = self.layout.group_dn(code, cn)
        want = c.desired.attrs
        members = [self.layout.account_dn(u).encode() for u in want["readers"]] or \
            [self.layout.nobody_dn.encode()]
        address = want["address"].encode()
        if self._entry(dn) is None:
            self._ldap(f"to add {dn}", lambda: self.client.get().add_s(dn, [
                ("objectClass", [b"groupOfNames", S.RECIPIENT_CLASS.encode(),
                                 S.SHARED_CLASS.encode()]),
                ("cn", [cn.encode()]), ("uid", [uid.encode()]), ("member", members),
                (S.ADDRESS, [address]), (S.ROUTING, [address]),
                ("description", [f"Boîte partagée {want['address']}".encode()])]))
        else:
            self._modify(dn, [(ldap.MOD_REPLACE, "member", members),
                              (ldap.MOD_REPLACE, S.ADDRESS, [address]),
                              (ldap.MOD_REPLACE, S.ROUTING, [address])])
        self._share(uid, cn, tuple(want["readers"]))

    def _share(self, uid: str, cn: str, readers: tuple[str, ...]) -> None:
        """On the mail host: the Maildir made and its ACL naming the group (dovecot.py)."""
        if self.dovecot_dir is None:
            return
        from .dovecot import Dovecot

        try:
            Dovecot(self.dovecot_dir, 0, self.dovecot_dir).share_mailbox(uid, cn, readers)
        except OSError as exc:
            raise BackendError(f"the shared mailbox {uid} could not be opened to group {cn} "
                               f"under {self.dovecot_dir}: {exc.strerror}") from None

    def _disable_shared(self, c: Change) -> None:
        code, local = keys.pair_of(c.key)
        dn = self.layout.group_dn(code, naming.shared_mailbox_group(code, local))
        try:
            self._modify(dn, [(ldap.MOD_REPLACE, S.ROUTING, [])])
        except BackendError as exc:
            if "No such object" not in str(exc):
                raise

    def _list(self, c: Change) -> None:
        code, _local = keys.pair_of(c.key)
        want = c.desired.attrs
        dn = self.layout.group_dn(code, want["group"])
        entry = self._entry(dn)
        mods = self._classes(dn, entry, S.RECIPIENT_CLASS)
        have = {a.decode().lower() for a in entry.get(S.ADDRESS, ())}
        if want["address"].lower() not in have:
            mods.append((ldap.MOD_ADD, S.ADDRESS, [want["address"].encode()]))
        # An address this key held on another group (the list now follows another one).
        if c.observed is not None and c.observed.attrs.get("group") != want["group"]:
            self._disable_list(c)
        self._modify(dn, mods)

    def _disable_list(self, c: Change) -> None:
        code, _local = keys.pair_of(c.key)
        obs = c.observed.attrs if c.observed else {}
        if not obs.get("group"):
            return
        dn = self.layout.group_dn(code, obs["group"])
        try:
            self._modify(dn, [(ldap.MOD_DELETE, S.ADDRESS, [obs["address"].encode()])])
        except BackendError as exc:
            if "No such" not in str(exc):  # the group or the value gone: done as well
                raise

    handlers = {
        DOMAIN: _domain, (DOMAIN, DISABLE): _disable_domain,
        MAILBOX: _mailbox, (MAILBOX, DISABLE): _disable_mailbox,
        SHARED: _shared, (SHARED, DISABLE): _disable_shared,
        LIST: _list, (LIST, DISABLE): _disable_list,
    }


# ---------------------------------------------------------------------------- from LDAP

def _values(entry: dict, name: str) -> list[str]:
    return sorted(v.decode() for v in entry.get(name, ()))


def _one(entry: dict, name: str) -> str:
    values = entry.get(name)
    return values[0].decode() if values else ""


def _domain_observed(code: str, entry: dict) -> Observed | None:
    records = [a[1:] for a in _values(entry, S.ADDRESS) if a.startswith("@")]
    if not records:
        return None
    active = bool(entry.get(S.DOMAIN))
    return Observed(DOMAIN(code), {"domain": records[0], "forward": _one(entry, S.ROUTING)},
                    ACTIVE if active else DISABLED, frozenset([code]))


def _mailbox_observed(entry: dict, domains: dict[str, str]) -> Observed | None:
    uid = _one(entry, "uid")
    addresses = _values(entry, S.ADDRESS)
    if not uid or not addresses:
        return None
    routing = _one(entry, S.ROUTING)
    members = frozenset(domains[d] for a in addresses
                        if (d := a.rsplit("@", 1)[-1]) in domains)
    return Observed(MAILBOX(uid), {"addresses": addresses, "routing": routing,
                                   "quota": _one(entry, S.QUOTA)},
                    ACTIVE if routing and routing in addresses else DISABLED, members)


def _group_observed(code: str, cn: str, entry: dict, layout: Layout) -> list[Observed]:
    classes = {c.decode().lower() for c in entry.get("objectClass", ())}
    own = frozenset([code])
    addresses = _values(entry, S.ADDRESS)
    if S.SHARED_CLASS.lower() in classes:
        if not addresses:
            return []
        address = addresses[0]
        suffix = "," + layout.people_dn.lower()
        readers = sorted(str2dn(m.decode())[0][0][1] for m in entry.get("member", ())
                         if m.decode().lower().endswith(suffix))
        active = _one(entry, S.ROUTING) == address
        return [Observed(SHARED(code, address.split("@")[0]),
                         {"address": address, "readers": readers},
                         ACTIVE if active else DISABLED, own)]
    return [Observed(LIST(code, a.split("@")[0]), {"address": a, "group": cn}, ACTIVE, own)
            for a in addresses]


"""What the inventory wants in Nextcloud, as resources of the `nextcloud` backend.

For each member subscribing to extranet, cloud, agenda or convocation:
- `nextcloud.group:<gid>`: the member's groups, named as in the directory;
- `nextcloud.membership:<code>/<uid>`: a person's groups in that member (and, for the
  secrétaire de mairie, the groups they administer), depending on the account and groups;
- `nextcloud.folder:<code>/<slug>`: `extranet` (extranet service: staff read-write), `ged`
  (extranet and ged: the filed documents' mirror, staff read only) and one folder per
  assembly (convocation service: the assembly reads, staff read-write);
and, for each person with a seat in such a member, `nextcloud.user:<uid>` (display name,
e-mail, quota; enabled), shared by all their members, so depending on no member's resource.
Two groups belong to no member: `mutualis`, every account Mutualis manages (so that observe
tells them from the others), and `mutualis-service`, the service account, which may write
into every folder (to publish dossiers and share links).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from provisioning import keys
from provisioning.access import seat_groups
from provisioning.inventory import Inventory, Member, Seat
from provisioning.naming import (
    EXTRANET_FOLDER,
    EXTRANET_FOLDER_LABEL,
    GED_FOLDER,
    GED_FOLDER_LABEL,
    MANAGED_GROUP,
    SERVICE_GROUP,
    assembly_group,
    member_group_labels,
    member_groups,
    mount_point,
    staff_group,
)
from provisioning.resources import Resource

from .config import LDAP, NextcloudConfig

USER, GROUP, MEMBERSHIP, FOLDER = (
    keys.NEXTCLOUD_USER, keys.NEXTCLOUD_GROUP, keys.NEXTCLOUD_MEMBERSHIP, keys.NEXTCLOUD_FOLDER)
NEXTCLOUD_SERVICES = ("extranet", "cloud", "agenda", "convocation")
# lib/public/Constants.php
READ, ALL = 1, 31
# The catalogue's role whose holder administers (Nextcloud subadmin) her member's groups.
SECRETARY_ROLE = "secretaire-de-mairie"


def nextcloud_members(inventory: Inventory) -> list[Member]:
    return [m for m in inventory.members if any(m.subscribes(s) for s in NEXTCLOUD_SERVICES)]


@dataclass(frozen=True)
class FolderSpec:
    slug: str
    label: str
    groups: dict[str, int]


def folder_specs(member: Member) -> list[FolderSpec]:
    staff = staff_group(member.code)
    specs = []
    if member.subscribes("extranet"):
        specs.append(FolderSpec(EXTRANET_FOLDER, EXTRANET_FOLDER_LABEL,
                                {staff: ALL, SERVICE_GROUP: ALL}))
        if member.subscribes("ged"):  # the GED's read-only mirror: only the service writes
            specs.append(FolderSpec(GED_FOLDER, GED_FOLDER_LABEL,
                                    {staff: READ, SERVICE_GROUP: ALL}))
    if member.subscribes("convocation"):
        for a in member.assemblies:
            groups = {assembly_group(member.code, a.slug): READ, staff: ALL, SERVICE_GROUP: ALL}
            specs.append(FolderSpec(a.slug, a.name, groups))
    return specs


def group_names(member: Member) -> dict[str, str]:
    """gid -> display name of every group of a member."""
    return member_group_labels(member.code, member.name,
                               [(a.slug, a.name) for a in member.assemblies], member.services)


def administered_groups(member: Member, seat: Seat) -> list[str]:
    """Every group of the member if the seat is the secrétaire de mairie's, else none."""
    if SECRETARY_ROLE not in seat.roles:
        return []
    return member_groups(member.code, [a.slug for a in member.assemblies], member.services)


def folder_attrs(member: Member, spec: FolderSpec, config: NextcloudConfig,
                 groupfolders: bool) -> dict:
    groups = dict(sorted(spec.groups.items()))
    if not groupfolders:  # a shared folder belongs to the service account already
        groups.pop(SERVICE_GROUP)
    attrs: dict = {"mount_point": mount_point(member.code, member.name, spec.label, spec.slug),
                   "groups": groups}
    if groupfolders:  # quotas and ACLs exist only in group folders
        staff = staff_group(member.code)
        # Managing ACLs would let the staff write where they only read (the GED's mirror).
        attrs.update(quota=config.folder_quota, acl=True,
                     manage=[f"group:{staff}"] if spec.groups.get(staff) == ALL else [])
    return attrs


def desired_resources(inventory: Inventory, config: NextcloudConfig,
                      groupfolders: bool) -> Iterator[Resource]:
    members = nextcloud_members(inventory)
    if not members:
        return
    provisioned = config.mode != LDAP
    everyone = frozenset(m.code for m in members)
    service_key = GROUP(SERVICE_GROUP)
    yield Resource(service_key, {"displayname": "Mutualis — compte de service",
                                 "members": [config.user]}, everyone)
    if provisioned:
        yield Resource(GROUP(MANAGED_GROUP), {"displayname": "Mutualis — comptes gérés"},
                       everyone)
    for m in members:
        own = frozenset([m.code])
        if provisioned:
            for gid, name in group_names(m).items():
                yield Resource(GROUP(gid), {"displayname": name}, own)
        for spec in folder_specs(m):
            deps = tuple(GROUP(g) for g in spec.groups) if provisioned else (service_key,)
            yield Resource(FOLDER(m.code, spec.slug),
                           folder_attrs(m, spec, config, groupfolders), own, deps)
    if provisioned:
        yield from _people(inventory, members, config)


def _people(inventory: Inventory, members: list[Member],
            config: NextcloudConfig) -> Iterator[Resource]:
    by_code = {m.code: m for m in members}
    for p in inventory.people:
        seats = [s for s in p.seats if s.member in by_code]
        if not seats:
            continue
        user_key = USER(p.uid)
        yield Resource(user_key, {"displayname": p.display_name.strip(),
                                  "email": p.email.strip().lower(),
                                  "quota": config.user_quota},
                       frozenset(s.member for s in seats), (GROUP(MANAGED_GROUP),))
        for s in seats:
            member = by_code[s.member]
            groups = seat_groups(member.code, s.roles, s.assemblies, member.services)
            admin = administered_groups(member, s)
            deps = (user_key, *(GROUP(g) for g in sorted(set(groups) | set(admin))))
            yield Resource(MEMBERSHIP(member.code, p.uid),
                           {"groups": groups, "subadmin": sorted(admin)},
                           frozenset([member.code]), deps)

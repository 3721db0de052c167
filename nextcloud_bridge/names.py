"""Names the Nextcloud bridge derives from the inventory, and how it reads them back.

Group ids come from `provisioning.naming` unchanged (the LDAP cn and the Nextcloud gid are
the same string). What naming does not have yet lives here, meant to move there:

- a folder's mount point, "Conseil municipal — Melle (79174)", from which `parse_mount_point`
  gives back the member code and the folder slug, so that folders are keyed by what they are,
  never by Nextcloud's numeric folder ids;
- the archived form of a name, "[Archivé] …";
- the two groups that belong to no member: `mutualis` (every account Mutualis manages) and
  `mutualis-service` (the service account, which publishes into the members' folders);
- the groups a person's seat gives in a member (the same rule as the directory's groups).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from provisioning.inventory import Member, Seat
from provisioning.naming import (
    ARCHIVED_PREFIX,
    assembly_group,
    elected_group,
    member_groups,
    service_group,
    slugify,
    staff_group,
)

MANAGED_GROUP = "mutualis"
SERVICE_GROUP = "mutualis-service"
EXTRANET = "extranet"
EXTRANET_LABEL = "Extranet"
SECRETARY_ROLE = "secretaire-de-mairie"

# An INSEE code (2A/2B in Corsica) or a SIREN, as `provisioning.schema` accepts them.
_CODE = r"[0-9]{5}|2[AB][0-9]{3}|[0-9]{9}"
_CODE_RE = re.compile(rf"^(?:{_CODE})$")
# "<label>[ [<quoted slug>]] — <member name> (<code>)"
_MOUNT_RE = re.compile(
    rf"^(?P<label>.+?)(?: \[(?P<slug>[^\]]+)\])? — [^—]+ \((?P<code>{_CODE})\)$")
# Characters a file name may not hold in Nextcloud (capabilities: files.forbidden_filename_
# characters), and control characters.
_FORBIDDEN = re.compile(r"[/\\\x00-\x1f]")


def archived(name: str) -> str:
    return ARCHIVED_PREFIX + name


def unarchived(name: str) -> tuple[str, bool]:
    """('Extranet — Melle (79174)', True) for '[Archivé] Extranet — Melle (79174)'."""
    if name.startswith(ARCHIVED_PREFIX):
        return name[len(ARCHIVED_PREFIX):], True
    return name, False


def clean_label(text: str) -> str:
    """A label usable as one path segment: no '/', '\\' or control character, no edge blanks.

    'Finances/Budget' -> 'Finances-Budget'; '../../etc' -> '..-..-etc' (a name, not a path).
    """
    return " ".join(_FORBIDDEN.sub("-", text).split())


def mount_point(code: str, member_name: str, label: str, slug: str) -> str:
    """'Conseil municipal — Melle (79174)': what people see, and all observe needs.

    The slug is spelt out (quoted, so it never holds '/') when the label does not give it
    back, e.g. an assembly "Commission des finances" whose slug is "finances", or when the
    label ends with a bracket of its own.
    """
    label = clean_label(label) or slug
    plain = slugify(label) == slug and not label.endswith("]")
    head = label if plain else f"{label} [{quote(slug, safe='')}]"
    member = clean_label(member_name).replace("—", "-")  # the last " — " ends the label
    return f"{head} — {member} ({code.upper()})"


def parse_mount_point(name: str) -> tuple[str, str, bool] | None:
    """(code, slug, archived) of one of our mount points, None for any other folder."""
    name, is_archived = unarchived(name)
    found = _MOUNT_RE.match(name)
    if found is None:
        return None
    slug = unquote(found["slug"]) if found["slug"] else slugify(found["label"])
    if not slug:
        return None
    return found["code"], slug, is_archived


def group_code(gid: str) -> str | None:
    """The member code a group id belongs to ('79174-staff' -> '79174'), else None."""
    head, sep, rest = gid.partition("-")
    if not sep or not rest or not _CODE_RE.match(head.upper()):
        return None
    return head.upper()


def all_member_groups(member: Member) -> list[str]:
    return member_groups(member.code, [a.slug for a in member.assemblies], member.services)


def seat_groups(member: Member, seat: Seat) -> list[str]:
    """The member's groups a seat puts a person in: staff or elected, the assemblies they
    sit in, and every service group of the member (as in the directory)."""
    groups = [elected_group(member.code) if seat.elected else staff_group(member.code)]
    groups += [assembly_group(member.code, a) for a in seat.assemblies]
    groups += [service_group(member.code, s) for s in member.services]
    return sorted(set(groups))

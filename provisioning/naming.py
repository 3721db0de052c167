"""Every name Mutualis derives from the inventory, in one place.

The LDAP cn, the Nextcloud gid, the calendar share and the Wagtail editors' group of a member
all use the strings made here, and so do the Nextcloud mount points people see ("Conseil
municipal — Melle (79174)"); no driver invents a name of its own. Where a backend must read a
name back (which member a group or a folder belongs to), the reading is here too, next to the
making, so that the two never disagree.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote, unquote

import idna

# Letters that Unicode decomposition does not reduce to ASCII.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o",
                            "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L"})
UID_MAX = 32
# A member code: an INSEE code (2A/2B in Corsica) or a SIREN, as `provisioning.schema` accepts
# them.
_CODE = r"[0-9]{5}|2[AB][0-9]{3}|[0-9]{9}"
_CODE_RE = re.compile(rf"^(?:{_CODE})$")


def ascii_fold(text: str) -> str:
    """'Notre-Dame-d'Oé' -> "Notre-Dame-d'Oe": accents removed, ligatures spelled out."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    # What is left outside ASCII (’, «, –) separates words: "d’appel" is "d appel".
    return "".join(c if c.isascii() else " " for c in decomposed
                   if not unicodedata.combining(c))


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by '-': "L'Haÿ-les-Roses" -> 'l-hay-les-roses'."""
    words = re.split(r"[^a-z0-9]+", ascii_fold(text).lower())
    return "-".join(w for w in words if w)


def base_uid(given_name: str, surname: str) -> str:
    """'Jean-Pierre', 'Le Goff' -> 'jplegoff': initials of the given names, then the surname."""
    initials = "".join(w[0] for w in slugify(given_name).split("-") if w)
    family = slugify(surname).replace("-", "")
    uid = (initials + family)[:UID_MAX] or "user"
    return uid if uid[0].isalpha() else "u" + uid[: UID_MAX - 1]


def assign_uids(people: Iterable[tuple[str, str, str, str | None]],
                known: dict[str, str] | None = None) -> dict[str, str]:
    """Give each person a uid that is unique, deterministic and stable over time.

    `people` yields (identity, given_name, surname, explicit_uid_or_None); identity is the
    person's lower-cased email. `known` maps identities to the uids they were given by an
    earlier apply (the registry remembers them), so that a surname change or a newcomer with
    the same name never renames anyone. Newcomers are served in identity order; a derived uid
    already taken gets the smallest free numeric suffix: jdupont, jdupont2, jdupont3...
    """
    known = known or {}
    people = sorted(people, key=lambda p: p[0])
    result: dict[str, str] = {}
    taken: set[str] = set()
    for identity, _, _, explicit in people:
        if explicit:
            result[identity] = explicit
            taken.add(explicit)
    for identity, _, _, explicit in people:
        if not explicit and identity in known and known[identity] not in taken:
            result[identity] = known[identity]
            taken.add(known[identity])
    # uids remembered for people no longer in the inventory stay reserved: never reuse them.
    taken.update(known.values())
    next_suffix: dict[str, int] = {}  # per base: where the search for a free suffix resumes
    for identity, given, surname, _ in people:
        if identity in result:
            continue
        base = base_uid(given, surname)
        uid, n = base, next_suffix.get(base, 1)
        if n > 1 or uid in taken:
            while uid in taken:
                n += 1
                suffix = str(n)
                uid = base[: UID_MAX - len(suffix)] + suffix
        next_suffix[base] = n
        result[identity] = uid
        taken.add(uid)
    return result


def hostname(text: str) -> str:
    """An ASCII hostname: IDNA-encoded when the name keeps accents ('mairie-oé.fr')."""
    text = text.strip().rstrip(".").lower()
    return idna.encode(text, uts46=True).decode("ascii")


def default_hostname(member_slug: str, sites_domain: str) -> str:
    return hostname(f"{member_slug}.{sites_domain}")


# Group names: `<code>-staff`, `<code>-elus`, `<code>-<assembly>`, `<code>-svc-<service>`.
def staff_group(code: str) -> str:
    return f"{code.lower()}-staff"


def elected_group(code: str) -> str:
    return f"{code.lower()}-elus"


def assembly_group(code: str, assembly: str) -> str:
    return f"{code.lower()}-{assembly}"


def service_group(code: str, service: str) -> str:
    return f"{code.lower()}-svc-{service}"


def department_group(code: str, department: str) -> str:
    """A member's department (`79174-dept-voirie`); 'dept-' keeps it apart from the
    assemblies' groups, as 'svc-' and 'mail-' do."""
    return f"{code.lower()}-dept-{department}"


def member_groups(code: str, assemblies: Iterable[str], services: Iterable[str]) -> list[str]:
    return ([staff_group(code), elected_group(code)]
            + [assembly_group(code, a) for a in assemblies]
            + [service_group(code, s) for s in services])


def group_code(gid: str) -> str | None:
    """The member code a group id belongs to ('79174-staff' -> '79174'), else None.

    'admin', 'mutualis' or a group made by hand give None: they belong to no member.
    """
    head, sep, rest = gid.partition("-")
    if not sep or not rest or not _CODE_RE.match(head.upper()):
        return None
    return head.upper()


# The two groups that belong to no member (so without a code, never mistaken for one):
# - every account Mutualis creates joins MANAGED_GROUP, which is how observe tells them from
#   the admin and the accounts made by hand, which Mutualis then never disables;
# - the service account (the one the apps publish dossiers and share links with) is the only
#   member of SERVICE_GROUP, which can write into every member's folder. Not to be confused
#   with service_group(), a member's group of the people subscribed to one service.
MANAGED_GROUP = "mutualis"
SERVICE_GROUP = "mutualis-service"


def member_group_labels(code: str, member_name: str, assemblies: Iterable[tuple[str, str]],
                        services: Iterable[str]) -> dict[str, str]:
    """gid -> the label people see for each group of a member ("Élus — Melle"), the same in
    the directory and in Nextcloud. `assemblies` are (slug, name) pairs."""
    from .catalogue import SERVICE_LABELS

    labels = {staff_group(code): f"Personnel — {member_name}",
              elected_group(code): f"Élus — {member_name}"}
    for slug, name in assemblies:
        labels[assembly_group(code, slug)] = f"{name} — {member_name}"
    for service in services:
        labels[service_group(code, service)] = (
            f"{SERVICE_LABELS.get(service, service)} — {member_name}")
    return labels


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


# What an archived folder, group or calendar is renamed to start with, in every backend.
ARCHIVED_PREFIX = "[Archivé] "


def archived(name: str) -> str:
    return ARCHIVED_PREFIX + name


def unarchived(name: str) -> tuple[str, bool]:
    """('Extranet — Melle (79174)', True) for '[Archivé] Extranet — Melle (79174)'."""
    if name.startswith(ARCHIVED_PREFIX):
        return name[len(ARCHIVED_PREFIX):], True
    return name, False


# Nextcloud folders: a member's folder is mounted as "<label> — <member name> (<code>)". That is
# what people see in their files app, and all observe needs to find the member and the folder
# again, so folders are keyed by what they are, never by Nextcloud's numeric folder ids.
# The extranet folder (extranet service) is keyed `extranet` and labelled "Extranet"; an
# assembly's folder (convocation service) by the assembly's slug, labelled with its name.
EXTRANET_FOLDER = "extranet"
EXTRANET_FOLDER_LABEL = "Extranet"
# Where a member with both extranet and ged finds its filed documents (read only: the GED
# keeps them, Nextcloud shows a copy).
GED_FOLDER = "ged"
GED_FOLDER_LABEL = "GED"
# "<label>[ [<quoted slug>]] — <member name> (<code>)"
_MOUNT_RE = re.compile(
    rf"^(?P<label>.+?)(?: \[(?P<slug>[^\]]+)\])? — [^—]+ \((?P<code>{_CODE})\)$")
# Characters a file name may not hold in Nextcloud (capabilities: files.forbidden_filename_
# characters), and control characters: a mount point is one path segment.
_FORBIDDEN = re.compile(r"[/\\\x00-\x1f]")


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


# Calendars: `<code>-agenda` (the public events calendar the website shows) and, per
# assembly, the assembly's group name (`<code>-conseil-municipal`).
PUBLIC_CALENDAR = "agenda"


def calendar_id(code: str, calendar: str) -> str:
    return f"{code.lower()}-{calendar}"


def split_calendar_id(calendar: str) -> tuple[str, str] | None:
    """'79174-agenda' -> ('79174', 'agenda'); a SIREN is 9 digits, an INSEE code 5 characters."""
    head = calendar.split("-", 1)
    if len(head) != 2 or len(head[0]) not in (5, 9) or not head[1]:
        return None
    return head[0].upper(), head[1]


# ---------------------------------------------------------------------------- mail addresses

LOCAL_PART_MAX = 64  # RFC 5321
# Local parts a member's functional addresses use (issue 16): never given to a person.
FUNCTIONAL_LOCAL_PARTS = frozenset({"mairie", "secretariat", "elus", "contact", "postmaster",
                                    "abuse", "dmarc", "noreply"})


def mail_domain(text: str) -> str:
    """A mail domain as Postfix and DNS take it: lower case, IDNA ('mairie-oé.fr' ->
    'xn--mairie-o-i1a.fr')."""
    return hostname(text)


def default_mail_domain(member_slug: str, syndicate_mail_domain: str) -> str:
    """A member that declares no mail domain of its own: '<slug>.<syndicate mail domain>'."""
    return mail_domain(f"{member_slug}.{syndicate_mail_domain}")


def mail_local_part(given_name: str, surname: str) -> str:
    """'Jean-Pierre', 'Le Goff' -> 'jean-pierre.le-goff': prenom.nom in ASCII, lower case."""
    words = [w for w in (slugify(given_name), slugify(surname)) if w]
    local = ".".join(words)[:LOCAL_PART_MAX].strip(".-") or "personne"
    return local


def assign_mail_addresses(people: Iterable[tuple[str, str, str]], domain: str,
                          known: dict[str, str] | None = None,
                          reserved: Iterable[str] = ()) -> dict[str, str]:
    """Give each person of one mail domain an address, unique in it and stable over time.

    `people` yields (uid, given_name, surname); `known` maps uids to the addresses an earlier
    apply gave them (kept even when the name changes, and never given to anybody else, like
    uids); `reserved`: the local parts of the domain's functional addresses and lists (with
    FUNCTIONAL_LOCAL_PARTS always). Newcomers are served in uid order; a local part already
    taken gets the smallest free numeric suffix: jean.dupont, jean.dupont2, jean.dupont3...
    """
    known = {uid: address for uid, address in (known or {}).items()
             if address.endswith("@" + domain)}
    people = sorted(people, key=lambda p: p[0])
    taken = set(FUNCTIONAL_LOCAL_PARTS) | {r.lower() for r in reserved}
    taken |= {address.rsplit("@", 1)[0] for address in known.values()}
    result = {uid: known[uid] for uid, _, _ in people if uid in known}
    for uid, given, surname in people:
        if uid in result:
            continue
        base = mail_local_part(given, surname)
        local, n = base, 1
        while local in taken:
            n += 1
            suffix = str(n)
            local = base[: LOCAL_PART_MAX - len(suffix)] + suffix
        taken.add(local)
        result[uid] = f"{local}@{domain}"
    return result


def shared_mailbox_group(code: str, local: str) -> str:
    """The directory group of a shared mailbox ('79174', 'mairie' -> '79174-mail-mairie'):
    its members read it. 'mail-' keeps it apart from the assemblies' and services' groups."""
    return f"{code}-mail-{local}"


def shared_mailbox_uid(code: str, local: str) -> str:
    """The Dovecot user a shared mailbox's Maildir belongs to; never a person's uid (those
    start with a letter, this with 'shared-')."""
    return f"shared-{code}-{local}"

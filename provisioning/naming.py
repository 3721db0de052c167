"""Every name Mutualis derives from the inventory, in one place.

The LDAP cn, the Nextcloud gid, the calendar share and the Wagtail editors' group of a member
all use the strings made here; no driver invents a name of its own.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

import idna

# Letters that Unicode decomposition does not reduce to ASCII.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o",
                            "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L"})
UID_MAX = 32


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


def member_groups(code: str, assemblies: Iterable[str], services: Iterable[str]) -> list[str]:
    return ([staff_group(code), elected_group(code)]
            + [assembly_group(code, a) for a in assemblies]
            + [service_group(code, s) for s in services])


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


# What an archived folder, group or calendar is renamed to start with, in every backend.
ARCHIVED_PREFIX = "[Archivé] "


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

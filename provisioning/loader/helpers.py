"""Small helpers the loader's checks share: reading YAML values, suggesting the likely
spelling, and checking hostnames and email addresses."""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any

import idna

from .. import naming

_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_HOSTNAME_RULE = "use letters (accents allowed), digits and hyphens between dots"


def _suggest(value: str, candidates: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _text(value: Any) -> str | None:
    """A non-empty stripped string, or None for anything else."""
    return value.strip() or None if isinstance(value, str) else None


def _items(value: Any) -> list:
    return value if isinstance(value, list) else []


@functools.lru_cache(maxsize=4096)
def _hostname(value: str) -> str | None:
    """The ASCII (IDNA) form of a hostname, or None if it is not one."""
    try:
        return naming.hostname(value)
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def _email_valid(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    if not at or not local or " " in value or not _EMAIL_LOCAL.match(local):
        return False
    return bool(_hostname(domain)) and "." in domain.strip(".") and not domain.endswith(".")

"""The parapheur's errors for people: one French sentence each, shown by the pages and the CLI,
never a class name or a library's words."""

from __future__ import annotations

from provisioning.drivers import ProvisioningError


class SignatureError(ProvisioningError):
    """Signing, verifying or acting on a folder failed for a reason a person can fix."""


class AccessDenied(SignatureError):
    """The person may not see or act on this folder."""


def causes(exc: BaseException) -> list[BaseException]:
    """The exception and the chain of its causes, outermost first (each once)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


# The words our sentences start with that are not names: lowered after a colon.
_COMMON_STARTS = {"le", "la", "les", "l", "un", "une", "ce", "cet", "cette", "ces", "vous",
                  "il", "elle", "aucun", "aucune", "seul", "seule", "seuls", "indiquez",
                  "ajoutez", "choisissez", "demandez"}


def as_clause(exc: BaseException) -> str:
    """An error's sentence, to follow a colon in another one: its final period dropped, and
    its first letter lowered unless it starts with a name ("Alphaville n'a…")."""
    text = str(exc).strip().rstrip(".")
    first = text.replace("'", " ").replace("\u2019", " ").split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.lower() in _COMMON_STARTS else text

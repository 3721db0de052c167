"""The parapheur's error for people: one sentence, shown by the CLI and the views."""

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

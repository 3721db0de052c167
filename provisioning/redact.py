"""Secret values resolved in this process (backend passwords), scrubbed from every error
message the journal keeps or the command prints."""

from __future__ import annotations

from collections.abc import Iterable

_SECRETS: set[str] = set()


def register_secrets(config: dict, secret_names: Iterable[str]) -> None:
    for name in list(secret_names) + ["bind_password", "password", "admin_password"]:
        value = config.get(name)
        if isinstance(value, str) and len(value) >= 4:
            _SECRETS.add(value)


def scrub(message: str) -> str:
    for secret in _SECRETS:
        message = message.replace(secret, "********")
    return message

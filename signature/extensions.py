"""Where other apps plug documents that are not PDFs into the parapheur (the PES flux of
`pes/`, signed in XAdES): they register here when Django starts (their AppConfig.ready), and
the parapheur asks them. Folders no extension claims are signed and shown as before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FolderSigner:
    """Signs the main documents of the folders it `claims`: `sign(signer, folder, person)`
    gets the opened key (a pyHanko signer) and the person signing (None: the member's seal)
    and returns the signed bytes of the folder's main documents, in their order."""

    claims: Callable[[Any], bool]
    sign: Callable[[Any, Any, Any], list[bytes]]


SIGNERS: list[FolderSigner] = []
# Each gives, for a folder, None or a panel of its page: {"template": …, and its context}.
PANELS: list[Callable[[Any], dict | None]] = []


def signer_of(folder) -> FolderSigner | None:
    return next((s for s in SIGNERS if s.claims(folder)), None)


def panels(folder) -> list[dict]:
    return [p for p in (make(folder) for make in PANELS) if p]

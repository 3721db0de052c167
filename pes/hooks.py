"""How `pes` plugs into the parapheur (signature.extensions): the folders carrying a PES flux
are signed in XAdES by `pes.signing`, and their pages show the bordereaux."""

from __future__ import annotations

from signature import extensions


def _claims(folder) -> bool:
    from .models import PesFlux

    return PesFlux.objects.filter(folder=folder).exists()


def _sign(signer, folder, person):
    from .signing import sign_folder

    return sign_folder(signer, folder, person)


def _panel(folder) -> dict | None:
    from .services import bordereaux_panel

    return bordereaux_panel(folder)


def register() -> None:
    if not any(s.claims is _claims for s in extensions.SIGNERS):
        extensions.SIGNERS.append(extensions.FolderSigner(claims=_claims, sign=_sign))
        extensions.PANELS.append(_panel)

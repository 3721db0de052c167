"""The only place where convocation reaches other packages' backends, through their public
functions: the Nextcloud bridge (dossier files for the tablets), the agendas (the sitting in
the assembly's calendar), the site factory (acts on the member's website) and the acts app
(its publication register)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nextcloud_bridge.agendas import Event, upsert_event


def publish_dossier(member_code: str, assembly_slug: str, folder: str,
                    files: dict[str, bytes]) -> list[str]:
    """Store the dossier in the assembly's Nextcloud folder, under `folder`; returns the
    paths (`<assembly>/<folder>/<file>`)."""
    from nextcloud_bridge import publish_files

    return publish_files(member_code, assembly_slug,
                         {f"{folder}/{name}": content for name, content in files.items()})


def add_to_calendar(member_code: str, assembly_slug: str, event: Event) -> None:
    """Create or replace the sitting in the assembly's calendar."""
    upsert_event(member_code, assembly_slug, event)


@dataclass(frozen=True)
class Act:
    member_code: str
    kind: str  # "deliberation" (the list of délibérations) or "proces-verbal"
    title: str
    act_date: date
    filename: str
    pdf: bytes


def register_publication(member, kind: str, title: str, url: str, sha256: str) -> None:
    """Write what was put online in the member's publication register (the acts app)."""
    from actes.services import register_document

    register_document(member, kind=kind, title=title, url=url, sha256=sha256)


def publish_act(act: Act) -> str:
    """Put an act online on the member's website (the site factory's acts pages); returns
    its URL."""
    from wagtail_site_factory.services import publish_act as publish_on_site

    return publish_on_site(act.member_code, act.kind, act.title, act.act_date, act.filename,
                           act.pdf)

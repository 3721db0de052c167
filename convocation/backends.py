"""The only place where convocation reaches other packages' backends, through their public
functions: the Nextcloud bridge (dossier files for the tablets), the agendas (the sitting in
the assembly's calendar) and the site factory (acts on the member's website)."""

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


def publish_act(act: Act) -> str | None:
    """Put an act online on the member's website and return its URL, or None while the site
    factory offers no public function for it: the publication then stays pending, with its
    deadline, and the staff are told to publish it by hand.

    The site factory has page types for acts (`ActPage` under an `ActIndexPage`) but no public
    function yet; the one this adapter needs would take the member's code, the act's kind,
    title and date, and the PDF, create and publish the page, and return its URL.
    """
    return None

"""The only place where convocation reaches other packages' backends, through their public
functions: the Nextcloud bridge (dossier files for the tablets), the agendas (the sitting in
the assembly's calendar) and the site factory (sittings and acts on the member's website).
The acts app, which imports convocation, hears of the documents put online through
`signals.document_published` and writes them in its publication register.

Each failure of a backend reaches the staff as one sentence: `cause(exc)` gives it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from nextcloud_bridge.agendas import Event, upsert_event
from provisioning.drivers import ProvisioningError, TransientBackendError

log = logging.getLogger(__name__)


def cause(exc: Exception, backend: str) -> str:
    """What went wrong, for a person, as a clause: a bridge's own message for a refusal (its
    errors are written for people), ours for a backend that does not answer (the bridges'
    messages then name the client library's exception); never a class name."""
    if isinstance(exc, TransientBackendError):
        log.warning("%s did not answer: %s", backend, exc)
        return _("%(backend)s ne répond pas pour l'instant") % {"backend": backend}
    if isinstance(exc, ProvisioningError) and str(exc):
        return str(exc)
    log.error("%s failed", backend, exc_info=exc)
    return _("%(backend)s a répondu par une erreur inattendue, consignée dans le journal du "
             "serveur") % {"backend": backend}


def nextcloud_configured() -> bool:
    """Whether a Nextcloud is configured (MUTUALIS_NEXTCLOUD, or an embedded one)."""
    from nextcloud_bridge.services import nextcloud_settings

    try:
        nextcloud_settings()
    except ProvisioningError:
        return False
    return True


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
class PublicSitting:
    """What the member's website shows of a sitting: never the dossier."""

    member_code: str
    key: str  # stable: publishing it again updates the same page
    title: str
    assembly: str
    start: datetime
    place: str
    agenda_items: list[str]


def publish_sitting(sitting: PublicSitting) -> str:
    """Put the sitting (date, place, agenda) on the member's website; returns its URL."""
    from wagtail_site_factory.services import publish_sitting as publish_on_site

    return publish_on_site(sitting.member_code, sitting.key, sitting.title, sitting.start,
                           sitting.place, sitting.agenda_items, assembly=sitting.assembly)


@dataclass(frozen=True)
class Act:
    member_code: str
    kind: str  # "deliberation" (the list of délibérations) or "proces-verbal"
    title: str
    act_date: date
    filename: str
    pdf: bytes
    sitting_key: str = ""  # the sitting's page on the website, when it has one


def register_publication(member, kind: str, title: str, url: str, sha256: str) -> None:
    """Have what was put online written in the member's publication register (the acts
    app's receiver does it)."""
    from .signals import document_published

    document_published.send(sender=Act, member=member, kind=kind, title=title, url=url,
                            sha256=sha256)


def publish_act(act: Act) -> str:
    """Put an act online on the member's website (the site factory's acts pages); returns
    its URL."""
    from wagtail_site_factory.services import publish_act as publish_on_site

    return publish_on_site(act.member_code, act.kind, act.title, act.act_date, act.filename,
                           act.pdf, sitting_key=act.sitting_key)

"""Fixtures of the convocation tests: the registry (members, people, seats, assemblies), small
real PDFs, the SMTP server, the timestamp authority, and the Nextcloud emulator."""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from convocation import receipts, sending
from convocation.models import AgendaItem, Annex, Dispatch, Sitting
from nextcloud_bridge.agendas.driver import AgendaDriver
from nextcloud_bridge.agendas.ics import PARIS
from nextcloud_bridge.driver import NextcloudDriver
from provisioning.drivers import Scope
from provisioning.engine import apply_plan, make_plan
from provisioning.models import RegistryAssembly, RegistryMember, RegistryPerson, RegistrySeat
from provisioning.registry import RegistryDriver
from tests.factories import make_inventory
from tests.nextcloud_bridge.conftest import (  # noqa: F401 (fixtures)
    driver_settings,
    nc_emulator,
    nc_settings,
)
from tests.wagtail_site_factory.conftest import commune_inventory
from wagtail_site_factory.driver import SiteDriver

from .servers import SmtpServer, TimestampCA, TsaServer

_codes = itertools.count(1)


def pdf(title: str, pages: int = 1) -> bytes:
    """A real PDF of `pages` pages, each showing the title and its page number."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for n in range(pages):
        canvas.setFont("Helvetica", 14)
        canvas.drawString(72, 760, f"{title} — page {n + 1}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@dataclass
class Council:
    member: RegistryMember
    assembly: RegistryAssembly
    elected: list[RegistryPerson]
    secretary: RegistryPerson

    def user(self, person: RegistryPerson | None = None) -> User:
        person = person or self.secretary
        return User.objects.get_or_create(username=person.uid)[0]


def make_council(members: int = 5, population: int = 800, kind: str = "commune",
                 code: str | None = None, name: str = "Melle") -> Council:
    """A member, its deliberative assembly, `members` elected people sitting in it and a
    secrétaire de mairie, straight into the registry."""
    n = next(_codes)
    code = code or (f"{n:05d}" if kind == "commune" else f"2{n:08d}")
    slug = "conseil-municipal" if kind == "commune" else "conseil-communautaire"
    assembly_name = "Conseil municipal" if kind == "commune" else "Conseil communautaire"
    member = RegistryMember.objects.create(
        code=code, name=name, kind=kind, population=population, slug=f"m{code}",
        hostname=f"m{code}.localhost", email=f"mairie-{code}@example.fr",
        address="1 place de la Mairie", services=["extranet", "agenda", "convocation"])
    assembly = RegistryAssembly.objects.create(member=member, slug=slug, name=assembly_name)
    elected = []
    for i in range(members):
        person = RegistryPerson.objects.create(uid=f"e{code}-{i}", email=f"e{i}-{code}@example.fr",
                                               given_name=f"Élu{i}", surname=f"Nom{i}")
        role = ("maire" if kind == "commune" else "president") if i == 0 else (
            "conseiller-municipal" if kind == "commune" else "conseiller-communautaire")
        RegistrySeat.objects.create(member=member, person=person, roles=[role],
                                    assemblies=[slug])
        elected.append(person)
    secretary = RegistryPerson.objects.create(uid=f"s{code}", email=f"s-{code}@example.fr",
                                              given_name="Zoé", surname="Secrétaire")
    RegistrySeat.objects.create(member=member, person=secretary,
                                roles=["secretaire-de-mairie"], assemblies=[])
    return Council(member, assembly, elected, secretary)


def paris(day, hour: int = 18, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def make_sitting(council: Council, days_ahead: int = 10, items: int = 2, annexes: int = 1,
                 note: bool = True, **fields) -> Sitting:
    starts = fields.pop("starts_at", None) or paris(timezone.localdate() +
                                                    timedelta(days=days_ahead))
    sitting = Sitting.objects.create(assembly=council.assembly, starts_at=starts,
                                     place="Salle du conseil, mairie", **fields)
    from django.core.files.base import ContentFile

    if note:
        sitting.note.save("note.pdf", ContentFile(pdf("Note de synthèse", 2)))
    for i in range(1, items + 1):
        item = AgendaItem(sitting=sitting, position=i, title=f"Projet {i} : budget",
                          rapporteur=council.elected[i % len(council.elected)])
        item.project.save(f"projet-{i}.pdf", ContentFile(pdf(f"Projet {i}", 3)))
        for j in range(1, annexes + 1):
            annex = Annex(item=item, position=j, title=f"Annexe {j} du projet {i}")
            annex.file.save(f"annexe-{i}-{j}.pdf", ContentFile(pdf(f"Annexe {i}.{j}", 2)))
    return sitting


def prepared(council, **kwargs) -> tuple[Sitting, dict[str, str]]:
    """A sitting whose dossier is built and whose members are convened, with their links."""
    sitting = make_sitting(council, **kwargs)
    dispatch = Dispatch.objects.create(sitting=sitting)
    sending.store_dossier(sitting, dispatch)
    tokens = {c.person.uid: receipts.issue_token(c) for c in sending.convene(sitting)}
    sitting.convocations.update(sent_at=timezone.now())
    Sitting.objects.filter(pk=sitting.pk).update(status=Sitting.SENT, sent_at=timezone.now())
    sitting.refresh_from_db()
    return sitting, tokens


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MUTUALIS_BASE_URL = "http://testserver"
    settings.MUTUALIS_TSA_URL = ""
    # No embedded service of a `mutualis services start` run here leaks into a test.
    settings.VAR_DIR = str(tmp_path / "var")
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer, settings) -> SmtpServer:
    """Real SMTP: Django's SMTP backend against aiosmtpd on loopback, emptied per test."""
    smtp_server.received.clear()
    smtp_server.refused.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "convocations@example.fr"
    return smtp_server


@pytest.fixture(scope="session")
def timestamp_ca() -> TimestampCA:
    return TimestampCA.create()


@pytest.fixture(scope="session")
def tsa_server(timestamp_ca: TimestampCA) -> Iterator[TsaServer]:
    server = TsaServer(timestamp_ca).start()
    yield server
    server.stop()


@pytest.fixture
def tsa(tsa_server: TsaServer, settings) -> TsaServer:
    settings.MUTUALIS_TSA_URL = tsa_server.url
    return tsa_server


@pytest.fixture
def council(db) -> Council:
    return make_council()


@pytest.fixture
def provisioned(nc_emulator, nc_settings, radicale, caldav_settings,  # noqa: F811
                settings) -> Council:
    """A commune provisioned by the engine (registry, Nextcloud, agendas): five elected
    members sitting in the conseil municipal and a secrétaire de mairie."""
    inv = make_inventory(members=1, people=6)
    code = f"{uuid.uuid4().int % 90000 + 10000:05d}"
    member = replace(inv.members[0], code=code, services=("extranet", "agenda", "convocation"),
                     population=800)
    people = tuple(replace(p, seats=tuple(replace(s, member=code) for s in p.seats))
                   for p in inv.people)
    inv = replace(inv, members=(member,), people=people)
    drivers = [RegistryDriver(), NextcloudDriver(driver_settings(nc_emulator)),
               AgendaDriver(radicale.settings())]
    try:
        result = apply_plan(make_plan(inv, drivers, Scope(frozenset([code]))), drivers)
    finally:
        drivers[1].close()
    assert result.errors == {}
    assembly = RegistryAssembly.objects.get(member__code=code, slug="conseil-municipal")
    seats = RegistrySeat.objects.filter(member=assembly.member).select_related("person")
    elected = [s.person for s in seats if "conseil-municipal" in s.assemblies]
    secretary = next(s.person for s in seats if "secretaire-de-mairie" in s.roles)
    return Council(assembly.member, assembly, sorted(elected, key=lambda p: p.uid), secretary)


@pytest.fixture
def demo_commune(radicale, caldav_settings, settings) -> Council:
    """A commune as the demo has it: registry, website and agendas provisioned by the engine,
    no Nextcloud anywhere (neither MUTUALIS_NEXTCLOUD nor an embedded one). Melle, with a
    maire, an adjoint and a conseillère sitting in the conseil municipal, and a secrétaire."""
    settings.MUTUALIS_NEXTCLOUD = None  # and the test's VAR_DIR has no embedded one
    inv = commune_inventory(names=("Melle",), services=("website", "agenda", "convocation"))
    drivers = [RegistryDriver(), SiteDriver(), AgendaDriver(radicale.settings())]
    # Only this commune: the session's Radicale holds other tests' calendars.
    scope = Scope(frozenset([inv.members[0].code]))
    result = apply_plan(make_plan(inv, drivers, scope), drivers)
    assert result.errors == {}
    assembly = RegistryAssembly.objects.get(member__code=inv.members[0].code,
                                            slug="conseil-municipal")
    seats = RegistrySeat.objects.filter(member=assembly.member).select_related("person")
    elected = sorted((s.person for s in seats if "conseil-municipal" in s.assemblies),
                     key=lambda p: p.uid)
    secretary = next(s.person for s in seats if "secretaire-de-mairie" in s.roles)
    return Council(assembly.member, assembly, elected, secretary)

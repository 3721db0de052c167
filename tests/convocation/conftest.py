"""Fixtures of the convocation tests: a council in the registry, the SMTP server, the
timestamp authority, and communes provisioned by the engine (with the Nextcloud emulator)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest

from nextcloud_bridge.agendas.driver import AgendaDriver
from nextcloud_bridge.driver import NextcloudDriver
from provisioning.drivers import Scope
from provisioning.engine import apply_plan, make_plan
from provisioning.models import RegistryAssembly, RegistrySeat
from provisioning.registry import RegistryDriver
from tests.factories import Council, commune_inventory, make_council, make_inventory
from tests.fixtures.nextcloud import driver_settings
from wagtail_site_factory.driver import SiteDriver

from .servers import SmtpServer, TimestampCA, TsaServer


@pytest.fixture(autouse=True)
def _convocation_settings(media, tmp_path, settings):
    """Every convocation test has its media directory, absolute links and no TSA."""
    settings.MUTUALIS_BASE_URL = "http://testserver"
    settings.MUTUALIS_TSA_URL = ""
    # No embedded service of a `mutualis services start` run here leaks into a test.
    settings.VAR_DIR = str(tmp_path / "var")


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
def provisioned(nc_emulator, nc_settings, radicale, caldav_settings, settings) -> Council:
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

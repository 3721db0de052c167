"""Convocation figures: a sitting of 43 members and 88 projects (about 500 pages).

- dossier build time: the combined PDF (table of contents, bookmarks, links) and the files;
- whole send time: dossier, manifest timestamped (RFC 3161 over HTTP), dossier published to the
  Nextcloud emulator's group folder, event in Radicale, 43 mails over SMTP (aiosmtpd).
All servers run on loopback, started here; SQLite in a temporary directory.

Run: .venv/bin/python benchmarks/bench_convocation.py [MEMBERS] [PROJECTS]
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

from _django import start  # noqa: E402 (benchmarks/_django.py)

WORK = start("convocation")

from datetime import timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from convocation import dossier, sending  # noqa: E402
from convocation.models import AgendaItem, Annex, Sitting  # noqa: E402
from nextcloud_bridge.agendas.driver import AgendaDriver  # noqa: E402
from nextcloud_bridge.agendas.server import start_radicale  # noqa: E402
from nextcloud_bridge.driver import NextcloudDriver  # noqa: E402
from provisioning.engine import apply_plan, make_plan  # noqa: E402
from provisioning.models import RegistryAssembly  # noqa: E402
from provisioning.registry import RegistryDriver  # noqa: E402
from tests.convocation.servers import SmtpServer, TimestampCA, TsaServer  # noqa: E402
from tests.convocation.sittings import paris  # noqa: E402
from tests.doubles.nextcloud_emulator import Emulator  # noqa: E402
from tests.factories import make_inventory  # noqa: E402
from tests.factories import make_pdf as pdf  # noqa: E402

ADMIN = ("admin", "admin-secret")


def provision(members: int, nextcloud_url: str, caldav: dict) -> RegistryAssembly:
    inv = make_inventory(members=1, people=members + 1)  # one secrétaire de mairie
    member = replace(inv.members[0], services=("extranet", "agenda", "convocation"),
                     population=12000)
    inv = replace(inv, members=(member,))
    nextcloud = NextcloudDriver({"url": nextcloud_url, "user": ADMIN[0],
                                 "password": ADMIN[1], "timeout": 30})
    drivers = [RegistryDriver(), nextcloud, AgendaDriver(caldav)]
    try:
        result = apply_plan(make_plan(inv, drivers), drivers)
    finally:
        nextcloud.close()
    assert not result.errors, result.errors
    return RegistryAssembly.objects.get(member__code=member.code, slug="conseil-municipal")


def make_sitting(assembly: RegistryAssembly, projects: int) -> Sitting:
    sitting = Sitting.objects.create(
        assembly=assembly, starts_at=paris(timezone.localdate() + timedelta(days=10)),
        place="Salle du conseil")
    sitting.note.save("note.pdf", ContentFile(pdf("Note explicative de synthèse", 12)))
    project_pdf = pdf("Projet de délibération", 5)
    annex_pdf = pdf("Annexe", 3)
    for i in range(1, projects + 1):
        item = AgendaItem(sitting=sitting, position=i,
                          title=f"Délibération n° {i} : décision budgétaire modificative")
        item.project.save(f"projet-{i}.pdf", ContentFile(project_pdf))
        if i % 4 == 0:
            annex = Annex(item=item, position=1, title="Tableau des crédits")
            annex.file.save(f"annexe-{i}.pdf", ContentFile(annex_pdf))
    return sitting


def main() -> None:
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 43
    projects = int(sys.argv[2]) if len(sys.argv) > 2 else 88
    call_command("migrate", verbosity=0)
    settings.MEDIA_ROOT = str(WORK / "media")
    smtp = SmtpServer().start()
    tsa = TsaServer(TimestampCA.create()).start()
    radicale = start_radicale(WORK / "radicale")
    emulator = Emulator(admin=ADMIN, groupfolders=True, data_dir=WORK / "nextcloud")
    try:
        with emulator.serve() as nextcloud_url:
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
            settings.MUTUALIS_TSA_URL = tsa.url
            settings.MUTUALIS_CALDAV = radicale.settings()
            settings.MUTUALIS_NEXTCLOUD = {"url": nextcloud_url, "user": ADMIN[0],
                                           "password": ADMIN[1], "timeout": 30}
            assembly = provision(members, nextcloud_url, radicale.settings())
            sitting = make_sitting(assembly, projects)

            t = time.perf_counter()
            built = dossier.build(sitting)
            build_time = time.perf_counter() - t

            t = time.perf_counter()
            sending.send(sitting.pk)
            send_time = time.perf_counter() - t
            mailed = sitting.convocations.filter(sent_at__isnull=False).count()
        emulator.close()
    finally:
        radicale.stop()
        tsa.stop()
        smtp.stop()

    size = len(built.combined) / 1e6
    print(f"convocation: sitting of {mailed} members, {projects} projects, "
          f"{len(built.files) - 1} files, {built.pages} pages ({size:.1f} MB combined PDF)")
    print(f"  dossier build (combined PDF + table of contents + bookmarks): {build_time:.2f} s")
    print(f"  whole send (dossier, RFC 3161 manifest, Nextcloud, CalDAV, {len(smtp.received)} "
          f"mails): {send_time:.2f} s")


if __name__ == "__main__":
    main()

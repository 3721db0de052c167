"""Sittings of a council, with their documents, and sittings already sent."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from convocation import receipts, sending
from convocation.models import AgendaItem, Annex, Dispatch, Sitting
from nextcloud_bridge.agendas.ics import PARIS
from tests.factories import Council
from tests.factories import make_pdf as pdf


def paris(day, hour: int = 18, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def make_sitting(council: Council, days_ahead: int = 10, items: int = 2, annexes: int = 1,
                 note: bool = True, **fields) -> Sitting:
    starts = fields.pop("starts_at", None) or paris(timezone.localdate() +
                                                    timedelta(days=days_ahead))
    sitting = Sitting.objects.create(assembly=council.assembly, starts_at=starts,
                                     place="Salle du conseil, mairie", **fields)
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

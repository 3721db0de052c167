"""Reports: per sitting (sent at, received at, answer, proxies, attendance) as CSV and PDF, and
the yearly savings of paper dossiers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mutualis import conf

from .dossier import when
from .models import Answer, Convocation, Movement, Sitting
from .proxies import proxies_for
from .quorum import present_at, quorum
from .receipts import current_answer

CHOICE_LABELS = {Answer.PRESENT: gettext_lazy("présent"), Answer.ABSENT: gettext_lazy("absent"),
                 Answer.PROXY: gettext_lazy("pouvoir"), "": gettext_lazy("sans réponse")}


def _at(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S") if value else ""


def rows(sitting: Sitting) -> list[dict[str, str]]:
    """One row per member convened."""
    proxies = {p.giver_id: p for p in proxies_for(sitting)}
    held = {p.holder_id: p for p in proxies.values()}
    first = sitting.items.order_by("position").first()
    moves: dict[int, list[str]] = {}
    for m in Movement.objects.filter(sitting=sitting).select_related("item").order_by("pk"):
        label = _("arrivée") if m.kind == Movement.ARRIVAL else _("départ")
        if not (m.kind == Movement.ARRIVAL and first and m.item_id == first.pk):
            moves.setdefault(m.person_id, []).append(
                _("%(what)s au point %(n)s") % {"what": label, "n": m.item.position})
    opening = present_at(sitting, first) if first is not None else frozenset()
    out = []
    convocations = (Convocation.objects.filter(sitting=sitting)
                    .select_related("person", "receipt").order_by("name"))
    for c in convocations:
        answer = current_answer(c)
        receipt = getattr(c, "receipt", None)
        given, holding = proxies.get(c.person_id), held.get(c.person_id)
        out.append({
            _("membre"): c.name,
            _("courriel"): c.email,
            _("envoyée le"): _at(c.sent_at),
            _("reçue le"): _at(receipt.at if receipt else None),
            _("rappel le"): _at(c.reminded_at),
            _("réponse"): str(CHOICE_LABELS[answer.choice]),
            _("pouvoir donné à"): (f"{given.holder.given_name} {given.holder.surname}"
                                   if given else ""),
            _("pouvoir reçu de"): (f"{holding.giver.given_name} {holding.giver.surname}"
                                   if holding else ""),
            _("présent à l'ouverture"): _("oui") if c.person_id in opening else _("non"),
            _("arrivées et départs"): ", ".join(moves.get(c.person_id, [])),
        })
    return out


def csv_report(sitting: Sitting) -> str:
    """The report as CSV (semicolons, as spreadsheets in French expect)."""
    data = rows(sitting)
    buffer = io.StringIO()
    if data:
        writer = csv.DictWriter(buffer, fieldnames=list(data[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(data)
    return buffer.getvalue()


def pdf_report(sitting: Sitting) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=1.2 * cm,
                            rightMargin=1.2 * cm, topMargin=1.2 * cm, bottomMargin=1.2 * cm,
                            title=_("Rapport de séance"))
    story = [Paragraph(_("Rapport de séance — %(assembly)s — %(member)s") % {
        "assembly": sitting.assembly.name, "member": sitting.member.name}, styles["Title"]),
        Paragraph(_("Séance du %(when)s, %(place)s. Convocation envoyée le %(sent)s.") % {
            "when": when(sitting), "place": sitting.place, "sent": _at(sitting.sent_at)},
            styles["BodyText"])]
    data = rows(sitting)
    columns = [k for k in (data[0] if data else {}) if k != _("courriel")]
    table = [[Paragraph(f"<b>{c}</b>", small) for c in columns]]
    table += [[Paragraph(row[c], small) for c in columns] for row in data]
    t = Table(table, repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 0.4 * cm), t, Spacer(1, 0.4 * cm)]
    received = sum(1 for r in data if r[_("reçue le")])
    story.append(Paragraph(_("%(received)s accusés de réception sur %(total)s convocations.")
                           % {"received": received, "total": len(data)}, styles["BodyText"]))
    for q in quorum(sitting):
        story.append(Paragraph(_(
            "Point %(n)s : %(present)s présents, %(proxies)s pouvoirs, quorum %(state)s.") % {
            "n": q.item.position, "present": len(q.present), "proxies": q.proxies,
            "state": _("atteint") if q.reached else _("non atteint")}, small))
    doc.build(story)
    return buffer.getvalue()


@dataclass(frozen=True)
class Savings:
    year: int
    dossiers: int  # paper dossiers avoided: convocations sent electronically
    cost_per_dossier: Decimal
    total: Decimal


def cost_per_dossier() -> Decimal:
    return Decimal(str(conf.MUTUALIS_PAPER_DOSSIER_COST))


def yearly_savings(member_code: str, year: int) -> Savings:
    """Paper dossiers avoided in a year (convocations mailed) times the cost of one."""
    count = Convocation.objects.filter(sitting__assembly__member__code=member_code,
                                       sent_at__year=year).count()
    cost = cost_per_dossier()
    return Savings(year, count, cost, (cost * count).quantize(Decimal("0.01")))

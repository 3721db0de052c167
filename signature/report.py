"""The signature report ("bordereau") of a folder, as a PDF: the folder, its documents and their
SHA-256, each step's decisions, the signatures found in the documents (verified), and the
folder's audit entries with their place in the member's hash chain."""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import audit
from .errors import SignatureError
from .models import Decision, Document, Folder
from .pki.keys import configured_trust_roots
from .verify import verify_pdf

STYLES = getSampleStyleSheet()
SMALL = STYLES["BodyText"].clone("small", fontSize=8, leading=10)
STATUS = {Folder.IN_PROGRESS: "en cours", Folder.REJECTED: "rejeté", Folder.DONE: "terminé"}
OUTCOMES = dict(Decision.OUTCOMES)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return f"{moment.astimezone(ZoneInfo(settings.TIME_ZONE)):%d/%m/%Y %H:%M:%S}"


def _p(text: object, style=SMALL) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _table(rows: list[list], widths: list[float]) -> Table:
    table = Table([[c if isinstance(c, Paragraph) else _p(c) for c in row] for row in rows],
                  colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _name(person) -> str:
    return f"{person.given_name} {person.surname}" if person is not None else "serveur (cachet)"


def bordereau(folder: Folder) -> bytes:
    folder = Folder.objects.select_related("member", "circuit", "submitter").get(pk=folder.pk)
    member = folder.member
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            title=f"Bordereau de signature {folder.reference}",
                            author=member.name, lang="fr")
    h1, h2 = STYLES["Heading1"], STYLES["Heading2"]
    story: list = [_p(f"Bordereau de signature — dossier {folder.reference}", h1)]
    kind = folder.folder_type + (f" / {folder.folder_subtype}" if folder.folder_subtype else "")
    story.append(_table([
        ["Membre", f"{member.name} ({member.code})"], ["Objet", folder.title],
        ["Type", kind], ["Circuit", folder.circuit.name],
        ["Déposé par", _name(folder.submitter)], ["Déposé le", _when(folder.created_at)],
        ["État", STATUS[folder.status]], ["Terminé le", _when(folder.completed_at)],
    ], [40 * mm, 140 * mm]))

    story += [Spacer(1, 4 * mm), _p("Documents", h2)]
    rows = [["Document", "Nature", "SHA-256 déposé", "SHA-256 final"]]
    for d in folder.documents.all():
        rows.append([d.name, "principal" if d.kind == Document.MAIN else "annexe",
                     d.original_sha256, d.sha256])
    story.append(_table(rows, [40 * mm, 20 * mm, 60 * mm, 60 * mm]))

    story += [Spacer(1, 4 * mm), _p("Circuit et décisions", h2)]
    steps = {s.position: s for s in folder.circuit.steps.all()}
    rows = [["Tour", "Étape", "Par", "Pour", "Décision", "Date", "Motif"]]
    for d in folder.decisions.select_related("actor", "principal"):
        step = steps.get(d.position)
        rows.append([d.round, f"{d.position + 1}. {step}" if step else d.position + 1,
                     _name(d.actor), _name(d.principal) if d.on_behalf else "",
                     OUTCOMES.get(d.outcome, d.outcome), _when(d.at), d.reason])
    story.append(_table(rows, [12 * mm, 30 * mm, 29 * mm, 29 * mm, 17 * mm, 28 * mm, 35 * mm]))

    story += [Spacer(1, 4 * mm), _p("Signatures des documents", h2)]
    rows = [["Document", "Signataire", "Date", "Niveau", "Intègre", "De confiance", "Portée"]]
    roots = configured_trust_roots()
    for d in folder.documents.filter(kind=Document.MAIN):
        with d.file.open("rb") as f:
            data = f.read()
        try:
            reports = verify_pdf(data, roots, online=False)
        except SignatureError as exc:
            rows.append([d.name, str(exc), "", "", "", "", ""])
            continue
        for r in reports:
            rows.append([d.name, r.signer + (" (horodatage)" if r.kind == "timestamp" else ""),
                         _when(r.signing_time), r.level, "oui" if r.intact else "NON",
                         "oui" if r.trusted else "non", r.coverage_label()])
    story.append(_table(rows, [32 * mm, 35 * mm, 28 * mm, 14 * mm, 14 * mm, 17 * mm, 40 * mm]))

    story += [Spacer(1, 4 * mm), _p("Journal (chaîné)", h2)]
    check = audit.verify_chain(member)
    state = "intègre" if check.ok else f"ALTÉRÉE à l'entrée {check.broken_at}"
    story.append(_p(f"Chaîne du journal de {member.name} : {state}, {check.entries} entrées, "
                    f"empreinte de tête {check.head}."))
    rows = [["N°", "Date", "Acteur", "Action", "Empreinte"]]
    for e in audit.entries(member, folder):
        rows.append([e["seq"], _when(datetime.fromisoformat(e["at"])), e["actor"], e["action"],
                     e["hash"]])
    story.append(_table(rows, [12 * mm, 32 * mm, 25 * mm, 30 * mm, 81 * mm]))
    story += [Spacer(1, 4 * mm), _p(f"Bordereau établi le {_when(timezone.now())}.")]
    doc.build(story)
    return out.getvalue()

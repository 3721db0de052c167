"""The dossier of a sitting: one PDF with bookmarks and a clickable table of contents
(convocation, note explicative de synthèse, then each project followed by its annexes), and
the same documents as separate files.

reportlab draws the convocation letter and the table of contents; pypdf merges the parts,
adds the outline (bookmarks) and the links of the table of contents.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import pikepdf
from django.utils.text import slugify
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.errors import PdfReadError
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import KeepTogether

from provisioning.catalogue import role_label
from provisioning.people import member_seats

from .models import Sitting
from .rules import long_date

COMBINED = "dossier-complet.pdf"
TOC_LINES_PER_PAGE = 40
TOC_LINE = 16.0
MARGIN = 2 * cm
FONT, BOLD = "Helvetica", "Helvetica-Bold"


class DossierError(Exception):
    """A document of the dossier is missing or is not a readable PDF."""


@dataclass(frozen=True)
class Part:
    title: str
    filename: str
    pdf: bytes
    level: int = 0  # 1: an annex, under its project


@dataclass
class Dossier:
    combined: bytes
    files: dict[str, bytes]  # file name -> content, the combined PDF included
    pages: int
    contents: list[tuple[str, int, int]] = field(default_factory=list)  # title, level, page


def _pdf_pages(part: Part) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(part.pdf))
        if len(reader.pages) == 0:
            raise DossierError(_("« %(title)s » n'a aucune page : joignez le document "
                                 "complet.") % {"title": part.title})
        return reader
    except (PdfReadError, ValueError, OSError) as exc:
        raise DossierError(_("« %(title)s » n'est pas un PDF lisible : enregistrez-le de "
                             "nouveau au format PDF, puis joignez-le.")
                           % {"title": part.title}) from exc


def check_pdf(content: bytes, title: str) -> int:
    """The page count of an uploaded document; DossierError when it is not a PDF."""
    return len(_pdf_pages(Part(title, "", content)).pages)


def president_of(sitting: Sitting) -> str:
    """Who signs the convocation: the maire or the président of the member."""
    for seat in member_seats(sitting.member):
        for role in ("maire", "president"):
            if role in (seat.roles or []):
                label = role_label(role, seat.person.civility)
                return f"{seat.person.given_name} {seat.person.surname}, {label}"
    return ""


def when(sitting: Sitting) -> str:
    local = sitting.local_start
    return _("%(day)s à %(hour)s h %(minute)02d") % {
        "day": long_date(local.date()), "hour": local.hour, "minute": local.minute}


def convocation_letter(sitting: Sitting) -> bytes:
    """The convocation letter: who convenes, when, where, and the agenda."""
    styles = getSampleStyleSheet()
    body, title = styles["BodyText"], styles["Title"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN,
                            title=_("Convocation"), author=sitting.member.name)
    member, assembly = sitting.member, sitting.assembly
    story = [Paragraph(escape(member.name), styles["Heading2"]),
             Paragraph(escape(member.address).replace("\n", "<br/>"), body),
             Spacer(1, 0.6 * cm),
             Paragraph(escape(_("Convocation — %(assembly)s") % {"assembly": assembly.name}),
                       title)]
    text = _("Madame, Monsieur, vous êtes convoqué(e) à la séance %(kind)s du %(assembly)s "
             "qui se tiendra le %(when)s, %(place)s.") % {
        "kind": _("d'urgence") if sitting.urgent else _("ordinaire"),
        "assembly": assembly.name.lower(), "when": when(sitting), "place": sitting.place}
    story.append(Paragraph(escape(text), body))
    if sitting.reconvened:
        story.append(Paragraph(escape(_(
            "Le quorum n'ayant pas été atteint lors de la précédente séance, l'assemblée "
            "délibérera valablement sans condition de quorum (article L2121-17 du CGCT).")),
            body))
    if sitting.remote_allowed:
        story.append(Paragraph(escape(_("La participation à distance est autorisée pour cette "
                                      "séance.")), body))
    story.append(Spacer(1, 0.4 * cm))
    story.append(Paragraph(escape(_("Ordre du jour")), styles["Heading3"]))
    entries = []
    for item in sitting.items.select_related("rapporteur").order_by("position"):
        line = escape(item.title)
        if item.rapporteur:
            line += " — " + escape(_("rapporteur : %(name)s") % {
                "name": f"{item.rapporteur.given_name} {item.rapporteur.surname}"})
        entries.append(ListItem(Paragraph(line, body), value=item.position))
    story.append(ListFlowable(entries, bulletType="1"))
    story.append(Spacer(1, 0.6 * cm))
    story.append(Paragraph(escape(_(
        "Le dossier de la séance (note explicative de synthèse, projets de délibération et "
        "annexes) est joint à la présente convocation et disponible sur votre tablette.")),
        body))
    signer = president_of(sitting)
    if signer:
        story.append(KeepTogether([Spacer(1, 0.8 * cm), Paragraph(escape(signer), body)]))
    doc.build(story)
    return buffer.getvalue()


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parts_of(sitting: Sitting) -> list[Part]:
    """The documents of the dossier, in order."""
    parts = [Part(_("Convocation"), "00-convocation.pdf", convocation_letter(sitting))]
    if sitting.note:
        with sitting.note.open("rb") as f:
            parts.append(Part(_("Note explicative de synthèse"),
                              "00-note-explicative-de-synthese.pdf", f.read()))
    for item in sitting.items.order_by("position").prefetch_related("annexes"):
        stem = f"{item.position:02d}-{slugify(item.title)[:60] or 'projet'}"
        with item.project.open("rb") as f:
            parts.append(Part(f"{item.position}. {item.title}", f"{stem}.pdf", f.read()))
        for annex in item.annexes.order_by("position"):
            with annex.file.open("rb") as f:
                parts.append(Part(_("Annexe %(n)s : %(title)s") % {
                    "n": annex.position, "title": annex.title},
                    f"{stem}-annexe-{annex.position:02d}-{slugify(annex.title)[:40]}.pdf",
                    f.read(), level=1))
    return parts


def _fit(text: str, width: float, font: str, size: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _toc(entries: list[tuple[str, int, int]], title: str, toc_pages: int
         ) -> tuple[bytes, list[tuple[int, tuple[float, float, float, float], int]]]:
    """The table of contents pages and the link areas: (toc page, rect, target page index)."""
    buffer = io.BytesIO()
    width, height = A4
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(title)
    links = []
    for page in range(toc_pages):
        y = height - MARGIN
        canvas.setFont(BOLD, 16)
        canvas.drawString(MARGIN, y, _("Sommaire") if page == 0 else _("Sommaire (suite)"))
        y -= 1.5 * TOC_LINE
        canvas.setFont(BOLD, 10)
        canvas.drawString(MARGIN, y, _fit(title, width - 2 * MARGIN, BOLD, 10))
        y -= 1.5 * TOC_LINE
        for text, level, start in entries[page * TOC_LINES_PER_PAGE:
                                          (page + 1) * TOC_LINES_PER_PAGE]:
            font, size = (FONT, 10) if level else (BOLD, 10.5)
            x = MARGIN + 18 * level
            number = str(start + 1)
            right = width - MARGIN
            label = _fit(text, right - x - 40, font, size)
            canvas.setFont(font, size)
            canvas.setFillColorRGB(0.05, 0.2, 0.5)
            canvas.drawString(x, y, label)
            canvas.drawRightString(right, y, number)
            dots_from = x + stringWidth(label, font, size) + 4
            dots_to = right - stringWidth(number, font, size) - 4
            canvas.setFillColorRGB(0.5, 0.5, 0.5)
            if dots_to > dots_from:
                dots = "." * int((dots_to - dots_from) / stringWidth(".", font, size))
                canvas.drawRightString(dots_to, y, dots)
            canvas.setFillColorRGB(0, 0, 0)
            links.append((page, (x, y - 3, right, y + size), start))
            y -= TOC_LINE
        canvas.showPage()
    canvas.save()
    return buffer.getvalue(), links


def assemble(parts: list[Part], title: str
             ) -> tuple[bytes, list[tuple[str, int, int]], int]:
    """One PDF: the table of contents, then each part, with bookmarks and ToC links."""
    readers = [_pdf_pages(p) for p in parts]
    toc_pages = max(1, math.ceil(len(parts) / TOC_LINES_PER_PAGE))
    entries, start = [], toc_pages
    for part, reader in zip(parts, readers, strict=True):
        entries.append((part.title, part.level, start))
        start += len(reader.pages)
    toc, links = _toc(entries, title, toc_pages)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(toc)), import_outline=False)
    for reader in readers:
        writer.append(reader, import_outline=False)
    root = writer.add_outline_item(title=_("Sommaire"), page_number=0)
    parent = root
    for text, level, page in entries:
        item = writer.add_outline_item(title=text, page_number=page,
                                       parent=parent if level else None)
        if level == 0:
            parent = item
    for page, rect, target in links:
        writer.add_annotation(page_number=page, annotation=Link(rect=rect,
                                                                target_page_index=target))
    writer.page_mode = "/UseOutlines"
    writer.add_metadata({"/Title": title, "/Producer": "Mutualis"})
    merged, out = io.BytesIO(), io.BytesIO()
    writer.write(merged)
    # Saved linearized ("fast web view"): a browser's viewer shows the first pages of a large
    # dossier from its first bytes and fetches the others by range (docs/espace-elus.md).
    with pikepdf.open(merged) as pdf:
        pdf.save(out, linearize=True)
    return out.getvalue(), entries, len(writer.pages)


def build(sitting: Sitting) -> Dossier:
    """The dossier of a sitting: the combined PDF and the separate files."""
    parts = parts_of(sitting)
    title = _("%(assembly)s — %(member)s — séance du %(when)s") % {
        "assembly": sitting.assembly.name, "member": sitting.member.name,
        "when": when(sitting)}
    combined, entries, pages = assemble(parts, title)
    files = {COMBINED: combined}
    files.update({p.filename: p.pdf for p in parts})
    return Dossier(combined, files, pages, [(t, lvl, p + 1) for t, lvl, p in entries])

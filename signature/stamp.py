"""The visible stamp of a signature: its text (name, role, member, date, place, delegation)
and where it goes on the page.

Stamps are drawn in the PDF standard font Courier with WinAnsi encoding, so that French text
(é, à, ç, œ, «») shows as written without embedding a font.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from pyhanko.pdf_utils.font.api import ShapeResult
from pyhanko.pdf_utils.font.basic import COURIER_META, SimpleFontEngine, SimpleFontEngineFactory
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

# A stamp's size and the margins around the stamps, in points.
WIDTH, HEIGHT, GAP, MARGIN = 180, 64, 8, 28
A4 = (0.0, 0.0, 595.0, 842.0)


@dataclass(frozen=True)
class StampText:
    """Who signs, in which capacity, for whom, where. `on_behalf_of` names the absent person
    a delegate signs for; `seal` makes the stamp of a member's server seal."""

    signer: str
    role: str = ""
    member: str = ""
    place: str = ""
    on_behalf_of: str = ""
    on_behalf_role: str = ""
    seal: bool = False

    def lines(self, when: datetime) -> list[str]:
        local = when.astimezone(ZoneInfo(settings.TIME_ZONE))
        date = f"Le {local:%d/%m/%Y} à {local:%H:%M}"
        if self.place:
            date += f", à {self.place}"
        if self.seal:
            return ["Cachet électronique", self.member or self.signer, date]
        who = f"{self.signer}, {self.role}" if self.role else self.signer
        if self.on_behalf_of:
            absent = (f"{self.on_behalf_of}, {self.on_behalf_role}" if self.on_behalf_role
                      else self.on_behalf_of)
            lines = [f"Signé par {who}", f"pour {absent},", "en son absence"]
        else:
            lines = ["Signé électroniquement par", who]
        if self.member:
            lines.append(self.member)
        return [*lines, date]

    def text(self, when: datetime) -> str:
        return "\n".join(self.lines(when))


class _WinAnsiCourier(SimpleFontEngine):
    """Courier whose strings are written in the font's own encoding (WinAnsi)."""

    def shape(self, txt: str) -> ShapeResult:
        raw = txt.encode("cp1252", errors="replace")
        escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        return ShapeResult(graphics_ops=b"(" + escaped + b") Tj",
                           x_advance=len(txt) * self.avg_width, y_advance=0)


class _WinAnsiCourierFactory(SimpleFontEngineFactory):
    def create_font_engine(self, writer, obj_stream=None):
        return _WinAnsiCourier(writer, self.name, self.avg_width, self.meta)


STYLE = TextStampStyle(
    stamp_text="%(stamp)s",
    text_box_style=TextBoxStyle(font=_WinAnsiCourierFactory("Courier", 0.6, COURIER_META),
                                font_size=8, leading=10),
    border_width=1,
    background=None,
)


def _media_box(reader: PdfFileReader, page_index: int) -> tuple[float, float, float, float]:
    ref, _ = reader.find_page_for_modification(page_index)
    node = ref.get_object()
    while node is not None:
        if "/MediaBox" in node:
            return tuple(float(v) for v in node["/MediaBox"])  # type: ignore[return-value]
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    return A4


def place(reader: PdfFileReader, index: int) -> tuple[int, tuple[int, int, int, int]]:
    """(page index, box) of the `index`-th stamp: on the last page, from the bottom left, in
    rows of as many stamps as the page's width takes."""
    page_count = int(reader.root["/Pages"]["/Count"])
    x0, y0, x1, _ = _media_box(reader, page_count - 1)
    columns = max(1, int((x1 - x0 - 2 * MARGIN + GAP) // (WIDTH + GAP)))
    row, column = divmod(index, columns)
    left = int(x0 + MARGIN + column * (WIDTH + GAP))
    bottom = int(y0 + MARGIN + row * (HEIGHT + GAP))
    return page_count - 1, (left, bottom, left + WIDTH, bottom + HEIGHT)

"""Scanned-looking PDFs made by the tests: text drawn into a greyscale image, saved as a PDF
of that image only (no text layer), as a scanner gives it."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont


def scanned_pdf(lines: list[str], dpi: int = 200) -> bytes:
    width, height = int(8.27 * dpi), int(11.69 * dpi)  # A4
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=dpi // 4)  # about 18 pt
    y = dpi
    for line in lines:
        draw.text((dpi, y), line, fill=0, font=font)
        y += dpi // 2
    out = io.BytesIO()
    page.save(out, "PDF", resolution=dpi)
    return out.getvalue()

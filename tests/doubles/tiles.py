"""A stand-in of a map tile server for browser tests (never shipped): it answers the slippy-map
requests a Leaflet tile layer makes, `/{z}/{x}/{y}.png`, with a 256×256 PNG.

Behaviour followed: the tile naming of OpenStreetMap's "Slippy map tilenames" (wiki page of
that name: one PNG of 256×256 pixels per zoom, column and row, path /zoom/x/y.png), which is
also Leaflet's TileLayer default (tileSize 256; leafletjs.com reference, TileLayer). A request
outside z 0–19 or outside the 2^z grid answers 404, as tile servers do."""

from __future__ import annotations

import io
import re

from PIL import Image, ImageDraw

TILE = re.compile(r"/(\d+)/(\d+)/(\d+)\.png$")


def tile_png(z: int, x: int, y: int) -> bytes:
    """A light tile with its coordinates written on it (seen in the screenshots)."""
    image = Image.new("RGB", (256, 256), (232, 238, 228) if (x + y) % 2 else (222, 230, 218))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 255, 255), outline=(180, 190, 175))
    draw.text((8, 8), f"{z}/{x}/{y}", fill=(90, 100, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def serve_tiles(context, origin: str) -> list[str]:
    """Answer the browser context's requests to `origin` as a tile server; the paths asked."""
    asked: list[str] = []

    def answer(route):
        path = route.request.url[len(origin):]
        asked.append(path)
        found = TILE.search(path)
        if found:
            z, x, y = (int(v) for v in found.groups())
            if 0 <= z <= 19 and 0 <= x < 2 ** z and 0 <= y < 2 ** z:
                route.fulfill(status=200, content_type="image/png", body=tile_png(z, x, y))
                return
        route.fulfill(status=404, content_type="text/plain", body="no such tile")

    context.route(origin + "/**", answer)
    return asked

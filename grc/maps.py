"""The signalement's map: the tile server the syndicate configured (conf.MUTUALIS_GRC_MAP_*),
and the one origin the page's Content-Security-Policy then lets images come from."""

from __future__ import annotations

from urllib.parse import urlsplit

from mutualis import conf


def settings() -> dict:
    """What the form's template needs: the tile URL (empty: no map), its attribution, and the
    first view as "latitude,longitude,zoom"."""
    tiles = (conf.MUTUALIS_GRC_MAP_TILES or "").strip()
    if tiles and tile_origin(tiles) is None:
        tiles = ""  # not an http(s) URL: no map rather than a broken one
    lat, lon, zoom = conf.MUTUALIS_GRC_MAP_VIEW
    return {"tiles": tiles, "attribution": conf.MUTUALIS_GRC_MAP_ATTRIBUTION,
            "view": f"{float(lat)},{float(lon)},{int(zoom)}"}


def tile_origin(tiles: str) -> str | None:
    """"https://tiles.example.org" for ".../{z}/{x}/{y}.png"; the {s} of subdomains becomes the
    CSP's wildcard."""
    parts = urlsplit(tiles)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"

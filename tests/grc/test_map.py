"""The place of a signalement: an address and, if the citizen likes, coordinates typed (no
JavaScript needed); a map only where the syndicate configured a tile server, its tiles the one
origin the page's Content-Security-Policy then allows."""

from __future__ import annotations

import html

from django.contrib.staticfiles import finders

from grc.models import CitizenRequest

from .helpers import host_client, staff_user
from .test_public import URL, signalement


def text(answer) -> str:
    return html.unescape(answer.content.decode())


def test_without_a_tile_server_the_address_and_typed_coordinates_serve(commune):
    client = host_client(commune)
    page = text(client.get(URL))
    assert "Aucune carte n'est proposée sur ce site" in page
    assert "leaflet" not in page and "data-map" not in page
    assert 'name="g_lieu_lat"' in page and 'name="g_lieu_lon"' in page

    half = client.post(URL, signalement(g_lieu_lat="46,2183", g_lieu_lon=""))
    assert half.status_code == 400
    assert "« Lieu (adresse ou repère) » : donnez la latitude et la longitude, ou aucune" in \
        text(half)
    assert 'value="46,2183"' in text(half)  # kept as typed
    wrong = client.post(URL, signalement(g_lieu_lat="123", g_lieu_lon="2"))
    assert wrong.status_code == 400 and "inférieure ou égale à 90" in text(wrong)
    assert not CitizenRequest.objects.exists()

    assert client.post(URL, signalement(g_lieu_lat="46,2183", g_lieu_lon=" -0.1479")
                       ).status_code == 302
    assert client.post(URL, signalement()).status_code == 302  # the address suffices
    placed, plain = CitizenRequest.objects.order_by("pk")
    assert placed.answers["lieu-coordonnees"] == "46.218300, -0.147900"
    assert "lieu-coordonnees" not in plain.answers
    agent = host_client(commune, staff_user(commune, "zagent", roles=("agent",)))
    staff_page = text(agent.get(f"/admin/grc/{placed.pk}/"))
    assert "Lieu (adresse ou repère) : coordonnées GPS" in staff_page
    assert 'href="geo:46.218300,-0.147900"' in staff_page


def test_with_a_tile_server_the_map_comes_with_its_origin_in_the_policy(commune, settings):
    settings.MUTUALIS_GRC_MAP_TILES = "https://{s}.tuiles.example.org/{z}/{x}/{y}.png"
    settings.MUTUALIS_GRC_MAP_ATTRIBUTION = "© contributeurs OpenStreetMap"
    answer = host_client(commune).get(URL)
    page = text(answer)
    assert 'data-tiles="https://{s}.tuiles.example.org/{z}/{x}/{y}.png"' in page
    assert "© contributeurs OpenStreetMap" in page and "Aucune carte" not in page
    assert "/static/grc/leaflet/leaflet.js" in page and "/static/grc/map.js" in page
    policy = answer["Content-Security-Policy"]
    img = next(d for d in policy.split(";") if d.strip().startswith("img-src"))
    assert "https://*.tuiles.example.org" in img and "'self'" in img
    assert "script-src" not in policy or "unsafe-inline" not in policy
    for name in ("grc/leaflet/leaflet.js", "grc/leaflet/leaflet.css", "grc/leaflet/LICENSE",
                 "grc/leaflet/images/marker-icon.png", "grc/map.js", "grc/map.css"):
        assert finders.find(name), name
    # Not a URL: no map rather than a broken one, and nothing added to the policy.
    settings.MUTUALIS_GRC_MAP_TILES = "javascript:alert(1)"
    answer = host_client(commune).get(URL)
    assert "Aucune carte n'est proposée" in text(answer)
    assert "javascript" not in answer["Content-Security-Policy"]

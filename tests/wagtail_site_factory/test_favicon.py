"""The sites' icon: an SVG linked from every page, and `/favicon.ico` on every host."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from django.contrib.staticfiles import finders
from django.test import Client

HOSTS = ("alphaville.localhost:8000", "127.0.0.1:8000")


def test_every_page_links_the_icon_and_it_is_an_svg(sites, settings):
    settings.MUTUALIS_CALDAV = {"url": "http://127.0.0.1:9/", "user": "x", "password": "y"}
    for host in HOSTS:
        html = Client().get("/", HTTP_HOST=host).content.decode()
        href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)[1]
        assert href == "/static/wagtail_site_factory/favicon.svg"
    found = finders.find("wagtail_site_factory/favicon.svg")
    root = ElementTree.parse(found).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_favicon_ico_answers_on_every_host(sites, settings):
    settings.ROOT_URLCONF = "tests.wagtail_site_factory.favicon_urls"
    for host in HOSTS:
        response = Client().get("/favicon.ico", HTTP_HOST=host)
        assert response.status_code == 200, host
        assert response["Content-Type"] == "image/svg+xml"
        assert response.content.startswith(b"<svg") and "max-age" in response["Cache-Control"]
    assert Client().post("/favicon.ico", HTTP_HOST=HOSTS[0]).status_code == 405

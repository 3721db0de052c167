"""publish_act: an app puts an act online on a member's website."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.test import Client

from provisioning.drivers import ProvisioningError
from wagtail_site_factory.models import ActPage
from wagtail_site_factory.services import publish_act

PDF = b"%PDF-1.4\n% liste des deliberations\n%%EOF\n"


def test_an_act_goes_online_with_its_hash_once(sites):
    member = sites.members[0]
    url = publish_act(member.code, "deliberation", "Liste des délibérations du 3 mars",
                      date(2026, 3, 3), "deliberations.pdf", PDF)
    page = ActPage.objects.get(title="Liste des délibérations du 3 mars")
    assert page.live and page.get_site().hostname == member.hostname
    html = Client().get(page.url, HTTP_HOST=member.hostname).content.decode()
    assert hashlib.sha256(PDF).hexdigest() in html
    assert page.document.file.read() == PDF
    # Publishing it again (a retried task) changes nothing.
    again = publish_act(member.code, "deliberation", "Liste des délibérations du 3 mars",
                        date(2026, 3, 3), "deliberations.pdf", b"%PDF-other")
    assert again == url and ActPage.objects.count() == 1


@pytest.mark.django_db
def test_a_member_without_a_website_is_a_clear_error():
    with pytest.raises(ProvisioningError, match="le membre 79999 n'a pas de site internet"):
        publish_act("79999", "deliberation", "x", date(2026, 3, 3), "x.pdf", PDF)


def test_an_unknown_kind_is_refused(sites):
    with pytest.raises(ProvisioningError, match="« loi » n'est pas une nature d'acte"):
        publish_act(sites.members[0].code, "loi", "x", date(2026, 3, 3), "x.pdf", PDF)

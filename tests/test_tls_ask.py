"""The front's on-demand TLS question, over HTTP from the real test server, as Caddy asks it:
`GET /tls/ask?domain=<name>`, 200 to allow a certificate, anything else to refuse
(https://caddyserver.com/docs/caddyfile/options#on-demand-tls)."""

from __future__ import annotations

import httpx
import pytest
from wagtail.models import Locale, Page, Site

from provisioning import naming
from provisioning.models import RegistryMember

pytestmark = pytest.mark.django_db(transaction=True)


def ask(live_server, domain: str | None) -> int:
    params = {} if domain is None else {"domain": domain}
    return httpx.get(f"{live_server.url}/tls/ask", params=params, timeout=30).status_code


@pytest.fixture
def members(db):
    accented = naming.hostname("mairie-oé.fr")
    RegistryMember.objects.create(code="79101", name="Alphaville", kind="commune",
                                  slug="alphaville", hostname="alphaville.example.fr")
    RegistryMember.objects.create(code="79102", name="Oé", kind="commune", slug="oe",
                                  hostname=accented)
    RegistryMember.objects.create(code="79103", name="Partie", kind="commune", slug="partie",
                                  hostname="partie.example.fr", active=False)
    Locale.objects.get_or_create(language_code="fr")  # a transactional test flushed them
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Racine"))
    Site.objects.create(hostname="site-seul.example.fr", port=80, root_page=root)
    Site.objects.create(hostname="partie.example.fr", port=80, root_page=root)
    return accented


def test_a_member_host_gets_a_certificate(live_server, members):
    assert ask(live_server, "alphaville.example.fr") == 200
    assert ask(live_server, "Alphaville.Example.FR.") == 200  # the same name
    assert ask(live_server, members) == 200  # the IDNA form Caddy sends
    assert members.startswith("xn--")
    assert ask(live_server, "mairie-oé.fr") == 200
    assert ask(live_server, "site-seul.example.fr") == 200  # a Wagtail site of its own


def test_any_other_name_is_refused(live_server, members):
    assert ask(live_server, "inconnu.example.fr") == 404
    assert ask(live_server, "example.fr") == 404
    assert ask(live_server, "www.alphaville.example.fr") == 404
    assert ask(live_server, "partie.example.fr") == 404  # an archived member, its site kept
    assert ask(live_server, "localhost") == 404  # the default site is no member's
    assert ask(live_server, "a..b") == 404  # not a name
    assert ask(live_server, "") == 400
    assert ask(live_server, None) == 400


def test_a_member_who_joins_is_allowed_at_once(live_server, members):
    assert ask(live_server, "nouvelle.example.fr") == 404
    RegistryMember.objects.create(code="79104", name="Nouvelle", kind="commune",
                                  slug="nouvelle", hostname="nouvelle.example.fr")
    assert ask(live_server, "nouvelle.example.fr") == 200

"""An elected official (the maire of Melle, also vice-président of the CC Mellois en Poitou),
on a tablet: the convocation mail, the personal link (the receipt is recorded), an answer
with a proxy, then his space on the commune's host after activating his account: touch-sized
targets at 768×1024, and one list of what waits for him in both members, each item on its
own member's host."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

from .browsing import activate_account, log_in, open_mail, visitor
from .people import MAIRE, MELLE, PROXY_HOLDER

CC_CODE = "200069755"  # the CC Mellois en Poitou in examples/pays-mellois.yml

# The CC's secrétaire has sent a sitting of the conseil communautaire (her journey is the
# same as Melle's, walked in test_02): it is recorded straight into the demo's database.
CC_SITTING = textwrap.dedent("""
    import os, sys
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualis.settings")
    import django
    django.setup()
    from datetime import timedelta
    from django.utils import timezone
    from convocation.models import Convocation, Sitting
    from provisioning import people

    cc = people.members().get(code=sys.argv[1])
    person = people.person(sys.argv[2])
    now = timezone.now()
    sitting = Sitting.objects.create(
        assembly=cc.assemblies.get(slug="conseil-communautaire"), place="Salle du conseil",
        starts_at=now + timedelta(days=20), status=Sitting.SENT, sent_at=now)
    convocation = Convocation.objects.create(
        sitting=sitting, person=person, email=person.email, sent_at=now,
        name=f"{person.given_name} {person.surname}")
    print(cc.hostname, convocation.pk)
""")


def cc_sitting(demo) -> tuple[str, int]:
    done = subprocess.run([sys.executable, "-c", CC_SITTING, CC_CODE, MAIRE["uid"]],
                          cwd=demo.root, env=demo.env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    hostname, pk = done.stdout.split()[-2:]
    return hostname, int(pk)


def small_targets(page) -> list:
    """The space's tap targets less than 44 px high or wide (WCAG 2.5.5), with their text."""
    return page.evaluate("""() => [...document.querySelectorAll(
        '.space a, .space button, .space select, .space summary, .space-choices label')]
        .map(e => [e.textContent.trim().slice(0, 40), e.getBoundingClientRect()])
        .filter(([, r]) => r.height < 44 || r.width < 44)
        .map(([t, r]) => `${t}: ${Math.round(r.width)}×${Math.round(r.height)}`)""")


def test_the_maire_answers_his_convocation_and_finds_his_space(demo, chromium, sent_sitting):
    maire = visitor(chromium, "official", viewport="tablet")
    page, site = maire.page, demo.site(MELLE)
    assert page.viewport_size == {"width": 768, "height": 1024}

    open_mail(maire, demo.mailbox, MAIRE["email"], "Convocation")
    page.locator('a[href*="/espace-elus/convocation/"]').first.click()
    maire.look("convocation link")
    assert page.url.startswith(site + "/espace-elus/convocation/")
    assert "Budget primitif 2027" in maire.text()
    assert "Accusé de réception enregistré le" in page.locator("#receipt").inner_text()
    # The link's page is part of his space: Melle's look, a way back to the space.
    assert page.locator(".site-header").inner_text().strip().startswith("Melle")
    assert page.get_by_role("link", name="Mon espace des élus").get_attribute(
        "href") == "/espace-elus/"
    assert small_targets(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    # The dossier comes from the link only: a PDF, typed and never sniffed, whose pages the
    # browser's viewer can fetch by range.
    dossier = page.get_by_role("link", name=re.compile("Dossier complet")).get_attribute("href")
    status, kind, sniff, start, ranges = page.evaluate(
        """async url => { const r = await fetch(url);
             return [r.status, r.headers.get("content-type"),
                     r.headers.get("x-content-type-options"), (await r.text()).slice(0, 5),
                     r.headers.get("accept-ranges")]; }""", dossier)
    assert (status, kind, sniff, start, ranges) == (
        200, "application/pdf", "nosniff", "%PDF-", "bytes")
    status, content_range, length = page.evaluate(
        """async url => { const r = await fetch(url, {headers: {Range: "bytes=0-1023"}});
             return [r.status, r.headers.get("content-range"),
                     (await r.arrayBuffer()).byteLength]; }""", dossier)
    assert status == 206 and content_range.startswith("bytes 0-1023/") and length == 1024

    page.get_by_label("absent, donne pouvoir").check()
    page.get_by_label("Je donne pouvoir à").select_option(label=PROXY_HOLDER)
    page.get_by_role("button", name="Enregistrer ma réponse").click()
    maire.look("answer recorded")
    assert PROXY_HOLDER in maire.text()
    assert f"Vous avez donné pouvoir à {PROXY_HOLDER}." in page.locator("#current").inner_text()

    cc_host, cc_convocation = cc_sitting(demo)
    activate_account(maire, demo, MAIRE["email"], MAIRE["password"])
    log_in(maire, site, MAIRE["uid"], MAIRE["password"])
    assert page.url == site + "/espace-elus/"
    maire.look("officials' space")
    space = maire.text()
    assert "Maire" in space and "Conseil municipal" in space
    assert f"Pouvoir donné à {PROXY_HOLDER}" in space  # his answer, on his convocation
    assert "Vice-président" in space  # his other seat, in the CC

    # On the tablet: nothing wider than the screen, every target finger-sized.
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    assert small_targets(page) == []
    open_button = page.get_by_role("button", name=re.compile("Ouvrir la convocation")).first
    assert open_button.bounding_box()["height"] >= 44

    # One list of what waits for him in both members: the CC's convocation, unanswered,
    # linked on the CC's own host (a session is per host); Melle's, answered, is not in it.
    waiting = page.locator("section[aria-labelledby=en-attente]")
    item = waiting.get_by_role("link", name=re.compile("CC Mellois en Poitou"))
    assert "Convocation sans réponse : Conseil communautaire" in item.inner_text()
    href = item.get_attribute("href")
    assert href == demo.site(cc_host) + f"/espace-elus/#convocation-{cc_convocation}"
    assert "Conseil municipal" not in waiting.inner_text()

    page.get_by_role("button", name=re.compile("Ouvrir la convocation")).first.click()
    maire.look("convocation from the space")
    assert "Budget primitif 2027" in maire.text()

    # The CC's item opens on the CC's host, after logging in there.
    page.goto(href)
    assert page.url.startswith(demo.site(cc_host) + "/connexion/")
    page.get_by_label("Identifiant").fill(MAIRE["uid"])
    page.get_by_label("Mot de passe").fill(MAIRE["password"])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert page.url.startswith(demo.site(cc_host) + "/espace-elus/")
    page.goto(href)
    maire.look("space of the CC")
    mine = page.locator(f"#convocation-{cc_convocation}")
    assert "Conseil communautaire" in mine.inner_text()
    assert "Pas encore répondu" in mine.inner_text()
    with page.expect_navigation():
        mine.get_by_role("button", name=re.compile("Je serai présent")).click()
    maire.look("answered from the CC's space")
    assert "Votre réponse est enregistrée : présent" in maire.text()
    assert "Vous serez présent(e)" in page.locator(f"#convocation-{cc_convocation}").inner_text()
    assert page.locator("section[aria-labelledby=en-attente]").get_by_role(
        "link", name=re.compile("Conseil communautaire")).count() == 0

    # The admin of his commune's site is not his place: he is sent back to his space.
    page.goto(site + "/admin/")
    assert page.url == site + "/espace-elus/"
    maire.assert_accessible()

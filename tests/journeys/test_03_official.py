"""An elected official (the maire of Melle), on a tablet: the convocation mail, the personal
link (the receipt is recorded), an answer with a proxy, then his space on the commune's host
after activating his account."""

from __future__ import annotations

import re

from .browsing import activate_account, log_in, open_mail, visitor
from .people import MAIRE, MELLE, PROXY_HOLDER


def test_the_maire_answers_his_convocation_and_finds_his_space(demo, chromium, sent_sitting):
    maire = visitor(chromium, "official", viewport="tablet")
    page, site = maire.page, demo.site(MELLE)

    open_mail(maire, demo.mailbox, MAIRE["email"], "Convocation")
    page.locator('a[href*="/espace-elus/convocation/"]').first.click()
    maire.look("convocation link")
    assert page.url.startswith(site + "/espace-elus/convocation/")
    assert "Budget primitif 2027" in maire.text()
    # The dossier comes from the link only: a PDF, typed and never sniffed.
    dossier = page.locator('a[href*="/documents/"]').first.get_attribute("href")
    status, kind, sniff, start = page.evaluate(
        """async url => { const r = await fetch(url);
             return [r.status, r.headers.get("content-type"),
                     r.headers.get("x-content-type-options"), (await r.text()).slice(0, 5)]; }""",
        dossier)
    assert (status, kind, sniff, start) == (200, "application/pdf", "nosniff", "%PDF-")

    page.get_by_label("absent, donne pouvoir").check()
    page.get_by_label("Je donne pouvoir à").select_option(label=PROXY_HOLDER)
    page.get_by_role("button", name="Enregistrer ma réponse").click()
    maire.look("answer recorded")
    assert PROXY_HOLDER in maire.text()

    activate_account(maire, demo, MAIRE["email"], MAIRE["password"])
    log_in(maire, site, MAIRE["uid"], MAIRE["password"])
    assert page.url == site + "/espace-elus/"
    maire.look("officials' space")
    space = maire.text()
    assert "Maire" in space and "Conseil municipal" in space
    assert "CC Mellois en Poitou" in space  # his other seat, as vice-président

    page.get_by_role("button", name=re.compile("Ouvrir la convocation")).first.click()
    maire.look("convocation from the space")
    assert "Budget primitif 2027" in maire.text()

    # The admin of his commune's site is not his place: he is sent back to his space.
    page.goto(site + "/admin/")
    assert page.url == site + "/espace-elus/"
    maire.assert_accessible()

"""The syndicate admin: from the single-use link the demo prints, choose a password, log in,
see the members and their services, read the last provisioning run."""

from __future__ import annotations

import re

from .browsing import visitor

PASSWORD = "le syndicat veille sur ses communes"


def test_the_syndicate_admin_logs_in_and_reads_the_members_and_the_last_run(demo, chromium):
    admin = visitor(chromium, "syndicate-admin")
    page = admin.page

    admin.goto(demo.admin_link, "choose the admin password")
    page.get_by_label("Nouveau mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    admin.look("admin dashboard")
    assert re.search(r"/admin/$", page.url), admin.text()

    # The link served once: opened again, it says so.
    admin.goto(demo.admin_link, "used admin link")
    assert "n'est plus valable" in admin.text()

    # Logged out, the admin logs in again with the password chosen.
    page.context.clear_cookies()
    admin.goto(demo.url + "/connexion/", "login")
    page.get_by_label("Identifiant").fill("admin")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/admin/$"))

    admin.goto(demo.url + "/django-admin/provisioning/registrymember/", "members")
    members = admin.text()
    assert "Melle" in members and "Parapheur électronique" in members
    assert "CC Mellois en Poitou" in members

    admin.goto(demo.url + "/django-admin/provisioning/run/", "runs")
    page.get_by_role("link", name=re.compile(r"^\d+$")).first.click()
    admin.look("last run")
    assert "succeeded" in admin.text()
    page.get_by_role("link", name="Les changements de cette exécution").click()
    admin.look("changes of the run")
    assert "ldap.account:" in admin.text()

    # The syndicate's own address shows the syndicate and its members' sites.
    admin.goto(demo.url + "/", "syndicate home")
    assert "Welcome to your new Wagtail site" not in admin.text()
    page.get_by_role("link", name="Melle", exact=True).click()
    assert page.url == demo.site("melle.localhost") + "/"
    admin.assert_accessible()

"""Activation links, the activation page, passwords in the directory, `passwd-link`."""

from __future__ import annotations

import argparse
from datetime import timedelta
from urllib.parse import urlsplit

import ldap
import pytest
from django.utils import timezone

from ldap_sync import cli
from ldap_sync.models import ActivationToken
from ldap_sync.services import issue_activation_link, token_hash
from provisioning.engine import make_plan

from . import builder as B

pytestmark = pytest.mark.django_db

GOOD = "une phrase de passe assez longue"


@pytest.fixture
def directory(slapd, driver, settings):
    settings.MUTUALIS_LDAP = slapd.settings()
    settings.MUTUALIS_BASE_URL = "https://mutualis.example.fr/"
    inv = B.inventory([B.member("79001", "Alpha")], [
        B.person("Anne", "Martin", B.agent("79001")), B.person("Luc", "Petit", B.elu("79001"))])
    assert all(o.ok for o in driver.apply(make_plan(inv, [driver]).pending))
    return slapd


def path_of(link: str) -> str:
    return urlsplit(link).path


def user_bind(slapd, uid: str, password: str) -> bool:
    conn = ldap.initialize(slapd.url)
    try:
        conn.simple_bind_s(f"uid={uid},ou=people,{slapd.base_dn}", password)
        return True
    except ldap.INVALID_CREDENTIALS:
        return False


def test_link_is_absolute_single_use_and_stores_only_a_hash(directory, client, admin):
    link = issue_activation_link("amartin")
    assert link.startswith("https://mutualis.example.fr/activation/")
    token = path_of(link).split("/")[2]
    assert len(token) >= 43  # 32 random bytes, base64url
    row = ActivationToken.objects.get(token_hash=token_hash(token))
    assert row.uid == "amartin" and row.used_at is None
    assert row.expires_at - row.created_at == timedelta(days=7)
    assert not ActivationToken.objects.filter(token_hash=token).exists()

    # The token leaves the address bar at once: the form's own address carries none.
    moved = client.get(path_of(link))
    assert moved.status_code == 302 and token not in moved["Location"]
    page = client.get(moved["Location"])
    assert page.status_code == 200
    assert "Choisissez le mot de passe" in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"

    done = client.post(moved["Location"], {"password1": GOOD, "password2": GOOD})
    assert done.status_code == 200
    assert "Votre mot de passe est enregistré" in done.content.decode()
    stored = admin.account("amartin")["userPassword"][0]
    assert stored.startswith(("{ARGON2}", "{SSHA}")) and GOOD not in stored
    assert user_bind(directory, "amartin", GOOD)
    row.refresh_from_db()
    assert row.used_at is not None

    assert client.get(path_of(link)).status_code == 404
    again = client.post(path_of(link), {"password1": "autre phrase bien longue",
                                        "password2": "autre phrase bien longue"})
    assert again.status_code == 404
    assert "n'est pas valable" in again.content.decode()
    assert user_bind(directory, "amartin", GOOD)


def test_policy_and_form_errors_are_in_french_and_keep_the_token(directory, client):
    link = issue_activation_link("lpetit")
    form = client.get(path_of(link), follow=True).redirect_chain[-1][0]
    short = client.post(form, {"password1": "court", "password2": "court"})
    assert "au moins 12 caractères" in short.content.decode()
    differ = client.post(form, {"password1": GOOD, "password2": GOOD + "!"})
    assert "ne sont pas identiques" in differ.content.decode()
    token = path_of(link).split("/")[2]
    assert ActivationToken.objects.get(token_hash=token_hash(token)).used_at is None
    # A post straight to the link works as well (a browser that keeps no cookie).
    ok = client.post(path_of(link), {"password1": GOOD, "password2": GOOD})
    assert ok.status_code == 200
    assert user_bind(directory, "lpetit", GOOD)


def test_expired_link_is_refused(directory, client):
    link = issue_activation_link("amartin")
    ActivationToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(path_of(link)).status_code == 404
    posted = client.post(path_of(link), {"password1": GOOD, "password2": GOOD})
    assert posted.status_code == 404
    assert not user_bind(directory, "amartin", GOOD)


def test_a_new_link_replaces_the_previous_one(directory, client):
    first = issue_activation_link("amartin")
    second = issue_activation_link("amartin")
    assert client.get(path_of(first)).status_code == 404
    assert client.get(path_of(second)).status_code == 302
    assert client.get("/activation/not-a-token/").status_code == 404


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli.register(sub)
    args = parser.parse_args(list(argv))
    return args.handler(args)


def test_passwd_link_command(directory, client, capsys):
    assert run_cli("passwd-link", "lpetit") == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://mutualis.example.fr/activation/")
    assert client.get(path_of(link), follow=True).status_code == 200

    assert run_cli("passwd-link", "nobody") == 1
    assert "no account has the uid 'nobody'" in capsys.readouterr().err
    # Filter syntax is a literal value, not a wildcard that would match someone.
    assert run_cli("passwd-link", "*") == 1
    assert run_cli("passwd-link", "*)(uid=*") == 1
    assert "no account has the uid" in capsys.readouterr().err

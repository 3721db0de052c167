"""The citizens' pages on a member's site: filing a démarche (anti-spam, photo checks, double
post), the receipt mail, following by code, and what another host or member answers."""

from __future__ import annotations

import html
import io
import time

import pytest
from django.core import mail, signing
from PIL import Image

from grc.forms import TOKEN_SALT, new_form_token
from grc.models import CitizenRequest

from .helpers import host_client


def text(answer) -> str:
    return html.unescape(answer.content.decode())


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def named(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def old_token(seconds: float = 60) -> str:
    return signing.dumps({"t": time.time() - seconds, "n": "x" * 16}, salt=TOKEN_SALT)


def signalement(token=None, **extra) -> dict:
    data = {"name": "Jeanne Citoyenne", "email": "jeanne@example.fr", "phone": "",
            "f_categorie": "Voirie (chaussée, trottoir)", "f_lieu": "12 rue du Pont",
            "f_description": "Un nid-de-poule profond devant l'école.",
            "form_token": token or old_token(), "site_web": ""}
    data.update(extra)
    return data


URL = "/demarches/en-ligne/signalement/"


def test_a_citizen_files_a_signalement_with_a_photo_and_follows_it(commune):
    client = host_client(commune)
    page = client.get(URL)
    assert page.status_code == 200
    body = text(page)
    assert "Vos données personnelles" in body and "anonymisées" in body and "CNIL" in body
    assert 'enctype="multipart/form-data"' in body and 'name="site_web"' in body
    answer = client.post(URL, signalement(a_photo=named(jpeg(), "trou.jpg")))
    assert answer.status_code == 302, text(answer)[:2000]
    filed = CitizenRequest.objects.get(member=commune)
    assert answer["Location"] == f"/suivi/{filed.code}/?recue=1"
    assert filed.answers["lieu"] == "12 rue du Pont" and filed.channel == "web"
    photo = filed.files.get()
    assert photo.content_type == "image/jpeg" and photo.file.read() == jpeg()
    receipt = mail.outbox[-1]
    assert receipt.to == ["jeanne@example.fr"] and filed.code in receipt.body
    assert f"http://{commune.hostname}/suivi/{filed.code}/" in receipt.body
    follow = client.get(f"/suivi/{filed.code.lower()[:4]}-{filed.code[4:]}/")
    assert follow.status_code == 200
    assert "Votre demande a été reçue" in text(follow)
    assert follow["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("content, name, sentence", [
    (b"%PDF-1.4 not a photo", "facture.jpg", "n'est pas une photo JPEG ou PNG lisible"),
    (b"\xff\xd8\xff" + b"garbage" * 100, "faux.jpg", "n'est pas une photo JPEG ou PNG lisible"),
])
def test_a_bad_photo_is_refused_and_nothing_typed_is_lost(commune, content, name, sentence):
    client = host_client(commune)
    answer = client.post(URL, signalement(a_photo=named(content, name)))
    assert answer.status_code == 400
    body = text(answer)
    assert sentence in body and name in body
    assert "12 rue du Pont" in body and "nid-de-poule" in body and "jeanne@example.fr" in body
    assert "choisissez à nouveau votre photo" in body
    assert not CitizenRequest.objects.exists()


def test_an_oversized_photo_is_refused_with_its_size(commune, settings):
    settings.MUTUALIS_GRC_PHOTO_MAX_SIZE = 1024 * 1024
    big = jpeg((3000, 3000)) + b"\0" * (1024 * 1024)
    answer = host_client(commune).post(URL, signalement(a_photo=named(big, "grande.jpg")))
    assert answer.status_code == 400
    assert "la limite est de 1 Mo" in text(answer)


def test_a_form_posted_twice_makes_one_request_and_one_receipt(commune):
    client = host_client(commune)
    data = signalement(old_token())
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert first["Location"] == second["Location"]
    assert CitizenRequest.objects.count() == 1 and len(mail.outbox) == 1


def test_robots_are_refused_without_a_third_party(commune, settings):
    client = host_client(commune)
    trapped = client.post(URL, signalement(site_web="http://spam.example"))
    assert trapped.status_code == 400 and "doit rester vide" in text(trapped)
    fast = client.post(URL, signalement(new_form_token()))
    assert fast.status_code == 400 and "trop vite" in text(fast)
    forged = client.post(URL, signalement("forged"))
    assert forged.status_code == 400 and "a expiré" in text(forged)
    assert not CitizenRequest.objects.exists()
    settings.MUTUALIS_GRC_SUBMIT_MAX = 2
    for _i in range(2):
        assert client.post(URL, signalement(old_token())).status_code == 302
    flooded = client.post(URL, signalement(old_token()))
    assert flooded.status_code == 429 and "réessayez dans une heure" in text(flooded)
    assert "12 rue du Pont" in text(flooded)
    assert CitizenRequest.objects.count() == 2


def test_guessing_codes_is_rate_limited(commune, settings):
    settings.MUTUALIS_GRC_FOLLOW_MAX_FAILURES = 3
    client = host_client(commune)
    client.post(URL, signalement())
    code = CitizenRequest.objects.get().code
    for guess in ("AAAAAAAAAA", "BBBBBBBBBB", "CCCCCCCCCC"):
        answer = client.get(f"/suivi/{guess}/")
        assert answer.status_code == 404 and "Aucune demande" in text(answer)
    refused = client.get(f"/suivi/{code}/")  # even the right code, once over the limit
    assert refused.status_code == 429 and "réessayez dans une heure" in text(refused)


def test_another_commune_and_an_unsubscribed_one(commune, other, unsubscribed):
    host_client(commune).post(URL, signalement())
    code = CitizenRequest.objects.get().code
    elsewhere = host_client(other)
    assert elsewhere.get(f"/suivi/{code}/").status_code == 404
    from grc.templates_data import instantiate

    instantiate(commune, "rendez-vous", slug="rdv-maire-seulement-ici")
    missing = elsewhere.get("/demarches/en-ligne/rdv-maire-seulement-ici/")
    assert missing.status_code == 404 and "n'existe pas sur le site de" in text(missing)
    closed = host_client(unsubscribed).get("/demarches/en-ligne/")
    assert closed.status_code == 404
    assert "ne propose pas de démarches en ligne" in text(closed)
    assert host_client(unsubscribed).get(f"/suivi/{code}/").status_code == 404


def test_the_index_lists_the_members_demarches(commune):
    body = host_client(commune).get("/demarches/en-ligne/").content.decode()
    for title in ("Signaler un problème", "Réserver une salle", "Inscrire un enfant",
                  "Demander un rendez-vous", "Contacter un service"):
        assert title in body

"""Personal links: receipt on opening, documents, answers, expiry, withdrawn members,
reminders (mailed through real SMTP)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pikepdf
import pytest
from django.urls import reverse
from django.utils import timezone

from convocation import receipts, tasks
from convocation.models import (
    AccessToken,
    Answer,
    AuditEntry,
    Receipt,
    Sitting,
    verify_audit,
)
from provisioning.models import RegistrySeat

from .sittings import prepared


@pytest.mark.django_db
def test_opening_the_link_records_the_receipt_first(client, council):
    sitting, tokens = prepared(council)
    person = council.elected[1]
    token = tokens[person.uid]
    assert not Receipt.objects.exists()
    page = client.get(reverse("convocation_link:link", args=[token]), HTTP_USER_AGENT="Tablette")
    assert page.status_code == 200
    receipt = Receipt.objects.get(convocation__person=person)
    assert receipt.user_agent == "Tablette"
    html = page.content.decode()
    assert "Accusé de réception enregistré" in html and "dossier-complet.pdf" in html
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]
    # A second opening keeps the first receipt's time.
    client.get(reverse("convocation_link:link", args=[token]))
    assert Receipt.objects.get(convocation__person=person).at == receipt.at
    # A document through the link, and no other file.
    doc = client.get(reverse("convocation_link:link-document", args=[token, "dossier-complet.pdf"]))
    assert doc.status_code == 200 and b"".join(doc.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("convocation_link:link-document",
                              args=[token, "..%2Fsecret.pdf"])).status_code == 404
    # Opening a document first also records the receipt.
    other = council.elected[2]
    client.get(reverse("convocation_link:link-document", args=[tokens[other.uid],
                                                          "00-convocation.pdf"]))
    assert Receipt.objects.filter(convocation__person=other).exists()
    assert AuditEntry.objects.filter(sitting=sitting, action="receipt").count() == 2
    assert verify_audit(sitting)


@pytest.mark.django_db
def test_answers_through_the_link_until_the_sitting(client, council):
    sitting, tokens = prepared(council)
    me, holder = council.elected[1], council.elected[2]
    url = reverse("convocation_link:link-answer", args=[tokens[me.uid]])
    assert client.post(url, {"choice": "present"}).status_code == 302
    page = client.post(url, {"choice": "proxy"})
    assert page.status_code == 400 and "Choisissez le membre" in page.content.decode()
    other = council.elected[3]
    client.post(reverse("convocation_link:link-answer", args=[tokens[other.uid]]),
                {"choice": "proxy", "holder": holder.pk, "sittings": 1})
    page = client.post(url, {"choice": "proxy", "holder": holder.pk, "sittings": 1})
    assert "détient déjà le pouvoir" in page.content.decode()
    client.post(url, {"choice": "absent"})
    conv = sitting.convocations.get(person=me)
    assert [a.choice for a in conv.answers.all()] == ["present", "absent"]
    assert receipts.current_answer(conv).choice == Answer.ABSENT
    # The sitting has started: answers are closed.
    Sitting.objects.filter(pk=sitting.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    page = client.post(url, {"choice": "present"})
    assert page.status_code == 400 and "les réponses sont closes" in page.content.decode()


@pytest.mark.django_db
def test_links_expire_the_day_after_the_sitting_and_withdrawn_members_lose_them(client,
                                                                                council):
    sitting, tokens = prepared(council)
    token = tokens[council.elected[1].uid]
    found = AccessToken.objects.get(digest=receipts.digest(token))
    local_end = timezone.localtime(found.expires_at)
    assert local_end.date() == sitting.local_start.date() + timedelta(days=2)
    assert (local_end.hour, local_end.minute) == (0, 0)
    assert client.get(reverse("convocation_link:link", args=["x" * 43])).status_code == 404
    AccessToken.objects.filter(pk=found.pk).update(expires_at=timezone.now())
    page = client.get(reverse("convocation_link:link", args=[token]))
    assert page.status_code == 404 and "a expiré" in page.content.decode()
    assert not Receipt.objects.exists()
    RegistrySeat.objects.filter(person=council.elected[2]).update(active=False)
    page = client.get(reverse("convocation_link:link", args=[tokens[council.elected[2].uid]]))
    assert page.status_code == 404 and "ne siégez plus" in page.content.decode()
    assert not Receipt.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_reminders_go_to_members_who_have_not_opened(client, council, smtp, settings):
    settings.MUTUALIS_CONVOCATION_REMINDER_DAYS = 3
    sitting, tokens = prepared(council, days_ahead=3)
    far, _far_tokens = prepared(council, days_ahead=9)
    opened, withdrawn = council.elected[0], council.elected[1]
    client.get(reverse("convocation_link:link", args=[tokens[opened.uid]]))
    RegistrySeat.objects.filter(person=withdrawn).update(active=False)
    assert tasks.send_reminders.delay().get() == len(council.elected) - 2
    reminded = {r.rcpt_tos[0] for r in smtp.received}
    assert reminded == {p.email for p in council.elected[2:]}
    message = smtp.to(council.elected[2].email)[0]
    assert "Rappel de convocation" in str(message["Subject"])
    new = re.search(r"/espace-elus/convocation/([A-Za-z0-9_-]+)/",
                    message.get_body(("plain",)).get_content()).group(1)
    assert new != tokens[council.elected[2].uid]
    for token in (new, tokens[council.elected[2].uid]):  # both links work
        assert client.get(reverse("convocation_link:link", args=[token])).status_code == 200
    assert tasks.send_reminders.delay().get() == 0  # once only
    assert not far.convocations.filter(reminded_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_reminders_with_no_mail_server_wait_for_the_next_run(council, settings, caplog):
    settings.EMAIL_BACKEND = "mail_service.backend.EmailBackend"
    settings.MUTUALIS_EMAIL_CONFIGURED = False  # and this test's var/ has no mail server
    settings.MUTUALIS_CONVOCATION_REMINDER_DAYS = 3
    sitting, _tokens = prepared(council, days_ahead=3)
    assert tasks.send_reminders.delay().get() == 0
    assert "Aucun serveur de courrier n'est configuré" in caplog.text
    assert not sitting.convocations.filter(reminded_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_large_dossier_opens_page_by_page_through_byte_ranges(client, council):
    """The browser's viewer asks for the byte ranges of the pages it shows: the link answers
    them as the production web server does (206, 416), on a dossier saved linearized."""
    _sitting, tokens = prepared(council, items=3, annexes=2)
    url = reverse("convocation_link:link-document",
                  args=[tokens[council.elected[1].uid], "dossier-complet.pdf"])
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    body = b"".join(whole.streaming_content)
    size = len(body)
    # Saved for "fast web view": the first pages come from the first bytes.
    with pikepdf.open(io.BytesIO(body)) as pdf:
        assert pdf.is_linearized and pdf.check_linearization(io.StringIO())
        assert len(pdf.open_outline().root) >= 4  # the bookmarks survived the saving

    def ranged(header, **extra):
        response = client.get(url, HTTP_RANGE=header, **extra)
        return response, (b"".join(response.streaming_content) if response.streaming
                          else response.content)

    response, part = ranged("bytes=0-99")
    assert response.status_code == 206 and part == body[:100]
    assert response["Content-Range"] == f"bytes 0-99/{size}"
    assert response["Content-Length"] == "100"
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response[
        "Cache-Control"]
    response, part = ranged(f"bytes={size - 1000}-")
    assert response.status_code == 206 and part == body[-1000:]
    assert response["Content-Range"] == f"bytes {size - 1000}-{size - 1}/{size}"
    response, part = ranged("bytes=-200")
    assert response.status_code == 206 and part == body[-200:]
    response, part = ranged(f"bytes=1000-{size + 5000}")  # past the end: up to the end
    assert response.status_code == 206 and part == body[1000:]
    assert response["Content-Range"] == f"bytes 1000-{size - 1}/{size}"
    for unsatisfiable in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        response, part = ranged(unsatisfiable)
        assert response.status_code == 416, unsatisfiable
        assert response["Content-Range"] == f"bytes */{size}" and part == b""
    # Malformed or several ranges: the whole file, as RFC 9110 lets a server answer.
    for ignored in ("bytes=50-10", "bytes=0-1,5-6", "lines=1-2", "bytes=x-"):
        response, part = ranged(ignored)
        assert response.status_code == 200 and part == body, ignored
    # If-Range: a range of the same file only.
    response, part = ranged("bytes=0-9", HTTP_IF_RANGE=whole["Last-Modified"])
    assert response.status_code == 206 and part == body[:10]
    response, part = ranged("bytes=0-9", HTTP_IF_RANGE="Thu, 01 Jan 1970 00:00:00 GMT")
    assert response.status_code == 200 and part == body


@pytest.mark.django_db
def test_the_link_page_is_part_of_the_officials_space_on_the_communes_host(client, council):
    _sitting, tokens = prepared(council, items=1, annexes=0)
    host = council.member.hostname
    url = reverse("convocation_link:link", args=[tokens[council.elected[1].uid]])
    html = client.get(url, HTTP_HOST=host).content.decode()
    assert '<a class="space-back" href="/espace-elus/">Mon espace des élus</a>' in html
    assert 'class="site-header"' in html and "/_theme/" in html  # the commune's look
    assert "convocation.css" not in html
    assert 'name="choice"' in html and "Je donne pouvoir à" in html
    invalid = client.get(reverse("convocation_link:link", args=["x" * 43]), HTTP_HOST=host)
    assert invalid.status_code == 404
    page = invalid.content.decode()
    assert "Lien non valable" in page and 'href="/espace-elus/"' in page
    assert 'class="site-header"' in page

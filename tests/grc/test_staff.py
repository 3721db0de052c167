"""The staff pages (/admin/grc/): the host member's listing with its filters and constant SQL
per page, recording a phone request, treating, messaging, delivering, the 360° view, the
reminders, the retention and the yearly report."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grc import reports, retention, services, tasks
from grc.models import CitizenRequest, Event
from grc.templates_data import instantiate

from .helpers import host_client, staff_user


def text(answer) -> str:
    return html.unescape(answer.content.decode())


def filed(member, slug="signalement", n=1, **kwargs):
    demarche = instantiate(member, slug)
    values = {"name": "Jeanne Citoyenne", "email": "jeanne@example.fr",
              "answers": {"lieu": "12 rue du Pont"}}
    values.update(kwargs)
    return [services.file_request(demarche, **values)[0] for _i in range(n)]


def test_the_listing_filters_sorts_and_pages_with_constant_sql(commune):
    agent = host_client(commune, staff_user(commune, "zagent"))
    filed(commune, n=3)
    late = filed(commune, "rendez-vous", channel="telephone", name="Paul Appel")[0]
    CitizenRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))
    page = text(agent.get("/admin/grc/"))
    assert page.count("Jeanne Citoyenne") == 3 and "Paul Appel" in page
    assert "Paul Appel" in text(agent.get("/admin/grc/?overdue=true"))
    assert "Jeanne" not in text(agent.get("/admin/grc/?overdue=true"))
    assert "Jeanne" not in text(agent.get("/admin/grc/?channel=telephone"))
    demarche = instantiate(commune, "rendez-vous")
    assert "Jeanne" not in text(agent.get(f"/admin/grc/?demarche={demarche.pk}"))
    assert "Paul" not in text(agent.get("/admin/grc/?status=recue&channel=web"))
    assert "Paul Appel" in text(agent.get("/admin/grc/?q=appel"))
    assert agent.get("/admin/grc/?ordering=due_at").status_code == 200

    def queries(n_more: int) -> int:
        filed(commune, n=n_more)
        with CaptureQueriesContext(connection) as seen:
            assert agent.get("/admin/grc/").status_code == 200
        return len(seen)

    assert queries(5) == queries(40)


def test_an_agent_records_a_phone_request_and_sees_the_citizens_others(commune):
    agent = host_client(commune, staff_user(commune, "zagent"))
    earlier = filed(commune, "contact-service")[0]
    assert "Demander un rendez-vous" in text(agent.get("/admin/grc/nouvelle/"))
    answer = agent.post("/admin/grc/nouvelle/rendez-vous/", {
        "name": "Jeanne Citoyenne", "email": "jeanne@example.fr", "phone": "0549000000",
        "channel": "telephone", "f_avec": "Le maire ou un adjoint",
        "f_motif": "Parler du marché", "postal_address": "", "courrier_chrono": ""})
    assert answer.status_code == 302, text(answer)[:3000]
    phoned = CitizenRequest.objects.exclude(pk=earlier.pk).get()
    assert phoned.channel == "telephone" and phoned.recorded_by.username == "zagent"
    assert phoned.code in mail.outbox[-1].body
    page = text(agent.get(f"/admin/grc/{phoned.pk}/"))
    assert earlier.code in page and "Parler du marché" in page
    missing = agent.post("/admin/grc/nouvelle/rendez-vous/", {
        "name": "Sans Contact", "channel": "guichet", "f_avec": "L'urbanisme", "f_motif": "x"})
    assert missing.status_code == 400 and "un moyen de répondre" in text(missing)


def test_treat_message_note_and_deliver(commune):
    agent = host_client(commune, staff_user(commune, "zagent"))
    req = filed(commune)[0]
    mail.outbox.clear()
    assert agent.post(f"/admin/grc/{req.pk}/statut/", {"status": "en-cours",
                                                       "message": "Équipe prévenue."}
                      ).status_code == 302
    agent.post(f"/admin/grc/{req.pk}/note/", {"text": "Voir avec le chef d'équipe"})
    agent.post(f"/admin/grc/{req.pk}/message/", {"text": "Nous passons jeudi."})
    assert [m.to for m in mail.outbox] == [["jeanne@example.fr"]] * 2
    assert "en cours de traitement" in mail.outbox[0].body
    follow = text(host_client(commune).get(f"/suivi/{req.code}/"))
    assert "en cours de traitement" in follow and "Nous passons jeudi." in follow
    assert "chef d'équipe" not in follow  # an internal note stays internal
    refused = agent.post(f"/admin/grc/{req.pk}/statut/", {"status": "delivree"})
    assert refused.status_code == 302
    agent.post(f"/admin/grc/{req.pk}/delivrer/", {"text": "Le trou est rebouché."})
    req.refresh_from_db()
    assert req.closed_at and req.status == "delivree" and req.delivered
    assert "Le trou est rebouché." in mail.outbox[-1].body
    assert "Votre demande a été traitée" in text(host_client(commune).get(f"/suivi/{req.code}/"))
    again = agent.post(f"/admin/grc/{req.pk}/delivrer/", {"text": "encore"}, follow=True)
    assert "déjà close" in text(again)


def test_reminders_then_escalation_by_mail(commune):
    staff_user(commune, "zresp", roles=("agent",))
    req = filed(commune)[0]
    mail.outbox.clear()
    assert tasks.reminders.delay().get() == {"reminded": 0, "escalated": 0}
    later = (timezone.now() + timedelta(days=6)).isoformat()
    assert tasks.reminders.delay(later).get() == {"reminded": 1, "escalated": 0}
    assert mail.outbox[-1].to == ["zresp@example.fr"] and req.code in mail.outbox[-1].subject
    late = (timezone.now() + timedelta(days=11)).isoformat()
    assert tasks.reminders.delay(late).get() == {"reminded": 0, "escalated": 1}
    assert "secretaire" in mail.outbox[-1].to[0]  # the commune's secrétaire de mairie
    assert tasks.reminders.delay(late).get() == {"reminded": 0, "escalated": 0}
    kinds = list(req.events.values_list("kind", flat=True))
    assert kinds == ["created", "reminder", "escalation"]


def test_retention_anonymises_after_the_delay(commune):
    req = filed(commune)[0]
    services.send_message(req, "Bonjour Jeanne", by=None, base="http://x/")
    services.deliver(req, "Réparé devant chez Jeanne", by=None, base="http://x/")
    days = req.demarche.retention_days
    assert tasks.retention.delay((timezone.now() + timedelta(days=days - 1)).isoformat()
                                 ).get() == 0
    assert tasks.retention.delay((timezone.now() + timedelta(days=days + 1)).isoformat()
                                 ).get() == 1
    req.refresh_from_db()
    assert req.anonymised_at and req.email == "" and req.answers == {} and req.delivered == ""
    assert not req.events.filter(text__icontains="Jeanne").exists()
    assert req.events.filter(kind=Event.ANONYMISED).exists()
    assert retention.anonymise_expired(timezone.now() + timedelta(days=days + 2)) == 0


def test_the_yearly_report_counts_channels_times_and_cost_avoided(commune):
    agent = host_client(commune, staff_user(commune, "zagent"))
    web = filed(commune, n=3)
    filed(commune, "rendez-vous", channel="guichet")
    services.deliver(web[0], "Fait", by=None, base="http://x/")
    year = timezone.localdate().year
    report = reports.yearly(commune, year)
    assert report.total == 4 and report.online == 3 and report.closed == 1
    assert dict(report.by_channel) == {"site internet": 3, "guichet": 1}
    assert report.cost_avoided == Decimal("27.00")
    assert agent.post("/admin/grc/rapport/", {"online": "2.50", "counter": "15"}
                      ).status_code == 302
    page = text(agent.get(f"/admin/grc/rapport/?annee={year}"))
    assert "Coût évité : 37,50 €" in page or "Coût évité : 37.50 €" in page

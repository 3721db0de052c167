"""Acts: recording with clear refusals, online publication with hash and date, the register,
the publication modes, délibérations from a sitting."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone

from actes import services
from actes.models import Act, Classification, RegisterEntry
from actes.natures import DELIBERATION, INDIVIDUEL, POSTING
from convocation.models import Vote
from tests.convocation.sittings import make_sitting
from tests.factories import make_council
from tests.factories import make_pdf as pdf
from wagtail_site_factory.models import ActPage

from .classification import classification_xml


def record(member, number="2026_001", subject="Tarifs de la cantine scolaire", **kwargs):
    fields = dict(nature=DELIBERATION, decision_date=date(2026, 3, 3), matter_code="7.1",
                  filename="deliberation.pdf", pdf=pdf(subject))
    fields.update(kwargs)
    return services.record_act(member, number=number, subject=subject, **fields)


def test_the_classification_is_imported_with_its_levels_once(commune):
    classification = Classification.objects.get(member=commune)
    assert classification.version_date == date(2026, 1, 15)
    codes = set(classification.matters.values_list("code", flat=True))
    assert {"1", "1.1", "7.1", "7.1.1", "7.10", "9.1"} <= codes
    assert classification.matters.get(code="7.1.1").label == "Budget primitif"
    services.import_classification(commune, classification_xml())  # the same version again
    assert Classification.objects.filter(member=commune).count() == 1
    newer = services.import_classification(commune, classification_xml(date(2026, 6, 1)))
    assert services.current_classification(commune) == newer


def test_a_broken_classification_file_is_refused_clearly(commune):
    with pytest.raises(services.ActRefused, match="fichier de classification"):
        services.import_classification(commune, b"<not-xml")


@pytest.mark.parametrize("change, expected", [
    ({"number": "12 34"}, "il contient une espace"),
    ({"number": "2026-01"}, "il contient « - »"),
    ({"subject": "x" * 600}, "L'objet compte 600 caractères : @ctes en accepte au plus 499."),
    ({"matter_code": ""}, "choisissez la matière @ctes de l'acte"),
    ({"matter_code": "4.4"}, "la matière « 4.4 » n'existe pas dans la classification du "
                             "2026-01-15"),
    ({"pdf": b"GIF89a"}, "« deliberation.pdf » n'est pas un PDF"),
    ({"nature": 9}, "9 n'est pas une des six natures @ctes"),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_stored(commune, change,
                                                                         expected):
    fields = {"number": "2026_001", "subject": "Tarifs"} | change
    with pytest.raises(services.ActRefused) as refused:
        record(commune, **fields)
    assert any(expected in message for message in refused.value.messages), \
        refused.value.messages
    assert not Act.objects.exists()


def test_every_reason_is_given_at_once(commune):
    with pytest.raises(services.ActRefused) as refused:
        record(commune, number="12 34", subject="y" * 600, matter_code="")
    fields = [m.split(" : ")[0] for m in refused.value.messages]
    assert fields == ["classification", "numéro", "objet"]


def test_a_number_is_unique_per_member(commune):
    record(commune)
    with pytest.raises(services.ActRefused, match="l'acte n° 2026_001 existe déjà"):
        record(commune, subject="Autre objet")


def test_publication_puts_the_full_text_online_with_its_hash_and_date(commune):
    act = record(commune, annexes=[("Grille des tarifs", "grille.pdf", pdf("Grille"))])
    assert act.annexes.count() == 1
    entry = services.publish(act)
    page_url = act.publication_url
    assert entry.url == page_url and entry.sha256 == act.sha256
    client = Client()
    html = client.get(page_url, HTTP_HOST=commune.hostname).content.decode()
    page = ActPage.objects.get(number=act.number)
    assert act.sha256 in html
    online = dateformat.format(timezone.localtime(page.first_published_at), "c")
    assert f'Mis en ligne le</dt><dd><time datetime="{online}">' in html
    # The hash shown is the hash of the file the page links to.
    href = next(part.split('"', 1)[0] for part in html.split('href="')
                if part.startswith("/documents/"))
    served = b"".join(client.get(href, HTTP_HOST=commune.hostname).streaming_content)
    assert hashlib.sha256(served).hexdigest() == act.sha256
    # Publishing again records nothing new.
    assert services.publish(act) == entry
    assert RegisterEntry.objects.count() == 1


def test_the_register_is_public_and_proves_what_was_online_since_when(commune):
    first = services.publish(record(commune))
    second = services.publish(record(commune, number="2026_002", subject="Voirie"))
    assert second.previous == first.digest
    page = Client().get(reverse("actes_public:register", args=[commune.code]))
    html = page.content.decode()
    assert page.status_code == 200 and first.sha256 in html and "2026_002" in html
    assert services.verify_register(commune) == []
    # Rewriting the past shows: the register's chain breaks.
    RegisterEntry.objects.filter(pk=first.pk).update(at=first.at - timedelta(days=30))
    assert "registre : l'entrée" in services.verify_register(commune)[0]


def test_a_published_act_cannot_be_changed(commune):
    act = record(commune)
    services.publish(act)
    act.sha256 = "0" * 64
    with pytest.raises(ValidationError, match="Un acte publié ne se modifie pas"):
        act.save()


def test_a_small_commune_may_publish_by_posting(commune):
    settings = services.settings_of(commune)
    settings.publication_mode = POSTING
    with pytest.raises(ValidationError, match="Indiquez la délibération"):
        settings.full_clean()
    settings.mode_decided_by = "Délibération 2022_031 du 12 mai 2022"
    settings.full_clean()
    settings.save()
    act = record(commune, nature=INDIVIDUEL, number="A2026_014", subject="Permission de voirie")
    with pytest.raises(services.ActRefused, match="date d'affichage"):
        services.publish(act)
    posted = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    entry = services.publish(act, posted_at=posted)
    assert entry.mode == POSTING and entry.url == "" and entry.at == posted


def test_a_large_commune_must_publish_online(commune):
    commune.population = 3500
    commune.save()
    settings = services.settings_of(commune)
    settings.publication_mode, settings.mode_decided_by = POSTING, "Délibération 2022_031"
    with pytest.raises(ValidationError, match="3500 habitants\\) doit publier ses actes"):
        settings.full_clean()


@pytest.mark.django_db
def test_a_deliberation_comes_from_its_voted_agenda_item(media):
    council = make_council(members=5)
    services.import_classification(council.member, classification_xml())
    sitting = make_sitting(council, days_ahead=-1, items=2, annexes=0)
    item = sitting.items.get(position=1)
    with pytest.raises(services.ActRefused, match="n'a pas été voté"):
        services.record_deliberation(item, matter_code="7.1", filename="d.pdf", pdf=pdf("D"))
    Vote.objects.create(item=item, votes_for=4, votes_against=1, abstentions=0)
    with pytest.raises(services.ActRefused, match="donnez un numéro à la délibération"):
        services.record_deliberation(item, matter_code="7.1", filename="d.pdf", pdf=pdf("D"))
    Vote.objects.filter(item=item).update(number="2026_010")
    item.refresh_from_db()
    act = services.record_deliberation(item, matter_code="7.1", filename="d.pdf", pdf=pdf("D"))
    assert (act.number, act.subject, act.sitting, act.agenda_item) == (
        "2026_010", item.title, sitting, item)
    assert (act.votes_for, act.votes_against, act.abstentions) == (4, 1, 0)
    assert act.decision_date == sitting.local_start.date()


def test_a_sittings_list_and_minutes_put_online_enter_the_register(commune):
    from convocation.acts import generate_and_publish
    from convocation.models import AgendaItem, Movement, Sitting
    from provisioning.models import RegistryAssembly, RegistrySeat

    assembly = RegistryAssembly.objects.get(member=commune, slug="conseil-municipal")
    sitting = Sitting.objects.create(assembly=assembly, place="Mairie",
                                     starts_at=timezone.now() - timedelta(hours=3))
    item = AgendaItem(sitting=sitting, position=1, title="Tarifs de la cantine")
    item.project.save("projet.pdf", ContentFile(pdf("Projet")))
    person = RegistrySeat.objects.filter(member=commune).first().person
    Movement.objects.create(sitting=sitting, person=person, kind=Movement.ARRIVAL, item=item)
    published = generate_and_publish(sitting)
    entries = list(RegisterEntry.objects.filter(member=commune).order_by("pk"))
    assert [e.kind for e in entries] == ["Liste des délibérations", "Procès-verbal"]
    assert [e.url for e in entries] == [p.url for p in published]
    assert [e.sha256 for e in entries] == [p.sha256 for p in published]
    assert entries[1].previous == entries[0].digest and services.verify_register(commune) == []
    html = Client().get(reverse("actes_public:register", args=[commune.code])).content.decode()
    assert "Procès-verbal" in html and published[1].sha256 in html

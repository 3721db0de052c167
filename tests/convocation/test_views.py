"""Staff pages: the whole preparation through the views, and every view probed from another
member's account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from convocation.models import AgendaItem, Dispatch, Publication, Sitting
from provisioning.models import RegistryMember, RegistrySeat
from tests.factories import make_council
from tests.factories import make_pdf as pdf

from .sittings import make_sitting, prepared


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.django_db(transaction=True)
def test_a_secretary_prepares_and_sends_a_sitting(client, provisioned, smtp):
    council = provisioned
    client.force_login(council.user())
    assert client.get(reverse("convocation:sittings")).status_code == 200
    starts = timezone.localtime() + timedelta(days=8)
    page = client.post(reverse("convocation:sitting-create"), {
        "assembly": council.assembly.pk, "title": "Séance ordinaire",
        "starts_at": starts.strftime("%Y-%m-%dT19:00"), "duration_minutes": 120,
        "place": "Salle des fêtes", "remote_allowed": "on"})
    sitting = Sitting.objects.get(assembly=council.assembly)
    assert page.status_code == 302 and page["Location"].endswith(f"/seances/{sitting.pk}/")
    detail = reverse("convocation:sitting", args=[sitting.pk])
    assert "L&#x27;ordre du jour est vide" in client.get(detail).content.decode()
    bad = client.post(reverse("convocation:item-add", args=[sitting.pk]), {
        "title": "Budget", "project": upload("budget.pdf", b"not a pdf")})
    assert bad.status_code == 400 and "« budget.pdf » n&#x27;est pas un PDF" in bad.content.decode()
    for title in ("Budget primitif 2026", "Tarifs de la cantine"):
        client.post(reverse("convocation:item-add", args=[sitting.pk]), {
            "title": title, "rapporteur": council.elected[1].pk,
            "project": upload("projet.pdf", pdf(title, 2))})
    first = AgendaItem.objects.get(sitting=sitting, position=1)
    client.post(reverse("convocation:annex-add", args=[sitting.pk]), {
        "item": first.pk, "title": "Tableau", "file": upload("annexe.pdf", pdf("Tableau"))})
    client.post(reverse("convocation:guest-add", args=[sitting.pk]), {
        "name": "Agent comptable", "email": "compta@example.fr", "quality": "staff"})
    assert [i.title for i in sitting.items.all()] == ["Budget primitif 2026",
                                                      "Tarifs de la cantine"]
    assert first.annexes.count() == 1 and sitting.guests.count() == 1
    page = client.post(reverse("convocation:send", args=[sitting.pk]), follow=True)
    assert "Convocation envoyée aux 5 membres de l&#x27;assemblée." in page.content.decode()
    assert "Le dossier est déposé dans le dossier Nextcloud" in page.content.decode()
    assert len(smtp.received) == 6  # five members, one guest
    assert Dispatch.objects.get(sitting=sitting).finished_at is not None
    page = client.get(detail)
    assert "Rapport PDF" in page.content.decode()
    doc = client.get(reverse("convocation:document", args=[sitting.pk, "dossier-complet.pdf"]))
    assert b"".join(doc.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_every_view_refuses_another_members_staff(client, council):
    sitting, tokens = prepared(council)
    draft = make_sitting(council, items=1, annexes=0)
    outsider = make_council(name="Celles-sur-Belle")
    client.force_login(outsider.user())
    pk, item = sitting.pk, sitting.items.first()
    gets = [reverse("convocation:sitting", args=[pk]),
            reverse("convocation:report", args=[pk, "csv"]),
            reverse("convocation:report", args=[pk, "pdf"]),
            reverse("convocation:document", args=[pk, "dossier-complet.pdf"])]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = {
        "sitting-edit": {"place": "ailleurs"}, "note": {}, "item-add": {}, "annex-add": {},
        "guest-add": {"name": "x", "email": "x@example.fr"}, "send": {},
        "roll-call": {"present": [council.elected[0].pk]},
        "movement": {"person": council.elected[0].pk, "kind": "arrival", "item": item.pk},
        "vote": {"item": item.pk, "votes_for": 1, "votes_against": 0, "abstentions": 0},
        "acts": {}}
    for name, data in posts.items():
        for target in (pk, draft.pk):
            response = client.post(reverse(f"convocation:{name}", args=[target]), data)
            assert response.status_code == 404, name
    assert not sitting.movements.exists() and draft.guests.count() == 0
    # Creating a sitting in another member's assembly: the choice is not offered.
    page = client.post(reverse("convocation:sitting-create"), {
        "assembly": council.assembly.pk, "starts_at": "2030-01-10T18:00",
        "duration_minutes": 60, "place": "x"})
    assert page.status_code == 400
    assert Sitting.objects.filter(assembly=council.assembly).count() == 2
    listing = client.get(reverse("convocation:sittings")).content.decode()
    assert council.member.name not in listing
    # An elected member is not staff: the admin turns them away, as it does anonymous users
    # (its login page).
    login = reverse("wagtailadmin_login") + "?next="
    client.force_login(council.user(council.elected[0]))
    for url in (reverse("convocation:sittings"), reverse("convocation:sitting", args=[pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    assert client.post(reverse("convocation:guest-add", args=[draft.pk]), {
        "name": "x", "email": "x@example.fr"}).status_code == 302
    client.logout()
    response = client.get(reverse("convocation:sitting", args=[pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(login)
    assert draft.guests.count() == 0
    # A superuser of the syndicate reaches every member.
    root = User.objects.create_superuser("root", "root@example.fr", "x")
    client.force_login(root)
    assert client.get(reverse("convocation:sitting", args=[pk])).status_code == 200
    # The Wagtail admin menu links the convocations for staff, not for elected members.
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin",
                                          codename="access_admin")
    for person, shown in ((council.secretary, True), (council.elected[0], False)):
        user = council.user(person)
        user.user_permissions.add(access_admin)
        client.force_login(user)
        home = client.get(reverse("wagtailadmin_home")).content.decode()
        assert (reverse("convocation:sittings") in home) is shown


@pytest.mark.django_db
def test_after_the_sitting_attendance_votes_acts_reports_and_savings(client, council):
    sitting, tokens = prepared(council, items=2, annexes=0)
    client.get(reverse("convocation_link:link", args=[tokens[council.elected[0].uid]]))
    e = council.elected
    from convocation import receipts

    receipts.answer(sitting.convocations.get(person=e[4]), "proxy", e[0])
    Sitting.objects.filter(pk=sitting.pk).update(starts_at=timezone.now() - timedelta(hours=2))
    sitting.refresh_from_db()
    client.force_login(council.user())
    base = sitting.pk
    client.post(reverse("convocation:roll-call", args=[base]),
                {"present": [p.pk for p in e[:3]]})
    one, two = sitting.items.order_by("position")
    client.post(reverse("convocation:movement", args=[base]),
                {"person": e[3].pk, "kind": "arrival", "item": two.pk})
    client.post(reverse("convocation:vote", args=[base]), {
        "item": one.pk, "votes_for": 4, "votes_against": 0, "abstentions": 0,
        "number": "2026-001"})
    client.post(reverse("convocation:vote", args=[base]), {
        "item": two.pk, "votes_for": 2, "votes_against": 3, "abstentions": 0})
    assert one.vote.outcome == "adopted"
    two.refresh_from_db()
    assert two.vote.outcome == "rejected"
    page = client.post(reverse("convocation:acts", args=[base]), follow=True)
    # This member has no website: the documents wait, with their deadline, to be put online.
    assert "Mise en ligne impossible" in page.content.decode()
    assert f"le membre {council.member.code} n&#x27;a pas de site internet" in (
        page.content.decode())
    deliberations, minutes = (Publication.objects.get(sitting=sitting, kind=k)
                              for k in ("deliberations", "proces-verbal"))
    assert deliberations.due_by == sitting.local_start.date() + timedelta(days=7)
    assert minutes.file.read().startswith(b"%PDF") and deliberations.published_at is None
    csv_text = client.get(reverse("convocation:report", args=[base, "csv"])).content.decode()
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("membre;courriel;envoyée le;reçue le")
    row = next(line for line in lines if line.startswith("Élu0 Nom0"))
    assert ";pouvoir reçu de" not in row and "Élu4 Nom4" in row and ";oui;" in row
    row3 = next(line for line in lines if line.startswith("Élu3 Nom3"))
    assert row3.endswith("arrivée au point 2")
    report = client.get(reverse("convocation:report", args=[base, "pdf"]))
    assert report.content.startswith(b"%PDF")
    page = client.get(reverse("convocation:savings") + f"?annee={timezone.localdate().year}")
    assert "36.75 €" in page.content.decode() or "36,75 €" in page.content.decode()


@pytest.mark.django_db
def test_a_member_without_the_convocation_service_is_nowhere_in_the_pages(client, council):
    sitting = make_sitting(council, items=1, annexes=0)
    subscribed = make_council(name="Celles-sur-Belle")
    RegistryMember.objects.filter(pk=council.member.pk).update(
        services=["extranet", "agenda"])
    # The secrétaire of the member that left the service also works for one that has it.
    RegistrySeat.objects.create(member=subscribed.member, person=council.secretary,
                                roles=["secretaire-de-mairie"], assemblies=[])
    client.force_login(council.user())

    listing = client.get(reverse("convocation:sittings"))
    assert listing.status_code == 200
    assert council.member.name not in listing.content.decode()
    assert list(listing.context["filters"].form.fields["assembly"].queryset) == [
        subscribed.assembly]
    create = client.get(reverse("convocation:sitting-create"))
    assert list(create.context["form"].fields["assembly"].queryset) == [subscribed.assembly]
    assert client.get(reverse("convocation:sitting", args=[sitting.pk])).status_code == 404
    for name in ("sitting-edit", "item-add", "send"):
        assert client.post(reverse(f"convocation:{name}", args=[sitting.pk])).status_code == 404
    created = client.post(reverse("convocation:sitting-create"), {
        "assembly": council.assembly.pk, "starts_at": "2030-01-10T18:00",
        "duration_minutes": 60, "place": "Salle du conseil"})
    assert created.status_code == 400
    assert Sitting.objects.filter(assembly=council.assembly).count() == 1

    # With no subscribing member left, the page says so in one sentence, and the admin menu
    # no longer offers the convocations.
    RegistrySeat.objects.filter(member=subscribed.member, person=council.secretary).delete()
    page = client.get(reverse("convocation:sittings")).content.decode()
    assert ("Aucune des collectivités pour lesquelles vous travaillez n'est abonnée au service "
            "de convocation électronique : demandez au syndicat de l'y abonner.") in page
    assert "Nouvelle séance" not in page
    assert client.get(reverse("convocation:sitting-create")).status_code == 404
    user = council.user()
    user.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin",
                                                     codename="access_admin"))
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("convocation:sittings") not in home


@pytest.mark.django_db
def test_the_sitting_page_gives_each_field_its_own_id(client, council):
    sitting = make_sitting(council, items=1, annexes=0)
    client.force_login(council.user())
    page = client.get(reverse("convocation:sitting", args=[sitting.pk])).content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for label in ('for="seance-title"', 'for="point-title"', 'for="annexe-title"'):
        assert label in page
    buttons = re.findall(r'<button type="submit"[^>]*>([^<]+)</button>', page)
    assert len(buttons) == len(set(buttons)), buttons


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["annee=abc", "annee=-1", "annee=99999999999999999999",
                                   "annee=2026%00", "membre=abc", "membre=%00"])
def test_the_savings_report_shrugs_off_a_hand_edited_address(client, council, query):
    client.force_login(council.user())
    page = client.get(reverse("convocation:savings") + "?" + query)
    assert page.status_code == 200
    assert str(timezone.localdate().year) in page.content.decode()

"""The convocation staff pages of the Wagtail admin (/admin/convocations/), probed from
another member's staff: every page of a sitting answers 404, every form refuses, and no
listing, filter, form choice or report shows another member's sittings. On a member's host a
person staff of two members only sees that member's."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from convocation.models import Publication, Sitting
from provisioning.models import RegistryMember, RegistrySeat
from tests.convocation.sittings import make_sitting, prepared
from tests.factories import make_council
from tests.factories import make_pdf as pdf


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf(name), content_type="application/pdf")


@pytest.fixture
def two_members(db, media, settings):
    """Melle with a sent sitting (and its publication) and a draft; Celles-sur-Belle, whose
    secrétaire probes them."""
    settings.MUTUALIS_TSA_URL = ""
    melle = make_council()
    sent, _tokens = prepared(melle)
    draft = make_sitting(melle, items=1, annexes=0)
    publication = Publication.objects.create(sitting=sent, kind="proces-verbal",
                                             file=upload("pv.pdf"), sha256="0" * 64,
                                             due_by=date.today())
    celles = make_council(name="Celles-sur-Belle")
    own = make_sitting(celles, items=1, annexes=0)
    return melle, celles, sent, draft, publication, own


def sitting_pages(sitting: Sitting, publication: Publication | None) -> list[str]:
    pk = sitting.pk
    pages = [reverse("convocation:sitting", args=[pk]),
             reverse("convocation:report", args=[pk, "csv"]),
             reverse("convocation:report", args=[pk, "pdf"]),
             reverse("convocation:document", args=[pk, "dossier-complet.pdf"]),
             reverse("convocation:document", args=[pk, "00-convocation.pdf"])]
    if publication is not None:
        pages.append(reverse("convocation:publication", args=[pk, publication.pk]))
    return pages


def forms(melle, sitting: Sitting) -> dict[str, dict]:
    item = sitting.items.first()
    person = melle.elected[0].pk
    return {
        "sitting-edit": {"place": "ailleurs", "assembly": melle.assembly.pk},
        "note": {"note": upload("note.pdf")},
        "item-add": {"title": "x", "project": upload("projet.pdf")},
        "annex-add": {"item": item.pk, "title": "x", "file": upload("annexe.pdf")},
        "guest-add": {"name": "x", "email": "x@example.fr", "quality": "press"},
        "send": {},
        "roll-call": {"present": [person]},
        "movement": {"person": person, "kind": "arrival", "item": item.pk},
        "vote": {"item": item.pk, "votes_for": 1, "votes_against": 0, "abstentions": 0},
        "acts": {},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["testserver", "celles"])
def test_another_members_staff_reach_none_of_the_sitting_pages(client, two_members, host):
    melle, celles, sent, draft, publication, _own = two_members
    host = celles.member.hostname if host == "celles" else host
    client.force_login(celles.user())
    note = draft.note.name
    for sitting, pub in ((sent, publication), (draft, None)):
        for url in sitting_pages(sitting, pub):
            assert client.get(url, HTTP_HOST=host).status_code == 404, url
        for name, data in forms(melle, sitting).items():
            url = reverse(f"convocation:{name}", args=[sitting.pk])
            assert client.post(url, data, HTTP_HOST=host).status_code == 404, url
    draft.refresh_from_db()
    assert draft.place != "ailleurs" and draft.note.name == note
    assert draft.items.count() == 1 and draft.guests.count() == 0
    assert not sent.movements.exists() and not sent.publications.exclude(pk=publication.pk)\
        .exists()
    assert draft.status == Sitting.DRAFT


@pytest.mark.django_db
def test_no_listing_form_or_report_shows_another_members_sittings(client, two_members):
    melle, celles, sent, draft, _publication, own = two_members
    client.force_login(celles.user())
    # Filters, sorting and pages: only Celles' sitting, whatever the address asks for.
    for query in ("", "?state=draft", "?state=sent", "?state=held", "?ordering=place",
                  f"?assembly={melle.assembly.pk}", "?p=2", "?starts_at_after=2000-01-01"):
        for name in ("convocation:sittings", "convocation:sittings-results"):
            page = client.get(reverse(name) + query)
            assert page.status_code == 200, (name, query)
            html = page.content.decode()
            for theirs in (sent, draft):
                assert reverse("convocation:sitting", args=[theirs.pk]) not in html, query
            assert "Melle" not in html, query
    listing = client.get(reverse("convocation:sittings"))
    assert reverse("convocation:sitting", args=[own.pk]) in listing.content.decode()
    assert list(listing.context["filters"].form.fields["assembly"].queryset) == [
        celles.assembly]
    # The new sitting's form offers Celles' assemblies only, and refuses Melle's.
    create = client.get(reverse("convocation:sitting-create"))
    assert list(create.context["form"].fields["assembly"].queryset) == [celles.assembly]
    refused = client.post(reverse("convocation:sitting-create"), {
        "assembly": melle.assembly.pk, "starts_at": "2030-01-10T18:00",
        "duration_minutes": 60, "place": "x"})
    assert refused.status_code == 400
    assert Sitting.objects.filter(assembly=melle.assembly).count() == 2
    # The savings report: Celles only, even when asked for Melle.
    for query in ("", f"?membre={melle.member.pk}"):
        html = client.get(reverse("convocation:savings") + query).content.decode()
        assert "Melle" not in html, query


@pytest.mark.django_db
def test_on_a_members_host_staff_of_two_members_act_for_that_member_only(client, two_members):
    melle, celles, sent, draft, _publication, own = two_members
    # Celles' secrétaire is also staff in Melle.
    RegistrySeat.objects.create(member=melle.member, person=celles.secretary,
                                roles=["secretaire-de-mairie"], assemblies=[])
    client.force_login(celles.user())
    on_celles = {"HTTP_HOST": celles.member.hostname}
    html = client.get(reverse("convocation:sittings"), **on_celles).content.decode()
    assert reverse("convocation:sitting", args=[own.pk]) in html
    assert reverse("convocation:sitting", args=[sent.pk]) not in html
    for url in sitting_pages(sent, None):
        assert client.get(url, **on_celles).status_code == 404, url
    create = client.get(reverse("convocation:sitting-create"), **on_celles)
    assert list(create.context["form"].fields["assembly"].queryset) == [celles.assembly]
    # On Melle's host, Melle's; on a host that is no member's, both.
    on_melle = {"HTTP_HOST": melle.member.hostname}
    assert client.get(reverse("convocation:sitting", args=[sent.pk]), **on_melle
                      ).status_code == 200
    assert client.get(reverse("convocation:sitting", args=[own.pk]), **on_melle
                      ).status_code == 404
    html = client.get(reverse("convocation:sittings")).content.decode()
    assert all(reverse("convocation:sitting", args=[s.pk]) in html for s in (own, sent, draft))


@pytest.mark.django_db
def test_the_menu_shows_convocations_only_where_the_member_subscribes(client, two_members):
    melle, celles, *_ = two_members
    RegistryMember.objects.filter(pk=celles.member.pk).update(services=["extranet"])
    RegistrySeat.objects.create(member=melle.member, person=celles.secretary,
                                roles=["secretaire-de-mairie"], assemblies=[])
    client.force_login(celles.user())
    link = reverse("convocation:sittings")
    home = client.get(reverse("wagtailadmin_home"), HTTP_HOST=celles.member.hostname)
    assert link not in home.content.decode()
    listing = client.get(link, HTTP_HOST=celles.member.hostname).content.decode()
    assert "Melle" not in listing and "Nouvelle séance" not in listing
    assert client.get(reverse("convocation:sitting-create"),
                      HTTP_HOST=celles.member.hostname).status_code == 404
    home = client.get(reverse("wagtailadmin_home"), HTTP_HOST=melle.member.hostname)
    assert link in home.content.decode()


@pytest.mark.django_db
def test_officials_and_anonymous_visitors_are_refused_by_the_admin(client, two_members):
    melle, _celles, sent, draft, publication, _own = two_members
    login = reverse("wagtailadmin_login") + "?next="
    pages = [reverse("convocation:sittings"), reverse("convocation:sitting-create"),
             reverse("convocation:savings"), *sitting_pages(sent, publication)]
    for user in (None, User.objects.get_or_create(username=melle.elected[0].uid)[0]):
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(login), url
        response = client.post(reverse("convocation:guest-add", args=[draft.pk]),
                               {"name": "x", "email": "x@example.fr"})
        assert response.status_code == 302
    assert draft.guests.count() == 0


@pytest.mark.django_db
def test_old_staff_addresses_redirect_permanently_into_the_admin(client, two_members):
    _melle, celles, _sent, _draft, _publication, own = two_members
    for old, new in (("/convocation/", "/admin/convocations/"),
                     (f"/convocation/seances/{own.pk}/", f"/admin/convocations/seances/{own.pk}/"),
                     (f"/convocation/seances/{own.pk}/rapport.csv?x=1",
                      f"/admin/convocations/seances/{own.pk}/rapport.csv?x=1"),
                     ("/convocation/economies/?annee=2026",
                      "/admin/convocations/economies/?annee=2026")):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == new, old
    # The redirect reveals nothing: the new address then applies the member's rules.
    client.force_login(celles.user())
    assert client.get(f"/convocation/seances/{own.pk}/", follow=True).status_code == 200


def other_searches(html: str) -> str:
    """The « Autres recherches » block of a search's results: the admin's search areas."""
    start = html.find('id="other-searches-title"')
    return html[start:html.find("</nav>", start)] if start >= 0 else ""


@pytest.mark.django_db
def test_the_admin_search_finds_the_hosts_sittings_only(client, two_members):
    melle, celles, sent, draft, _publication, own = two_members
    Sitting.objects.filter(pk__in=[sent.pk, draft.pk, own.pk]).update(title="Budget primitif")
    # Celles' secrétaire, also staff in Melle, searches on Celles' host.
    RegistrySeat.objects.create(member=melle.member, person=celles.secretary,
                                roles=["secretaire-de-mairie"], assemblies=[])
    client.force_login(celles.user())
    on_celles = {"HTTP_HOST": celles.member.hostname}
    theirs = [reverse("convocation:sitting", args=[s.pk]) for s in (sent, draft)]
    mine = reverse("convocation:sitting", args=[own.pk])
    item = sent.items.first().title
    for query in ("Budget", "budget primitif", melle.assembly.name, sent.place, item, "Melle"):
        for name in ("convocation:sittings", "convocation:sittings-results"):
            page = client.get(reverse(name), {"q": query}, **on_celles)
            assert page.status_code == 200, (name, query)
            html = page.content.decode()
            assert not any(url in html for url in theirs), (name, query)
            if "Melle" not in query:  # else the search box repeats it
                assert "Melle" not in html, (name, query)
    html = client.get(reverse("convocation:sittings"), {"q": "budget"}, **on_celles
                      ).content.decode()
    assert html.count(mine) >= 1
    # The search lands in the results with the admin's other search areas, this one first.
    areas = other_searches(html)
    assert f'href="{reverse("convocation:sittings")}?q=budget"' in areas
    # On Melle's host, the same person finds Melle's sittings and not Celles'.
    html = client.get(reverse("convocation:sittings"), {"q": "budget"},
                      HTTP_HOST=melle.member.hostname).content.decode()
    assert all(url in html for url in theirs) and mine not in html
    # A member that does not subscribe: no search area, and nothing found.
    RegistryMember.objects.filter(pk=celles.member.pk).update(services=["extranet"])
    html = client.get(reverse("convocation:sittings"), {"q": "budget"}, **on_celles
                      ).content.decode()
    assert mine not in html and not any(url in html for url in theirs)
    assert f'{reverse("convocation:sittings")}?q=' not in other_searches(html)


@pytest.mark.django_db
def test_the_sitting_policy_answers_for_the_hosts_staff_on_the_hosts_sittings(two_members):
    """The permission policy the listing, the menu and the search area ask."""
    from django.test import RequestFactory

    from convocation.policies import sitting_policy

    melle, celles, sent, draft, _publication, own = two_members
    user = celles.user()

    def bound(host):
        request = RequestFactory(HTTP_HOST=host).get("/admin/")
        request.user = user
        return sitting_policy.for_request(request)

    here = bound(celles.member.hostname)
    assert here.user_has_permission(user, "add") and here.user_has_permission(user, "view")
    assert list(here.instances_user_has_permission_for(user, "change")) == [own]
    assert not here.user_has_permission_for_instance(user, "view", sent)
    assert here.user_has_permission_for_instance(user, "change", own)
    # On Melle's host she is nobody's staff: the listing opens (it says why it is empty),
    # nothing else does.
    there = bound(melle.member.hostname)
    assert there.user_has_permission(user, "view") and not there.user_has_permission(user, "add")
    assert not there.instances_user_has_any_permission_for(user, ["view", "change"]).exists()
    # Not subscribing: the same.
    RegistryMember.objects.filter(pk=celles.member.pk).update(services=["extranet"])
    gone = bound(celles.member.hostname)
    assert not gone.user_has_permission(user, "add")
    assert not gone.instances_user_has_permission_for(user, "view").exists()

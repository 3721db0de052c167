"""Tenant isolation in the Wagtail admin, as a matrix: for every admin view and API endpoint
that lists or edits content, Alphaville's editor gets nothing of Bravoville's.

Every title of Bravoville's content carries "Bravoville", and its hostname
"bravoville.localhost": a response that holds that word (in any case) leaks. Each row is also
requested with Alphaville's own ids, to prove the view works and shows the editor's content.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from .content import Content, add_content

# (label, URL with {home} {news} {rev} {image} {doc} {alert} {site} of the target member,
#  what the editor gets for their own member: "lists" (200 and their content), "opens" (200),
#  or None (the view exists for them, its outcome does not matter here)).
MATRIX = [
    ("dashboard", "/admin/", "lists"),
    ("explorer", "/admin/pages/", "lists"),
    ("explorer of the home", "/admin/pages/{home}/", "lists"),
    ("explorer results", "/admin/pages/{home}/results/", "lists"),
    ("page edit", "/admin/pages/{news}/edit/", "opens"),
    ("page history", "/admin/pages/{news}/history/", "opens"),
    ("page revisions", "/admin/pages/{news}/revisions/", "opens"),
    ("page revision", "/admin/pages/{news}/revisions/{rev}/view/", "opens"),
    ("page revisions compare", "/admin/pages/{news}/revisions/compare/earliest...latest/", None),
    ("page draft", "/admin/pages/{news}/view_draft/", "opens"),
    ("page usage", "/admin/pages/{news}/usage/", "opens"),
    ("page copy", "/admin/pages/{news}/copy/", None),
    ("page move", "/admin/pages/{news}/move/", None),
    ("page delete", "/admin/pages/{news}/delete/", None),
    ("page unpublish", "/admin/pages/{news}/unpublish/", "opens"),
    ("page privacy", "/admin/pages/{news}/privacy/", None),
    ("page workflow history", "/admin/pages/{news}/workflow_history/", "opens"),
    ("add subpage", "/admin/pages/{home}/add_subpage/", "opens"),
    ("add page", "/admin/pages/add/wagtail_site_factory/standardpage/{home}/", "opens"),
    ("page search", "/admin/pages/search/?q=F%C3%AAte", "lists"),
    ("page search results", "/admin/pages/search/results/?q=F%C3%AAte", "lists"),
    ("pages of a type", "/admin/pages/usage/wagtail_site_factory/newspage/", "lists"),
    ("choose a parent", "/admin/pages/create/wagtail_site_factory/standardpage", None),
    ("page chooser", "/admin/choose-page/", "lists"),
    ("page chooser browse", "/admin/choose-page/{home}/", "lists"),
    ("page chooser search", "/admin/choose-page/search/?q=F%C3%AAte", "lists"),
    ("page chooser chosen", "/admin/choose-page/chosen-multiple/?id={news}", "lists"),
    ("pages API root", "/admin/api/main/pages/?child_of=root", "lists"),
    ("pages API children", "/admin/api/main/pages/?child_of={home}", "opens"),
    ("pages API detail", "/admin/api/main/pages/{home}/", "lists"),
    ("pages API search", "/admin/api/main/pages/?search=Alphaville&search_operator=or", None),
    ("pages API", "/admin/api/main/pages/", None),
    ("pages API by type", "/admin/api/main/pages/?type=wagtail_site_factory.NewsPage", None),
    ("images", "/admin/images/", "lists"),
    ("images search", "/admin/images/results/?q=Blason", "lists"),
    ("image edit", "/admin/images/{image}/", "lists"),
    ("image delete", "/admin/images/{image}/delete/", None),
    ("image usage", "/admin/images/usage/{image}/", "opens"),
    ("image URL generator", "/admin/images/{image}/generate_url/", None),
    ("image preview", "/admin/images/{image}/preview/original/", "opens"),
    ("image chooser", "/admin/images/chooser/", "lists"),
    ("image chooser search", "/admin/images/chooser/results/?q=Blason", "lists"),
    ("image chosen", "/admin/images/chooser/chosen/{image}/", "lists"),
    ("images chosen", "/admin/images/chooser/chosen-multiple/?id={image}", "lists"),
    ("images API", "/admin/api/main/images/", None),
    ("image API detail", "/admin/api/main/images/{image}/", None),
    ("documents", "/admin/documents/", "lists"),
    ("documents search", "/admin/documents/results/?q=D%C3%A9lib%C3%A9ration", "lists"),
    ("document edit", "/admin/documents/edit/{doc}/", "lists"),
    ("document delete", "/admin/documents/delete/{doc}/", None),
    ("document usage", "/admin/documents/usage/{doc}/", "opens"),
    ("document chooser", "/admin/documents/chooser/", "lists"),
    ("document chooser search", "/admin/documents/chooser/results/?q=D%C3%A9lib", "lists"),
    ("document chosen", "/admin/documents/chooser/chosen/{doc}/", "lists"),
    ("documents chosen", "/admin/documents/chooser/chosen-multiple/?id={doc}", "lists"),
    ("documents API", "/admin/api/main/documents/", None),
    ("document API detail", "/admin/api/main/documents/{doc}/", None),
    ("snippets", "/admin/snippets/", None),
    ("alerts", "/admin/snippets/wagtail_site_factory/sitealert/", "lists"),
    ("alerts results", "/admin/snippets/wagtail_site_factory/sitealert/results/", "lists"),
    ("alert add", "/admin/snippets/wagtail_site_factory/sitealert/add/", "lists"),
    ("alert edit", "/admin/snippets/wagtail_site_factory/sitealert/edit/{alert}/", "lists"),
    ("alert delete", "/admin/snippets/wagtail_site_factory/sitealert/delete/{alert}/", "lists"),
    ("alert usage", "/admin/snippets/wagtail_site_factory/sitealert/usage/{alert}/", "opens"),
    ("alert history", "/admin/snippets/wagtail_site_factory/sitealert/history/{alert}/",
     "opens"),
    ("alert copy", "/admin/snippets/wagtail_site_factory/sitealert/copy/{alert}/", "lists"),
    ("alert chooser", "/admin/snippets/choose/wagtail_site_factory/sitealert/", "lists"),
    ("alert chosen", "/admin/snippets/choose/wagtail_site_factory/sitealert/chosen/{alert}/",
     "lists"),
    ("alerts chosen",
     "/admin/snippets/choose/wagtail_site_factory/sitealert/chosen-multiple/?id={alert}",
     "lists"),
    ("site settings", "/admin/settings/wagtail_site_factory/communesettings/", "lists"),
    ("site settings of a site", "/admin/settings/wagtail_site_factory/communesettings/{site}/",
     "lists"),
    ("locked pages report", "/admin/reports/locked/", "lists"),
    ("site history report", "/admin/reports/site-history/", "lists"),
    ("aging pages report", "/admin/reports/aging-pages/", "lists"),
    ("page types report", "/admin/reports/page-types-usage/", None),
    ("workflows report", "/admin/reports/workflow/", None),
    ("workflow tasks report", "/admin/reports/workflow_tasks/", None),
    ("collections", "/admin/collections/", None),
    ("users", "/admin/users/", None),
    ("groups", "/admin/groups/", None),
    ("sites", "/admin/sites/", None),
]


def ids(content: Content) -> dict:
    return {"home": content.home.pk, "news": content.news.pk,
            "rev": content.news.latest_revision_id, "image": content.image.pk,
            "doc": content.document.pk, "alert": content.alert.pk,
            "site": content.home.get_site().pk}


def get(client: Client, url: str, host: str):
    response = client.get(url, follow=True, HTTP_HOST=host)
    body = b"" if response.streaming else response.content
    return response, body.decode(errors="replace").lower()


@pytest.fixture
def contents(sites, editor_a: User, editor_b: User) -> tuple[Content, Content]:
    a, b = sites.members[:2]
    return add_content(a.code, "Alphaville", editor_a), add_content(b.code, "Bravoville", editor_b)


@pytest.mark.parametrize("host", ["alphaville.localhost", "localhost"])
def test_an_editor_gets_nothing_of_another_members_content(contents, editor_a, host):
    """Through their own site's hostname, and through a hostname that is no member's."""
    own, other = contents
    client = Client()
    client.force_login(editor_a)
    leaks, broken = [], []
    for label, template, expected in MATRIX:
        response, body = get(client, template.format(**ids(other)), host)
        if "bravoville" in body or response.status_code >= 500:
            leaks.append(f"{label}: {template.format(**ids(other))} -> {response.status_code}")
        if host != "localhost":
            continue  # the editor's own views are checked once, through the neutral host
        response, body = get(client, template.format(**ids(own)), host)
        if response.status_code >= 500 or "bravoville" in body:
            broken.append(f"{label} (own): {response.status_code}")
        elif expected in ("lists", "opens") and response.status_code != 200:
            broken.append(f"{label} (own): {response.status_code}, expected 200")
        elif expected == "lists" and "alphaville" not in body:
            broken.append(f"{label} (own): the editor's own content is missing")
    assert not leaks, "leaks of Bravoville's content:\n" + "\n".join(leaks)
    assert not broken, "views that fail their own editor:\n" + "\n".join(broken)


def test_an_editor_cannot_put_an_alert_on_another_site(contents, editor_a):
    own, other = contents
    client = Client()
    client.force_login(editor_a)
    url = "/admin/snippets/wagtail_site_factory/sitealert/add/"
    response = client.post(url, {"site": ids(other)["site"], "message": "Intrusion",
                                 "starts": "2025-01-01 10:00"}, HTTP_HOST="alphaville.localhost")
    assert response.status_code == 200  # the form comes back with an error
    from wagtail_site_factory.models import SiteAlert

    assert not SiteAlert.objects.filter(message="Intrusion").exists()
    response = client.post(url, {"site": ids(own)["site"], "message": "Marché annulé",
                                 "starts": "2025-01-01 10:00"}, HTTP_HOST="alphaville.localhost")
    assert response.status_code == 302
    assert SiteAlert.objects.get(message="Marché annulé").site_id == ids(own)["site"]


def test_an_editor_cannot_save_another_sites_settings_or_pages(contents, editor_a):
    own, other = contents
    client = Client()
    client.force_login(editor_a)
    url = f"/admin/settings/wagtail_site_factory/communesettings/{ids(other)['site']}/"
    response = client.post(url, {"primary_color": "#000000", "secondary_color": "#ffffff"},
                           HTTP_HOST="alphaville.localhost")
    assert response.status_code in (302, 403, 404)
    from wagtail_site_factory.models import CommuneSettings

    assert CommuneSettings.objects.get(site_id=ids(other)["site"]).primary_color != "#000000"
    response = client.post(f"/admin/pages/{other.news.pk}/edit/",
                           {"title": "Piraté", "slug": "pirate", "date": "2025-01-01"},
                           HTTP_HOST="alphaville.localhost")
    assert response.status_code in (302, 403, 404)
    other.news.refresh_from_db()
    assert other.news.title == "Fête de Bravoville"


@pytest.mark.parametrize("host, allowed", [("alphaville.localhost", True),
                                           ("bravoville.localhost", False),
                                           ("localhost", True)])
def test_an_editor_logs_in_only_through_their_own_sites_hostname(editor_a, host, allowed):
    client = Client()
    response = client.post("/admin/login/", {"username": "alice",
                                             "password": "motdepasse-test"}, HTTP_HOST=host)
    assert response.status_code == (302 if allowed else 403)
    assert ("_auth_user_id" in client.session) is allowed
    if not allowed:
        assert "ne donne pas accès" in response.content.decode()


def test_a_session_opened_elsewhere_is_refused_on_another_members_hostname(editor_a):
    client = Client()
    client.force_login(editor_a)
    assert client.get("/admin/", HTTP_HOST="alphaville.localhost").status_code == 200
    response = client.get("/admin/", HTTP_HOST="bravoville.localhost")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session  # logged out


def test_superusers_see_every_site(contents):
    admin = User.objects.create_superuser("admin", "admin@example.fr", "x")
    client = Client()
    client.force_login(admin)
    body = client.get("/admin/choose-page/", HTTP_HOST="localhost").content.decode()
    assert "Alphaville" in body and "Bravoville" in body

"""The parapheur's staff pages in the Wagtail admin (/admin/parapheur/), probed from another
member's staff: on their own host and on the member's, every page naming one of Alphaville's
objects (folder, document, bordereau, journal, circuit, delegation, official's credential) is
a 404, a POST changes nothing, and no listing, filter, form choice or menu shows Alphaville's
names. The old /parapheur/ addresses redirect permanently to the admin, where the same rules
apply."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.utils import timezone

from provisioning import people
from signature import workflow
from signature.models import SIGNATURE, VISA, Circuit, Delegation, Folder
from signature.workflow import StepSpec
from tests.factories import add_person, make_pdf

ALPHA_HOST, BRAVO_HOST = "alphaville.localhost", "bravoville.localhost"
SECRET = "Subvention secrète"  # in Alphaville's folder, circuit and delegation pages only


@pytest.fixture
def alpha(registry):
    """Alphaville's circuit, folder (with an annex) and delegation; its DGS; Bravoville's
    staff (a DGS, who may open every staff page of their own member)."""
    reg = registry
    circuit = workflow.define_circuit(reg.alpha, "Circuit confidentiel", "Délibération secrète",
                                      [StepSpec(VISA, [reg.adjoint]),
                                       StepSpec(SIGNATURE, [reg.maire])])
    folder = workflow.submit(reg.secretaire, reg.alpha, SECRET, "Délibération secrète",
                             [("secret.pdf", make_pdf(SECRET))],
                             [("plan.pdf", make_pdf("Plan"))])
    delegation = workflow.delegate(reg.alpha, reg.maire, reg.adjoint, timezone.localdate(),
                                   timezone.localdate())
    add_person(reg.alpha, "pdgs", "Pascale", "Directrice", ["dgs"])
    bravo_dgs = add_person(reg.bravo, "bdgs", "Bernard", "Directeur", ["dgs"])
    return {"circuit": circuit, "folder": folder, "delegation": delegation,
            "bravo_dgs": bravo_dgs, "reg": reg}


def staff_urls(objects) -> tuple[list[str], list[tuple[str, dict]]]:
    """Every admin page of the parapheur that names one of Alphaville's objects or its code,
    and every POST that changes something."""
    reg, folder, circuit = objects["reg"], objects["folder"], objects["circuit"]
    doc = folder.documents.first()
    f = f"/admin/parapheur/dossiers/{folder.pk}/"
    m = f"/admin/parapheur/collectivites/{reg.alpha.code}/"
    gets = [f, f"{f}documents/{doc.pk}/", f"{f}bordereau.pdf", f"{f}journal.json",
            f"{f}journal.csv", f"{m}circuits/", f"{m}circuits/resultats/",
            f"{m}circuits/nouveau/",
            f"{m}circuits/{circuit.pk}/", f"{m}delegations/", f"{m}certificats/",
            f"{m}certificats/{reg.maire.uid}/"]
    # Bravoville's code, with Alphaville's ids
    b = f"/admin/parapheur/collectivites/{reg.bravo.code}/"
    gets += [f"{b}circuits/{circuit.pk}/"]
    posts = [(f, {"action": "resubmit"}), (f, {"action": "publish"}),
             (f, {"action": "approve", "on_behalf": reg.adjoint.uid}),
             (f"{m}circuits/nouveau/", {"name": "Intrus", "folder_type": "Intrus"}),
             (f"{m}circuits/{circuit.pk}/", {"name": "Intrus", "folder_type": "Intrus"}),
             (f"{m}circuits/{circuit.pk}/activation/", {"active": "0"}),
             (f"{b}circuits/{circuit.pk}/activation/", {"active": "0"}),
             (f"{m}delegations/", {"delegator": "smaire", "delegate": "padjoint",
                                   "start": "2026-01-01", "end": "2026-01-02"}),
             (f"{m}delegations/{objects['delegation'].pk}/fin/", {}),
             (f"{b}delegations/{objects['delegation'].pk}/fin/", {}),
             (f"{m}certificats/{reg.maire.uid}/", {"kind": "pkcs12"})]
    return gets, posts


def logged_in(person, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(User.objects.get_or_create(username=person.uid)[0])
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def unchanged(objects) -> None:
    circuit = Circuit.objects.get(pk=objects["circuit"].pk)
    folder = Folder.objects.get(pk=objects["folder"].pk)
    delegation = Delegation.objects.get(pk=objects["delegation"].pk)
    assert circuit.active and circuit.name == "Circuit confidentiel"
    assert Circuit.objects.count() == 1 and Delegation.objects.count() == 1
    assert folder.position == 0 and folder.status == Folder.IN_PROGRESS
    assert delegation.end == timezone.localdate()


@pytest.mark.parametrize("host", [BRAVO_HOST, ALPHA_HOST])
def test_another_members_staff_gets_404_on_every_page_naming_alphavilles_objects(alpha, host):
    client = logged_in(alpha["bravo_dgs"], host)
    gets, posts = staff_urls(alpha)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 404, (host, url)
        assert SECRET not in text(response) and "confidentiel" not in text(response), url
    for url, data in posts:
        assert client.post(url, data).status_code == 404, (host, url)
    unchanged(alpha)


def test_the_listings_filters_and_forms_show_only_the_hosts_member(alpha):
    reg = alpha["reg"]
    client = logged_in(alpha["bravo_dgs"], BRAVO_HOST)
    own = [
        "/admin/parapheur/", "/admin/parapheur/resultats/",
        # filtering and searching on Alphaville's values finds nothing
        f"/admin/parapheur/?circuit={alpha['circuit'].pk}",
        "/admin/parapheur/?folder_type=D%C3%A9lib%C3%A9ration+secr%C3%A8te",
        "/admin/parapheur/?q=secr%C3%A8te", "/admin/parapheur/resultats/?q=Subvention",
        "/admin/parapheur/?status=in_progress&ordering=-created_at",
        "/admin/parapheur/deposer/", "/admin/parapheur/verifier/",
        f"/admin/parapheur/collectivites/{reg.bravo.code}/circuits/",
        f"/admin/parapheur/collectivites/{reg.bravo.code}/circuits/nouveau/",
        # the circuits' listing: its search, filters, sorting and results, Bravoville's
        f"/admin/parapheur/collectivites/{reg.bravo.code}/circuits/?q=confidentiel",
        f"/admin/parapheur/collectivites/{reg.bravo.code}/circuits/resultats/?q=Circuit",
        f"/admin/parapheur/collectivites/{reg.bravo.code}/circuits/?state=active"
        "&ordering=-name&p=1",
        f"/admin/parapheur/collectivites/{reg.bravo.code}/circuits/?folder_type="
        "D%C3%A9lib%C3%A9ration+secr%C3%A8te",
        f"/admin/parapheur/collectivites/{reg.bravo.code}/delegations/",
        f"/admin/parapheur/collectivites/{reg.bravo.code}/certificats/"]
    for url in own:
        response = client.get(url)
        assert response.status_code == 200, url
        page = text(response)
        names = [SECRET, "Circuit confidentiel", "Alphaville", "Sylvie", "Paul Adjoint",
                 reg.alpha.code]
        if "folder_type=" not in url:  # else the filter's error repeats the value asked for
            names.append("Délibération secrète")
        for name in names:
            assert name not in page, (url, name)
    # a deposit naming Alphaville is refused, its types are not Bravoville's
    response = client.post("/admin/parapheur/deposer/", {
        "member": reg.alpha.pk, "title": "Intrus", "folder_type": "Délibération secrète",
        "documents": SimpleUploadedFile("x.pdf", make_pdf(), "application/pdf")})
    assert response.status_code == 400 and not Folder.objects.filter(title="Intrus").exists()


def test_alphavilles_staff_sees_its_objects_on_its_host_only(alpha):
    reg = alpha["reg"]
    client = logged_in(reg.secretaire, ALPHA_HOST)
    listing = text(client.get("/admin/parapheur/"))
    assert SECRET in listing and "Déposer un dossier" in listing
    assert text(client.get(f"/admin/parapheur/?circuit={alpha['circuit'].pk}")).count(
        SECRET) >= 1
    assert SECRET not in text(client.get("/admin/parapheur/?status=done"))
    gets, _ = staff_urls(alpha)
    dgs = logged_in(people.person("pdgs"), ALPHA_HOST)
    for url in gets[:-1]:  # the last one names Bravoville's code
        assert dgs.get(url).status_code == 200, url
    assert dgs.get(gets[-1]).status_code == 404
    # the same staff on another member's host: nothing of Alphaville
    elsewhere = logged_in(reg.secretaire, BRAVO_HOST)
    for url in gets:
        assert elsewhere.get(url).status_code == 404, url
    assert elsewhere.get("/admin/parapheur/").status_code == 403


def test_the_menu_item_is_shown_to_the_staff_of_a_subscribing_member_only(alpha):
    reg = alpha["reg"]
    assert '"url": "/admin/parapheur/"' in text(logged_in(reg.secretaire, ALPHA_HOST)
                                              .get("/admin/"))
    reg.bravo.services = ["extranet"]  # Bravoville no longer subscribes
    reg.bravo.save()
    bravo = logged_in(alpha["bravo_dgs"], BRAVO_HOST)
    home = bravo.get("/admin/")
    assert home.status_code == 200 and '"url": "/admin/parapheur/"' not in text(home)
    assert bravo.get("/admin/parapheur/").status_code == 403
    # an official has no admin at all
    response = logged_in(reg.maire, ALPHA_HOST).get("/admin/parapheur/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_old_addresses_redirect_permanently_and_are_refused_the_same(alpha):
    reg, folder = alpha["reg"], alpha["folder"]
    gets, _ = staff_urls(alpha)
    gets = [url for url in gets if "/resultats/" not in url]  # new in the admin: no old one
    old = [url.replace("/admin/parapheur/", "/parapheur/") for url in gets]
    client = logged_in(alpha["bravo_dgs"], BRAVO_HOST)
    for url, new in zip(old, gets, strict=True):
        response = client.get(url + "?p=2")
        assert response.status_code == 301, url
        assert response["Location"] == new + "?p=2", url
        assert client.get(response["Location"]).status_code == 404, new
    for url in ("/parapheur/", "/parapheur/deposer/", "/parapheur/verifier/"):
        assert client.get(url)["Location"] == url.replace("/parapheur/", "/admin/parapheur/")
    moved = client.get("/parapheur/mon-certificat/")
    assert moved.status_code == 301
    assert moved["Location"] == "/espace-elus/parapheur/mon-certificat/"
    # and the signers' pages stay in the officials' space, refused to another member too
    for url in (f"/espace-elus/parapheur/dossiers/{folder.pk}/",
                f"/espace-elus/parapheur/dossiers/{folder.pk}/bordereau.pdf"):
        assert logged_in(reg.other, BRAVO_HOST).get(url).status_code == 404, url


def test_the_matrix_covers_every_admin_view_of_the_parapheur():
    """test_admin_isolation's walk leaves the `signature` namespace to this file: a new view
    fails here until a test above probes it."""
    from signature import urls

    probed = {"index", "index_results", "submit", "verify", "folder", "document", "report",
              "audit", "circuits", "circuits_results", "circuit_new", "circuit_edit",
              "circuit_activation",
              "delegations", "delegation_end", "credentials", "credential_install"}
    assert {p.name for p in urls.urlpatterns} == probed


def test_the_admin_search_finds_the_hosts_folders_only(alpha):
    reg = alpha["reg"]
    workflow.define_circuit(reg.bravo, "Circuit du maire", "Arrêté",
                            [StepSpec(SIGNATURE, [reg.other])])
    own = workflow.submit(reg.other, reg.bravo, "Subvention du comité des fêtes", "Arrêté",
                          [("fetes.pdf", make_pdf("Fêtes"))])
    theirs = f"/admin/parapheur/dossiers/{alpha['folder'].pk}/"
    mine = f"/admin/parapheur/dossiers/{own.pk}/"
    client = logged_in(alpha["bravo_dgs"], BRAVO_HOST)
    for query in ("Subvention", "secrète", "Délibération", "Alphaville", reg.alpha.code):
        for url in ("/admin/parapheur/", "/admin/parapheur/resultats/"):
            page = text(client.get(url, {"q": query}))
            assert theirs not in page and SECRET not in page, (url, query)
    page = text(client.get("/admin/parapheur/", {"q": "Subvention"}))
    assert mine in page
    assert 'href="/admin/parapheur/?q=Subvention"' in page  # the search area, in the results
    # Alphaville's secrétaire, on her host, finds hers and not Bravoville's.
    page = text(logged_in(reg.secretaire, ALPHA_HOST).get("/admin/parapheur/",
                                                          {"q": "Subvention"}))
    assert theirs in page and mine not in page
    # A member that no longer subscribes: no search area in its admin, nothing found.
    reg.bravo.services = ["extranet"]
    reg.bravo.save()
    bravo = logged_in(alpha["bravo_dgs"], BRAVO_HOST)
    assert bravo.get("/admin/parapheur/", {"q": "Subvention"}).status_code == 403
    from signature.wagtail_hooks import parapheur_search_area

    request = RequestFactory(HTTP_HOST=BRAVO_HOST).get("/admin/")
    request.user = User.objects.get(username=alpha["bravo_dgs"].uid)
    assert not parapheur_search_area().is_shown(request)
    request = RequestFactory(HTTP_HOST=ALPHA_HOST).get("/admin/")
    request.user = User.objects.get_or_create(username=reg.secretaire.uid)[0]
    assert parapheur_search_area().is_shown(request)


def test_the_parapheur_policy_answers_for_the_hosts_staff_on_the_hosts_objects(alpha):
    """The permission policy the listing, the folder pages, the menu and the search area ask."""
    from signature.policies import circuit_policy, folder_policy

    reg = alpha["reg"]
    secretaire = User.objects.get_or_create(username=reg.secretaire.uid)[0]
    bravo_dgs = User.objects.get_or_create(username=alpha["bravo_dgs"].uid)[0]

    def bound(policy, user, host):
        request = RequestFactory(HTTP_HOST=host).get("/admin/")
        request.user = user
        return policy.for_request(request)

    folder, circuit = alpha["folder"], alpha["circuit"]
    mine = bound(folder_policy, secretaire, ALPHA_HOST)
    assert all(mine.user_has_permission(secretaire, a) for a in ("view", "add", "change"))
    assert list(mine.instances_user_has_permission_for(secretaire, "change")) == [folder]
    assert mine.user_has_permission_for_instance(secretaire, "change", folder)
    assert set(mine.users_with_permission("change")) == {secretaire}
    # The same policy, asked about another user, or not bound to a request, refuses.
    assert not mine.user_has_permission(bravo_dgs, "view")
    assert not mine.instances_user_has_permission_for(bravo_dgs, "view").exists()
    assert not folder_policy.user_has_permission(secretaire, "view")
    # Another member's staff: nothing of Alphaville's, on either host.
    for host in (BRAVO_HOST, ALPHA_HOST):
        for policy, instance in ((folder_policy, folder), (circuit_policy, circuit)):
            theirs = bound(policy, bravo_dgs, host)
            assert not theirs.user_has_permission_for_instance(bravo_dgs, "view", instance)
            assert instance not in theirs.instances_user_has_any_permission_for(
                bravo_dgs, ["view", "change"])
            assert secretaire not in theirs.users_with_any_permission(["change"])
    # Alphaville's secrétaire on Bravoville's host: nothing either.
    assert not bound(folder_policy, secretaire, BRAVO_HOST).user_has_permission(
        secretaire, "view")

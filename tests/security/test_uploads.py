"""Uploads and private files: what Mutualis promises about every file a person hands to it.

1. Every file of the apps (convocation notes, projects, annexes, dossiers and publications;
   parapheur documents and annexes; acts and their annexes) is stored outside MEDIA_ROOT, in
   the private storage, under a name nobody can guess, readable by the application only.
   Nothing of it answers under /media/.
2. A private file comes back only through a view that checked the person's rights, with
   `nosniff`, no shared caching, and either a sandboxing CSP and `attachment`, or (a PDF whose
   bytes say so) inline under a policy that allows nothing but the viewer.
3. One upload policy holds on every upload path, in the form and again in the service that
   stores the file: the size is checked from what was streamed (nothing past the limit is
   written), the type is read from the content (never the name), a PDF is parsed, and a PDF
   with active content, a "PDF" that is HTML, an HTML or SVG annex are refused with a sentence
   naming the file; nothing is stored when a file is refused.
4. Files stored before these rules are moved out of MEDIA_ROOT by the migrations.

The classes are walked, not sampled: every model FileField, every form file field, every
upload path and every download view of the apps.
"""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import FileField
from django.test import Client
from django.urls import reverse
from pypdf import PdfWriter

from actes import services as acts
from actes.models import Act, ActAnnex
from actes.natures import DELIBERATION
from convocation import sending
from convocation.models import AgendaItem, Annex, Dispatch, Publication, Sitting
from mutualis import uploads
from mutualis.private_files import (
    INLINE_PDF,
    SANDBOX,
    PrivateStorage,
    TokenPath,
    move_dossiers_to_private,
    move_to_private,
    private_root,
)
from provisioning.models import RegistryMember
from signature import workflow
from signature.errors import SignatureError
from signature.models import SIGNATURE, Document, Folder
from signature.workflow import StepSpec
from tests.actes.classification import classification_xml
from tests.convocation.sittings import make_sitting, prepared
from tests.factories import add_person, make_council
from tests.factories import make_pdf as pdf

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.media_urls")]

# Model FileFields that are public by design: the sites' images and documents (Wagtail serves
# documents through its view, which checks collection privacy), avatars, and Wagtail's own
# temporary multiple-upload files (never served under /media/, see serve_media).
PUBLIC_FILE_FIELDS = {("wagtailimages.Image", "file"), ("wagtailimages.Rendition", "file"),
                      ("wagtaildocs.Document", "file"), ("wagtailusers.UserProfile", "avatar"),
                      ("wagtailcore.UploadedFile", "file")}
OUR_APPS = ("convocation", "signature", "actes", "portal", "ldap_sync", "provisioning",
            "wagtail_site_factory", "nextcloud_bridge", "mail_service", "mutualis")


def js_pdf() -> bytes:
    """A real PDF that runs JavaScript when opened (a document-level script in /Names)."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    action = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert('planted');")}))
    writer._root_object[NameObject("/Names")] = DictionaryObject({
        NameObject("/JavaScript"): DictionaryObject({
            NameObject("/Names"): ArrayObject([TextStringObject("planted"), action])})})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def open_action_pdf() -> bytes:
    """A real PDF whose opening action launches JavaScript (an /OpenAction, no /Names)."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert(1)")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


HOSTILE = {
    "html-behind-a-pdf-header": (b"%PDF-1.4\n<html><script>alert(document.cookie)</script>",
                                 "HTML"),
    "html-named-pdf": (b"<!DOCTYPE html><script>alert(1)</script>", "n'est pas un PDF"),
    "javascript-in-pdf": (js_pdf(), "contenu actif"),
    "open-action-in-pdf": (open_action_pdf(), "contenu actif"),
    "truncated-pdf": (pdf("Coupé")[:300], "n'est pas un PDF lisible"),
}
HOSTILE_ANNEXES = {
    "html-annex": (b"<html><body><script>alert(1)</script></body></html>", "type accepté"),
    "svg-annex": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                  "type accepté"),
    "javascript-in-pdf": (js_pdf(), "contenu actif"),
}


def file_upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def all_stored_names() -> set[str]:
    """Every file name the apps' private FileFields and dossier records hold."""
    names = set()
    for model, fields in ((Sitting, ["note"]), (AgendaItem, ["project"]), (Annex, ["file"]),
                          (Publication, ["file"]), (Document, ["original", "file"]),
                          (Act, ["document"]), (ActAnnex, ["file"])):
        for row in model.objects.values_list(*fields):
            names |= {n for n in row if n}
    for files in Dispatch.objects.values_list("files", flat=True):
        names |= {r["path"] for r in files or []}
    return names


def files_under(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def media(media, settings):
    settings.MUTUALIS_BASE_URL = "http://testserver"
    settings.MUTUALIS_TSA_URL = ""
    settings.MUTUALIS_SIGNATURE_KEY = "clé-de-test-pour-le-chiffrement"
    settings.MUTUALIS_PARAPHEUR_PUBLISH = False
    settings.MUTUALIS_SIGNATURE_LEVEL = ""
    return media


def staff(member: RegistryMember, uid: str) -> User:
    add_person(member, uid)
    return User.objects.get_or_create(username=uid)[0]


@pytest.fixture
def everything(media):
    """One member with a file in every private place: a sent sitting's note, projects,
    annexes, dossier and a publication; a parapheur folder with an annex; an act with an
    annex."""
    council = make_council(name="Alphaville")
    council.member.services = ["extranet", "agenda", "convocation", "parapheur"]
    council.member.save()
    sitting, tokens = prepared(council)
    publication = Publication(sitting=sitting, kind=Publication.DELIBERATIONS, sha256="0" * 64,
                              due_by=sitting.starts_at.date())
    publication.file.save("liste.pdf", ContentFile(pdf("Liste des délibérations")))
    maire = council.elected[0]
    workflow.define_circuit(council.member, "Délibérations", "Délibération",
                            [StepSpec(SIGNATURE, [maire])])
    folder = workflow.submit(council.secretary, council.member, "Tarifs", "Délibération",
                             [("tarifs.pdf", pdf("Tarifs"))],
                             [("plan.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)])
    acts.import_classification(council.member, classification_xml())
    act = acts.record_act(council.member, number="2026_001", nature=DELIBERATION,
                          decision_date=sitting.starts_at.date(), subject="Tarifs",
                          matter_code="7.1", filename="deliberation.pdf", pdf=pdf("Acte"),
                          annexes=[("Plan", "plan.pdf", pdf("Plan"))])
    return council, sitting, tokens, publication, folder, act


# ------------------------------------------------------------------ 1. storage


def test_every_file_field_of_the_apps_stores_privately_under_an_unguessable_name():
    private, public = [], []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not isinstance(field, FileField):
                continue
            key = (model._meta.label, field.name)
            if key in PUBLIC_FILE_FIELDS:
                public.append(key)
                continue
            assert isinstance(field.storage, PrivateStorage), f"{key} is not private"
            assert isinstance(field.upload_to, TokenPath), f"{key} has guessable names"
            private.append(key)
    assert len(private) >= 8 and public  # the walk found the apps' fields


def test_no_file_of_the_apps_is_under_media_root_nor_answers_under_media(everything, media,
                                                                         client):
    names = all_stored_names()
    assert len(names) >= 10
    assert not files_under(media), files_under(media)
    root = private_root()
    for name in names:
        assert (root / name).is_file(), name
        # a random segment of 32 characters: a path nobody guesses
        assert re.search(r"/[A-Za-z0-9_-]{32}/", "/" + name), name
        assert client.get(f"/media/{name}").status_code == 404, name
    for path in [root, *[p for p in root.rglob("*")]]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_media_serves_public_uploads_typed_never_run(media, client):
    default_storage.save("images/logo.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\0" * 32))
    default_storage.save("images/page.html", ContentFile(b"<script>alert(1)</script>"))
    default_storage.save("documents/acte.pdf", ContentFile(pdf("Acte")))
    default_storage.save("wagtail_uploads/brouillon.pdf", ContentFile(pdf("Brouillon")))
    image = client.get("/media/images/logo.png")
    assert image.status_code == 200 and image["X-Content-Type-Options"] == "nosniff"
    planted = client.get("/media/images/page.html")
    assert planted["Content-Disposition"] == "attachment"
    assert planted["Content-Security-Policy"] == SANDBOX
    # Wagtail documents only through Wagtail's view, which checks the collection's privacy.
    assert client.get("/media/documents/acte.pdf").status_code == 404
    assert client.get("/media/wagtail_uploads/brouillon.pdf").status_code == 404


# ------------------------------------------------------------------ 2. downloads


def download_urls(everything) -> dict[str, tuple[str, User | None, bool]]:
    """Every view of the apps that returns a stored file: its URL, who may fetch it, and
    whether it is shown inline (a PDF) or downloaded."""
    council, sitting, tokens, publication, folder, act = everything
    secretary = User.objects.get_or_create(username=council.secretary.uid)[0]
    dossier = Dispatch.objects.get(sitting=sitting).files[0]["name"]
    uid = council.elected[1].uid
    return {
        "convocation dossier (staff)": (
            reverse("convocation:document", args=[sitting.pk, dossier]), secretary, True),
        "convocation dossier (official's link)": (
            reverse("convocation_link:link-document", args=[tokens[uid], dossier]), None, True),
        "convocation publication": (
            reverse("convocation:publication", args=[sitting.pk, publication.pk]), secretary,
            False),
        "parapheur document": (
            reverse("signature:document", args=[folder.pk, folder.documents.get(
                kind=Document.MAIN).pk]), secretary, False),
        "parapheur annex": (
            reverse("signature:document", args=[folder.pk, folder.documents.get(
                kind=Document.ANNEX).pk]), secretary, False),
        "act": (reverse("actes:document", args=[act.pk]), secretary, False),
    }


def test_every_download_view_checks_rights_and_sends_files_safely(everything):
    outsider_member = make_council(name="Bravoville").member
    outsider = staff(outsider_member, "intrus")
    host = everything[0].member.hostname  # the staff pages answer on the member's host
    for what, (url, user, inline) in download_urls(everything).items():
        client = Client(HTTP_HOST=host)
        if user is not None:
            assert client.get(url).status_code in (302, 403, 404), f"{what}: anonymous"
            client.force_login(outsider)
            assert client.get(url).status_code in (403, 404), f"{what}: another member"
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, what
        assert response["X-Content-Type-Options"] == "nosniff", what
        assert "no-store" in response["Cache-Control"], what
        disposition = response["Content-Disposition"]
        if inline:
            assert response["Content-Type"] == "application/pdf", what
            assert disposition.startswith("inline;"), what
            assert response["Content-Security-Policy"] == INLINE_PDF, what
        else:
            assert disposition.startswith("attachment;"), what
            assert response["Content-Security-Policy"] == SANDBOX, what
        assert "text/html" not in response["Content-Type"], what


def test_a_download_is_typed_by_its_bytes_never_by_its_name(everything):
    council, sitting, tokens, publication, folder, act = everything
    annex = folder.documents.get(kind=Document.ANNEX)
    (private_root() / annex.file.name).write_bytes(b"<html><script>x</script>")
    Document.objects.filter(pk=annex.pk).update(name="page.html")  # a name that says HTML
    client = Client(HTTP_HOST=council.member.hostname)
    client.force_login(User.objects.get_or_create(username=council.secretary.uid)[0])
    response = client.get(reverse("signature:document", args=[folder.pk, annex.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_with_nginx_in_front_a_private_file_is_handed_over_by_x_accel_redirect(everything,
                                                                              settings):
    settings.MUTUALIS_PRIVATE_ACCEL = "/_prive/"
    url, user, _ = download_urls(everything)["act"]
    client = Client(HTTP_HOST=everything[0].member.hostname)
    client.force_login(user)
    response = client.get(url)
    act = everything[5]
    assert response["X-Accel-Redirect"] == "/_prive/" + act.document.name
    assert response.content == b"" and response["Content-Security-Policy"] == SANDBOX


def test_wagtail_documents_are_served_by_their_view_with_a_file_policy(media, client,
                                                                       django_user_model):
    from wagtail.documents.models import Document as WagtailDocument

    pdf_doc = WagtailDocument.objects.create(title="Acte", file=ContentFile(pdf("A"), "a.pdf"))
    text_doc = WagtailDocument.objects.create(title="Note", file=ContentFile(
        b"<script>alert(1)</script>", "note.txt"))
    shown = client.get(pdf_doc.url)
    assert shown.status_code == 200 and shown["Content-Security-Policy"] == INLINE_PDF
    downloaded = client.get(text_doc.url)
    assert downloaded["Content-Security-Policy"] == SANDBOX
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert downloaded["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------------ 3. the upload policy


def form_classes() -> list[type[forms.BaseForm]]:
    import mutualis.urls  # noqa: F401 (imports every app's views, hence forms)

    seen, stack = [], list(forms.BaseForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in OUR_APPS and cls not in seen:
            seen.append(cls)
    return seen


def test_every_file_field_of_every_form_applies_the_upload_policy():
    fields = [(cls, name) for cls in form_classes()
              for name, field in getattr(cls, "base_fields", {}).items()
              if isinstance(field, forms.FileField)]
    assert len(fields) >= 8, fields  # notes, projects, annexes, parapheur, acts, verify...
    for cls, name in fields:
        assert getattr(cls.base_fields[name], "upload_policy", False), \
            f"{cls.__module__}.{cls.__name__}.{name} skips the upload policy"


def upload_paths(everything):
    """Every upload path of the apps: (name, user, url, form data builder, stored rows)."""
    council, sitting, tokens, publication, folder, act = everything
    draft = make_sitting(council, days_ahead=20, items=1, annexes=0, note=False)
    item = draft.items.get()
    secretary = User.objects.get_or_create(username=council.secretary.uid)[0]
    member = council.member.pk
    return {
        "convocation note": (
            secretary, reverse("convocation:note", args=[draft.pk]),
            lambda f: {"note": f}, lambda: Sitting.objects.exclude(note="").count()),
        "convocation project": (
            secretary, reverse("convocation:item-add", args=[draft.pk]),
            lambda f: {"title": "Budget", "project": f}, AgendaItem.objects.count),
        "convocation annex": (
            secretary, reverse("convocation:annex-add", args=[draft.pk]),
            lambda f: {"item": item.pk, "title": "Tableau", "file": f}, Annex.objects.count),
        "parapheur document": (
            secretary, reverse("signature:submit"),
            lambda f: {"member": member, "title": "Subvention", "folder_type": "Délibération",
                       "documents": f}, Folder.objects.count),
        "act": (
            secretary, reverse("actes:add"),
            lambda f: {"member": member, "number": "2026_002", "nature": DELIBERATION,
                       "decision_date": "2026-03-03", "subject": "Tarifs", "matter": "7.1",
                       "document": f}, Act.objects.count),
        "act annex": (
            secretary, reverse("actes:add"),
            lambda f: {"member": member, "number": "2026_003", "nature": DELIBERATION,
                       "decision_date": "2026-03-03", "subject": "Tarifs", "matter": "7.1",
                       "document": file_upload("acte.pdf", pdf("Acte")), "annexes": [f]},
            Act.objects.count),
    }


PARAPHEUR_ANNEX = "parapheur annex"


def post(everything, path: str, upload: SimpleUploadedFile):
    paths = upload_paths(everything)
    if path == PARAPHEUR_ANNEX:
        user, url, data, count = paths["parapheur document"]
        body = data(file_upload("doc.pdf", pdf("Doc"))) | {"annexes": upload}
    else:
        user, url, data, count = paths[path]
        body = data(upload)
    client = Client(HTTP_HOST=everything[0].member.hostname)
    client.force_login(user)
    before, stored = count(), all_stored_names()
    response = client.post(url, body)
    return response, before, count, stored


PATHS = ["convocation note", "convocation project", "convocation annex", "parapheur document",
         PARAPHEUR_ANNEX, "act", "act annex"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_every_upload_path_refuses_hostile_pdfs_naming_the_file_and_stores_nothing(
        everything, path, hostile):
    content, expected = HOSTILE[hostile]
    if path == PARAPHEUR_ANNEX and hostile.startswith("html-named"):
        expected = "type accepté"  # an annex may be an image or office file, not HTML
    response, before, count, stored = post(everything, path, file_upload("piege.pdf", content))
    page = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert response.status_code in (200, 400), (path, response.status_code)
    assert "« piege.pdf »" in page and expected in page, (path, hostile)
    assert count() == before and all_stored_names() == stored, path


@pytest.mark.parametrize("hostile", sorted(HOSTILE_ANNEXES))
def test_parapheur_annexes_are_typed_by_content(everything, hostile):
    content, expected = HOSTILE_ANNEXES[hostile]
    response, before, count, _ = post(everything, PARAPHEUR_ANNEX,
                                      file_upload("plan.png", content))
    page = response.content.decode().replace("&#x27;", "'")
    assert "« plan.png »" in page and expected in page and count() == before


@pytest.mark.parametrize("path", PATHS)
def test_every_upload_path_refuses_a_file_over_the_limit_without_writing_it(
        everything, path, settings, tmp_path):
    settings.MUTUALIS_UPLOAD_MAX_SIZE = 256 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    big = pdf("Gros") + b"%" + b"0" * (600 * 1024)  # a valid PDF, padded past the limit
    response, before, count, stored = post(everything, path, file_upload("gros.pdf", big))
    page = response.content.decode()
    assert "« gros.pdf » pèse 0.6 Mo ; la limite est 0.2 Mo" in page.replace(",", "."), path
    assert count() == before and all_stored_names() == stored
    assert not [p for p in tmp_path.iterdir() if p.stat().st_size > 256 * 1024]


def test_the_size_handler_stops_writing_past_the_limit(settings):
    settings.MUTUALIS_UPLOAD_MAX_SIZE = 1000
    handler = uploads.SizeLimitUploadHandler()
    handler.new_file("field", "gros.pdf", "application/pdf", 5000)
    passed = [handler.receive_data_chunk(b"x" * 400, i * 400) for i in range(5)]
    assert passed[:2] == [b"x" * 400] * 2 and passed[3:] == [None, None]
    kept = handler.file_complete(2000)
    assert kept.size == 2000 and kept.read() == b"" and kept.name == "gros.pdf"


def test_the_services_apply_the_policy_for_callers_outside_the_forms(everything):
    council = everything[0]
    with pytest.raises(SignatureError, match="contenu actif"):
        workflow.submit(council.secretary, council.member, "Piège", "Délibération",
                        [("piege.pdf", js_pdf())])
    with pytest.raises(SignatureError, match="type accepté"):
        workflow.submit(council.secretary, council.member, "Piège", "Délibération",
                        [("doc.pdf", pdf("Doc"))], [("page.html", b"<html></html>")])
    with pytest.raises(acts.ActRefused, match="contenu actif"):
        acts.record_act(council.member, number="2026_009", nature=DELIBERATION,
                        decision_date=everything[1].starts_at.date(), subject="Piège",
                        matter_code="7.1", filename="piege.pdf", pdf=js_pdf())


def test_a_refusal_shows_control_characters_escaped():
    with pytest.raises(forms.ValidationError) as refused:
        uploads.check_bytes("piege\n\x00.pdf", b"<html>")
    assert "piege\\n\\0.pdf" in refused.value.messages[0]


def test_wagtail_documents_pass_the_policy(media, settings):
    from wagtail.documents.forms import get_document_form
    from wagtail.documents.models import Document as WagtailDocument

    form_class = get_document_form(WagtailDocument)
    form = form_class({"title": "Piège"}, {"file": file_upload("piege.pdf", js_pdf())},
                      user=User.objects.create_superuser("admin"))
    assert not form.is_valid() and "contenu actif" in str(form.errors["file"])
    settings.MUTUALIS_UPLOAD_MAX_SIZE = 1000
    form = form_class({"title": "Gros"}, {"file": file_upload("gros.odt", b"x" * 2000)},
                      user=User.objects.get(username="admin"))
    assert not form.is_valid() and "pèse" in str(form.errors["file"])


# ------------------------------------------------------------------ 4. the migrations


def test_files_stored_before_move_out_of_media_root(media, django_capture_on_commit_callbacks):
    """What the migrations run: a var dir holding files at the old, guessable paths."""
    council = make_council(name="Alphaville")
    sitting = make_sitting(council, items=1, annexes=1)
    old = {}
    for obj, field in ((sitting, "note"), (sitting.items.get(), "project"),
                       (Annex.objects.get(), "file")):
        name = f"convocation/{council.member.code}/{sitting.pk}/{field}.pdf"
        content = pdf(field)
        default_storage.save(name, ContentFile(content))
        type(obj).objects.filter(pk=obj.pk).update(**{field: name})
        old[(type(obj), obj.pk, field)] = (name, content)
    dispatch = Dispatch.objects.create(sitting=sitting)
    dossier_name = f"convocation/{council.member.code}/{sitting.pk}/dossier/dossier.pdf"
    dossier = pdf("Dossier")
    default_storage.save(dossier_name, ContentFile(dossier))
    Dispatch.objects.filter(pk=dispatch.pk).update(files=[
        {"name": "dossier.pdf", "path": dossier_name, "size": 1, "sha256": "x"}])

    with django_capture_on_commit_callbacks(execute=True):  # the migration's transaction
        for model, field in ((Sitting, "note"), (AgendaItem, "project"), (Annex, "file")):
            move_to_private(model, [field], "convocation")
        assert move_dossiers_to_private(Dispatch) == 1
    for (model, pk, field), (name, content) in old.items():
        new = getattr(model.objects.get(pk=pk), field).name
        assert new != name and (private_root() / new).read_bytes() == content
    assert not files_under(media)  # the public copies are gone once committed
    moved = Dispatch.objects.get(pk=dispatch.pk).files[0]["path"]
    assert sending.dossier_files(Dispatch.objects.get(pk=dispatch.pk))["dossier.pdf"] == \
        dossier and moved != dossier_name
    assert move_to_private(Sitting, ["note"], "convocation") == 0  # a second run moves nothing

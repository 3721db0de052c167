"""Public functions of the site factory, for the apps (convocation, later the acts)."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from wagtail.documents import get_document_model

from provisioning.drivers import ProvisioningError

from .models import ACT_KINDS, ActIndexPage, ActPage, MemberSite


@transaction.atomic
def publish_act(member_code: str, kind: str, title: str, act_date: date, filename: str,
                pdf: bytes, number: str = "", summary: str = "") -> str:
    """Put an act online on the member's website: its full text as a document of the member's
    collection (its SHA-256 is recorded at upload), under a live, public act page of the site's
    acts index. Returns the page's URL. Publishing the same act again (same kind, title and
    date) keeps the page and replaces nothing: the first text put online stays the one shown.
    """
    if kind not in dict(ACT_KINDS):
        raise ProvisioningError(f"member {member_code}: {kind!r} is not a kind of act")
    member = MemberSite.objects.select_related("site", "collection").filter(
        code=member_code).first()
    if member is None or member.site is None or "wagtail.site" in member.archived:
        raise ProvisioningError(f"member {member_code} has no website to publish acts on")
    index = ActIndexPage.objects.descendant_of(member.site.root_page).first()
    if index is None:
        raise ProvisioningError(f"member {member_code}: the website has no page of acts")
    slug = slugify(f"{kind}-{act_date.isoformat()}-{title}")[:200]
    existing = ActPage.objects.child_of(index).filter(slug=slug).first()
    if existing is not None:
        return existing.full_url
    document = get_document_model()(title=title, collection=member.collection)
    document.file.save(filename, ContentFile(pdf), save=False)
    document.save()
    page = ActPage(title=title, slug=slug, kind=kind, number=number, act_date=act_date,
                   summary=summary, document=document)
    index.add_child(instance=page)
    page.save_revision().publish()
    return page.full_url

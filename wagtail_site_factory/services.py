"""Public functions of the site factory, for the apps (convocation, the acts).

Their errors are ProvisioningErrors whose message is a French clause meant for the staff
(the apps put it in their own sentence, e.g. « Mise en ligne impossible (…) »). The URLs they
return are built with `mutualis.links.site_url`, so they keep the demo's port.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.models import Page

from mutualis.links import site_url
from mutualis.tasks import coalesced
from provisioning import keys
from provisioning.drivers import ProvisioningError

from .models import ACT_KINDS, ActIndexPage, ActPage, MemberSite, MunicipalLifePage, SittingPage


def _member_site(member_code: str) -> MemberSite:
    member = MemberSite.objects.select_related("site", "collection").filter(
        code=member_code).first()
    if member is None or member.site is None or keys.WAGTAIL_SITE in member.archived:
        raise ProvisioningError(_("le membre %(code)s n'a pas de site internet") % {
            "code": member_code})
    return member


def _url(member: MemberSite, page: Page) -> str:
    """The page's address on the member's host, with the app's scheme and port."""
    return site_url(member.site.hostname, page.relative_url(member.site))


def _municipal_life(member: MemberSite) -> MunicipalLifePage:
    page = MunicipalLifePage.objects.descendant_of(member.site.root_page).first()
    if page is None:
        raise ProvisioningError(_("le site du membre %(code)s n'a pas de page « Vie "
                                  "municipale »") % {"code": member.code})
    return page


def sitting_slug(key: str) -> str:
    return slugify(f"seance-{key}")[:200]


def _agenda_html(items: Sequence[str]) -> str:
    return "<ol>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ol>"


@transaction.atomic
def publish_sitting(member_code: str, key: str, title: str, start: datetime, place: str,
                    agenda_items: Sequence[str], assembly: str = "Conseil municipal") -> str:
    """Announce a sitting on the member's website: a live, public sitting page under its
    « Vie municipale » page, showing the date, the place and the agenda. `key` is the
    sitting's stable key: publishing it again updates the same page (a new revision, only when
    something changed). Returns the page's URL."""
    member = _member_site(member_code)
    parent = _municipal_life(member)
    fields = {"title": title, "assembly": assembly, "start": start, "place": place,
              "agenda": _agenda_html(agenda_items)}
    page = SittingPage.objects.child_of(parent).filter(slug=sitting_slug(key)).first()
    if page is None:
        page = SittingPage(slug=sitting_slug(key), **fields)
        parent.add_child(instance=page)
        page.save_revision().publish()
    elif not page.live or any(getattr(page, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(page, name, value)
        page.save_revision().publish()
    return _url(member, page)


@transaction.atomic
def publish_act(member_code: str, kind: str, title: str, act_date: date, filename: str,
                pdf: bytes, number: str = "", summary: str = "", sitting_key: str = "") -> str:
    """Put an act online on the member's website: its full text as a document of the member's
    collection (its SHA-256 is recorded at upload), under a live, public act page of the site's
    acts index, linked to the sitting's page when `sitting_key` names one. Returns the page's
    URL. Publishing the same act again (same kind, title and date) keeps the page and replaces
    nothing: the first text put online stays the one shown.
    """
    if kind not in dict(ACT_KINDS):
        raise ProvisioningError(_("« %(kind)s » n'est pas une nature d'acte") % {"kind": kind})
    member = _member_site(member_code)
    index = ActIndexPage.objects.descendant_of(member.site.root_page).first()
    if index is None:
        raise ProvisioningError(_("le site du membre %(code)s n'a pas de page des actes "
                                  "publiés") % {"code": member_code})
    slug = slugify(f"{kind}-{act_date.isoformat()}-{title}")[:200]
    existing = ActPage.objects.child_of(index).filter(slug=slug).first()
    if existing is not None:
        return _url(member, existing)
    sitting = (SittingPage.objects.descendant_of(member.site.root_page)
               .filter(slug=sitting_slug(sitting_key)).first() if sitting_key else None)
    document = get_document_model()(title=title, collection=member.collection)
    document.file.save(filename, ContentFile(pdf), save=False)
    document.save()
    page = ActPage(title=title, slug=slug, kind=kind, number=number, act_date=act_date,
                   summary=summary, document=document, sitting=sitting)
    with coalesced():  # the page's index entries built once, not on each of its saves
        index.add_child(instance=page)
        page.save_revision(clean=False).publish()  # add_child has just cleaned it
    return _url(member, page)

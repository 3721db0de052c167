"""Content an editor adds to a commune's site: files, an alert, an edited and locked page, an
act with its PDF. Built through the same models the admin uses."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from tests.factories import make_pdf
from wagtail_site_factory.models import (
    ActIndexPage,
    ActPage,
    MemberSite,
    MunicipalLifePage,
    NewsPage,
    SiteAlert,
    SittingPage,
)


def png_bytes(colour: str = "#1d5c8c", size: tuple[int, int] = (120, 80)) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF, the same bytes for the same text (tests hash it)."""
    return make_pdf(text, reproducible=True)


@dataclass
class Content:
    code: str
    home: Page
    news: NewsPage
    image: object
    document: object
    alert: SiteAlert
    sitting: SittingPage
    act: ActPage


def add_content(code: str, name: str, user=None) -> Content:
    """An image, a PDF, an alert, a published news revision, a locked page, a sitting and an
    act, all in the member's site and collection; every title carries `name`."""
    member = MemberSite.objects.select_related("site", "collection").get(code=code)
    home = member.site.root_page.specific
    image = get_image_model()(title=f"Blason {name}", collection=member.collection,
                              file=ContentFile(png_bytes(), name=f"blason-{code}.png"))
    image.save()
    document = get_document_model()(
        title=f"Délibération {name}", collection=member.collection,
        file=ContentFile(pdf_bytes(name), name=f"deliberation-{code}.pdf"))
    document.save()
    alert = SiteAlert.objects.create(site=member.site, message=f"Alerte {name} : route barrée")
    news = NewsPage.objects.descendant_of(home).first()
    news.title = f"Fête de {name}"
    news.save_revision(user=user).publish(user=user)
    news.locked, news.locked_by, news.locked_at = True, user, timezone.now()
    news.save()
    municipal = MunicipalLifePage.objects.child_of(home).get()
    sitting = municipal.add_child(instance=SittingPage(
        title=f"Conseil de {name}", start=timezone.now() + timedelta(days=10),
        place="Salle du conseil", agenda="<p>Budget primitif</p>"))
    sitting.save_revision(user=user).publish(user=user)
    index = ActIndexPage.objects.child_of(municipal).get()
    act = index.add_child(instance=ActPage(
        title=f"Budget de {name}", kind="deliberation", number="2025-01",
        act_date=date.today(), summary="Vote du budget primitif", document=document,
        sitting=sitting, live=False))
    act.save_revision(user=user).publish(user=user)
    return Content(code, home, NewsPage.objects.get(pk=news.pk), image, document, alert,
                   SittingPage.objects.get(pk=sitting.pk), ActPage.objects.get(pk=act.pk))

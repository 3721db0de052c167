"""Receivers: document integrity at upload, and the per-site page cache kept up to date."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.documents import get_document_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished

from . import pagecache
from .models import CommuneSettings, SiteAlert


@receiver(post_save, sender=get_document_model())
def document_saved(sender, instance, **kwargs) -> None:
    from .integrity import record

    if kwargs.get("raw"):
        return
    record(instance)


@receiver(page_published)
@receiver(page_unpublished)
def page_changed(sender, instance, **kwargs) -> None:
    site = instance.get_site()
    if site is not None:
        pagecache.bump(site.pk)


@receiver(post_delete)
def page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        page_changed(sender, instance)


@receiver(post_save, sender=CommuneSettings)
@receiver(post_save, sender=SiteAlert)
@receiver(post_delete, sender=SiteAlert)
def site_object_changed(sender, instance, **kwargs) -> None:
    pagecache.bump(instance.site_id)


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def restriction_changed(sender, instance, **kwargs) -> None:
    # A page restricted after it was cached must stop being served from the cache at once.
    try:
        page = instance.page
    except Page.DoesNotExist:  # deleted with its page, which bumped the site already
        return
    page_changed(sender, page)


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def site_changed(sender, instance, **kwargs) -> None:
    # Its hostname may now be another site's: the host -> site map must miss.
    pagecache.bump(instance.pk)

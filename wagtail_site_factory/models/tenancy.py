"""What ties a member to its Wagtail objects, and the integrity of uploaded documents."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model_string
from wagtail.models import Collection, Site


class MemberSite(models.Model):
    """One member's site, collection and editors' group, keyed by the member's code.

    `archived` lists the resource kinds retired by provisioning; `unpublished` remembers the
    pages an archive took offline ([id, had unpublished changes]) so that re-subscribing puts
    back exactly those.
    """

    code = models.CharField(_("code"), max_length=9, unique=True)
    site = models.OneToOneField(Site, null=True, on_delete=models.SET_NULL,
                                related_name="member_site")
    collection = models.ForeignKey(Collection, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    group = models.ForeignKey(Group, null=True, on_delete=models.SET_NULL, related_name="+")
    archived = models.JSONField(default=list)
    unpublished = models.JSONField(default=list)

    class Meta:
        verbose_name = _("site de membre")
        verbose_name_plural = _("sites des membres")

    def __str__(self) -> str:
        return self.code


class DocumentIntegrity(models.Model):
    """SHA-256 of a document's file, computed when the file is uploaded (CGCT R2131-1).

    Wagtail keeps a SHA-1 (`file_hash`) of its own: it tells when the file changed, and the
    SHA-256 is computed again then.
    """

    document = models.OneToOneField(get_document_model_string(), on_delete=models.CASCADE,
                                    related_name="integrity")
    sha1 = models.CharField(max_length=40)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    computed_at = models.DateTimeField(auto_now=True)

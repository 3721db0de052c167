"""The one place the parapheur reaches Nextcloud: a completed folder's signed documents and its
signature report go to the member's folder, through the bridge's public function."""

from __future__ import annotations

import logging

from django.conf import settings

from provisioning.drivers import ProvisioningError

from . import audit
from .models import Document, Folder

logger = logging.getLogger(__name__)


def folder_files(folder: Folder) -> dict[str, bytes]:
    """{path inside the member's folder: content}: parapheur/<year>/<reference>/..."""
    from .report import bordereau

    base = f"parapheur/{folder.created_at:%Y}/{folder.reference}"
    files: dict[str, bytes] = {}
    for doc in folder.documents.all():
        with doc.file.open("rb") as f:
            prefix = "" if doc.kind == Document.MAIN else "annexes/"
            files[f"{base}/{prefix}{doc.name}"] = f.read()
    files[f"{base}/bordereau-{folder.reference}.pdf"] = bordereau(folder)
    return files


def publish_folder(folder: Folder) -> list[str]:
    """Publish a completed folder; a failure is journaled and leaves `folder.published`
    empty (publishing again later is safe: files of the same name are replaced)."""
    if not getattr(settings, "MUTUALIS_PARAPHEUR_PUBLISH", True):
        return []
    if "extranet" not in (folder.member.services or []):
        return []
    slug = getattr(settings, "MUTUALIS_PARAPHEUR_NEXTCLOUD_FOLDER", "extranet")
    try:
        from nextcloud_bridge.services import publish_files

        paths = publish_files(folder.member.code, slug, folder_files(folder))
    except ProvisioningError as exc:
        logger.warning("folder %s not published: %s", folder.reference, exc)
        audit.record(folder.member, "publication_failed", "system", folder, error=str(exc))
        return []
    folder.published = paths
    folder.save(update_fields=["published"])
    audit.record(folder.member, "published", "system", folder, paths=paths)
    return paths

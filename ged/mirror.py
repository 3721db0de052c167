"""The read-only copy of a member's filed documents in its Nextcloud folder tree, where the
member has `extranet`: its « GED » folder (provisioned by the Nextcloud driver, staff read
only, only the service account writes), through the bridge's public functions.

Each version is its own file, `<heading>/<type>/<date> <title> [<id>] v<n>.<ext>`: a new
version appears beside the old ones, never in their place. An elimination removes the copies
of the files it removes; a held document is never eliminated, so its copies stay. The GED is
the reference: a copy that cannot be made now is made by the next run (every run copies
whatever the member has not copied yet), and the GED never fails because Nextcloud does.
"""

from __future__ import annotations

import logging
import re

from celery import shared_task
from django.db import transaction

from provisioning.access import subscribes
from provisioning.drivers import ProvisioningError
from provisioning.naming import GED_FOLDER, clean_label

from .models import DocumentVersion

log = logging.getLogger(__name__)
BATCH = 50  # files per call to the bridge
_EDGES = re.compile(r"^[ .]+|[ .]+$")  # Nextcloud refuses names ending in a dot or a blank
# What Windows desktop clients cannot sync (the mairies' PCs): said with a dash instead.
_WINDOWS = re.compile(r'[:*?"<>|]')


def mirrored(member) -> bool:
    return subscribes(member, "extranet") and subscribes(member, "ged")


def _name(text: str, limit: int) -> str:
    return _EDGES.sub("", _WINDOWS.sub("-", clean_label(text))[:limit]) or "-"


def path_of(version: DocumentVersion) -> str:
    """Where the version's copy goes inside the member's GED folder."""
    document = version.document
    heading, doc_type = document.doc_type.heading, document.doc_type
    stem, dot, ext = version.filename.rpartition(".")
    ext = _name(ext, 10) if dot and stem else "bin"
    name = (f"{document.created_on.isoformat()} {_name(document.title, 120)} "
            f"[{document.pk}] v{version.number}.{ext}")
    return "/".join((_name(f"{heading.code} {heading.title}", 120),
                     _name(doc_type.title, 120), name))


def _configured() -> bool:
    from nextcloud_bridge.services import nextcloud_settings

    try:
        nextcloud_settings()
    except ProvisioningError:
        return False
    return True


def sync(member) -> tuple[int, int]:
    """Copy what is not copied yet, remove the copies of eliminated files: (copied,
    removed). Nothing when the member has no extranet or no Nextcloud is configured."""
    if not mirrored(member) or not _configured():
        return 0, 0
    from nextcloud_bridge import publish_files, remove_files

    copied = removed = 0
    gone = list(DocumentVersion.objects.filter(document__member=member, file="")
                .exclude(mirror_path="").values_list("pk", "mirror_path"))
    for start in range(0, len(gone), BATCH):
        batch = gone[start:start + BATCH]
        remove_files(member.code, GED_FOLDER, [path for _pk, path in batch])
        DocumentVersion.objects.filter(pk__in=[pk for pk, _path in batch]).update(
            mirror_path="")
        removed += len(batch)
    while True:
        batch = list(DocumentVersion.objects.filter(document__member=member, mirror_path="")
                     .exclude(file="").select_related("document__doc_type__heading")
                     .order_by("pk")[:BATCH])
        if not batch:
            break
        files = {}
        for version in batch:
            with version.file.open("rb") as f:
                files[path_of(version)] = f.read()
        publish_files(member.code, GED_FOLDER, files)
        for version in batch:
            DocumentVersion.objects.filter(pk=version.pk).update(mirror_path=path_of(version))
        copied += len(batch)
    return copied, removed


@shared_task(name="ged.mirror", acks_late=True)
def mirror_task(member_pk: int) -> None:
    """Sync the member's copies (idempotent); logs, never raises, when Nextcloud fails."""
    from nextcloud_bridge.services import FolderMissing
    from provisioning.models import RegistryMember

    member = RegistryMember.objects.get(pk=member_pk)
    try:
        sync(member)
    except FolderMissing as exc:  # the inventory not applied yet: copied once it is
        log.warning("GED: no Nextcloud copy for %s yet: %s", member.code, exc)
    except Exception:
        log.exception("GED: the Nextcloud copy of %s's documents failed; the next run "
                      "copies what is left", member.code)


def schedule(member) -> None:
    """Sync the member's copies once the current transaction has committed."""
    if mirrored(member):
        transaction.on_commit(lambda: mirror_task.delay(member.pk))

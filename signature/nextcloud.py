"""The one place the parapheur reaches Nextcloud: a completed folder's signed documents and its
signature report go to the member's folder, through the bridge's public function.

A failure never undoes the signature: the folder stays finished, `publication_error` says in
one French sentence why it is not in Nextcloud (the folder's page and lists show it), the
journal keeps the bridge's own words, and publishing again is safe (files of the same name are
replaced).
"""

from __future__ import annotations

import logging

import httpx
from django.utils.translation import gettext as _

from mutualis import conf
from nextcloud_bridge.services import FolderMissing
from provisioning.drivers import ProvisioningError

from . import audit
from .errors import causes
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


def to_publish(folder: Folder) -> bool:
    """Whether a finished folder goes to Nextcloud: publishing is on and the member has an
    extranet."""
    return (conf.MUTUALIS_PARAPHEUR_PUBLISH
            and "extranet" in (folder.member.services or []))


def _cause(exc: BaseException, slug: str) -> str:
    """Why the bridge failed, as a clause of the folder's sentence."""
    chain = causes(exc)
    # The bridge says it in English and keeps no cause: its sentences are read too.
    if any(isinstance(c, httpx.TransportError | OSError) or "did not answer" in str(c)
           for c in chain):
        return _("Nextcloud n'a pas répondu ; réessayez plus tard")
    if any(isinstance(c, FolderMissing) for c in chain):
        return (_("le dossier « %(slug)s » de la collectivité n'existe pas dans Nextcloud "
                  "(le syndicat doit appliquer l'inventaire)") % {"slug": slug})
    return _("Nextcloud a refusé le dépôt ; le syndicat en trouvera le détail dans le journal "
             "du dossier")


def _failed(folder: Folder, exc: BaseException, cause: str, expected: bool = False
            ) -> list[str]:
    """Note why the folder is not in Nextcloud; `expected` when nothing is broken (no
    Nextcloud at all, as on the demo): not a warning then."""
    folder.published = []
    folder.publication_error = _("Signé ; le dépôt dans Nextcloud n'a pas abouti : "
                                 "%(cause)s.") % {"cause": cause}
    folder.save(update_fields=["published", "publication_error"])
    logger.log(logging.INFO if expected else logging.WARNING, "folder %s not published: %s",
               folder.reference, exc)
    audit.record(folder.member, "publication_failed", "system", folder, error=str(exc),
                 sentence=folder.publication_error)
    return []


def publish_folder(folder: Folder) -> list[str]:
    """Publish a completed folder (again, after a failure); return the paths published."""
    if not to_publish(folder):
        return []
    from nextcloud_bridge.services import nextcloud_settings, publish_files

    slug = conf.MUTUALIS_PARAPHEUR_NEXTCLOUD_FOLDER
    try:
        nextcloud_settings()
    except ProvisioningError as exc:
        return _failed(folder, exc, _("aucun Nextcloud n'est configuré pour ce syndicat"),
                       expected=True)
    try:
        paths = publish_files(folder.member.code, slug, folder_files(folder))
    except Exception as exc:  # the signature is done: any failure here is only a note
        return _failed(folder, exc, _cause(exc, slug))
    folder.published, folder.publication_error = paths, ""
    folder.save(update_fields=["published", "publication_error"])
    audit.record(folder.member, "published", "system", folder, paths=paths)
    return paths

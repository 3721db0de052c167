"""A closed item's files are filed in the member's GED (where it subscribes to it), with the
text OCR recognised in its scans, so that the GED's search finds a scanned letter by its
words; and with its department, for the search's filter.

Each attachment is one document (the file as it came; its text from the searchable copy
when there is one). A confidential item is not filed: the GED's documents are seen by all
of the member's staff who keep the GED (and copied to its Nextcloud folder), and only the
secrétariat and its department may read it."""

from __future__ import annotations

import logging

from django.db import transaction

from provisioning.access import subscribes

from . import natures as n
from .models import Item

# The GED's document type for each kind of item (ged/data/retention.yml).
GED_TYPES = {(n.LETTER, n.INCOMING): "COURRIER-ARRIVEE", (n.LETTER, n.OUTGOING): "COURRIER-CHRONO"}
INVOICE_TYPE = "FACTURES"
log = logging.getLogger(__name__)


def ged_type(item: Item) -> str:
    if item.kind == n.INVOICE:
        return INVOICE_TYPE
    return GED_TYPES.get((n.LETTER, item.direction), "COURRIER-ARRIVEE")


def _read(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def file_item(item_id: int) -> int:
    """File a closed item's attachments; how many documents it has in the GED now."""
    from ged.services import file_from_app, pdf_text

    item = Item.objects.select_related("member", "correspondent").get(pk=item_id)
    if item.status != n.CLOSED or item.confidential or not subscribes(item.member, "ged"):
        return 0
    metadata = {"chrono": item.chrono, "sens": item.get_direction_display(),
                "nature": item.get_nature_display(),
                "correspondant": item.correspondent.name if item.correspondent else "",
                "référence": item.reference}
    filed = 0
    for attachment in item.attachments.all():
        text = pdf_text(_read(attachment.searchable)) if attachment.searchable else None
        title = item.subject if item.attachments.count() == 1 else (
            f"{item.subject} — {attachment.name}")
        document = file_from_app(
            item.member, ged_type(item), title, _read(attachment.file), filename=attachment.name,
            source="courrier", created_on=item.received_on, object_app="courrier",
            object_key=f"{item.pk}/{attachment.pk}", department=item.department,
            metadata={k: v for k, v in metadata.items() if v}, text=text)
        filed += document is not None
    return filed


def schedule(item: Item) -> None:
    """File the item once the step that closed it (or recognised its text) is committed."""
    if item.status == n.CLOSED and not item.confidential and subscribes(item.member, "ged"):
        transaction.on_commit(lambda: _file_safely(item.pk))


def _file_safely(item_id: int) -> None:
    """The register never fails because of the GED: its own record stays the reference."""
    try:
        file_item(item_id)
    except Exception:
        log.exception("courrier: filing item %s in the GED failed", item_id)

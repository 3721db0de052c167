"""The invoices a flux's mandats pay: where the member keeps its courrier here, each PJ a
mandat's pièce refers to (PES_PJ) is matched to the courrier register's invoice whose file is
the same (SHA-256 of the PDF, as Chorus Pro gave it and the accounting software attached it).
What is found is written on the flux at its deposit, so its page links to the register."""

from __future__ import annotations

from courrier import natures
from courrier.models import Attachment
from provisioning.models import RegistryMember

from . import flux as pes_flux

SERVICE = "courrier"


def paid_invoices(member: RegistryMember, parsed: pes_flux.Flux) -> list[dict]:
    """One row per (mandat's pièce, register invoice) found, in the flux's order."""
    if SERVICE not in (member.services or []):
        return []
    digests = {a.unique_id: a for a in parsed.attachments if a.sha256}
    wanted = {digests[u].sha256 for b in parsed.bordereaux if b.kind == pes_flux.DEPENSE
              for _, u in b.references if u in digests}
    found: dict[str, list[Attachment]] = {}
    for attachment in (Attachment.objects.filter(
            item__member=member, item__kind=natures.INVOICE, sha256__in=wanted)
            .select_related("item", "item__correspondent").order_by("item__chrono")):
        found.setdefault(attachment.sha256, []).append(attachment)
    rows = []
    for b in parsed.bordereaux:
        if b.kind != pes_flux.DEPENSE:
            continue
        for piece, unique in b.references:
            pj = digests.get(unique)
            for attachment in found.get(pj.sha256, []) if pj else []:
                item = attachment.item
                rows.append({
                    "bordereau": b.number, "exercice": b.exercice, "piece": piece,
                    "pj": pj.name, "item": item.pk, "chrono": item.chrono,
                    "subject": item.subject,
                    "supplier": item.correspondent.name if item.correspondent else "",
                    "amount": str(item.amount) if item.amount is not None else ""})
    return rows

"""What other code calls: submitting a PES flux to the parapheur, its bordereaux as the
signer reads them, and the signed flux's bytes (what the Hélios transmission sends:
`signed_bytes(flux)`)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from mutualis import uploads
from provisioning.models import RegistryMember, RegistryPerson
from signature import workflow
from signature.errors import SignatureError
from signature.models import Folder

from . import flux as pes_flux
from .invoices import paid_invoices
from .models import PesFlux

FOLDER_TYPE = "PES"  # the circuit a member's PES folders take (type « PES »)


def _title(parsed: pes_flux.Flux) -> str:
    count = len(parsed.bordereaux)
    what = _("%(n)s bordereau") if count == 1 else _("%(n)s bordereaux")
    return _("Flux PES %(budget)s du %(date)s (%(what)s)") % {
        "budget": parsed.budget_label or parsed.siren,
        "date": parsed.produced.strftime("%d/%m/%Y") if parsed.produced else "?",
        "what": what % {"n": count}}


def submit_flux(person: RegistryPerson, member: RegistryMember, name: str, data: bytes,
                title: str = "") -> Folder:
    """A parapheur folder carrying the flux, on the member's « PES » circuit. A flux that
    cannot be read, or too big, is refused with its sentence, and nothing is stored."""
    if len(data) > uploads.max_size():
        raise SignatureError(_("« %(name)s » dépasse la taille maximale des fichiers "
                               "(%(size)s Mo).") % {"name": name,
                                                     "size": uploads.max_size() // uploads.MB})
    parsed = pes_flux.read(data)
    if any(b.element_id for b in parsed.bordereaux) and _signed(data):
        raise SignatureError(_("Ce flux PES est déjà signé : déposez l'export non signé du "
                               "logiciel comptable."))
    folder = workflow.submit(person, member, (title or _title(parsed))[:300], FOLDER_TYPE,
                             [(name, data)], main_kinds=None)
    PesFlux.objects.create(
        folder=folder, file_name=(parsed.file_name or name)[:255], siren=parsed.siren[:14],
        budget=parsed.budget_label[:255], produced=parsed.produced,
        bordereaux=[_row(b) for b in parsed.bordereaux], attachments=len(parsed.attachments),
        invoices=paid_invoices(member, parsed))
    return folder


def _signed(data: bytes) -> bool:
    return b"http://www.w3.org/2000/09/xmldsig#" in data and b"SignatureValue" in data


def _row(b: pes_flux.Bordereau) -> dict:
    return {"kind": b.kind, "exercice": b.exercice, "number": b.number,
            "issued": b.issued.isoformat() if b.issued else "", "amount": str(b.amount),
            "pieces": b.pieces, "declared_pieces": b.declared_pieces,
            "attachments": b.attachments}


def bordereaux_panel(folder: Folder) -> dict | None:
    """The folder page's panel listing the flux's bordereaux, in French; None for a folder
    that carries no PES."""
    item = PesFlux.objects.filter(folder=folder).first()
    if item is None:
        return None
    rows = []
    for b in item.bordereaux:
        rows.append({
            "kind": _("Mandats") if b["kind"] == pes_flux.DEPENSE else _("Titres"),
            "exercice": b["exercice"], "number": b["number"], "issued": b["issued"],
            "amount": pes_flux.euros(Decimal(b["amount"])), "pieces": b["pieces"],
            "mismatch": b["declared_pieces"] not in (None, b["pieces"]),
            "declared": b["declared_pieces"], "attachments": b["attachments"]})
    total = sum((Decimal(b["amount"]) for b in item.bordereaux), Decimal(0))
    signed = item.is_signed
    return {"template": "pes/bordereaux.html", "admin_template": "pes/admin/bordereaux.html",
            "pes": item, "pes_signed": signed, "pes_rows": rows,
            "pes_transmission": transmission_of(item) if signed else None,
            "pes_total": pes_flux.euros(total),
            "pes_pieces": sum(b["pieces"] for b in item.bordereaux)}


def flux_of(folder: Folder) -> PesFlux:
    item = PesFlux.objects.filter(folder=folder).first()
    if item is None:
        raise SignatureError(_("Le dossier %(ref)s ne porte pas de flux PES.")
                             % {"ref": folder.reference})
    return item


def transmission_of(item: PesFlux):
    """The latest Hélios transmission of the signed flux (actes.helios), or None."""
    from actes.helios_models import HeliosFlux

    return (HeliosFlux.objects.filter(member=item.folder.member, sha256=item.signed_sha256)
            .order_by("-pk").first()) if item.signed_sha256 else None


def transmit(item: PesFlux, user):
    """Send the signed flux to Hélios through the tiers (actes.helios.transmit_pes: the
    checks, the storage, the sending task); its refusals are `actes.helios.PesRefused`."""
    from actes.helios import transmit_pes

    return transmit_pes(item.folder.member.code, item.file_name, signed_bytes(item), user)


def signed_bytes(item: PesFlux | Folder) -> bytes:
    """The signed PES_Aller of a flux (or of the folder carrying it), for the transmission
    to Hélios; a flux not signed yet is a `SignatureError`."""
    item = flux_of(item) if isinstance(item, Folder) else item
    if not item.is_signed:
        raise SignatureError(_("Le flux PES %(name)s n'est pas encore signé : il ne peut pas "
                               "être transmis.") % {"name": item.file_name})
    with item.document().file.open("rb") as f:
        return f.read()

"""PES_Aller flux for the tests and the benchmark, built as an accounting software exports
them: Enveloppe, EnTetePES, PES_DepenseAller and PES_RecetteAller with their bordereaux,
pièces and lines, and PES_PJ carrying the invoices (PDFs in base64) the pièces refer to.

Element names and the `V="…"` attributes follow the DGFiP's PES v2 (as Pastell's PES
generator, libriciel/pastell, writes its test flux); the values are made up. Bordereaux carry
no Id: the signer adds them, as for a real export.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from pes.flux import DEPENSE, PES_NAMESPACE, RECETTE


@dataclass(frozen=True)
class BordereauSpec:
    kind: str = DEPENSE
    number: int = 1
    exercice: int = 2026
    pieces: int = 2
    amount: Decimal = Decimal("1250.40")  # per pièce
    with_pj: bool = True


def _v(parent, name: str, value) -> etree._Element:
    return etree.SubElement(parent, name, V=str(value))


def _pdf(label: str, padding: int = 0) -> bytes:
    body = f"Facture {label}".encode() + b" " * padding
    return (b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\n% " + body
            + b"\ntrailer <</Root 1 0 R>>\n%%EOF\n")


def _bordereau(parent, spec: BordereauSpec, pj: list[tuple[str, str]]) -> None:
    bordereau = etree.SubElement(parent, "Bordereau")
    block = etree.SubElement(bordereau, "BlocBordereau")
    _v(block, "Exer", spec.exercice)
    _v(block, "IdBord", spec.number)
    _v(block, "DteBordEm", f"{spec.exercice}-11-{min(28, spec.number % 28 + 1):02d}")
    _v(block, "TypBord", "01")
    _v(block, "NbrPce", spec.pieces)
    _v(block, "MtCumulAnnuel", spec.amount * spec.pieces * 12)
    _v(block, "MtBordHT", spec.amount * spec.pieces)
    for n in range(1, spec.pieces + 1):
        piece = etree.SubElement(bordereau, "Piece")
        info = etree.SubElement(etree.SubElement(piece, "BlocPiece"), "InfoPce")
        _v(info, "IdPce", spec.number * 1000 + n)
        _v(info, "TypPce", "01")
        _v(info, "NatPce", "01")
        _v(info, "Obj", "Fournitures scolaires" if spec.kind == DEPENSE else "Cantine")
        if spec.with_pj:
            unique = f"PJ{spec.kind[4]}{spec.number:04d}{n:03d}"
            name = f"facture-{spec.number}-{n}.pdf"
            ref = etree.SubElement(piece.find("BlocPiece"), "PJRef")
            _v(ref, "Support", "01")
            _v(ref, "IdUnique", unique)
            _v(ref, "NomPJ", name)
            pj.append((unique, name))
        line = etree.SubElement(etree.SubElement(piece, "LigneDePiece"), "BlocLignePiece")
        info_line = etree.SubElement(line, "InfoLignePce")
        _v(info_line, "IdLigne", 1)
        _v(info_line, "Nature", "6067" if spec.kind == DEPENSE else "7067")
        _v(info_line, "Fonction", "212")
        _v(info_line, "LibVir1", "FACTURE" if spec.kind == DEPENSE else "TITRE")
        _v(info_line, "MtHT", spec.amount)
        tiers = etree.SubElement(etree.SubElement(piece, "LigneDePiece"), "Tiers")
        info_tiers = etree.SubElement(tiers, "InfoTiers")
        _v(info_tiers, "RefTiers", 800 + n)
        _v(info_tiers, "CatTiers", "01")
        _v(info_tiers, "NatJur", "01")
        _v(info_tiers, "Nom", "LIBRAIRIE DU MELLOIS" if spec.kind == DEPENSE else "DUPONT")


def make_flux(bordereaux: list[BordereauSpec] | None = None, *, siren: str = "217901010",
              budget: str = "COMMUNE D'ALPHAVILLE — BUDGET PRINCIPAL", pj_padding: int = 0,
              encoding: str = "ISO-8859-1", pj_files: dict[str, bytes] | None = None) -> bytes:
    """A PES_Aller; by default two bordereaux of mandats and one of titres, with their PJ.
    `pj_padding` bytes are added to each PDF (a flux of a given size); `pj_files` gives the
    content of some PJ by name (e.g. "facture-72-2.pdf": an invoice of the register)."""
    if bordereaux is None:
        bordereaux = [BordereauSpec(DEPENSE, 72, pieces=3), BordereauSpec(DEPENSE, 73, pieces=1,
                      amount=Decimal("89990.00")), BordereauSpec(RECETTE, 12, pieces=2,
                                                                 amount=Decimal("45.5"))]
    root = etree.Element(etree.QName(PES_NAMESPACE, "PES_Aller"), nsmap={
        "n": PES_NAMESPACE, "xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    envelope = etree.SubElement(root, "Enveloppe")
    params = etree.SubElement(envelope, "Parametres")
    _v(params, "Version", 1)
    _v(params, "TypFic", "PESALR2")
    _v(params, "NomFic", "PESALR2_217901010_261120_001.xml")
    emitter = etree.SubElement(envelope, "Emetteur")
    _v(emitter, "Sigle", "ALPHAVILLE")
    _v(emitter, "Adresse", "Mairie, place de l'Église")
    receiver = etree.SubElement(envelope, "Recepteur")
    _v(receiver, "Sigle", "HELIOS")
    _v(receiver, "Adresse", "DGFiP")
    header = etree.SubElement(root, "EnTetePES")
    _v(header, "DteStr", "2026-11-20")
    _v(header, "IdPost", "079000")
    _v(header, "IdColl", siren)
    _v(header, "CodCol", "101")
    _v(header, "CodBud", "00")
    _v(header, "LibelleColBud", budget)
    pj: list[tuple[str, str]] = []
    for kind, entete in ((DEPENSE, "EnTeteDepense"), (RECETTE, "EnTeteRecette")):
        specs = [b for b in bordereaux if b.kind == kind]
        if not specs:
            continue
        part = etree.SubElement(root, kind)
        head = etree.SubElement(part, entete)
        _v(head, "IdVer", 2)
        _v(head, "InfoDematerialisee", 1)
        for spec in specs:
            _bordereau(part, spec, pj)
    if pj:
        part = etree.SubElement(root, "PES_PJ")
        _v(etree.SubElement(part, "EnTetePES_PJ"), "IdVer", 1)
        for unique, name in pj:
            item = etree.SubElement(part, "PJ")
            content = etree.SubElement(etree.SubElement(item, "Contenu"), "Fichier",
                                       MIMEType="application/pdf")
            data = (pj_files or {}).get(name) or _pdf(name, pj_padding)
            content.text = base64.b64encode(data).decode()
            _v(item, "IdUnique", unique)
            _v(item, "NomPJ", name)
            _v(item, "TypePJ", "007")
            _v(item, "Description", "Facture")
    return etree.tostring(root, xml_declaration=True, encoding=encoding, pretty_print=True)


def flux_of_size(megabytes: float, bordereaux: int = 20) -> bytes:
    """A flux of about `megabytes` MB: `bordereaux` bordereaux of 5 pièces, padded PJ."""
    specs = [BordereauSpec(DEPENSE if n % 3 else RECETTE, n, pieces=5)
             for n in range(1, bordereaux + 1)]
    base = len(make_flux(specs))
    padding = max(0, int((megabytes * 1024 * 1024 - base) * 3 / 4 / (bordereaux * 5)))
    return make_flux(specs, pj_padding=padding)

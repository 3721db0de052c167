"""Reading a PES_Aller flux (PES v2, the accounting software's export for Hélios).

What the signer is shown and what the signature needs: the flux's header (EnTetePES: the
collectivité's SIREN, budget, date), its bordereaux of mandats (PES_DepenseAller) and of
titres (PES_RecetteAller) with their exercice, number, date, amount and pièces, and the
attachments of PES_PJ. Element names and the `V="…"` attribute that carries every value follow
the DGFiP's PES v2 specification (as Pastell's PES generator and S²LOW's Hélios module write
and read them: `Enveloppe`, `EnTetePES`, `Bordereau/BlocBordereau/Exer|IdBord|DteBordEm|
NbrPce|MtBordHT`, `Piece/BlocPiece/InfoPce`, `PES_PJ/PJ`).

Bad input is one French sentence naming the element and its line (`PesError`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from lxml import etree

from signature.errors import SignatureError

# The root's namespace in the DGFiP's schemas (children are unqualified).
PES_NAMESPACE = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
DEPENSE, RECETTE = "PES_DepenseAller", "PES_RecetteAller"
KIND_LABELS = {DEPENSE: "mandats", RECETTE: "titres"}


class PesError(SignatureError):
    """A flux that cannot be read or signed, in one sentence saying what and where."""


def parser() -> etree.XMLParser:
    """No entities, no network; big text nodes allowed (PES_PJ carries files in base64)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                           remove_blank_text=False)


@dataclass(frozen=True)
class Bordereau:
    kind: str  # DEPENSE or RECETTE
    element_id: str  # its Id attribute ("" when the flux has none yet)
    exercice: str
    number: str
    issued: date | None
    amount: Decimal  # MtBordHT, else the sum of its pièces' lines
    pieces: int  # Piece elements found
    declared_pieces: int | None  # NbrPce
    attachments: int  # PJRef of its pièces
    line: int
    # (IdPce, IdUnique) of each PJ a pièce refers to: for a mandat, the invoices it pays.
    references: tuple[tuple[str, str], ...] = ()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def title(self) -> str:
        what = _("Bordereau de mandats") if self.kind == DEPENSE else _("Bordereau de titres")
        return _("%(what)s n° %(number)s, exercice %(year)s") % {
            "what": what, "number": self.number, "year": self.exercice}


@dataclass(frozen=True)
class Attachment:
    name: str
    unique_id: str
    mime_type: str
    size: int  # decoded bytes
    sha256: str  # of the decoded file ("" when its base64 cannot be read)


@dataclass
class Flux:
    file_name: str  # Enveloppe/Parametres/NomFic
    siren: str  # EnTetePES/IdColl
    budget_label: str  # LibelleColBud
    budget_code: str  # CodBud
    collectivite_code: str  # CodCol
    poste: str  # IdPost, the comptable's code
    produced: date | None  # DteStr
    bordereaux: list[Bordereau] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((b.amount for b in self.bordereaux), Decimal(0))

    @property
    def pieces(self) -> int:
        return sum(b.pieces for b in self.bordereaux)


def load(data: bytes) -> etree._ElementTree:
    """The flux's tree; not XML, or not a PES_Aller, is a `PesError`."""
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser()))
    except etree.XMLSyntaxError as exc:
        raise PesError(_("Ce fichier n'est pas un XML lisible (ligne %(line)s : %(why)s).")
                       % {"line": exc.lineno, "why": exc.msg}) from None
    root = tree.getroot()
    if etree.QName(root).localname != "PES_Aller":
        raise PesError(_("Ce fichier n'est pas un flux PES_Aller : son élément racine est "
                         "« %(name)s ».") % {"name": etree.QName(root).localname})
    return tree


def _value(parent: etree._Element | None, path: str) -> str:
    node = parent.find(path) if parent is not None else None
    return (node.get("V") or "").strip() if node is not None else ""


def _date(text: str, where: str, line: int) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise PesError(_("La date « %(text)s » de %(where)s (ligne %(line)s) n'est pas une date "
                         "AAAA-MM-JJ.") % {"text": text, "where": where, "line": line}) from None


def _amount(text: str, where: str, line: int) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise PesError(_("Le montant « %(text)s » de %(where)s (ligne %(line)s) n'est pas un "
                         "nombre.") % {"text": text, "where": where, "line": line}) from None


def _bordereau(kind: str, element: etree._Element) -> Bordereau:
    line = element.sourceline or 0
    block = element.find("BlocBordereau")
    if block is None:
        raise PesError(_("Un bordereau (ligne %(line)s) n'a pas de BlocBordereau : le flux est "
                         "incomplet.") % {"line": line})
    number = _value(block, "IdBord")
    exercice = _value(block, "Exer")
    where = _("bordereau n° %(n)s") % {"n": number or "?"}
    for name, value in (("IdBord", number), ("Exer", exercice)):
        if not value:
            raise PesError(_("Le %(where)s (ligne %(line)s) n'a pas d'élément %(name)s : "
                             "demandez un nouvel export au logiciel comptable.")
                           % {"where": where, "line": line, "name": name})
    pieces = element.findall("Piece")
    declared = _value(block, "NbrPce")
    amount_text = _value(block, "MtBordHT")
    if amount_text:
        amount = _amount(amount_text, where, line)
    else:
        amount = sum((_amount(n.get("V") or "0", where, n.sourceline or line)
                      for n in element.iterfind("Piece/LigneDePiece/BlocLignePiece/"
                                                "InfoLignePce/MtHT")), Decimal(0))
    return Bordereau(
        kind=kind, element_id=element.get("Id", ""), exercice=exercice, number=number,
        issued=_date(_value(block, "DteBordEm"), where, line), amount=amount,
        pieces=len(pieces), declared_pieces=int(declared) if declared.isdigit() else None,
        attachments=sum(1 for _ in element.iterfind("Piece/BlocPiece/PJRef")), line=line,
        references=tuple((_value(piece, "BlocPiece/InfoPce/IdPce"), _value(ref, "IdUnique"))
                         for piece in pieces for ref in piece.iterfind("BlocPiece/PJRef")))


def bordereau_elements(root: etree._Element) -> list[tuple[str, etree._Element]]:
    """(kind, element) of every bordereau of mandats and titres, in document order."""
    found = []
    for kind in (DEPENSE, RECETTE):
        for part in root.findall(kind):
            found.extend((kind, b) for b in part.findall("Bordereau"))
    return sorted(found, key=lambda item: item[1].sourceline or 0)


def read(data: bytes) -> Flux:
    """What a PES_Aller holds; a flux without any bordereau to sign is refused."""
    root = load(data).getroot()
    header = root.find("EnTetePES")
    if header is None:
        raise PesError(_("Ce flux PES n'a pas d'en-tête EnTetePES : demandez un nouvel export "
                         "au logiciel comptable."))
    line = header.sourceline or 0
    flux = Flux(file_name=_value(root, "Enveloppe/Parametres/NomFic"),
                siren=_value(header, "IdColl"), budget_label=_value(header, "LibelleColBud"),
                budget_code=_value(header, "CodBud"), collectivite_code=_value(header, "CodCol"),
                poste=_value(header, "IdPost"),
                produced=_date(_value(header, "DteStr"), "EnTetePES", line))
    if not flux.siren:
        raise PesError(_("L'en-tête EnTetePES (ligne %(line)s) n'a pas de SIREN (IdColl).")
                       % {"line": line})
    flux.bordereaux = [_bordereau(kind, b) for kind, b in bordereau_elements(root)]
    if not flux.bordereaux:
        raise PesError(_("Ce flux PES ne contient aucun bordereau de mandats ni de titres : il "
                         "n'y a rien à signer."))
    for pj in root.iterfind("PES_PJ/PJ"):
        content = pj.find("Contenu/Fichier")
        text = (content.text or "") if content is not None else ""
        try:
            decoded = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            decoded = None
        flux.attachments.append(Attachment(
            name=_value(pj, "NomPJ"), unique_id=_value(pj, "IdUnique"),
            mime_type=content.get("MIMEType", "") if content is not None else "",
            size=len(decoded) if decoded is not None else 0,
            sha256=hashlib.sha256(decoded).hexdigest() if decoded is not None else ""))
    return flux


def euros(amount: Decimal) -> str:
    """« 75 724,75 € », as French writes amounts (narrow no-break spaces)."""
    text = f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0€"

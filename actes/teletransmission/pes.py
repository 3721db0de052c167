"""The PES v2 files exchanged with Hélios (the DGFiP's accounting application), read for what
the transmission needs: a PES_Aller checked before it leaves, and what comes back, the
PES_Acquit / PES_NonAcquit of a flux and the PES_Retour files.

Element names and the checks follow what S²LOW does with these files
(libriciel/s2low, src/Services/Helios/HeliosEnvoiControler.php validateOneTransaction:
ISO-8859-1, XML, at least a bordereau, a PJ or a marché, Enveloppe/Parametres/NomFic present,
CodCol at most 3 characters, IdColl at most 14; lib/HeliosAnalyseFichierRecu.php: the answer's
root is PES_Acquit, PES_NonAcquit or PES_Retour, a flux is found by its NomFic and CodCol, a
PES_Retour by EnTetePES/IdColl) and the acknowledgement's details as Pastell reads them
(module/helios-generique/visionneuse/PESRetourVisionneuse: ACQUIT/ElementACQUIT with
DomaineAck, ExerciceBord, NumBord, EtatAck, Erreur/NumAnoAck and LibelleAnoAck, DetailPiece).
Every value sits in a V attribute, as PES writes it. Namespaces are ignored: the root is
qualified, its children are not, and producers differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from .errors import TeletransmissionError

# Hélios's domains of an acknowledgement element (DomaineAck), as Pastell labels them.
ACK_DOMAINS = {"0": "technique", "1": "technique", "2": "technique",
               "3": "validité du certificat", "4": "pièce justificative", "5": "dépense",
               "6": "recette", "7": "budget"}
# The blocks a PES_Aller may carry; one at least (S²LOW: "ni bordereau, ni PJ, ni marché").
DOMAINS = {"PES_DepenseAller": "dépense", "PES_RecetteAller": "recette"}
OTHER_BLOCKS = ("PES_PJ", "PES_Marche", "PES_Budget", "PES_Comptabilite")


class PesInvalid(TeletransmissionError, ValueError):
    """A file is not the PES it should be; `problems` lists each thing wrong, in French,
    for the person who sent it."""

    def __init__(self, problems: list[str]):
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


def _parser() -> etree.XMLParser:
    # No entities, no DTD, no network; huge_tree: a PES with its PJ passes 10 MB.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=True, remove_blank_text=True)


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _child(element, *names: str):
    """The first descendant along the path of local names, or None."""
    for name in names:
        if element is None:
            return None
        element = next((c for c in element if _local(c) == name), None)
    return element


def _children(element, name: str) -> list:
    return [] if element is None else [c for c in element if _local(c) == name]


def _v(element, *names: str) -> str:
    """The V attribute at the end of the path ('' when absent)."""
    found = _child(element, *names)
    return (found.get("V") or "").strip() if found is not None else ""


def parse_xml(content: bytes, what: str):
    """(root, encoding) of a PES file, or PesInvalid saying where it is not XML."""
    if not content.strip():
        raise PesInvalid([f"{what} : le fichier est vide (0 octet)."])
    try:
        tree = etree.fromstring(content, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        line = f" (ligne {exc.lineno})" if exc.lineno else ""
        raise PesInvalid([f"{what} : ce n'est pas un fichier XML bien formé{line} : "
                          f"{exc.msg}."]) from None
    return tree.getroot(), (tree.docinfo.encoding or "")


@dataclass(frozen=True)
class Bordereau:
    domain: str  # "dépense" or "recette"
    year: str
    number: str
    pieces: int
    amount: Decimal | None


@dataclass(frozen=True)
class PesAller:
    """What a PES_Aller says about itself: its file id, its collectivity, its bordereaux."""

    nom_fic: str
    id_coll: str  # SIRET of the collectivity
    cod_col: str
    cod_bud: str
    id_post: str  # the comptable's post
    bordereaux: tuple[Bordereau, ...]
    pj: int
    signed: bool
    blocks: tuple[str, ...] = field(default=())

    def summary(self) -> dict:
        return {"nom_fic": self.nom_fic, "id_coll": self.id_coll, "cod_col": self.cod_col,
                "cod_bud": self.cod_bud, "id_post": self.id_post, "pj": self.pj,
                "signed": self.signed,
                "bordereaux": [{"domain": b.domain, "year": b.year, "number": b.number,
                                "pieces": b.pieces,
                                "amount": None if b.amount is None else str(b.amount)}
                               for b in self.bordereaux]}


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def read_pes_aller(content: bytes, name: str = "le fichier") -> PesAller:
    """The PES_Aller in `content`, or PesInvalid listing every reason Hélios (or S²LOW
    before it) would refuse it."""
    root, encoding = parse_xml(content, name)
    if _local(root) != "PES_Aller":
        raise PesInvalid([f"{name} n'est pas un PES_Aller : son élément racine est "
                          f"<{_local(root)}> (un fichier exporté du logiciel de comptabilité "
                          "commence par <PES_Aller>)."])
    problems = []
    if encoding.upper() not in ("ISO-8859-1", "ISO8859-1", "LATIN-1"):
        problems.append(f"{name} : le fichier est encodé en {encoding or 'UTF-8'} ; Hélios "
                        "exige l'ISO-8859-1 (déclaration <?xml … encoding=\"ISO-8859-1\"?>).")
    nom_fic = _v(root, "Enveloppe", "Parametres", "NomFic")
    if not nom_fic:
        problems.append(f"{name} : la balise Enveloppe/Parametres/NomFic est absente ou vide.")
    head = _child(root, "EnTetePES")
    id_coll, cod_col = _v(head, "IdColl"), _v(head, "CodCol")
    if head is None:
        problems.append(f"{name} : l'en-tête EnTetePES est absent.")
    elif not id_coll:
        problems.append(f"{name} : EnTetePES/IdColl (le SIRET de la collectivité) est absent.")
    elif len(id_coll) > 14:
        problems.append(f"{name} : EnTetePES/IdColl « {id_coll} » compte plus de 14 caractères.")
    if len(cod_col) > 3:
        problems.append(f"{name} : EnTetePES/CodCol « {cod_col} » compte plus de 3 caractères.")
    bordereaux = []
    for block in (c for c in root if _local(c) in DOMAINS):
        for bordereau in _children(block, "Bordereau"):
            bloc = _child(bordereau, "BlocBordereau")
            pieces = _children(bordereau, "Piece")
            declared = _v(bloc, "NbrPce")
            bordereaux.append(Bordereau(
                DOMAINS[_local(block)], _v(bloc, "Exer"), _v(bloc, "IdBord"),
                int(declared) if declared.isdigit() else len(pieces),
                _amount(_v(bloc, "MtBordHT"))))
    pj = sum(len(_children(block, "PJ")) for block in root if _local(block) == "PES_PJ")
    blocks = tuple(sorted({_local(c) for c in root} & (set(DOMAINS) | set(OTHER_BLOCKS))))
    if not bordereaux and not pj and "PES_Marche" not in blocks:
        problems.append(f"{name} : le flux ne contient ni bordereau, ni pièce justificative "
                        "(PES_PJ), ni marché.")
    if problems:
        raise PesInvalid(problems)
    signed = any(_local(e) == "Signature" for e in root.iter())
    return PesAller(nom_fic, id_coll, cod_col, _v(head, "CodBud"), _v(head, "IdPost"),
                    tuple(bordereaux), pj, signed, blocks)


@dataclass(frozen=True)
class AckElement:
    domain: str
    year: str
    number: str
    accepted: bool
    errors: tuple[str, ...]


@dataclass(frozen=True)
class Acquit:
    """A PES_Acquit (the flux was taken in) or PES_NonAcquit (refused), with the reason."""

    nom_fic: str
    accepted: bool
    date: str
    elements: tuple[AckElement, ...]

    @property
    def reason(self) -> str:
        """The anomalies Hélios reported, in one text ('' when there is none)."""
        return " ; ".join(dict.fromkeys(e for el in self.elements for e in el.errors))

    def summary(self) -> dict:
        return {"nom_fic": self.nom_fic, "accepted": self.accepted, "date": self.date,
                "reason": self.reason,
                "elements": [{"domain": e.domain, "year": e.year, "number": e.number,
                              "accepted": e.accepted, "errors": list(e.errors)}
                             for e in self.elements]}


def _error(element) -> str:
    number, label = _v(element, "Erreur", "NumAnoAck"), _v(element, "Erreur", "LibelleAnoAck")
    return f"{number} : {label}" if number and label else (number or label)


def parse_acquit(content: bytes) -> Acquit:
    root, _encoding = parse_xml(content, "PES_Acquit")
    kind = _local(root).lower()
    if kind not in ("pes_acquit", "pes_nonacquit"):
        raise PesInvalid([f"la réponse d'Hélios n'est pas un PES_Acquit : son élément racine "
                          f"est <{_local(root)}>."])
    elements = []
    for element in _children(_child(root, "ACQUIT"), "ElementACQUIT"):
        errors = [_error(element)] if _error(element) else []
        for piece in _children(element, "DetailPiece"):
            if _error(piece):
                errors.append(f"pièce {_v(piece, 'NumPiece')}, {_error(piece)}")
            for line in _children(piece, "DetailLigne"):
                if _error(line):
                    errors.append(f"pièce {_v(piece, 'NumPiece')} ligne "
                                  f"{_v(line, 'NumLigne')}, {_error(line)}")
        domain = _v(element, "DomaineAck")
        elements.append(AckElement(ACK_DOMAINS.get(domain, domain), _v(element, "ExerciceBord"),
                                   _v(element, "NumBord"), _v(element, "EtatAck") == "1",
                                   tuple(errors)))
    return Acquit(_v(root, "Enveloppe", "Parametres", "NomFic"), kind == "pes_acquit",
                  _v(root, "EnTetePES", "DteStr"), tuple(elements))


@dataclass(frozen=True)
class Retour:
    """A PES_Retour: what the comptable sends back (payments, titres taken in...)."""

    id_coll: str
    nom_fic: str
    date: str
    contents: dict[str, int]  # block name -> how many

    def summary(self) -> dict:
        return {"id_coll": self.id_coll, "nom_fic": self.nom_fic, "date": self.date,
                "contents": self.contents}


def parse_retour(content: bytes) -> Retour:
    root, _encoding = parse_xml(content, "PES_Retour")
    if _local(root).lower() != "pes_retour":
        raise PesInvalid([f"le fichier n'est pas un PES_Retour : son élément racine est "
                          f"<{_local(root)}>."])
    contents: dict[str, int] = {}
    for block in root:
        if _local(block) not in ("Enveloppe", "EnTetePES", ""):
            for child in block:
                if _local(child) and not _local(child).startswith("EnTete"):
                    contents[_local(child)] = contents.get(_local(child), 0) + 1
    return Retour(_v(root, "EnTetePES", "IdColl"), _v(root, "Enveloppe", "Parametres", "NomFic"),
                  _v(root, "EnTetePES", "DteStr"), contents)

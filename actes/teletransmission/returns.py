"""What comes back from the prefecture, through the tiers: read into plain dataclasses.

- ARActe (code 1-2): the acknowledgement; its IDActe and DateReception make the act
  enforceable (the "accusé de réception" of the contrôle de légalité).
- AnomalieActe (1-3) and AnomalieEnveloppe: the transmission was refused.
- CourrierSimple (2-1), DemandePieceComplementaire (3-1), LettreObservations (4-1),
  DefereTA (5-1): the prefecture's later messages about an act.
- RetourClassification (7-2) / ReponseClassificationSansChangement (7-3): the matters
  and natures the collectivité must classify its acts with.

Element and attribute names are the schema's (actes/data/actes-v1.1/actesv1_1.xsd). The
readers are lenient where the format changed over time (DocumentPapier, TypePJNatureActe
absent from older messages) and strict on what identifies an act.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from . import naming
from .archive import read_tar
from .errors import ArchiveInvalid, ReturnUnreadable
from .nomenclature import INSEE_NS, NATURE_BY_ABBREVIATION, NS, NSMAP
from .schema import parse

# The schema's IDActe pattern, in groups: department-SIREN-YYYYMMDD-number-nature.
ID_ACTE_RE = re.compile(
    r"^(?P<department>[09][0-9][AB0-9])-(?P<siren>[0-9]{9})-(?P<decision>[0-9]{8})-"
    r"(?P<number>[a-zA-Z0-9_]{1,15})-(?P<nature>[A-Z]{2})$"
)


@dataclass(frozen=True)
class ActIdentifier:
    """An IDActe taken apart."""

    department: str
    siren: str
    decision_date: date
    number: str
    nature: int

    @classmethod
    def parse(cls, value: str) -> ActIdentifier:
        match = ID_ACTE_RE.match(value or "")
        if not match or match.group("nature") not in NATURE_BY_ABBREVIATION:
            raise ReturnUnreadable(f"{value!r} is not an @ctes act identifier (IDActe).")
        d = match.group("decision")
        try:
            decision = date(int(d[:4]), int(d[4:6]), int(d[6:]))
        except ValueError:
            raise ReturnUnreadable(f"{value!r} holds no valid decision date.") from None
        return cls(
            match.group("department"),
            match.group("siren"),
            decision,
            match.group("number"),
            NATURE_BY_ABBREVIATION[match.group("nature")],
        )


@dataclass(frozen=True)
class Acknowledgement:
    """ARActe: the prefecture received the act on `received_on` under `id_acte`."""

    id_acte: str
    received_on: date
    number: str
    decision_date: date
    nature: int
    subject: str
    matter: tuple[str, ...]
    classification_in_force: date | None


@dataclass(frozen=True)
class Anomaly:
    """AnomalieActe / AnomalieEnveloppe: the transmission was refused."""

    code: str
    notified_on: date
    detail: str | None
    number: str | None = None  # the act's number, for AnomalieActe
    decision_date: date | None = None
    envelope: bool = False  # True for AnomalieEnveloppe (the whole envelope refused)


class MessageKind(enum.StrEnum):
    """The prefecture's messages about an act, with their @ctes message code."""

    COURRIER_SIMPLE = "courrier_simple"
    DEMANDE_PIECES = "demande_pieces_complementaires"
    LETTRE_OBSERVATIONS = "lettre_observations"
    DEFERE = "defere_tribunal_administratif"

    @property
    def code(self) -> str:
        return _KIND_CODE[self]

    @property
    def transaction_type(self) -> int:
        # S²LOW's transaction type numbers (2 courrier simple ... 5 déféré).
        return int(_KIND_CODE[self][0])

    @property
    def root(self) -> str:
        return _KIND_ROOT[self]


_KIND_ROOT = {
    MessageKind.COURRIER_SIMPLE: "CourrierSimple",
    MessageKind.DEMANDE_PIECES: "DemandePieceComplementaire",
    MessageKind.LETTRE_OBSERVATIONS: "LettreObservations",
    MessageKind.DEFERE: "DefereTA",
}
_KIND_CODE = {
    MessageKind.COURRIER_SIMPLE: "2-1",
    MessageKind.DEMANDE_PIECES: "3-1",
    MessageKind.LETTRE_OBSERVATIONS: "4-1",
    MessageKind.DEFERE: "5-1",
}
_KIND_BY_ROOT = {root: kind for kind, root in _KIND_ROOT.items()}


@dataclass(frozen=True)
class PrefectureMessage:
    """A letter from the prefecture about the act `id_acte`.

    `text` is the free text the format carries: DescriptionPieces (pieces asked for),
    Motif (observations), NatureIllegalite (déféré); None for a courrier simple.
    `date` is DateCourrierPref, or DateDepot (filing at the tribunal) for a déféré.
    `documents` are the names of the PDF files that come with it."""

    kind: MessageKind
    id_acte: str
    date: date
    text: str | None
    documents: tuple[str, ...]

    @property
    def act(self) -> ActIdentifier:
        return ActIdentifier.parse(self.id_acte)


@dataclass(frozen=True)
class Matter:
    code: str  # dotted, e.g. "1.2"
    label: str
    level: int


@dataclass(frozen=True)
class AttachmentType:
    code: str  # e.g. "99_DE"
    label: str


@dataclass(frozen=True)
class ActNature:
    code: int
    label: str
    abbreviation: str
    attachment_types: tuple[AttachmentType, ...] = ()


@dataclass(frozen=True)
class Classification:
    """RetourClassification: the version date, the natures and the matters (up to 5 levels)."""

    version_date: date
    natures: tuple[ActNature, ...]
    matters: tuple[Matter, ...] = field(repr=False)

    def matter(self, code: str) -> Matter | None:
        return next((m for m in self.matters if m.code == code), None)

    def attachment_types(self, nature: int) -> tuple[AttachmentType, ...]:
        return next((n.attachment_types for n in self.natures if n.code == nature), ())


@dataclass(frozen=True)
class ClassificationUpToDate:
    """ReponseClassificationSansChangement: the collectivité's classification is current."""

    version_date: date


# --- helpers ------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _root(content: bytes, label: str) -> etree._Element:
    if not content or not content.strip():
        raise ReturnUnreadable(f"{label}: the message is empty.")
    root, problems = parse(content, label)
    if root is None:
        first = problems[0]
        line = f" at line {first.line}" if first.line else ""
        raise ReturnUnreadable(f"{label}: {first.message}{line}.")
    if not root.tag.startswith(f"{{{NS}}}"):
        raise ReturnUnreadable(
            f"{label}: the root element {root.tag!r} is not in the @ctes namespace {NS}."
        )
    return root


def _expect(root: etree._Element, *names: str) -> str:
    local = etree.QName(root).localname
    if local not in names:
        raise ReturnUnreadable(f"expected {' or '.join(names)}, got {local}.")
    return local


def _attr(element: etree._Element, name: str, label: str, required: bool = True) -> str | None:
    value = element.get(_q(name))
    if value is None and required:
        raise ReturnUnreadable(f"{label}: attribute {name} is missing.")
    return value


def _child_text(element: etree._Element, path: str, label: str, required: bool = True):
    found = element.find(path, NSMAP)
    if found is None or found.text is None:
        if required:
            raise ReturnUnreadable(f"{label}: element {path.replace('actes:', '')} is missing.")
        return None
    return found.text.strip()


def _date(value: str | None, label: str, what: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ReturnUnreadable(f"{label}: {what} {value!r} is not a date.") from None


def _file_names(element: etree._Element, path: str) -> tuple[str, ...]:
    return tuple((e.text or "").strip() for e in element.findall(path, NSMAP) if e.text)


# --- readers ------------------------------------------------------------------------------


def parse_acknowledgement(content: bytes) -> Acknowledgement:
    """Read an ARActe."""
    root = _root(content, "ARActe")
    _expect(root, "ARActe")
    id_acte = _attr(root, "IDActe", "ARActe")
    ActIdentifier.parse(id_acte)
    received = _date(_attr(root, "DateReception", "ARActe"), "ARActe", "DateReception")
    act = root.find("actes:ActeRecu", NSMAP)
    if act is None:
        raise ReturnUnreadable("ARActe: element ActeRecu is missing.")
    in_force = _child_text(root, "actes:ClassificationDateVersionEnCours", "ARActe", False)
    nature = _attr(act, "CodeNatureActe", "ARActe") or ""
    return Acknowledgement(
        id_acte=id_acte,
        received_on=received,
        number=_attr(act, "NumeroInterne", "ARActe") or "",
        decision_date=_date(_attr(act, "Date", "ARActe"), "ARActe", "ActeRecu/@Date"),
        nature=int(nature) if nature.isdigit() else 0,
        subject=_child_text(act, "actes:Objet", "ARActe", False) or "",
        matter=tuple(
            act.find(f"actes:CodeMatiere{level}", NSMAP).get(_q("CodeMatiere"), "")
            for level in range(1, 6)
            if act.find(f"actes:CodeMatiere{level}", NSMAP) is not None
        ),
        classification_in_force=_date(in_force, "ARActe", "ClassificationDateVersionEnCours")
        if in_force
        else None,
    )


def parse_anomaly(content: bytes) -> Anomaly:
    """Read an AnomalieActe or an AnomalieEnveloppe."""
    root = _root(content, "Anomalie")
    local = _expect(root, "AnomalieActe", "AnomalieEnveloppe")
    code = _child_text(root, "actes:Nature", local) or ""
    notified = _date(_child_text(root, "actes:Date", local), local, "Date")
    detail = _child_text(root, "actes:Detail", local, False)
    if local == "AnomalieEnveloppe":
        return Anomaly(code, notified, detail, envelope=True)
    act = root.find("actes:ActeRecu", NSMAP)
    number = act.get(_q("NumeroInterne")) if act is not None else None
    decision = act.get(_q("Date")) if act is not None else None
    return Anomaly(
        code,
        notified,
        detail,
        number,
        _date(decision, local, "ActeRecu/@Date") if decision else None,
    )


def parse_prefecture_message(content: bytes) -> PrefectureMessage:
    """Read a CourrierSimple, DemandePieceComplementaire, LettreObservations or DefereTA."""
    root = _root(content, "message de la préfecture")
    local = _expect(root, *_KIND_BY_ROOT)
    kind = _KIND_BY_ROOT[local]
    id_acte = _attr(root, "IDActe", local)
    ActIdentifier.parse(id_acte)
    if kind is MessageKind.DEFERE:
        when = _date(_child_text(root, "actes:DateDepot", local), local, "DateDepot")
        text = _child_text(root, "actes:NatureIllegalite", local, False)
        documents = _file_names(root, "actes:PiecesJointes/actes:PieceJointe/actes:NomFichier")
    else:
        when = _date(_attr(root, "DateCourrierPref", local), local, "DateCourrierPref")
        text = {
            MessageKind.DEMANDE_PIECES: _child_text(root, "actes:DescriptionPieces", local, False),
            MessageKind.LETTRE_OBSERVATIONS: _child_text(root, "actes:Motif", local, False),
        }.get(kind)
        documents = _file_names(root, "actes:Document/actes:NomFichier")
    return PrefectureMessage(kind, id_acte, when, text, documents)


def parse_classification(content: bytes) -> Classification | ClassificationUpToDate:
    """Read a RetourClassification (or a ReponseClassificationSansChangement)."""
    root = _root(content, "classification")
    local = _expect(root, "RetourClassification", "ReponseClassificationSansChangement")
    version = _date(
        _child_text(root, "actes:DateClassification", local), local, "DateClassification"
    )
    if local == "ReponseClassificationSansChangement":
        return ClassificationUpToDate(version)
    natures = []
    for element in root.findall("actes:NaturesActes/actes:NatureActe", NSMAP):
        code = element.get(_q("CodeNatureActe"), "")
        natures.append(
            ActNature(
                code=int(code) if code.isdigit() else 0,
                label=element.get(_q("Libelle"), ""),
                abbreviation=element.get(_q("TypeAbrege"), ""),
                attachment_types=tuple(
                    AttachmentType(t.get(_q("CodeTypePJ"), ""), t.get(_q("Libelle"), ""))
                    for t in element.findall("actes:TypePJNatureActe", NSMAP)
                ),
            )
        )
    matters: list[Matter] = []

    def walk(element: etree._Element, level: int, prefix: str) -> None:
        for child in element.findall(f"actes:Matiere{level}", NSMAP):
            code = child.get(_q("CodeMatiere"), "")
            dotted = f"{prefix}.{code}" if prefix else code
            matters.append(Matter(dotted, child.get(_q("Libelle"), ""), level))
            if level < 5:
                walk(child, level + 1, dotted)

    matieres = root.find("actes:Matieres", NSMAP)
    if matieres is None:
        raise ReturnUnreadable(f"{local}: element Matieres is missing.")
    walk(matieres, 1, "")
    return Classification(version, tuple(natures), tuple(matters))


def parse_return(content: bytes):
    """Read any message that comes back, choosing the reader by its root element."""
    root = _root(content, "message")
    local = etree.QName(root).localname
    if local == "ARActe":
        return parse_acknowledgement(content)
    if local in ("AnomalieActe", "AnomalieEnveloppe"):
        return parse_anomaly(content)
    if local in _KIND_BY_ROOT:
        return parse_prefecture_message(content)
    if local in ("RetourClassification", "ReponseClassificationSansChangement"):
        return parse_classification(content)
    raise ReturnUnreadable(f"message: {local} is not a message this reader knows.")


@dataclass(frozen=True)
class ReturnArchive:
    """A tar.gz from the prefecture: its envelope's sender, the message, and every file."""

    envelope: str
    sender: str | None  # e.g. "PREF079", "SPREF0792" (from the envelope name)
    recipient_siren: str | None
    message: object
    files: dict[str, bytes] = field(repr=False)


def parse_return_archive(content: bytes) -> ReturnArchive:
    """Read a prefecture message archive (EnveloppeMISILLCL + message + PDFs)."""
    try:
        files = read_tar(content, "return archive")
    except ArchiveInvalid as error:
        raise ReturnUnreadable(str(error)) from None
    envelopes = [name for name in files if naming.RETURN_ENVELOPE_RE.match(name)]
    if len(envelopes) != 1:
        raise ReturnUnreadable(
            "return archive: expected one envelope named APPLI--SERVICE-SIREN-YYYYMMDD-n.xml, "
            f"found {', '.join(envelopes) or 'none'}."
        )
    envelope_name = envelopes[0]
    envelope = _root(files[envelope_name], envelope_name)
    _expect(envelope, "EnveloppeMISILLCL", "AnomalieEnveloppe")
    if etree.QName(envelope).localname == "AnomalieEnveloppe":
        return ReturnArchive(envelope_name, None, None, parse_anomaly(files[envelope_name]), files)
    forms = _file_names(envelope, "actes:FormulairesEnvoyes/actes:Formulaire/actes:NomFichier")
    if not forms or forms[0] not in files:
        raise ReturnUnreadable(f"{envelope_name}: the message it lists is not in the archive.")
    recipient = envelope.find("actes:Destinataire", NSMAP)
    match = naming.RETURN_ENVELOPE_RE.match(envelope_name)
    return ReturnArchive(
        envelope=envelope_name,
        sender=match.group("service") if match else None,
        recipient_siren=recipient.get(f"{{{INSEE_NS}}}SIREN") if recipient is not None else None,
        message=parse_return(files[forms[0]]),
        files=files,
    )

"""What is transmitted: an act, its collectivité, its files. Plain frozen dataclasses.

Each class checks itself on construction and raises ActInvalid with a sentence naming the
field and the bad value, so nothing invalid reaches an archive. Text fields are stored as
they will be transmitted (ISO-8859-1, see latin1.py), which keeps parse(build(act)) == act.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from .errors import ActInvalid
from .latin1 import to_latin1
from .nomenclature import (
    ACT_NATURE_LABELS,
    ACT_NATURES,
    COLLECTIVITY_NATURES,
    DEFAULT_ACT_TYPOLOGY,
    DEFAULT_ANNEX_TYPOLOGY,
    TYPOLOGY_PATTERN,
)

# SIREN: nine digits (INSEE's SIRENType in siret.xsd: ChaineNumerique of length 9).
SIREN_RE = re.compile(r"^[0-9]{9}$")
# Département: the schema's actes:Departement pattern, [0|9][0-9][A|B|0-9], read as meant:
# three digits (079, 974) or 02A / 02B for Corsica.
DEPARTMENT_RE = re.compile(r"^(0[0-9]{2}|02[AB]|9[0-9]{2})$")
# Arrondissement: one digit (the schema's actes:Arrondissement pattern [0-9]{1}).
ARRONDISSEMENT_RE = re.compile(r"^[0-9]$")
# Act number (NumeroInterne): S²LOW's ActesTransaction::NUMBER_REGEXP, stricter than the
# schema's maxLength 15: capitals, digits and "_", not first nor last, 1 to 15 characters.
NUMBER_RE = re.compile(r"^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$")
# Subject (Objet): the schema allows 500 characters; S²LOW's subject field stops at 499.
SUBJECT_MAX = 499
# Matter codes: CodeMatiere1 and CodeMatiere2 are required by the schema, 3 to 5 optional;
# each is an xsd:integer code of the collectivité's classification.
MATTER_MIN, MATTER_MAX = 2, 5
MATTER_CODE_RE = re.compile(r"^[1-9][0-9]{0,2}$")
# E-mail: the schema's actes:Email pattern (note: no "+" in the local part, a 2 to 6
# letter top-level domain).
EMAIL_RE = re.compile(
    r"^[_a-zA-Z0-9\-]+(\.[_a-zA-Z0-9\-]+)*@[a-zA-Z0-9\-]+(\.[a-zA-Z0-9\-]+)*\.[a-zA-Z]{2,6}$"
)
TYPOLOGY_RE = re.compile(rf"^{TYPOLOGY_PATTERN}$")
PDF_MAGIC = b"%PDF-"


def _is_pdf(content: bytes) -> bool:
    # PDF readers accept the header anywhere in the first 1024 bytes (ISO 32000-1, 7.5.2
    # implementation note); we require it there too.
    return PDF_MAGIC in content[:1024]


@dataclass(frozen=True)
class Document:
    """A file of the act. @ctes renames files in the archive (see naming.py), so the
    original `filename` is informative only and not part of equality."""

    filename: str = field(compare=False)
    content: bytes = field(repr=False)
    # Type de pièce (e.g. "99_DE"), from the classification's TypePJNatureActe; None means
    # "the default for its place in the act", filled in by Act.
    typology: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.content, bytes | bytearray) or not self.content:
            raise ActInvalid("document", f"document {self.filename!r} is empty.")
        if not _is_pdf(bytes(self.content)):
            raise ActInvalid(
                "document",
                f"document {self.filename!r} is not a PDF (no %PDF- header); @ctes acts and "
                "annexes are transmitted as PDF.",
            )
        if self.typology is not None and not TYPOLOGY_RE.match(self.typology):
            raise ActInvalid(
                "typology",
                f"typology {self.typology!r} of {self.filename!r} is not a type de pièce code "
                "(two digits, '_', two capitals, e.g. '99_DE').",
            )


@dataclass(frozen=True)
class Referent:
    """The person the prefecture may contact about the transmission (Emetteur/Referent)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        # Empty means absent: the envelope omits the element, and reads back None.
        for attribute in ("name", "phone", "email"):
            value = getattr(self, attribute)
            if value is not None and not value.strip():
                object.__setattr__(self, attribute, None)
        for attribute in ("name", "phone"):
            value = getattr(self, attribute)
            if value is not None:
                object.__setattr__(
                    self, attribute, to_latin1(value.strip(), f"referent {attribute}")
                )
        if self.email is not None and not EMAIL_RE.match(self.email):
            raise ActInvalid(
                "referent",
                f"referent e-mail {self.email!r} is not accepted by the @ctes schema's Email "
                "pattern.",
            )


@dataclass(frozen=True)
class Collectivity:
    """The emitter (Emetteur/IDCL): who the act comes from, and which prefecture gets it."""

    siren: str
    department: str
    arrondissement: str
    nature_code: str

    def __post_init__(self) -> None:
        if not isinstance(self.siren, str) or not SIREN_RE.match(self.siren):
            raise ActInvalid("siren", f"SIREN {self.siren!r} is not nine digits.")
        if not isinstance(self.department, str) or not DEPARTMENT_RE.match(self.department):
            raise ActInvalid(
                "department",
                f"department {self.department!r} is not an @ctes department code (three "
                "characters: '079', '974', '02A').",
            )
        arrondissement = str(self.arrondissement)
        if not ARRONDISSEMENT_RE.match(arrondissement):
            raise ActInvalid(
                "arrondissement",
                f"arrondissement {self.arrondissement!r} is not one digit.",
            )
        object.__setattr__(self, "arrondissement", arrondissement)
        nature = str(self.nature_code)
        if nature not in COLLECTIVITY_NATURES:
            raise ActInvalid(
                "nature_code",
                f"collectivity nature {self.nature_code!r} is not an @ctes code (e.g. '31' "
                f"commune, '44' communauté de communes; known: {', '.join(COLLECTIVITY_NATURES)}).",
            )
        object.__setattr__(self, "nature_code", nature)


@dataclass(frozen=True)
class Act:
    """An act to transmit to the prefecture (message 1-1, element Acte)."""

    collectivity: Collectivity
    number: str
    nature: int
    decision_date: date
    subject: str
    matter: tuple[str, ...]
    classification_date: date
    document: Document
    annexes: tuple[Document, ...] = ()
    referent: Referent | None = None
    return_emails: tuple[str, ...] = ()
    # DocumentPapier: "O" when annexes also go to the prefecture on paper by post.
    paper_documents: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.collectivity, Collectivity):
            raise ActInvalid("collectivity", "collectivity is missing.")
        self._check_number()
        self._check_nature()
        for name in ("decision_date", "classification_date"):
            value = getattr(self, name)
            if not isinstance(value, date):
                raise ActInvalid(name, f"{name} {value!r} is not a date.")
        self._set_subject()
        self._set_matter()
        self._set_documents()
        emails = tuple(self.return_emails)
        if not emails:
            raise ActInvalid(
                "return_emails",
                "return_emails is empty: @ctes requires at least one address for the "
                "prefecture's replies (AdressesRetour).",
            )
        for email in emails:
            if not isinstance(email, str) or not EMAIL_RE.match(email):
                raise ActInvalid(
                    "return_emails",
                    f"return e-mail {email!r} is not accepted by the @ctes schema's Email pattern.",
                )
        object.__setattr__(self, "return_emails", emails)
        if self.referent is not None and not isinstance(self.referent, Referent):
            raise ActInvalid("referent", "referent must be a Referent.")
        object.__setattr__(self, "paper_documents", bool(self.paper_documents))

    def _check_number(self) -> None:
        if not isinstance(self.number, str) or not NUMBER_RE.match(self.number):
            raise ActInvalid(
                "number",
                f"act number {self.number!r} is not accepted: 1 to 15 capitals, digits or "
                "'_', not starting or ending with '_' (the tiers' rule for NumeroInterne).",
            )

    def _check_nature(self) -> None:
        if (
            isinstance(self.nature, bool)
            or not isinstance(self.nature, int)
            or (self.nature not in ACT_NATURES)
        ):
            labels = ", ".join(f"{code} {label}" for code, label in ACT_NATURE_LABELS.items())
            raise ActInvalid(
                "nature", f"act nature {self.nature!r} is not one of the @ctes natures ({labels})."
            )

    def _set_subject(self) -> None:
        if not isinstance(self.subject, str) or not self.subject.strip():
            raise ActInvalid("subject", "subject is empty.")
        subject = to_latin1(self.subject.strip(), "subject")
        if len(subject) > SUBJECT_MAX:
            raise ActInvalid(
                "subject",
                f"subject has {len(subject)} characters; @ctes accepts at most {SUBJECT_MAX}.",
            )
        object.__setattr__(self, "subject", subject)

    def _set_matter(self) -> None:
        codes = self.matter.split(".") if isinstance(self.matter, str) else self.matter
        codes = tuple(str(code) for code in (codes or ()))
        if not MATTER_MIN <= len(codes) <= MATTER_MAX:
            raise ActInvalid(
                "matter",
                f"matter {'.'.join(codes) or '(none)'!r} has {len(codes)} level(s); @ctes needs "
                f"{MATTER_MIN} to {MATTER_MAX} codes of the classification (e.g. '5.2').",
            )
        for code in codes:
            if not MATTER_CODE_RE.match(code):
                raise ActInvalid("matter", f"matter code {code!r} is not a classification code.")
        object.__setattr__(self, "matter", codes)

    def _set_documents(self) -> None:
        if not isinstance(self.document, Document):
            raise ActInvalid("document", "the act's document (the signed PDF) is missing.")
        if self.document.typology is None:
            typology = DEFAULT_ACT_TYPOLOGY[self.nature]
            object.__setattr__(self, "document", replace(self.document, typology=typology))
        annexes = []
        for annex in tuple(self.annexes):
            if not isinstance(annex, Document):
                raise ActInvalid("annexes", f"annex {annex!r} is not a Document.")
            if annex.typology is None:
                annex = replace(annex, typology=DEFAULT_ANNEX_TYPOLOGY)
            annexes.append(annex)
        object.__setattr__(self, "annexes", tuple(annexes))

    @property
    def nature_abbreviation(self) -> str:
        return ACT_NATURES[self.nature]

    @property
    def matter_code(self) -> str:
        """The classification code as people write it, e.g. "5.2"."""
        return ".".join(self.matter)

    @property
    def id_acte(self) -> str:
        """The act's @ctes identifier, as the prefecture will give it in its ARActe:
        department-SIREN-decision date-number-nature (the schema's IDActe pattern; S²LOW
        getStdFileName builds file names from the same parts)."""
        c = self.collectivity
        return (
            f"{c.department}-{c.siren}-{self.decision_date:%Y%m%d}-{self.number}-"
            f"{self.nature_abbreviation}"
        )

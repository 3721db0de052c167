"""The transmission archive of one act: build it, read it back, validate it.

An @ctes transmission is a tar.gz holding (names in naming.py):
- the envelope (EnveloppeCLMISILL): who sends (IDCL, Referent), where replies go
  (AdressesRetour), and the message files it carries (FormulairesEnvoyes);
- the message (Acte, code 1-1): the act's metadata and the names of its files;
- the act's PDF and its annexes' PDFs.
All XML is ISO-8859-1 in the namespace http://www.interieur.gouv.fr/ACTES#v1.1-20040216.
Structure after Stela's ArchiveService and S²LOW's ActesEnvelope/ActesTransaction.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lxml import etree

from . import naming
from .errors import ActInvalid, ArchiveInvalid, Problem
from .model import Act, Collectivity, Document, Referent
from .nomenclature import (
    ACT_NATURES,
    ARCHIVE_MAX_SIZE,
    CODE_BY_MESSAGE,
    INSEE_NS,
    NS,
    NSMAP,
)
from .schema import parse, schema_problems
from .xmlwrite import new_root, q, serialize, sub, tar_gz

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Archive:
    """A built archive: the name the tiers expects and the tar.gz bytes."""

    name: str
    content: bytes = field(repr=False)


def envelope_xml(act: Act, message_names: list[str] | tuple[str, ...]) -> bytes:
    """The EnveloppeCLMISILL listing `message_names`."""
    root = new_root("EnveloppeCLMISILL")
    emitter = sub(root, "Emetteur")
    c = act.collectivity
    idcl = sub(emitter, "IDCL")
    idcl.set(f"{{{INSEE_NS}}}SIREN", c.siren)
    idcl.set(q("Departement"), c.department)
    idcl.set(q("Arrondissement"), c.arrondissement)
    idcl.set(q("Nature"), c.nature_code)
    r = act.referent
    if r is not None and (r.name or r.phone or r.email):
        referent = sub(emitter, "Referent")
        if r.name:
            sub(referent, "Nom", r.name)
        if r.phone:
            sub(referent, "Telephone", r.phone)
        if r.email:
            sub(referent, "Email", r.email)
    addresses = sub(root, "AdressesRetour")
    for email in act.return_emails:
        sub(addresses, "Email", email)
    forms = sub(root, "FormulairesEnvoyes")
    for name in message_names:
        sub(sub(forms, "Formulaire"), "NomFichier", name)
    return serialize(root)


def act_message_xml(act: Act, names: naming.Names) -> bytes:
    """The Acte message (code 1-1), in the schema's DonneesActe order."""
    root = new_root("Acte")
    root.set(q("Date"), act.decision_date.isoformat())
    root.set(q("NumeroInterne"), act.number)
    root.set(q("CodeNatureActe"), str(act.nature))
    for level, code in enumerate(act.matter, start=1):
        sub(root, f"CodeMatiere{level}", CodeMatiere=code)
    sub(root, "Objet", act.subject)
    sub(root, "ClassificationDateVersion", act.classification_date.isoformat())
    sub(sub(root, "Document"), "NomFichier", names.document)
    annexes = sub(root, "Annexes", Nombre=str(len(names.annexes)))
    for name in names.annexes:
        sub(sub(annexes, "Annexe"), "NomFichier", name)
    # S²LOW writes "O" or "N" (generateActeXMLFile).
    sub(root, "DocumentPapier", "O" if act.paper_documents else "N")
    return serialize(root)


def build_archive(
    act: Act,
    sequence: int,
    day: date,
    *,
    trigram: str = naming.DEFAULT_TRIGRAM,
    application: str = naming.DEFAULT_APPLICATION,
) -> Archive:
    """The tar.gz to hand to the tiers for `act`, as the `sequence`-th envelope of `day`.

    `sequence` is the envelope number of the day for this collectivité (1 to 9999, the
    NUMERO of the naming rules); the caller keeps the counter."""
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 1 <= sequence <= 9999:
        raise ActInvalid(
            "sequence", f"envelope sequence {sequence!r} is not a number from 1 to 9999."
        )
    if act.decision_date > day:
        # S²LOW refuses it too: "La date de décision est une date dans le futur".
        raise ActInvalid(
            "decision_date",
            f"decision date {act.decision_date:%d/%m/%Y} is after the transmission day "
            f"{day:%d/%m/%Y}.",
        )
    c = act.collectivity
    base = naming.base_name(
        c.department, c.siren, act.decision_date, act.number, act.nature_abbreviation
    )
    envelope = naming.envelope_name(c.siren, day, sequence, application)
    names = naming.transmission_names(
        base,
        act.document.typology or "",
        tuple(annex.typology or "" for annex in act.annexes),
        envelope,
        trigram,
    )
    files = [
        (names.envelope, envelope_xml(act, [names.message])),
        (names.message, act_message_xml(act, names)),
        (names.document, bytes(act.document.content)),
        *(
            (name, bytes(annex.content))
            for name, annex in zip(names.annexes, act.annexes, strict=True)
        ),
    ]
    content = tar_gz(files, day)
    if len(content) > ARCHIVE_MAX_SIZE:
        raise ActInvalid(
            "annexes",
            f"the archive weighs {len(content) / 1048576:.0f} MiB; the tiers accepts at most "
            f"{ARCHIVE_MAX_SIZE // 1048576} MiB.",
        )
    return Archive(names.archive, content)


# --- reading ----------------------------------------------------------------------------


def read_tar(content: bytes, label: str = "archive") -> dict[str, bytes]:
    """The regular files of a tar.gz, in memory, refusing anything odd (links, paths,
    duplicates, oversize) rather than extracting it."""
    if not content.startswith(GZIP_MAGIC):
        raise ArchiveInvalid([Problem(label, "not a gzip-compressed tar archive")])
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as tar:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isfile():
                    problems.append(Problem(label, f"{member.name!r} is not a regular file"))
                    continue
                name = member.name.removeprefix("./")
                if "/" in name or name in ("", ".", ".."):
                    problems.append(Problem(label, f"{member.name!r} is not at the archive's root"))
                    continue
                total += member.size
                if total > ARCHIVE_MAX_SIZE:
                    raise ArchiveInvalid(
                        [Problem(label, f"more than {ARCHIVE_MAX_SIZE // 1048576} MiB of files")]
                    )
                if name in files:
                    problems.append(Problem(label, f"{name!r} appears twice"))
                    continue
                extracted = tar.extractfile(member)
                files[name] = extracted.read() if extracted else b""
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as error:
        raise ArchiveInvalid([Problem(label, f"unreadable tar.gz archive: {error}")]) from None
    if problems:
        raise ArchiveInvalid(problems)
    return files


def _text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path, NSMAP)
    return found.text.strip() if found is not None and found.text is not None else None


def _attr(element: etree._Element, name: str, namespace: str = NS) -> str | None:
    return element.get(f"{{{namespace}}}{name}")


def _date(value: str | None, where: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise ArchiveInvalid([Problem(where, f"{value!r} is not a date (YYYY-MM-DD)")]) from None


def _envelope_in(files: dict[str, bytes]) -> str:
    envelopes = [name for name in files if naming.ENVELOPE_RE.match(name)]
    if len(envelopes) != 1:
        found = ", ".join(envelopes) or "none"
        raise ArchiveInvalid(
            [
                Problem(
                    "archive",
                    "expected exactly one envelope named APPLI--SIREN--YYYYMMDD-n.xml, "
                    f"found {found}",
                )
            ]
        )
    return envelopes[0]


def _must_parse(content: bytes, name: str) -> etree._Element:
    root, problems = parse(content, name)
    if root is None:
        raise ArchiveInvalid(problems)
    return root


def parse_archive(content: bytes | Archive) -> Act:
    """Read an act transmission archive back into the Act it carries."""
    if isinstance(content, Archive):
        content = content.content
    files = read_tar(content)
    envelope_file = _envelope_in(files)
    envelope = _must_parse(files[envelope_file], envelope_file)
    if envelope.tag != q("EnveloppeCLMISILL"):
        raise ArchiveInvalid(
            [Problem(envelope_file, f"root is {envelope.tag}, not EnveloppeCLMISILL")]
        )
    idcl = envelope.find("actes:Emetteur/actes:IDCL", NSMAP)
    if idcl is None:
        raise ArchiveInvalid([Problem(envelope_file, "no Emetteur/IDCL", element="actes:IDCL")])
    collectivity = Collectivity(
        siren=idcl.get(f"{{{INSEE_NS}}}SIREN", ""),
        department=_attr(idcl, "Departement") or "",
        arrondissement=_attr(idcl, "Arrondissement") or "",
        nature_code=_attr(idcl, "Nature") or "",
    )
    referent_element = envelope.find("actes:Emetteur/actes:Referent", NSMAP)
    referent = None
    if referent_element is not None:
        referent = Referent(
            name=_text(referent_element, "actes:Nom"),
            phone=_text(referent_element, "actes:Telephone"),
            email=_text(referent_element, "actes:Email"),
        )
    emails = tuple(
        (e.text or "").strip() for e in envelope.findall("actes:AdressesRetour/actes:Email", NSMAP)
    )
    message_names = [
        (e.text or "").strip()
        for e in envelope.findall(
            "actes:FormulairesEnvoyes/actes:Formulaire/actes:NomFichier", NSMAP
        )
    ]
    acts = [name for name in message_names if name in files and name.endswith("-1-1_0.xml")]
    if not acts:
        raise ArchiveInvalid(
            [Problem(envelope_file, "lists no act message (…-1-1_0.xml) present in the archive")]
        )
    message_file = acts[0]
    message = _must_parse(files[message_file], message_file)
    if message.tag != q("Acte"):
        raise ArchiveInvalid([Problem(message_file, f"root is {message.tag}, not Acte")])

    def document(name: str | None, where: str) -> Document:
        if not name or name not in files:
            raise ArchiveInvalid(
                [Problem(message_file, f"{name!r} is not in the archive", element=where)]
            )
        match = naming.FILE_RE.match(name)
        return Document(name, files[name], match.group("typology") if match else None)

    matter = []
    for level in range(1, 6):
        element = message.find(f"actes:CodeMatiere{level}", NSMAP)
        if element is None:
            break
        matter.append(_attr(element, "CodeMatiere") or "")
    nature = _attr(message, "CodeNatureActe") or ""
    return Act(
        collectivity=collectivity,
        number=_attr(message, "NumeroInterne") or "",
        nature=int(nature) if nature.isdigit() else -1,
        decision_date=_date(_attr(message, "Date"), message_file),
        subject=_text(message, "actes:Objet") or "",
        matter=tuple(matter),
        classification_date=_date(_text(message, "actes:ClassificationDateVersion"), message_file),
        document=document(_text(message, "actes:Document/actes:NomFichier"), "actes:Document"),
        annexes=tuple(
            document((e.text or "").strip(), "actes:Annexe")
            for e in message.findall("actes:Annexes/actes:Annexe/actes:NomFichier", NSMAP)
        ),
        referent=referent,
        return_emails=emails,
        paper_documents=(_text(message, "actes:DocumentPapier") or "N").upper() == "O",
    )


# --- validation ---------------------------------------------------------------------------


def validate(archive_or_xml: Archive | bytes, schema_dir: str | Path | None = None) -> None:
    """Check an archive (Archive or tar.gz bytes) or one @ctes XML message against the
    schema and the naming and consistency rules; raise ArchiveInvalid listing every
    problem with its file, line and element. `schema_dir` may name a directory holding the
    Ministry's own schema files (default: actes/data/actes-v1.1)."""
    if isinstance(archive_or_xml, Archive):
        problems = _validate_archive(archive_or_xml.content, archive_or_xml.name, schema_dir)
    elif bytes(archive_or_xml[:2]) == GZIP_MAGIC:
        problems = _validate_archive(bytes(archive_or_xml), None, schema_dir)
    else:
        root, problems = parse(bytes(archive_or_xml), "message")
        if root is not None:
            problems = schema_problems(root, "message", schema_dir)
    if problems:
        raise ArchiveInvalid(problems)


def _validate_archive(content: bytes, name: str | None, schema_dir) -> list[Problem]:
    files = read_tar(content, name or "archive")
    problems: list[Problem] = []
    envelopes = [f for f in files if naming.ENVELOPE_RE.match(f)]
    if len(envelopes) != 1:
        found = ", ".join(envelopes) or "none"
        return [
            Problem(
                name or "archive",
                f"expected exactly one envelope named APPLI--SIREN--YYYYMMDD-n.xml, found {found}",
            )
        ]
    envelope_file = envelopes[0]
    env_match = naming.ENVELOPE_RE.match(envelope_file)
    if name is not None:
        archive_match = naming.ARCHIVE_RE.match(name)
        if not archive_match:
            problems.append(
                Problem(name, "archive name is not ITC-APPLI--SIREN--YYYYMMDD-n.tar.gz")
            )
        elif name.split("-", 1)[1] != envelope_file.removesuffix(".xml") + ".tar.gz":
            problems.append(
                Problem(name, f"archive name does not match its envelope {envelope_file}")
            )
    referenced = {envelope_file}
    envelope, parse_errors = parse(files[envelope_file], envelope_file)
    if envelope is None:
        return problems + parse_errors
    problems += schema_problems(envelope, envelope_file, schema_dir)
    if envelope.tag != q("EnveloppeCLMISILL"):
        problems.append(
            Problem(
                envelope_file, "the envelope's root must be EnveloppeCLMISILL", element=envelope.tag
            )
        )
        return problems
    idcl = envelope.find("actes:Emetteur/actes:IDCL", NSMAP)
    siren = idcl.get(f"{{{INSEE_NS}}}SIREN") if idcl is not None else None
    department = _attr(idcl, "Departement") if idcl is not None else None
    if siren and siren != env_match.group("siren"):
        problems.append(
            Problem(
                envelope_file,
                f"envelope name has SIREN {env_match.group('siren')} but IDCL says {siren}",
                element="actes:IDCL",
            )
        )
    forms = envelope.findall("actes:FormulairesEnvoyes/actes:Formulaire/actes:NomFichier", NSMAP)
    for form in forms:
        message_file = (form.text or "").strip()
        where = dict(line=form.sourceline, element="actes:NomFichier")
        if message_file not in files:
            problems.append(
                Problem(envelope_file, f"lists {message_file!r}, absent from the archive", **where)
            )
            continue
        referenced.add(message_file)
        problems += _validate_message(
            files, message_file, siren, department, referenced, schema_dir
        )
    for extra in sorted(set(files) - referenced):
        problems.append(
            Problem(
                name or "archive", f"{extra!r} is listed neither by the envelope nor by a message"
            )
        )
    return problems


def _validate_message(
    files, message_file, siren, department, referenced, schema_dir
) -> list[Problem]:
    problems: list[Problem] = []
    match = naming.MESSAGE_RE.match(message_file)
    if not match:
        problems.append(
            Problem(
                message_file, "message name is not DEPT-SIREN-YYYYMMDD-NUMBER-NATURE-CODE_0.xml"
            )
        )
    message, parse_errors = parse(files[message_file], message_file)
    if message is None:
        return problems + parse_errors
    problems += schema_problems(message, message_file, schema_dir)
    root_name = (
        etree.QName(message).localname if message.tag.startswith(f"{{{NS}}}") else message.tag
    )
    if match and CODE_BY_MESSAGE.get(root_name) != match.group("code"):
        problems.append(
            Problem(
                message_file,
                f"code {match.group('code')} in the name does not match the message {root_name}",
                element=root_name,
            )
        )
    if message.tag != q("Acte"):
        return problems
    if match:
        expected = {
            "siren": siren,
            "dept": department,
            "decision": (_attr(message, "Date") or "").replace("-", ""),
            "number": _attr(message, "NumeroInterne"),
            "nature": ACT_NATURES.get(
                int(_attr(message, "CodeNatureActe") or 0)
                if (_attr(message, "CodeNatureActe") or "").isdigit()
                else 0
            ),
        }
        for part, value in expected.items():
            if value is not None and match.group(part) != value:
                problems.append(
                    Problem(
                        message_file,
                        f"the name says {part} {match.group(part)!r} "
                        f"but the content says {value!r}",
                    )
                )
    base = message_file.removesuffix("_0.xml")
    document = message.find("actes:Document/actes:NomFichier", NSMAP)
    annexes = message.findall("actes:Annexes/actes:Annexe/actes:NomFichier", NSMAP)
    for k, element in enumerate([document, *annexes], start=1):
        if element is None:
            continue  # the schema already reported it
        file_name = (element.text or "").strip()
        where = dict(line=element.sourceline, element="actes:NomFichier")
        if file_name not in files:
            problems.append(
                Problem(message_file, f"names {file_name!r}, absent from the archive", **where)
            )
            continue
        referenced.add(file_name)
        file_match = naming.FILE_RE.match(file_name)
        if not file_match or not file_name.startswith(
            f"{file_match.group('typology')}-{base}_"
            if file_match.group("typology")
            else f"{base}_"
        ):
            problems.append(
                Problem(
                    message_file,
                    f"file name {file_name!r} does not follow TYPOLOGY-{base}_k.pdf",
                    **where,
                )
            )
        elif int(file_match.group("k")) != k:
            problems.append(
                Problem(message_file, f"file {file_name!r} should be numbered _{k}", **where)
            )
        if not files[file_name][:1024].count(b"%PDF-"):
            problems.append(Problem(file_name, "is not a PDF (no %PDF- header)"))
    annexes_element = message.find("actes:Annexes", NSMAP)
    if annexes_element is not None:
        count = _attr(annexes_element, "Nombre")
        if count is not None and count.isdigit() and int(count) != len(annexes):
            problems.append(
                Problem(
                    message_file,
                    f"Annexes/@Nombre says {count} but lists {len(annexes)}",
                    annexes_element.sourceline,
                    "actes:Annexes",
                )
            )
    return problems


__all__ = [
    "Archive",
    "act_message_xml",
    "build_archive",
    "envelope_xml",
    "parse_archive",
    "read_tar",
    "validate",
]

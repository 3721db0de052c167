"""The prefecture's side of the format: the messages it sends back, built from our model.

Used by the S²LOW stand-in and by tests to produce what a real prefecture would send
(ARActe, AnomalieActe, later letters, RetourClassification, and their EnveloppeMISILLCL
archives). Element order and names follow the schema; the naming of return archives
follows ianbogda/actesapi's notes ("pref -> coll: EACT--SERVICE-SIREN-DATE-NUMERO.xml").
"""

from __future__ import annotations

import copy
from datetime import date

from lxml import etree

from . import naming
from .nomenclature import ACT_NATURE_LABELS, ACT_NATURES, DEFAULT_ACT_TYPOLOGY, INSEE_NS
from .returns import (
    ActNature,
    AttachmentType,
    Classification,
    Matter,
    MessageKind,
)
from .schema import parse
from .xmlwrite import new_root, q, serialize, sub, tar_gz


def _acte_root(acte_message: bytes) -> etree._Element:
    root, problems = parse(acte_message, "Acte")
    if root is None or root.tag != q("Acte"):
        raise ValueError("the act message to acknowledge is not an @ctes Acte")
    return root


def _acte_recu(parent: etree._Element, acte: etree._Element) -> None:
    # ActeRecu is the received DonneesActe, attributes and children copied as sent.
    received = sub(parent, "ActeRecu")
    for key, value in acte.attrib.items():
        if not key.startswith("{http://www.w3.org/2001/XMLSchema-instance}"):
            received.set(key, value)
    for child in acte:
        received.append(copy.deepcopy(child))


def build_acknowledgement(
    acte_message: bytes, id_acte: str, received_on: date, classification_in_force: date
) -> bytes:
    """ARActe (message 1-2) for the act message `acte_message`."""
    root = new_root("ARActe")
    root.set(q("IDActe"), id_acte)
    root.set(q("DateReception"), received_on.isoformat())
    _acte_recu(root, _acte_root(acte_message))
    sub(root, "ClassificationDateVersionEnCours", classification_in_force.isoformat())
    return serialize(root)


def build_anomaly(
    acte_message: bytes,
    code: str,
    detail: str | None,
    notified_on: date,
    classification_in_force: date,
) -> bytes:
    """AnomalieActe (message 1-3): the act was refused."""
    root = new_root("AnomalieActe")
    sub(root, "Date", notified_on.isoformat())
    sub(root, "Nature", code)
    if detail:
        sub(root, "Detail", detail)
    _acte_recu(root, _acte_root(acte_message))
    sub(root, "ClassificationDateVersionEnCours", classification_in_force.isoformat())
    return serialize(root)


def build_prefecture_message(
    kind: MessageKind, id_acte: str, on: date, text: str | None, documents: list[str]
) -> bytes:
    """A later letter of the prefecture (2-1, 3-1, 4-1 or 5-1)."""
    root = new_root(kind.root)
    root.set(q("IDActe"), id_acte)
    if kind is MessageKind.DEFERE:
        sub(root, "DateDepot", on.isoformat())
        sub(root, "NatureIllegalite", text or "")
        pieces = sub(root, "PiecesJointes")
        for name in documents:
            sub(sub(pieces, "PieceJointe"), "NomFichier", name)
        return serialize(root)
    root.set(q("DateCourrierPref"), on.isoformat())
    if kind is MessageKind.DEMANDE_PIECES:
        sub(root, "DescriptionPieces", text or "")
    elif kind is MessageKind.LETTRE_OBSERVATIONS:
        sub(root, "Motif", text or "")
    # One Document for these three (FichierSigne, not a list, in the schema).
    sub(sub(root, "Document"), "NomFichier", documents[0])
    return serialize(root)


def build_classification(classification: Classification) -> bytes:
    """RetourClassification (message 7-2) from a Classification."""
    root = new_root("RetourClassification")
    sub(root, "DateClassification", classification.version_date.isoformat())
    natures = sub(root, "NaturesActes")
    for nature in classification.natures:
        element = sub(
            natures,
            "NatureActe",
            CodeNatureActe=str(nature.code),
            Libelle=nature.label,
            TypeAbrege=nature.abbreviation,
        )
        for attachment in nature.attachment_types:
            sub(element, "TypePJNatureActe", CodeTypePJ=attachment.code, Libelle=attachment.label)
    matieres = sub(root, "Matieres")
    parents: dict[str, etree._Element] = {}
    for matter in classification.matters:
        parent_code = matter.code.rsplit(".", 1)[0] if matter.level > 1 else ""
        parent = parents[parent_code] if parent_code else matieres
        element = sub(
            parent,
            f"Matiere{matter.level}",
            CodeMatiere=matter.code.rsplit(".", 1)[-1],
            Libelle=matter.label,
        )
        parents[matter.code] = element
    return serialize(root)


def return_envelope_xml(
    department: str,
    siren: str,
    message_name: str,
    service_kind="IDPref",
    arrondissement: str | None = None,
) -> bytes:
    """EnveloppeMISILLCL from the prefecture (IDPref) or a sous-préfecture (IDSousPref)."""
    root = new_root("EnveloppeMISILLCL")
    emitter = sub(root, "Emetteur")
    identity = sub(emitter, service_kind, Departement=department)
    if service_kind == "IDSousPref":
        identity.set(q("Arrondissement"), arrondissement or "1")
    sub(sub(sub(root, "FormulairesEnvoyes"), "Formulaire"), "NomFichier", message_name)
    recipient = sub(root, "Destinataire")
    recipient.set(f"{{{INSEE_NS}}}SIREN", siren)
    return serialize(root)


def build_return_archive(
    message: bytes,
    message_name: str,
    files: dict[str, bytes],
    department: str,
    siren: str,
    day: date,
    sequence: int,
    trigram: str = naming.DEFAULT_TRIGRAM,
    application: str = naming.DEFAULT_APPLICATION,
) -> tuple[str, bytes]:
    """(archive name, tar.gz) of a prefecture message: envelope, message, its PDFs."""
    service = f"PREF{department}"
    envelope = f"{application}--{service}-{siren}-{day:%Y%m%d}-{sequence}.xml"
    content = tar_gz(
        [
            (envelope, return_envelope_xml(department, siren, message_name)),
            (message_name, message),
            *files.items(),
        ],
        day,
    )
    return naming.archive_name(envelope, trigram), content


# A small classification for the stand-in and tests. The natures are the six of @ctes
# (codes, labels and abbreviations as in nomenclature.py); the matters are the national
# nomenclature's nine first-level headings with a few second-level ones, and one branch
# five levels deep so every level is exercised. Typology codes follow the "99_xx" form
# S²LOW defaults to. Sample data, not a prefecture's classification.
SAMPLE_CLASSIFICATION = Classification(
    version_date=date(2023, 6, 1),
    natures=tuple(
        ActNature(
            code,
            ACT_NATURE_LABELS[code],
            abbreviation,
            (
                AttachmentType(DEFAULT_ACT_TYPOLOGY[code], ACT_NATURE_LABELS[code]),
                AttachmentType("99_AU", "Autre document"),
            ),
        )
        for code, abbreviation in ACT_NATURES.items()
    ),
    matters=(
        Matter("1", "Commande publique", 1),
        Matter("1.1", "Marchés publics", 2),
        Matter("1.2", "Délégation de service public", 2),
        Matter("2", "Urbanisme", 1),
        Matter("2.1", "Documents d'urbanisme", 2),
        Matter("2.2", "Actes relatifs au droit d'occupation ou d'utilisation des sols", 2),
        Matter("3", "Domaine et patrimoine", 1),
        Matter("3.1", "Acquisitions", 2),
        Matter("3.2", "Aliénations", 2),
        Matter("4", "Fonction publique", 1),
        Matter("4.1", "Personnel titulaire et stagiaire de la FPT", 2),
        Matter("5", "Institutions et vie politique", 1),
        Matter("5.2", "Fonctionnement des assemblées", 2),
        Matter("5.3", "Désignation de représentants", 2),
        Matter("6", "Libertés publiques et pouvoirs de police", 1),
        Matter("6.1", "Police municipale", 2),
        Matter("7", "Finances locales", 1),
        Matter("7.1", "Décisions budgétaires", 2),
        Matter("7.1.1", "Budget primitif", 3),
        Matter("7.1.1.1", "Budget principal", 4),
        Matter("7.1.1.1.1", "Section de fonctionnement", 5),
        Matter("7.10", "Divers", 2),
        Matter("8", "Domaines de compétences par thèmes", 1),
        Matter("8.1", "Enseignement", 2),
        Matter("9", "Autres domaines de compétences", 1),
        Matter("9.1", "Autres domaines de compétences des communes", 2),
    ),
)

__all__ = [
    "SAMPLE_CLASSIFICATION",
    "build_acknowledgement",
    "build_anomaly",
    "build_classification",
    "build_prefecture_message",
    "build_return_archive",
    "return_envelope_xml",
]

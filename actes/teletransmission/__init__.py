"""Transmission of acts to the prefecture (contrôle de légalité, @ctes) through a tiers de
télétransmission. Pure Python, no Django: the `actes` app calls these functions.

    act = Act(collectivity, number, nature, decision_date, subject, matter,
              classification_date, document, annexes, referent, return_emails)
    archive = build_archive(act, sequence, day)          # tar.gz, @ctes v1.1
    validate(archive)                                    # ArchiveInvalid lists each problem
    with S2lowConnector(S2lowSettings(url, client_cert=...)) as tiers:
        transaction_id = tiers.send(archive)
        status = tiers.status(transaction_id)            # status.aracte once code 4
    ack = parse_acknowledgement(status.aracte)           # ack.id_acte, ack.received_on

See docs/actes-teletransmission.md.
"""

from .archive import Archive, build_archive, parse_archive, validate
from .errors import (
    ActInvalid,
    ArchiveInvalid,
    Problem,
    ReturnUnreadable,
    TeletransmissionError,
    TransmissionFailed,
)
from .model import Act, Collectivity, Document, Referent
from .returns import (
    Acknowledgement,
    ActIdentifier,
    ActNature,
    Anomaly,
    AttachmentType,
    Classification,
    ClassificationUpToDate,
    Matter,
    MessageKind,
    PrefectureMessage,
    ReturnArchive,
    parse_acknowledgement,
    parse_anomaly,
    parse_classification,
    parse_prefecture_message,
    parse_return,
    parse_return_archive,
)
from .s2low import Connector, Reply, S2lowConnector, S2lowSettings, TransactionStatus

__all__ = [
    "Acknowledgement",
    "Act",
    "ActIdentifier",
    "ActInvalid",
    "ActNature",
    "Anomaly",
    "Archive",
    "ArchiveInvalid",
    "AttachmentType",
    "Classification",
    "ClassificationUpToDate",
    "Collectivity",
    "Connector",
    "Document",
    "Matter",
    "MessageKind",
    "PrefectureMessage",
    "Problem",
    "Referent",
    "Reply",
    "ReturnArchive",
    "ReturnUnreadable",
    "S2lowConnector",
    "S2lowSettings",
    "TeletransmissionError",
    "TransactionStatus",
    "TransmissionFailed",
    "build_archive",
    "parse_acknowledgement",
    "parse_anomaly",
    "parse_archive",
    "parse_classification",
    "parse_prefecture_message",
    "parse_return",
    "parse_return_archive",
    "validate",
]

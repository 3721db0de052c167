"""The stand-in's memory: transactions, envelopes, statuses and the prefecture behind it.

StandInState moves transactions through S²LOW's statuses, holds the ARActe or the
AnomalieActe, and emits the prefecture's later messages with their envelope archives.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from actes.teletransmission import naming
from actes.teletransmission.archive import Archive, read_tar
from actes.teletransmission.nomenclature import (
    STATUS_ACKNOWLEDGED,
    STATUS_DOCUMENT_RECEIVED,
    STATUS_DOCUMENT_RECEIVED_NO_AR,
    STATUS_ERROR,
    STATUS_POSTED,
    STATUS_SENT,
    STATUS_WAITING,
)
from actes.teletransmission.prefecture import (
    SAMPLE_CLASSIFICATION,
    build_acknowledgement,
    build_anomaly,
    build_classification,
    build_prefecture_message,
    build_return_archive,
)
from actes.teletransmission.returns import MessageKind

from .helios import HeliosDesk

_MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
    b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# The texts the stand-in's prefecture writes in its letters.
_LETTERS = {
    MessageKind.COURRIER_SIMPLE: None,
    MessageKind.DEMANDE_PIECES: "Merci de transmettre le plan de financement annexé.",
    MessageKind.LETTRE_OBSERVATIONS: "La délibération ne vise pas l'avis de la commission.",
    MessageKind.DEFERE: "Incompétence de l'auteur de l'acte.",
}


@dataclass
class Transaction:
    id: int
    type: int  # S²LOW transaction type: 1 transmission, 2 courrier simple ... 5 déféré
    status: int
    envelope_id: int
    number: str = ""
    id_acte: str = ""
    act_message: bytes = b""
    related_id: int | None = None
    flux_retour: bytes = b""  # ARActe (status 4) or the error message (status -1)
    read: bool = False
    history: list[int] = field(default_factory=list)


@dataclass
class Collectivite:
    """The authority the stand-in's account belongs to (S²LOW: authorities table)."""

    siren: str | None = None
    department: str = "079"
    arrondissement: str = "1"
    nature_code: str = "31"
    email: str = "mairie@example.org"


class StandInState:
    """Everything the stand-in remembers; one lock around it."""

    def __init__(
        self,
        collectivite: Collectivite,
        trigram: str,
        application: str,
        auto_advance: bool,
        clock,
        acquit_after: float | None = None,
    ):
        self.lock = threading.RLock()
        self.collectivite = collectivite
        self.trigram = trigram
        self.application = application
        self.auto_advance = auto_advance
        self.clock = clock
        self.transactions: dict[int, Transaction] = {}
        self.envelopes: dict[int, tuple[str, bytes]] = {}
        self.numbers: set[str] = set()
        self.faults: list[int] = []
        self.requests: list[str] = []
        self.classification = build_classification(SAMPLE_CLASSIFICATION)
        self.helios = HeliosDesk(clock, acquit_after)  # the Hélios module (helios.py)
        self._next_transaction = 1
        self._next_envelope = 1
        self._sequence = 0

    def _new_envelope(self, name: str, content: bytes) -> int:
        envelope_id = self._next_envelope
        self._next_envelope += 1
        self.envelopes[envelope_id] = (name, content)
        return envelope_id

    def _new_transaction(self, **kwargs) -> Transaction:
        transaction = Transaction(id=self._next_transaction, **kwargs)
        transaction.history.append(transaction.status)
        self._next_transaction += 1
        self.transactions[transaction.id] = transaction
        return transaction

    # --- the prefecture side --------------------------------------------------------------

    def record_act(self, archive: Archive) -> Transaction:
        files = read_tar(archive.content)
        message_name = next(name for name in files if naming.MESSAGE_RE.match(name))
        match = naming.MESSAGE_RE.match(message_name)
        number = match.group("number")
        # S²LOW's isUnique: one act number per collectivité.
        if number in self.numbers:
            raise _Refused(
                "Un numéro interne d'acte entre en conflit avec un acte existant dans la base "
                "de données."
            )
        self.numbers.add(number)
        id_acte = "-".join(
            match.group(p) for p in ("dept", "siren", "decision", "number", "nature")
        )
        return self._new_transaction(
            type=1,
            status=STATUS_POSTED,
            envelope_id=self._new_envelope(archive.name, archive.content),
            number=number,
            id_acte=id_acte,
            act_message=files[message_name],
        )

    def advance(self, transaction: Transaction, to: int | None = None) -> None:
        """One step along Posté -> En attente -> Transmis -> Acquittement reçu."""
        if transaction.type != 1 or transaction.status in (STATUS_ERROR, STATUS_ACKNOWLEDGED):
            return
        steps = [STATUS_POSTED, STATUS_WAITING, STATUS_SENT, STATUS_ACKNOWLEDGED]
        target = to if to is not None else steps[steps.index(transaction.status) + 1]
        while transaction.status != target and transaction.status in steps[:-1]:
            transaction.status = steps[steps.index(transaction.status) + 1]
            transaction.history.append(transaction.status)
        if transaction.status == STATUS_ACKNOWLEDGED and not transaction.flux_retour:
            transaction.flux_retour = build_acknowledgement(
                transaction.act_message,
                transaction.id_acte,
                self.clock(),
                SAMPLE_CLASSIFICATION.version_date,
            )

    def anomaly(self, transaction: Transaction, code: str, detail: str) -> None:
        # S²LOW puts the transaction in error (-1) and shows the anomaly's text.
        transaction.flux_retour = build_anomaly(
            transaction.act_message, code, detail, self.clock(), SAMPLE_CLASSIFICATION.version_date
        )
        transaction.status = STATUS_ERROR
        transaction.history.append(STATUS_ERROR)

    def emit(self, transaction: Transaction, kind: MessageKind, text: str | None) -> Transaction:
        """A later prefecture message about `transaction`, as a new transaction of S²LOW
        type 2 to 5 with its own envelope archive."""
        self.advance(transaction, STATUS_ACKNOWLEDGED)
        today = self.clock()
        self._sequence += 1
        act = transaction.id_acte.split("-")
        base = "-".join(act) + f"-{kind.code}"
        pdf_name = f"{base}_1.pdf"
        message_name = f"{base}_0.xml"
        message = build_prefecture_message(
            kind,
            transaction.id_acte,
            today,
            text if text is not None else _LETTERS[kind],
            [pdf_name],
        )
        name, content = build_return_archive(
            message,
            message_name,
            {pdf_name: _MINIMAL_PDF},
            act[0],
            act[1],
            today,
            self._sequence,
            self.trigram,
            self.application,
        )
        # A courrier simple or a déféré expects no acknowledgement from the collectivité:
        # S²LOW shows them as "Document reçu (pas d'AR)" (21); the others as "Document reçu".
        status = (
            STATUS_DOCUMENT_RECEIVED_NO_AR
            if kind in (MessageKind.COURRIER_SIMPLE, MessageKind.DEFERE)
            else STATUS_DOCUMENT_RECEIVED
        )
        return self._new_transaction(
            type=kind.transaction_type,
            status=status,
            envelope_id=self._new_envelope(name, content),
            number=transaction.number,
            id_acte=transaction.id_acte,
            related_id=transaction.id,
        )


class _Refused(Exception):
    """An S²LOW "KO" answer."""

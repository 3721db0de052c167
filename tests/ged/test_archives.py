"""The end of the DUA: a SEDA 2.2 transfer that validates, reaches the archive stand-in and
round-trips; an elimination refused without the departmental archives' visa, then done with
it (the record stays, the file goes); a legal hold that stops an elimination."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from ged import audit, retention, seda, services
from ged.connector import ArchiveConnector
from ged.models import Document, Proposal
from tests.doubles.archive_standin import ArchiveStandIn
from tests.factories import make_pdf

TODAY = date(2026, 12, 1)


@pytest.fixture
def archive():
    standin = ArchiveStandIn()
    url, stop = standin.serve()
    yield standin, ArchiveConnector(url)
    stop()


def file(member, code: str, title: str, created: date, **fields) -> Document:
    return services.file_document(member, code, title, make_pdf(title), filename="doc.pdf",
                                  created_on=created, author="Mme Roux", **fields)


def test_a_transfer_validates_reaches_the_archive_and_round_trips(commune, archive):
    standin, connector = archive
    kept = [file(commune, "OUVRAGE-EXECUTE", f"DOE école {i}", date(2010, 1, 1),
                 closed_on=date(2015, 5, 1)) for i in range(3)]
    file(commune, "OUVRAGE-EXECUTE", "DOE salle des fêtes", date(2020, 1, 1),
         closed_on=date(2020, 5, 1))  # its DUA runs until 2030
    [proposal] = retention.propose(commune, TODAY)
    assert proposal.kind == Proposal.TRANSFER
    assert set(proposal.documents.all()) == set(kept)
    retention.send_transfer(proposal, connector, "FRAD079")
    assert proposal.state == Proposal.ACKNOWLEDGED
    # What the archive received: its own reader validated it and checked every digest.
    [received] = standin.transfers
    assert received.identifier == proposal.identifier
    assert sorted(received.titles) == sorted(d.title for d in kept)
    assert sorted(received.files.values()) == sorted(d.current_version().sha256 for d in kept)
    # The package kept on the batch reads back to the same documents.
    with proposal.sip.open("rb") as f:
        identifier, items = seda.read_sip(f.read())
    assert identifier == proposal.identifier
    assert {(i.key, i.title, i.sha256, i.puid) for i in items} == {
        (str(d.pk), d.title, d.current_version().sha256, d.current_version().puid) for d in kept}
    assert all(i.digest_ok for i in items)
    # No decision yet, then the acceptance is imported.
    assert retention.import_reply(proposal, connector) is False
    standin.decide(1, "000")
    assert retention.import_reply(proposal, connector) is True
    assert proposal.state == Proposal.ACCEPTED
    assert set(Document.objects.filter(state=Document.TRANSFERRED)) == set(kept)
    assert seda.read_reply(proposal.reply.encode())["code"] == "000"
    assert audit.verify(commune) is None


def test_a_manifest_the_schema_refuses_is_not_sent(commune):
    document = file(commune, "OUVRAGE-EXECUTE", "DOE", date(2010, 1, 1))
    [item] = retention.sip_items([document])
    xml = seda.build_manifest("SIP-1", "x", "FRAD079", "79001", [item])
    root = etree.fromstring(xml)
    root.remove(root.find(f"{{{seda.NS}}}MessageIdentifier"))
    with pytest.raises(seda.InvalidMessage, match="MessageIdentifier"):
        seda.validate(etree.tostring(root))


def test_an_elimination_needs_the_visa_then_removes_the_files_and_keeps_the_records(commune):
    old = [file(commune, "FACTURES", f"Facture {i}", date(2014, 3, 1)) for i in range(2)]
    sorted_ = file(commune, "CONV-DOSSIER", "Dossier de séance 2015", date(2015, 2, 1))
    [proposal] = retention.propose(commune, TODAY)
    assert proposal.kind == Proposal.ELIMINATION
    assert set(proposal.documents.all()) == {*old, sorted_}
    paths = [d.current_version().file.path for d in old]
    with pytest.raises(retention.RetentionRefused, match="n'a pas reçu le visa"):
        retention.eliminate(proposal)
    assert all(open(p, "rb").read() for p in paths)  # nothing removed
    assert "Facture 0" in retention.bordereau(proposal)
    # The director keeps the dossier de séance (trier), and visas the rest.
    retention.give_visa(proposal, "Directeur des Archives des Deux-Sèvres", "AD79-2026-041",
                        keep=[sorted_])
    certificate = retention.eliminate(proposal)
    for document, path in zip(old, paths, strict=True):
        document.refresh_from_db()
        assert document.state == Document.ELIMINATED and document.title.startswith("Facture")
        version = document.versions.get()
        assert not version.file and version.removed_at is not None
        assert version.sha256 in certificate
        with pytest.raises(FileNotFoundError):
            open(path, "rb")
    sorted_.refresh_from_db()
    assert sorted_.state == Document.ACTIVE and sorted_.current_version().file
    proposal.refresh_from_db()
    assert proposal.state == Proposal.DONE and "AD79-2026-041" in proposal.certificate
    assert audit.verify(commune) is None


def test_a_hold_stops_an_elimination(commune):
    held = file(commune, "FACTURES", "Facture litigieuse", date(2014, 3, 1))
    services.place_hold(commune, "TA Poitiers 2601234", "Recours contentieux", [held])
    assert retention.propose(commune, TODAY) == []  # a held document is never proposed
    other = file(commune, "FACTURES", "Facture ordinaire", date(2014, 3, 1))
    hold = held.holds.get()
    services.lift_hold(hold)
    [proposal] = retention.propose(commune, TODAY)
    assert set(proposal.documents.all()) == {held, other}
    # Held again after the visa: the elimination leaves it, file and all.
    services.place_hold(commune, "TA Poitiers 2601299", "Nouveau recours", [held])
    retention.give_visa(proposal, "Directeur des Archives des Deux-Sèvres", "AD79-2026-042")
    certificate = retention.eliminate(proposal)
    held.refresh_from_db()
    assert held.state == Document.ACTIVE and held.current_version().file
    assert "sous gel" in certificate
    other.refresh_from_db()
    assert other.state == Document.ELIMINATED

"""@ctes transmission: archive format, schema validation, returns, and the S²LOW connector
against the local stand-in over real HTTP on loopback. No database."""

from __future__ import annotations

import gzip
import io
import shutil
import tarfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from actes.teletransmission import (
    Acknowledgement,
    Act,
    ActIdentifier,
    ActInvalid,
    Archive,
    ArchiveInvalid,
    Classification,
    ClassificationUpToDate,
    Collectivity,
    Connector,
    Document,
    MessageKind,
    PrefectureMessage,
    Referent,
    ReturnUnreadable,
    S2lowConnector,
    S2lowSettings,
    TransmissionFailed,
    build_archive,
    parse_acknowledgement,
    parse_anomaly,
    parse_archive,
    parse_classification,
    parse_prefecture_message,
    parse_return,
    parse_return_archive,
    validate,
)
from actes.teletransmission.archive import read_tar
from actes.teletransmission.nomenclature import NS
from actes.teletransmission.prefecture import (
    SAMPLE_CLASSIFICATION,
    build_acknowledgement,
    build_anomaly,
    build_classification,
    build_prefecture_message,
    build_return_archive,
)
from actes.teletransmission.schema import DEFAULT_SCHEMA_DIR
from tests.doubles.s2low_standin import StandIn

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
    b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
DAY = date(2024, 1, 10)
COMMUNE = Collectivity(siren="217901746", department="079", arrondissement="2", nature_code="31")


def make_act(**changes) -> Act:
    fields = dict(
        collectivity=COMMUNE,
        number="2024_012",
        nature=1,
        decision_date=date(2024, 1, 8),
        subject="Approbation du budget primitif 2024 de la commune",
        matter=("7", "1"),
        classification_date=date(2023, 6, 1),
        document=Document("deliberation-2024-012.pdf", PDF),
        annexes=(
            Document("budget.pdf", PDF + b"annexe 1"),
            Document("plan.pdf", PDF + b"2", "41_NC"),
        ),
        referent=Referent("Jeanne Dupont", "05 49 00 00 00", "secretariat@mairie-exemple.fr"),
        return_emails=("secretariat@mairie-exemple.fr", "dgs@mairie-exemple.fr"),
    )
    fields.update(changes)
    return Act(**fields)


def members(archive: Archive) -> dict[str, bytes]:
    return read_tar(archive.content)


def rebuild(archive: Archive, change) -> Archive:
    """The archive with its files passed through change(dict) -> dict, re-packed."""
    files = change(dict(members(archive)))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return Archive(archive.name, gzip.compress(buffer.getvalue()))


def message_name(archive: Archive) -> str:
    return next(name for name in members(archive) if name.endswith("-1-1_0.xml"))


# --- the archive ----------------------------------------------------------------------------


def test_archive_names_and_contents_follow_the_format():
    archive = build_archive(make_act(), 3, DAY)
    assert archive.name == "SLO-EACT--217901746--20240110-3.tar.gz"
    assert list(members(archive)) == [
        "EACT--217901746--20240110-3.xml",
        "079-217901746-20240108-2024_012-DE-1-1_0.xml",
        "99_DE-079-217901746-20240108-2024_012-DE-1-1_1.pdf",
        "99_AU-079-217901746-20240108-2024_012-DE-1-1_2.pdf",
        "41_NC-079-217901746-20240108-2024_012-DE-1-1_3.pdf",
    ]
    assert members(archive)["99_DE-079-217901746-20240108-2024_012-DE-1-1_1.pdf"] == PDF


def test_archive_validates_against_the_schema():
    archive = build_archive(make_act(), 1, DAY)
    validate(archive)  # raises on any problem
    validate(archive.content)  # the bytes alone too
    for name, content in members(archive).items():
        if name.endswith(".xml"):
            validate(content)


def test_envelope_is_iso_8859_1_in_the_actes_namespace():
    act = make_act(referent=Referent("Hélène Lefèvre", "05 49 00 00 00", None))
    envelope = members(build_archive(act, 1, DAY))["EACT--217901746--20240110-1.xml"]
    assert envelope.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert "Hélène".encode("iso-8859-1") in envelope  # one byte per accented letter
    assert "Hélène".encode() not in envelope
    assert f'xmlns:actes="{NS}"'.encode() in envelope
    assert b"<actes:EnveloppeCLMISILL" in envelope
    assert b'insee:SIREN="217901746"' in envelope


def test_round_trip_gives_back_the_act_with_its_documents():
    act = make_act(paper_documents=True, matter=("7", "1", "1", "1", "1"))
    back = parse_archive(build_archive(act, 12, DAY))
    assert back == act
    assert back.document.content == PDF
    assert [a.content for a in back.annexes] == [PDF + b"annexe 1", PDF + b"2"]
    assert back.id_acte == "079-217901746-20240108-2024_012-DE"


def test_same_act_same_bytes():
    assert build_archive(make_act(), 1, DAY).content == build_archive(make_act(), 1, DAY).content


def test_characters_outside_latin_1_are_transliterated_or_refused():
    act = make_act(subject="Œuvres sociales : 10 000 € pour l’«\u202fété\u202f» – 2024…")
    assert act.subject == "OEuvres sociales : 10 000 EUR pour l'«\u00a0été\u00a0» - 2024..."
    assert parse_archive(build_archive(act, 1, DAY)) == act
    with pytest.raises(ActInvalid, match=r"subject: the character '😀' \(U\+1F600"):
        make_act(subject="Fête 😀")
    with pytest.raises(ActInvalid, match="control character U\\+0007"):
        make_act(subject="bip\x07")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"number": "12 34"}, "number", "'12 34'"),
        ({"number": "_2024"}, "number", "'_2024'"),
        ({"number": "A" * 16}, "number", "15"),
        ({"subject": "x" * 600}, "subject", "600 characters"),
        ({"subject": "  "}, "subject", "empty"),
        ({"matter": ()}, "matter", "0 level"),
        ({"matter": ("7",)}, "matter", "1 level"),
        ({"matter": ("7", "1", "1", "1", "1", "1")}, "matter", "6 level"),
        ({"matter": ("7", "x")}, "matter", "'x'"),
        ({"nature": 7}, "nature", "act nature 7"),
        ({"return_emails": ()}, "return_emails", "at least one"),
        ({"return_emails": ("jean+actes@example.fr",)}, "return_emails", "jean+actes"),
    ],
)
def test_bad_acts_are_refused_naming_the_field(changes, field, words):
    with pytest.raises(ActInvalid) as error:
        make_act(**changes)
    assert error.value.field == field
    assert words in str(error.value)


def test_documents_must_be_pdf():
    with pytest.raises(ActInvalid, match="'acte.docx' is not a PDF") as error:
        Document("acte.docx", b"PK\x03\x04word")
    assert error.value.field == "document"
    with pytest.raises(ActInvalid, match="is empty"):
        Document("vide.pdf", b"")
    with pytest.raises(ActInvalid, match="typology '99-DE'"):
        Document("acte.pdf", PDF, "99-DE")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"siren": "21790174"}, "siren"),
        ({"department": "79"}, "department"),
        ({"department": "02C"}, "department"),
        ({"arrondissement": "12"}, "arrondissement"),
        ({"nature_code": "99"}, "nature_code"),
    ],
)
def test_bad_collectivities_are_refused(changes, field):
    values = dict(siren="217901746", department="079", arrondissement="2", nature_code="31")
    with pytest.raises(ActInvalid) as error:
        Collectivity(**(values | changes))
    assert error.value.field == field


def test_corsica_and_overseas_departments_are_accepted():
    for department in ("02A", "02B", "974", "976"):
        validate(
            build_archive(make_act(collectivity=replace(COMMUNE, department=department)), 1, DAY)
        )


def test_building_refuses_a_decision_after_the_day_and_a_bad_sequence():
    with pytest.raises(ActInvalid, match="after the transmission day"):
        build_archive(make_act(decision_date=DAY + timedelta(days=1)), 1, DAY)
    with pytest.raises(ActInvalid, match="sequence 0"):
        build_archive(make_act(), 0, DAY)


# --- tampered archives ------------------------------------------------------------------------


def test_wrong_namespace_fails_with_file_line_and_element():
    archive = build_archive(make_act(), 1, DAY)
    name = message_name(archive)
    tampered = rebuild(
        archive,
        lambda files: files | {name: files[name].replace(b"v1.1-20040216", b"v1.0-20030101")},
    )
    with pytest.raises(ArchiveInvalid) as error:
        validate(tampered)
    problem = error.value.problems[0]
    assert problem.file == name and problem.line == 2 and "Acte" in (problem.element or "")
    assert "No matching global declaration" in problem.message
    assert f"{name}, line 2" in str(error.value)


def test_missing_document_fails():
    archive = build_archive(make_act(), 1, DAY)
    document = "99_DE-079-217901746-20240108-2024_012-DE-1-1_1.pdf"
    tampered = rebuild(archive, lambda files: {k: v for k, v in files.items() if k != document})
    with pytest.raises(ArchiveInvalid, match=f"names '{document}', absent from the archive"):
        validate(tampered)


def test_bad_number_in_the_message_fails():
    archive = build_archive(make_act(), 1, DAY)
    name = message_name(archive)

    def renumber(number: bytes):
        return lambda files: (
            files
            | {
                name: files[name].replace(
                    b'NumeroInterne="2024_012"', b'NumeroInterne="' + number + b'"'
                )
            }
        )

    with pytest.raises(ArchiveInvalid) as error:
        validate(rebuild(archive, renumber(b"12 34")))
    assert "the name says number '2024_012' but the content says '12 34'" in str(error.value)
    with pytest.raises(ArchiveInvalid) as error:
        validate(rebuild(archive, renumber(b"A_NUMBER_FAR_TOO_LONG")))
    schema_problem = next(p for p in error.value.problems if "NumeroInterne" in p.message)
    assert schema_problem.line == 2 and "length" in schema_problem.message


def test_other_tampering_is_caught():
    archive = build_archive(make_act(), 1, DAY)
    name = message_name(archive)
    cases = {
        "Annexes/@Nombre says 3 but lists 2": lambda f: (
            f | {name: f[name].replace(b'Nombre="2"', b'Nombre="3"')}
        ),
        "is listed neither by the envelope nor by a message": lambda f: f | {"extra.pdf": PDF},
        "is not a PDF": lambda f: (
            f | {"99_AU-079-217901746-20240108-2024_012-DE-1-1_2.pdf": b"not a pdf"}
        ),
        "CodeMatiere2": lambda f: f | {name: f[name].replace(b"CodeMatiere2", b"CodeMatiere3")},
    }
    for words, change in cases.items():
        with pytest.raises(ArchiveInvalid) as error:
            validate(rebuild(archive, change))
        assert words in str(error.value), words
    with pytest.raises(ArchiveInvalid, match="does not match its envelope"):
        validate(Archive("SLO-EACT--217901746--20240110-9.tar.gz", archive.content))
    with pytest.raises(ArchiveInvalid, match="not a gzip"):
        validate(Archive(archive.name, b"PK\x03\x04 a zip"))


def test_validator_takes_an_operator_schema_directory(tmp_path):
    official = tmp_path / "official"
    shutil.copytree(DEFAULT_SCHEMA_DIR, official)
    validate(build_archive(make_act(), 1, DAY), schema_dir=official)
    with pytest.raises(FileNotFoundError, match="No actesv1_1.xsd"):
        validate(build_archive(make_act(), 1, DAY), schema_dir=tmp_path / "empty")


# --- what comes back ----------------------------------------------------------------------------


def test_aracte_is_parsed():
    archive = build_archive(make_act(), 1, DAY)
    acte = members(archive)[message_name(archive)]
    xml = build_acknowledgement(acte, make_act().id_acte, date(2024, 1, 11), date(2023, 6, 1))
    validate(xml)
    ack = parse_acknowledgement(xml)
    assert ack == Acknowledgement(
        id_acte="079-217901746-20240108-2024_012-DE",
        received_on=date(2024, 1, 11),
        number="2024_012",
        decision_date=date(2024, 1, 8),
        nature=1,
        subject="Approbation du budget primitif 2024 de la commune",
        matter=("7", "1"),
        classification_in_force=date(2023, 6, 1),
    )
    assert ActIdentifier.parse(ack.id_acte) == ActIdentifier(
        "079", "217901746", date(2024, 1, 8), "2024_012", 1
    )


def test_aracte_of_the_2004_format_without_document_papier_is_parsed():
    # As in the cahier des charges' examples (no DocumentPapier, lower-case number).
    xml = f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<actes:ARActe xmlns:actes="{NS}" actes:DateReception="2003-07-17"
 actes:IDActe="035-123456789-20030714-9999aaa-AI">
 <actes:ActeRecu actes:Date="2003-07-14" actes:NumeroInterne="9999aaa" actes:CodeNatureActe="3">
  <actes:CodeMatiere1 actes:CodeMatiere="2"/><actes:CodeMatiere2 actes:CodeMatiere="2"/>
  <actes:Objet>Permis de construire au lieu-dit "Les Rochers"</actes:Objet>
  <actes:ClassificationDateVersion>2003-06-10</actes:ClassificationDateVersion>
  <actes:Document><actes:NomFichier>acte.pdf</actes:NomFichier></actes:Document>
  <actes:Annexes actes:Nombre="0"/>
 </actes:ActeRecu>
 <actes:ClassificationDateVersionEnCours>2003-06-10</actes:ClassificationDateVersionEnCours>
</actes:ARActe>""".encode("iso-8859-1")
    ack = parse_return(xml)
    assert ack.received_on == date(2003, 7, 17) and ack.nature == 3 and ack.number == "9999aaa"


@pytest.mark.parametrize("kind", list(MessageKind))
def test_each_prefecture_message_is_parsed(kind):
    xml = build_prefecture_message(
        kind,
        "079-217901746-20240108-2024_012-DE",
        date(2024, 2, 5),
        "Motif : la délibération n'a pas été affichée",
        ["lettre.pdf"],
    )
    validate(xml)
    message = parse_prefecture_message(xml)
    assert message.kind is kind
    assert message.id_acte == "079-217901746-20240108-2024_012-DE"
    assert message.date == date(2024, 2, 5)
    assert message.documents == ("lettre.pdf",)
    expected_text = (
        None
        if kind is MessageKind.COURRIER_SIMPLE
        else ("Motif : la délibération n'a pas été affichée")
    )
    assert message.text == expected_text
    assert message.act.number == "2024_012"
    assert kind.transaction_type == int(kind.code[0])


def test_prefecture_archive_is_parsed():
    xml = build_prefecture_message(
        MessageKind.LETTRE_OBSERVATIONS,
        "079-217901746-20240108-2024_012-DE",
        date(2024, 2, 5),
        "Motif",
        ["079-217901746-20240108-2024_012-DE-4-1_1.pdf"],
    )
    name, content = build_return_archive(
        xml,
        "079-217901746-20240108-2024_012-DE-4-1_0.xml",
        {"079-217901746-20240108-2024_012-DE-4-1_1.pdf": PDF},
        "079",
        "217901746",
        DAY,
        4,
    )
    assert name == "SLO-EACT--PREF079-217901746-20240110-4.tar.gz"
    bundle = parse_return_archive(content)
    assert bundle.sender == "PREF079" and bundle.recipient_siren == "217901746"
    assert isinstance(bundle.message, PrefectureMessage)
    assert bundle.files[bundle.message.documents[0]] == PDF
    for file_name, data in bundle.files.items():
        if file_name.endswith(".xml"):
            validate(data)


def test_anomaly_is_parsed():
    archive = build_archive(make_act(), 1, DAY)
    xml = build_anomaly(
        members(archive)[message_name(archive)],
        "006",
        "Le fichier acte.pdf est introuvable",
        date(2024, 1, 11),
        date(2023, 6, 1),
    )
    validate(xml)
    anomaly = parse_anomaly(xml)
    assert (anomaly.code, anomaly.detail, anomaly.number) == (
        "006",
        "Le fichier acte.pdf est introuvable",
        "2024_012",
    )
    assert anomaly.notified_on == date(2024, 1, 11) and not anomaly.envelope


def test_classification_is_parsed():
    xml = build_classification(SAMPLE_CLASSIFICATION)
    validate(xml)
    classification = parse_classification(xml)
    assert isinstance(classification, Classification)
    assert classification.version_date == date(2023, 6, 1)
    assert classification.matter("7.1.1.1.1").label == "Section de fonctionnement"
    assert classification.matter("7.1.1.1.1").level == 5
    assert classification.matter("5.2").label == "Fonctionnement des assemblées"
    assert {n.abbreviation for n in classification.natures} == {"DE", "AR", "AI", "CC", "BF", "AU"}
    assert [t.code for t in classification.attachment_types(1)] == ["99_DE", "99_AU"]
    assert classification == SAMPLE_CLASSIFICATION
    up_to_date = f"""<actes:ReponseClassificationSansChangement xmlns:actes="{NS}">
<actes:DateClassification>2023-06-01</actes:DateClassification>
</actes:ReponseClassificationSansChangement>""".encode()
    assert parse_classification(up_to_date) == ClassificationUpToDate(date(2023, 6, 1))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"<actes:ARActe xmlns:actes='x'", "not well-formed XML"),
        (b"<html><body>Erreur</body></html>", "not in the @ctes namespace"),
        (f"<actes:Annulation xmlns:actes='{NS}'/>".encode(), "Annulation is not a message"),
        (f"<actes:ARActe xmlns:actes='{NS}'/>".encode(), "attribute IDActe is missing"),
        (f"<actes:ARActe xmlns:actes='{NS}' actes:IDActe='nope'/>".encode(), "not an @ctes act"),
    ],
)
def test_unreadable_returns_say_why(content, words):
    with pytest.raises(ReturnUnreadable, match=words):
        parse_return(content)


# --- the connector against the stand-in ------------------------------------------------------


@pytest.fixture
def standin():
    with StandIn(siren="217901746", clock=lambda: date(2024, 1, 11)) as server:
        yield server


def connect(server: StandIn, **settings) -> S2lowConnector:
    values = dict(url=server.url, timeout=5, retries=2, backoff=0.01)
    values.update(settings)
    return S2lowConnector(S2lowSettings(**values), sleep=lambda seconds: None)


def test_send_then_status_until_the_aracte(standin):
    with connect(standin) as tiers:
        assert isinstance(tiers, Connector)
        tiers.test_connection()
        transaction = tiers.send(build_archive(make_act(), 1, DAY))
        codes = [tiers.status(transaction).code for _ in range(4)]
        assert codes == [1, 2, 3, 4]
        final = tiers.status(transaction)
        assert final.acknowledged and final.label == "Acquittement reçu"
        ack = parse_acknowledgement(final.aracte)
        assert ack.id_acte == make_act().id_acte and ack.received_on == date(2024, 1, 11)
        assert tiers.acknowledgement(transaction).strip() == final.aracte
        classification = parse_classification(tiers.fetch_classification())
        assert classification.matter("7.1") is not None
    # What the stand-in holds, not what we believe we sent.
    held = standin.state.transactions[int(transaction)]
    assert held.history == [1, 2, 3, 4] and held.id_acte == make_act().id_acte


def test_send_act_as_form_fields(standin):
    with connect(standin) as tiers:
        transaction = tiers.send_act(make_act(subject="Création d'un poste d'agent – été"))
        standin.advance(transaction, 4)
        ack = parse_acknowledgement(tiers.status(transaction).aracte)
    assert ack.subject == "Création d'un poste d'agent - été"
    name, content = standin.state.envelopes[
        standin.state.transactions[int(transaction)].envelope_id
    ]
    assert name.startswith("SLO-EACT--217901746--20240111-")
    sent = parse_archive(content)
    assert sent.annexes[1].typology == "41_NC" and sent.document.content == PDF


def test_5xx_is_retried(standin):
    with connect(standin) as tiers:
        transaction = tiers.send(build_archive(make_act(), 1, DAY))
        standin.fail_next(2, 503)
        assert tiers.status(transaction).code == 1
        status_calls = [r for r in standin.state.requests if "get_status" in r]
        assert len(status_calls) == 3  # two 503, then the answer
        standin.fail_next(5, 502)
        with pytest.raises(TransmissionFailed, match="HTTP 502") as error:
            tiers.status(transaction)
        assert error.value.status_code == 502


def test_timeouts_are_retried_but_a_posted_archive_is_not_resent():
    calls = {"status": 0, "submit": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if "get_status" in request.url.path:
            calls["status"] += 1
            if calls["status"] < 3:
                raise httpx.ConnectTimeout("slow", request=request)
            return httpx.Response(200, content=b"OK\n3\n")
        calls["submit"] += 1
        raise httpx.ReadTimeout("slow", request=request)

    tiers = S2lowConnector(
        S2lowSettings(url="https://s2low.example", retries=3),
        transport=httpx.MockTransport(handler),
        sleep=lambda s: None,
    )
    assert tiers.status("12").code == 3 and calls["status"] == 3
    with pytest.raises(TransmissionFailed, match="may have been recorded"):
        tiers.send(build_archive(make_act(), 1, DAY))
    assert calls["submit"] == 1


def test_invalid_archive_is_refused_with_s2low_s_message(standin):
    archive = build_archive(make_act(), 1, DAY)
    name = message_name(archive)
    tampered = rebuild(
        archive,
        lambda f: (
            f
            | {
                name: f[name]
                .replace(b"<actes:Objet>", b"<actes:Sujet>")
                .replace(b"</actes:Objet>", b"</actes:Sujet>")
            }
        ),
    )
    with connect(standin) as tiers:
        with pytest.raises(TransmissionFailed) as error:
            tiers.send(tampered)
        assert error.value.answer.startswith("Erreur d'importation de l'enveloppe :")
        assert "Sujet" in error.value.answer
        with pytest.raises(TransmissionFailed, match="trigramme trouvé \\(ABC\\)"):
            tiers.send(Archive("ABC-EACT--217901746--20240110-1.tar.gz", archive.content))
        tiers.send(archive)
        with pytest.raises(TransmissionFailed, match="numéro interne d'acte entre en conflit"):
            tiers.send(build_archive(make_act(), 2, DAY))
        with pytest.raises(TransmissionFailed, match="Numéro de transaction invalide"):
            tiers.status("999")
    assert len(standin.state.transactions) == 1


def test_prefecture_messages_reach_the_collectivity(standin):
    with connect(standin) as tiers:
        transaction = tiers.send(build_archive(make_act(), 1, DAY))
        for kind in MessageKind:
            standin.emit(transaction, kind)
        replies = tiers.replies(transaction)
        assert [r.kind for r in replies] == list(MessageKind)
        assert [r.status for r in replies] == [21, 7, 7, 21]
        unread = tiers.unread_replies()
        assert {row["unique_id"] for row in unread} == {make_act().id_acte}
        for reply in replies:
            bundle = parse_return_archive(tiers.fetch_reply(reply.id))
            assert bundle.message.kind is reply.kind
            assert bundle.message.id_acte == make_act().id_acte
            assert bundle.files[bundle.message.documents[0]].startswith(b"%PDF-")
            tiers.mark_reply_read(reply.id)
        assert tiers.unread_replies() == []


def test_anomaly_puts_the_transaction_in_error(standin):
    with connect(standin) as tiers:
        transaction = tiers.send(build_archive(make_act(), 1, DAY))
        standin.anomaly(transaction, "006", "Le fichier de l'acte est illisible")
        status = tiers.status(transaction)
    assert status.failed and status.label == "Erreur"
    assert parse_anomaly(status.error.encode("iso-8859-1")).detail == (
        "Le fichier de l'acte est illisible"
    )


def test_login_and_password_when_s2low_asks_for_them():
    with StandIn(login="mairie-79174", password="s3cret") as server:
        with connect(server) as anonymous:
            with pytest.raises(TransmissionFailed, match="Échec de l'authentification"):
                anonymous.fetch_classification()
        with connect(server, login="mairie-79174", password="s3cret") as tiers:
            assert parse_classification(tiers.fetch_classification()).natures
    assert "s3cret" not in repr(S2lowSettings(url="x", password="s3cret"))


def test_client_certificate_over_tls(tmp_path):
    paths = _make_pki(tmp_path)
    with StandIn(
        tls_cert=paths["server"], tls_key=paths["server_key"], client_ca=paths["ca"]
    ) as server:
        assert server.url.startswith("https://127.0.0.1:")
        with connect(
            server,
            ca_bundle=paths["ca"],
            client_cert=paths["client"],
            client_key=paths["client_key"],
        ) as tiers:
            tiers.test_connection()
            transaction = tiers.send(build_archive(make_act(), 1, DAY))
            assert tiers.status(transaction).code == 1
        with connect(server, ca_bundle=paths["ca"], retries=0) as no_certificate:
            with pytest.raises(TransmissionFailed, match="cannot be reached"):
                no_certificate.test_connection()


def _make_pki(directory) -> dict[str, str]:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def certificate(subject, key, issuer, issuer_key, ca=False, extensions=()):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        for extension in extensions:
            builder = builder.add_extension(extension, critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    paths = {}

    def write(label, cert, key):
        paths[label] = str(directory / f"{label}.pem")
        (directory / f"{label}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        if key is not None:
            paths[f"{label}_key"] = str(directory / f"{label}.key")
            (directory / f"{label}.key").write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate(name("Test CA"), ca_key, name("Test CA"), ca_key, ca=True)
    write("ca", ca, None)
    server_key = ec.generate_private_key(ec.SECP256R1())
    write(
        "server",
        certificate(
            name("127.0.0.1"),
            server_key,
            ca.subject,
            ca_key,
            extensions=[
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
            ],
        ),
        server_key,
    )
    client_key = ec.generate_private_key(ec.SECP256R1())
    write(
        "client",
        certificate(
            name("Mairie de test"),
            client_key,
            ca.subject,
            ca_key,
            extensions=[x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])],
        ),
        client_key,
    )
    return paths

"""Reading PES_Aller flux: the bordereaux the signer is shown, and the sentences that refuse a
flux that cannot be read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pes import flux
from pes.flux import DEPENSE, RECETTE, PesError

from .generate import BordereauSpec, make_flux


def test_a_flux_reads_its_header_bordereaux_and_attachments():
    parsed = flux.read(make_flux())
    assert (parsed.siren, parsed.budget_code, parsed.poste) == ("217901010", "00", "079000")
    assert parsed.budget_label == "COMMUNE D'ALPHAVILLE — BUDGET PRINCIPAL"
    assert str(parsed.produced) == "2026-11-20"
    rows = [(b.kind, b.exercice, b.number, b.amount, b.pieces, b.declared_pieces, b.attachments)
            for b in parsed.bordereaux]
    assert rows == [(DEPENSE, "2026", "72", Decimal("3751.20"), 3, 3, 3),
                    (DEPENSE, "2026", "73", Decimal("89990.00"), 1, 1, 1),
                    (RECETTE, "2026", "12", Decimal("91.0"), 2, 2, 2)]
    assert parsed.bordereaux[2].title == "Bordereau de titres n° 12, exercice 2026"
    assert parsed.total == Decimal("93832.20") and parsed.pieces == 6
    assert [a.name for a in parsed.attachments][:2] == ["facture-72-1.pdf", "facture-72-2.pdf"]
    assert all(a.mime_type == "application/pdf" and a.size > 50 for a in parsed.attachments)
    assert flux.euros(parsed.total) == "93\u202f832,20\u00a0€"


def test_the_amount_without_mtbordht_is_the_sum_of_the_lines():
    data = make_flux([BordereauSpec(DEPENSE, 5, pieces=4, amount=Decimal("10.25"))])
    data = data.replace(b'<MtBordHT V="41.00"/>', b"")
    assert flux.read(data).bordereaux[0].amount == Decimal("41.00")


@pytest.mark.parametrize("data, words", [
    (b"<PES_Aller><EnTetePES>", "n'est pas un XML lisible (ligne 1"),
    (b"<?xml version='1.0'?><Facture/>", "son élément racine est « Facture »"),
    (make_flux().replace(b'<IdBord V="73"/>', b""), "n'a pas d'élément IdBord"),
    (make_flux().replace(b'<MtBordHT V="3751.20"/>', b'<MtBordHT V="3 751,20"/>'),
     "Le montant « 3 751,20 » de bordereau n° 72"),
    (make_flux().replace(b'<DteBordEm V="2026-11-17"/>', b'<DteBordEm V="17/11/2026"/>'),
     "n'est pas une date AAAA-MM-JJ"),
])
def test_a_flux_that_cannot_be_read_is_refused_saying_where(data, words):
    with pytest.raises(PesError) as caught:
        flux.read(data)
    assert words in str(caught.value)


def test_a_flux_without_bordereau_has_nothing_to_sign():
    data = make_flux([BordereauSpec(DEPENSE, 1)])
    start, end = data.index(b"<PES_DepenseAller>"), data.index(b"</PES_DepenseAller>")
    with pytest.raises(PesError, match="aucun bordereau de mandats ni de titres"):
        flux.read(data[:start] + data[end + len(b"</PES_DepenseAller>"):])


def test_an_external_entity_is_refused_not_read():
    data = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            + make_flux().split(b"?>", 1)[1].replace(b'V="ALPHAVILLE"', b'V="&e;"'))
    with pytest.raises(PesError) as caught:
        flux.read(data)
    assert "ligne 10" in str(caught.value) and "root:" not in str(caught.value)

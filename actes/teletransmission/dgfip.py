"""Hélios's side of the exchange: the PES_Acquit, PES_NonAcquit and PES_Retour files the
DGFiP sends back, built from a PES_Aller. Used by the S²LOW stand-in and the tests, as
prefecture.py is for @ctes.

The shapes are those S²LOW and Pastell read (see pes.py): Enveloppe/Parametres/NomFic names
the flux acknowledged, EnTetePES repeats the flux's collectivity (IdColl, CodCol, CodBud,
IdPost) so that S²LOW finds the transaction by NomFic and CodCol, and ACQUIT/ElementACQUIT
reports per bordereau. S²LOW counts a PES_Acquit without ACQUIT element as accepted
(status 4), one with ACQUIT elements as "information disponible" (8), and a PES_NonAcquit as
refused (6) (libriciel/s2low lib/HeliosAnalyseFichierRecu.php traitementAck / traitementNack).
Sample files for tests, not the DGFiP's.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from .pes import PesAller

_NS = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"


def _v(parent, name: str, value: str):
    element = etree.SubElement(parent, name)
    element.set("V", value)
    return element


def _head(root, pes: PesAller | None, on: date, id_coll: str | None = None) -> None:
    envelope = etree.SubElement(root, "Enveloppe")
    parameters = etree.SubElement(envelope, "Parametres")
    _v(parameters, "Version", "2")
    _v(parameters, "TypFic", "PESACK" if pes else "PESRETOUR")
    _v(parameters, "NomFic", pes.nom_fic if pes else f"RETOUR_{on:%Y%m%d}")
    head = etree.SubElement(root, "EnTetePES")
    _v(head, "DteStr", on.isoformat())
    _v(head, "IdPost", pes.id_post if pes else "079000")
    _v(head, "IdColl", id_coll or (pes.id_coll if pes else ""))
    _v(head, "CodCol", pes.cod_col if pes else "001")
    _v(head, "CodBud", pes.cod_bud if pes else "01")


def _serialize(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")


def build_acquit(pes: PesAller, on: date, *, refused: str | None = None,
                 details: bool = False) -> bytes:
    """The PES_Acquit of `pes` (accepted), or its PES_NonAcquit when `refused` gives the
    anomaly's label. `details`: an accepted acquit that reports each bordereau."""
    root = etree.Element(etree.QName(_NS, "PES_NonAcquit" if refused else "PES_Acquit"),
                         nsmap={"n": _NS})
    _head(root, pes, on)
    if refused or details:
        ack = etree.SubElement(root, "ACQUIT")
        targets = pes.bordereaux or (None,)
        for bordereau in targets:
            element = etree.SubElement(ack, "ElementACQUIT")
            _v(element, "DomaineAck", {"dépense": "5", "recette": "6"}.get(
                bordereau.domain if bordereau else "", "1"))
            if bordereau:
                _v(element, "ExerciceBord", bordereau.year)
                _v(element, "NumBord", bordereau.number)
            _v(element, "EtatAck", "2" if refused else "1")
            if refused:
                error = etree.SubElement(element, "Erreur")
                _v(error, "NumAnoAck", "1")
                _v(error, "LibelleAnoAck", refused)
    return _serialize(root)


def build_retour(id_coll: str, on: date, paid: list[tuple[str, str, str]]) -> bytes:
    """A PES_Retour for the collectivity `id_coll` (SIRET): one payment per
    (bordereau, pièce, amount) of `paid`, under PES_DepenseRetour."""
    root = etree.Element(etree.QName(_NS, "PES_Retour"), nsmap={"n": _NS})
    _head(root, None, on, id_coll)
    block = etree.SubElement(root, "PES_DepenseRetour")
    for bordereau, piece, amount in paid:
        payment = etree.SubElement(block, "Paiement")
        _v(payment, "IdBord", bordereau)
        _v(payment, "IdPce", piece)
        _v(payment, "MtPaye", amount)
        _v(payment, "DtePaiement", on.isoformat())
    return _serialize(root)

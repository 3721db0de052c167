"""PES_Aller files as an accounting software exports them, generated for the tests: the
envelope, the header with the collectivity's SIRET, bordereaux of mandats (PES_DepenseAller)
and titres (PES_RecetteAller) with their pièces, and PES_PJ attachments. Element names follow
the PES v2 layout S²LOW and Pastell read (EnTetePES/IdColl, CodCol, CodBud, IdPost;
Bordereau/BlocBordereau/Exer, IdBord, NbrPce, MtBordHT; PES_PJ/PJ). Sample data."""

from __future__ import annotations

import base64

from lxml import etree

NS = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"


def _v(parent, name: str, value: str):
    element = etree.SubElement(parent, name)
    element.set("V", value)
    return element


def pes_aller(siret: str = "21790174000013", nom_fic: str = "PESALR2_79174_2026_001",
              *, mandats: int = 2, titres: int = 1, pj: int = 1, year: str = "2026",
              encoding: str = "ISO-8859-1", pj_size: int = 200) -> bytes:
    """A PES_Aller with `mandats` bordereaux of dépense, `titres` of recette (two pièces each)
    and `pj` attachments of `pj_size` bytes."""
    root = etree.Element(etree.QName(NS, "PES_Aller"), nsmap={"n": NS})
    parameters = etree.SubElement(etree.SubElement(root, "Enveloppe"), "Parametres")
    _v(parameters, "Version", "2")
    _v(parameters, "TypFic", "PESALR2")
    _v(parameters, "NomFic", nom_fic)
    head = etree.SubElement(root, "EnTetePES")
    _v(head, "DteStr", f"{year}-03-02")
    _v(head, "IdPost", "079000")
    _v(head, "IdColl", siret)
    _v(head, "CodCol", "001")
    _v(head, "CodBud", "01")
    _v(head, "LibelleColBud", "Commune de Melle — budget principal")
    for block, count, kind in (("PES_DepenseAller", mandats, "mandat"),
                               ("PES_RecetteAller", titres, "titre")):
        if not count:
            continue
        element = etree.SubElement(root, block)
        etree.SubElement(element, "EnTeteDepense" if kind == "mandat" else "EnTeteRecette")
        for number in range(1, count + 1):
            bordereau = etree.SubElement(element, "Bordereau")
            bloc = etree.SubElement(bordereau, "BlocBordereau")
            _v(bloc, "Exer", year)
            _v(bloc, "IdBord", str(number + (0 if kind == "mandat" else 100)))
            _v(bloc, "DteBordEm", f"{year}-03-01")
            _v(bloc, "TypBord", "01")
            _v(bloc, "NbrPce", "2")
            _v(bloc, "MtBordHT", f"{1250.5 * number:.2f}")
            for piece in (1, 2):
                bloc_piece = etree.SubElement(etree.SubElement(bordereau, "Piece"), "BlocPiece")
                info = etree.SubElement(bloc_piece, "InfoPce")
                _v(info, "IdPce", str(piece))
                _v(info, "Obj", f"Facture {number}-{piece} (fournitures scolaires, élève)")
    if pj:
        attachments = etree.SubElement(root, "PES_PJ")
        _v(etree.SubElement(attachments, "EnTetePES_PJ"), "IdVer", "1")
        for number in range(1, pj + 1):
            element = etree.SubElement(attachments, "PJ")
            content = etree.SubElement(element, "Contenu")
            data = b"%PDF-1.4 facture " + bytes(str(number), "ascii")
            data += b" " * max(0, pj_size - len(data))
            fichier = etree.SubElement(content, "Fichier", MIMEType="application/pdf")
            fichier.text = base64.b64encode(data).decode()
            _v(element, "NomPJ", f"facture-{number}.pdf")
    return etree.tostring(root, xml_declaration=True, encoding=encoding)

"""The renewal request the syndicate, as registration authority, sends the certification
authority for a member's certificate: a PDF prefilled with the holder, the member (its
SIREN), the current certificate and the last identity check, with room for the signatures."""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from provisioning.models import RegistrySyndicate

from .models import MemberCertificate

STYLES = getSampleStyleSheet()
BODY = STYLES["BodyText"].clone("certbody", fontSize=9, leading=12)


def _date(moment) -> str:
    if not moment:
        return "—"
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment)
    return moment.strftime("%d/%m/%Y")


def _section(title: str, rows: list[tuple[str, str]]) -> list:
    table = Table([[Paragraph(escape(k), BODY), Paragraph(escape(v or "—"), BODY)]
                   for k, v in rows], colWidths=[55 * mm, 115 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [Paragraph(escape(title), STYLES["Heading2"]), table, Spacer(1, 4 * mm)]


def filename(certificate: MemberCertificate) -> str:
    return f"demande-renouvellement-{certificate.member.code}-{certificate.serial}.pdf"


def renewal_request(certificate: MemberCertificate) -> bytes:
    member, holder = certificate.member, certificate.holder
    syndicate = RegistrySyndicate.objects.filter(active=True).first()
    check = certificate.identity_checks.first()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=_("Demande de renouvellement de certificat"),
                            author=syndicate.name if syndicate else "", leftMargin=20 * mm,
                            rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    story = [Paragraph(escape(_("Demande de renouvellement de certificat")), STYLES["Title"]),
             Paragraph(escape(_("À l'attention de l'autorité de certification : %(ca)s")
                              % {"ca": certificate.issuer_name}), BODY),
             Paragraph(escape(_("Établie le %(date)s par l'autorité d'enregistrement "
                                "déléguée : %(ra)s")
                              % {"date": timezone.localdate().strftime("%d/%m/%Y"),
                                 "ra": f"{syndicate.name} (SIREN {syndicate.siren})"
                                 if syndicate else "—"}), BODY),
             Spacer(1, 5 * mm)]
    story += _section(_("Titulaire"), [
        (_("Nom"), certificate.holder_name),
        (_("Adresse électronique"), certificate.holder_email or (holder.email if holder else "")),
        (_("Téléphone"), holder.phone if holder else "")])
    story += _section(_("Collectivité"), [
        (_("Nom"), member.name), (_("Code"), member.code), (_("SIREN"), member.siren),
        (_("Adresse"), member.address), (_("Adresse électronique"), member.email)])
    story += _section(_("Certificat en cours"), [
        (_("Nature"), certificate.get_kind_display()), (_("Sujet"), certificate.subject),
        (_("Émetteur"), certificate.issuer), (_("Numéro de série"), certificate.serial),
        (_("Valide du"), _date(certificate.not_before)),
        (_("Valide jusqu'au"), _date(certificate.not_after)),
        (_("Politiques de certification"), ", ".join(certificate.policy_oids)),
        (_("Empreinte SHA-256"), certificate.sha256),
        (_("Dernière vérification"), f"{_date(certificate.checked_at)} : "
                                     f"{certificate.get_status_display() or '—'}")])
    story += _section(_("Vérification d'identité du titulaire"), [
        (_("Vérifiée par"), check.checked_by if check else _("à faire")),
        (_("Vérifiée le"), _date(check.checked_on) if check else ""),
        (_("Pièces présentées"), check.documents if check else "")])
    story += _section(_("Signatures"), [
        (_("Le titulaire"), "\n\n\n"), (_("L'autorité d'enregistrement"), "\n\n\n")])
    doc.build(story)
    return out.getvalue()

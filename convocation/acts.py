"""After the sitting: the list of délibérations and the procès-verbal, and their publication on
the member's website within a week (CGCT L2121-25 for the list; L2121-15 for the minutes)."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from . import backends
from .dossier import escape, president_of, when
from .models import AgendaItem, Publication, Sitting, Vote, audit
from .proxies import proxies_for
from .quorum import present_at, quorum
from .reports import rows
from .sending import site_key

PUBLICATION_DAYS = 7


class ActsRefused(Exception):
    """The acts cannot be generated yet; the sentence says why."""


def _result(item: AgendaItem) -> str:
    vote: Vote | None = getattr(item, "vote", None)
    if vote is None:
        return _("non soumis au vote")
    outcome = _("adopté") if vote.outcome == Vote.ADOPTED else _("rejeté")
    return _("%(outcome)s (pour : %(f)s, contre : %(a)s, abstentions : %(x)s)") % {
        "outcome": outcome, "f": vote.votes_for, "a": vote.votes_against,
        "x": vote.abstentions}


def _document(sitting: Sitting, title: str, story_body: list) -> bytes:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm,
                            topMargin=2 * cm, bottomMargin=2 * cm, title=title,
                            author=sitting.member.name)
    story = [Paragraph(escape(sitting.member.name), styles["Heading2"]),
             Paragraph(escape(title), styles["Title"]),
             Paragraph(escape(_("%(assembly)s — séance du %(when)s, %(place)s") % {
                 "assembly": sitting.assembly.name, "when": when(sitting),
                 "place": sitting.place}), styles["BodyText"]),
             Spacer(1, 0.5 * cm)]
    doc.build(story + story_body)
    return buffer.getvalue()


def deliberations_pdf(sitting: Sitting) -> bytes:
    styles = getSampleStyleSheet()
    body = []
    for item in sitting.items.select_related("vote").order_by("position"):
        number = getattr(getattr(item, "vote", None), "number", "")
        head = f"{number} — " if number else ""
        body.append(Paragraph(escape(f"{item.position}. {head}{item.title}"), styles["Heading4"]))
        body.append(Paragraph(escape(_result(item)), styles["BodyText"]))
    return _document(sitting, _("Liste des délibérations"), body)


def minutes_pdf(sitting: Sitting) -> bytes:
    styles = getSampleStyleSheet()
    text = styles["BodyText"]
    data = rows(sitting)
    first = sitting.items.order_by("position").first()
    present = present_at(sitting, first) if first else frozenset()
    names = {c.person_id: c.name for c in sitting.convocations.all()}
    body = [Paragraph(escape(_("Présidence : %(name)s") % {
        "name": president_of(sitting) or "—"}), text),
            Paragraph(escape(_("Secrétaire de séance : %(name)s") % {
                "name": sitting.secretary or "—"}), text),
            Paragraph(escape(_("Membres en exercice : %(n)s") % {"n": len(data)}), text),
            Paragraph(escape(_("Présents à l'ouverture : %(names)s") % {
                "names": ", ".join(sorted(names[p] for p in present if p in names)) or "—"}),
                text)]
    proxies = proxies_for(sitting)
    if proxies:
        body.append(Paragraph(escape(_("Pouvoirs : %(list)s") % {"list": "; ".join(
            _("%(giver)s à %(holder)s") % {
                "giver": f"{p.giver.given_name} {p.giver.surname}",
                "holder": f"{p.holder.given_name} {p.holder.surname}"} for p in proxies)}),
            text))
    absent = sorted(names[p] for p in names if p not in present)
    body.append(Paragraph(escape(_("Absents à l'ouverture : %(names)s") % {
        "names": ", ".join(absent) or "—"}), text))
    if sitting.reconvened:
        body.append(Paragraph(escape(_(
            "Séance tenue après défaut de quorum : l'assemblée délibère sans condition de "
            "quorum (article L2121-17 du CGCT).")), text))
    body.append(Spacer(1, 0.4 * cm))
    for q in quorum(sitting):
        item = q.item
        body.append(Paragraph(escape(f"{item.position}. {item.title}"), styles["Heading4"]))
        if item.rapporteur:
            body.append(Paragraph(escape(_("Rapporteur : %(name)s") % {
                "name": f"{item.rapporteur.given_name} {item.rapporteur.surname}"}), text))
        body.append(Paragraph(escape(_(
            "Présents : %(present)s ; pouvoirs : %(proxies)s ; quorum %(state)s.") % {
            "present": len(q.present), "proxies": q.proxies,
            "state": _("atteint") if q.reached else _("non atteint")}), text))
        body.append(Paragraph(escape(_result(item)), text))
    return _document(sitting, _("Procès-verbal"), body)


def generate_and_publish(sitting: Sitting) -> list[Publication]:
    """Generate both documents, store them, and put them online when the site factory can."""
    if timezone.now() < sitting.starts_at:
        raise ActsRefused(_("La séance n'a pas encore eu lieu : la liste des délibérations et "
                            "le procès-verbal se génèrent après elle."))
    if not sitting.movements.exists():
        raise ActsRefused(_("Aucune présence n'est enregistrée pour cette séance : faites "
                            "d'abord l'appel, puis générez les documents."))
    due_by = sitting.local_start.date() + timedelta(days=PUBLICATION_DAYS)
    out = []
    for kind, builder, title, act_kind in (
            (Publication.DELIBERATIONS, deliberations_pdf, _("Liste des délibérations"),
             "deliberation"),
            (Publication.MINUTES, minutes_pdf, _("Procès-verbal"), "proces-verbal")):
        pdf = builder(sitting)
        filename = f"{kind}-{sitting.local_start:%Y-%m-%d}.pdf"
        publication = Publication(sitting=sitting, kind=kind, due_by=due_by,
                                  sha256=hashlib.sha256(pdf).hexdigest())
        publication.file.save(filename, ContentFile(pdf), save=False)
        try:
            full_title = f"{title} — {sitting.assembly.name} — {when(sitting)}"
            publication.url = backends.publish_act(backends.Act(
                sitting.member.code, act_kind, full_title, sitting.local_start.date(),
                filename, pdf, sitting_key=site_key(sitting)))
            publication.published_at = timezone.now()
            backends.register_publication(sitting.assembly.member, title, full_title,
                                          publication.url, publication.sha256)
        except Exception as exc:  # no website, none with a page of acts, or a failure
            publication.pending_reason = _(
                "Mise en ligne impossible (%(why)s) : publiez ce document à la main avant le "
                "%(day)s.") % {"why": backends.cause(exc, _("Le site internet")),
                               "day": due_by.strftime("%d/%m/%Y")}
        publication.save()
        audit(sitting, "act", kind=kind, sha256=publication.sha256, url=publication.url)
        out.append(publication)
    Sitting.objects.filter(pk=sitting.pk).update(status=Sitting.CLOSED)
    return out

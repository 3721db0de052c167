"""What a sending did, in sentences for the staff page: how many members were mailed, who was
not and why, and what became of the dossier in Nextcloud, of the calendar event and of the
announcement on the website. Read from what the sending recorded, so the page says the same
after a reload, and while a Celery worker is still at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Dispatch, Sitting

MAX_NAMES = 5


@dataclass(frozen=True)
class Line:
    level: str  # "success", "info", "warning" or "error": also the CSS class
    text: str
    url: str = ""  # a link the sentence announces


@dataclass(frozen=True)
class Missed:
    """A member or guest the sending did not reach, and why."""

    name: str
    email: str
    reason: str


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)


def _names(names: list[str]) -> str:
    if len(names) > MAX_NAMES:
        rest = len(names) - MAX_NAMES
        return _("%(names)s et %(n)s autres") % {"names": ", ".join(names[:MAX_NAMES]),
                                                  "n": rest}
    if len(names) == 1:
        return names[0]
    return _("%(names)s et %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


def mail_summary(sitting: Sitting) -> Line | None:
    """The one sentence on the mails: all, some or none of the members reached."""
    convocations = list(sitting.convocations.all())
    total = len(convocations)
    if not total:
        return None
    missed = [c for c in convocations if c.sent_at is None]
    sent = total - len(missed)
    if not missed:
        return Line("success", ngettext(
            "Convocation envoyée au membre de l'assemblée.",
            "Convocation envoyée aux %(n)s membres de l'assemblée.", total) % {"n": total})
    if sent:
        done = ngettext("Convocation envoyée à %(sent)s membre sur %(total)s",
                        "Convocation envoyée à %(sent)s membres sur %(total)s", sent) % {
            "sent": sent, "total": total}
        names = _names([c.name for c in missed])
        not_done = ngettext("%(names)s ne l'a pas reçue", "%(names)s ne l'ont pas reçue",
                            len(missed)) % {"names": names}
        return Line("warning", _(
            "%(done)s ; %(not_done)s (la raison est indiquée ci-dessous) : relancez l'envoi, "
            "il ne partira que vers les membres qui ne l'ont pas reçue.") % {
            "done": done, "not_done": not_done})
    reasons = {c.mail_error for c in missed}
    if len(reasons) == 1 and "" not in reasons:
        return Line("error", ngettext(
            "%(cause)s La convocation n'est donc pas partie vers le membre de l'assemblée : "
            "relancez l'envoi une fois ce problème réglé.",
            "%(cause)s La convocation n'est donc partie vers aucun des %(total)s membres : "
            "relancez l'envoi une fois ce problème réglé.", total) % {
            "cause": reasons.pop(), "total": total})
    return Line("error", _(
        "La convocation n'est partie vers aucun des %(total)s membres (les raisons sont "
        "indiquées ci-dessous) : relancez l'envoi une fois ces problèmes réglés.") % {
        "total": total})


def _nextcloud(dispatch: Dispatch) -> Line | None:
    if dispatch.nextcloud_absent:
        return Line("info", _(
            "Le dossier n'a pas été déposé dans Nextcloud (aucun Nextcloud n'est configuré "
            "pour ce syndicat) : les élus le trouvent sur leur lien personnel."))
    if dispatch.publication_error:
        return Line("warning", _(
            "Le dossier n'a pas été déposé dans Nextcloud (%(cause)s) : les élus le trouvent "
            "sur leur lien personnel, et un nouvel envoi terminera le dépôt.") % {
            "cause": dispatch.publication_error})
    if dispatch.published_paths:
        return Line("success", _("Le dossier est déposé dans le dossier Nextcloud de "
                                 "l'assemblée, pour les tablettes."))
    return None


def _calendar(dispatch: Dispatch) -> Line | None:
    if dispatch.calendar_error:
        return Line("warning", _(
            "La séance n'a pas été ajoutée à l'agenda de l'assemblée (%(cause)s) : un nouvel "
            "envoi réessaiera ; l'invitation jointe à chaque courriel permet déjà de "
            "l'ajouter.") % {"cause": dispatch.calendar_error})
    if dispatch.calendar_uid:
        return Line("success", _("La séance est dans l'agenda de l'assemblée."))
    return None


def _site(dispatch: Dispatch) -> Line | None:
    if dispatch.site_error:
        return Line("warning", _(
            "La séance n'a pas été annoncée sur le site internet (%(cause)s) : un nouvel envoi "
            "réessaiera.") % {"cause": dispatch.site_error})
    if dispatch.site_url:
        return Line("success", _("La séance est annoncée sur le site internet :"),
                    dispatch.site_url)
    return None


def report(sitting: Sitting, dispatch: Dispatch | None) -> Report:
    """Everything the staff page says about the sending of a sitting."""
    out = Report()
    if dispatch is None:
        return out
    lines = [mail_summary(sitting)]
    guests = [g for g in sitting.guests.all() if g.invited_at is None and g.mail_error]
    if guests:
        lines.append(Line("warning", ngettext(
            "L'invitation n'est pas partie vers %(names)s : un nouvel envoi réessaiera.",
            "Les invitations ne sont pas parties vers %(names)s : un nouvel envoi "
            "réessaiera.", len(guests)) % {"names": _names([g.name for g in guests])}))
    lines += [_nextcloud(dispatch), _calendar(dispatch), _site(dispatch)]
    out.lines = [line for line in lines if line is not None]
    out.missed = [Missed(c.name, c.email, c.mail_error or _("Pas encore envoyée."))
                  for c in sitting.convocations.filter(sent_at__isnull=True)]
    out.missed += [Missed(g.name, g.email, g.mail_error) for g in guests]
    return out

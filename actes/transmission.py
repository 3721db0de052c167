"""Transmission of acts to the prefecture through the tiers de télétransmission, and what
comes back: the acknowledgement (ARActe: IDActe, date of reception) and the prefecture's later
messages (courrier simple, demande de pièces, lettre d'observations, déféré).

The tiers is configured by `MUTUALIS_ACTES_TDT` (S²LOW: url, client_cert, client_key,
login, password…; `mode` "act" posts the act as form fields, S²LOW's supported route, "archive"
posts the archive we built). Every transmission keeps the @ctes archive built and validated
for it, whichever route carried it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualis import conf
from provisioning.models import RegistryMember

from . import teletransmission as tt
from .models import Act, MemberSettings, PrefectureMessage, Transmission
from .services import ActRefused, locked_settings, read_file, settings_of

MESSAGE_KINDS = {
    tt.MessageKind.COURRIER_SIMPLE: PrefectureMessage.LETTER,
    tt.MessageKind.DEMANDE_PIECES: PrefectureMessage.DOCUMENTS,
    tt.MessageKind.LETTRE_OBSERVATIONS: PrefectureMessage.OBSERVATIONS,
    tt.MessageKind.DEFERE: PrefectureMessage.REFERRAL,
}
FIELD_LABELS = {"number": _("numéro"), "subject": _("objet"), "matter": _("classification"),
                "siren": _("SIREN du membre"), "department": _("département"),
                "return_emails": _("adresse du référent"), "referent": _("référent"),
                "document": _("acte signé"), "nature_code": _("nature de la collectivité")}


def _config() -> dict:
    config = dict(conf.MUTUALIS_ACTES_TDT or {})
    if not config.get("url"):
        raise ActRefused([_("transmission : aucun tiers de télétransmission n'est configuré "
                            "(réglage MUTUALIS_ACTES_TDT).")])
    return config


def tiers_configured() -> bool:
    return bool((conf.MUTUALIS_ACTES_TDT or {}).get("url"))


def connector() -> tt.S2lowConnector:
    config = _config()
    fields = {k: v for k, v in config.items() if k in tt.S2lowSettings.__dataclass_fields__}
    return tt.S2lowConnector(tt.S2lowSettings(**fields))


@contextmanager
def _tiers(given: tt.Connector | None) -> Iterator[tt.Connector]:
    """The connector given, or one made from the settings and closed afterwards."""
    if given is not None:
        yield given
        return
    with connector() as made:
        yield made


def payload(act: Act, member_settings: MemberSettings) -> tt.Act:
    """The act as @ctes sees it; refused with the field named when it cannot be sent."""
    member = act.member
    emails = tuple(e for e in (member_settings.referent_email, member.email) if e)
    try:
        return tt.Act(
            collectivity=tt.Collectivity(member.siren, member_settings.department,
                                         member_settings.arrondissement,
                                         member_settings.emitter_nature),
            number=act.number, nature=act.nature, decision_date=act.decision_date,
            subject=act.subject, matter=act.matter.levels,
            classification_date=act.matter.classification.version_date,
            document=tt.Document(act.document.name.rsplit("/", 1)[-1], read_file(act.document)),
            annexes=tuple(tt.Document(a.file.name.rsplit("/", 1)[-1], read_file(a.file))
                          for a in act.annexes.order_by("position")),
            referent=tt.Referent(member_settings.referent_name or None,
                                 member_settings.referent_phone or None,
                                 member_settings.referent_email or None),
            return_emails=emails)
    except tt.ActInvalid as exc:
        label = FIELD_LABELS.get(exc.field, exc.field)
        raise ActRefused([_("transmission, %(field)s : %(why)s") % {
            "field": label, "why": exc}]) from exc


def _prepare(act: Act, config: dict) -> Transmission:
    """Build and validate the archive and record the transmission, under the member's lock
    (the envelope's sequence number counts the member's transmissions of the day)."""
    with transaction.atomic():
        member_settings = locked_settings(act.member)
        if act.transmissions.exclude(state=Transmission.FAILED).exists():
            raise ActRefused([_("transmission : l'acte n° %(n)s a déjà été transmis.") % {
                "n": act.number}])
        today = timezone.localdate()
        sequence = Transmission.objects.filter(act__member=act.member,
                                               created_at__date=today).count() + 1
        message = payload(act, member_settings)
        archive = tt.build_archive(message, sequence, today,
                                   trigram=config.get("trigram", "SLO"),
                                   application=config.get("application", "EACT"))
        try:
            tt.validate(archive, schema_dir=conf.MUTUALIS_ACTES_XSD_DIR)
        except tt.ArchiveInvalid as exc:
            raise ActRefused([str(p) for p in exc.problems]) from exc
        return Transmission.objects.create(act=act, sequence=sequence,
                                           archive_name=archive.name, archive=archive.content)


def transmit(act: Act, tiers: tt.Connector | None = None) -> Transmission:
    """Send the act to the prefecture. A refusal by the tiers is recorded on the
    transmission (state "refusé") and reported; the act can then be sent again."""
    config = _config()
    sent = _prepare(act, config)
    try:
        with _tiers(tiers) as tdt:
            if config.get("mode", "act") == "archive":
                sent.transaction_id = tdt.send(tt.Archive(sent.archive_name,
                                                          bytes(sent.archive)))
            else:
                sent.transaction_id = tdt.send_act(payload(act, settings_of(act.member)))
    except tt.TransmissionFailed as exc:
        sent.state, sent.error = Transmission.FAILED, str(exc)
        sent.save()
        raise ActRefused([_("transmission refusée par le tiers : %(why)s") % {
            "why": exc}]) from exc
    sent.state, sent.sent_at = Transmission.SENT, timezone.now()
    sent.save()
    return sent


def refresh(sent: Transmission, tiers: tt.Connector) -> bool:
    """Ask the tiers what became of a transmission; import the ARActe and the prefecture's
    messages. True when something changed."""
    before = (sent.state, sent.tdt_status, sent.act.prefecture_messages.count())
    status = tiers.status(sent.transaction_id)
    sent.tdt_status, sent.checked_at = status.label, timezone.now()
    if status.acknowledged and status.aracte:
        try:
            ack = tt.parse_acknowledgement(status.aracte)
        except tt.ReturnUnreadable as exc:
            sent.error = str(exc)
        else:
            sent.state, sent.aracte = Transmission.ACKNOWLEDGED, status.aracte
            sent.id_acte, sent.received_on, sent.error = ack.id_acte, ack.received_on, ""
    elif status.failed:
        sent.state, sent.error = Transmission.FAILED, status.error or status.label
    sent.save()
    if sent.state == Transmission.ACKNOWLEDGED:
        _import_replies(sent, tiers)
    return before != (sent.state, sent.tdt_status, sent.act.prefecture_messages.count())


def _import_replies(sent: Transmission, tiers: tt.Connector) -> None:
    known = set(sent.act.prefecture_messages.values_list("reference", flat=True))
    for reply in tiers.replies(sent.transaction_id):
        if reply.kind is None or reply.id in known:
            continue
        content = tiers.fetch_reply(reply.id)
        message = tt.parse_return_archive(content).message
        PrefectureMessage.objects.get_or_create(
            act=sent.act, kind=MESSAGE_KINDS[message.kind], reference=reply.id,
            defaults={"received_on": message.date, "content": content})


def refresh_act(act: Act, tiers: tt.Connector | None = None) -> bool:
    pending = act.transmissions.exclude(transaction_id="").exclude(state=Transmission.FAILED)
    if not pending.exists():
        return False
    try:
        with _tiers(tiers) as tdt:
            return any([refresh(sent, tdt) for sent in pending])
    except (tt.TransmissionFailed, tt.ReturnUnreadable) as exc:
        raise ActRefused([_("tiers de télétransmission : %(why)s") % {"why": exc}]) from exc


def refresh_pending(member: RegistryMember | None = None,
                    tiers: tt.Connector | None = None) -> int:
    """Refresh every act still waiting for an acknowledgement, or acknowledged within the
    last four months (the prefecture's control period is two months, extended by a demande
    de pièces). Returns how many acts changed state."""
    since = timezone.now() - timedelta(days=125)
    acts = Act.objects.filter(transmissions__sent_at__gte=since).distinct()
    if member is not None:
        acts = acts.filter(member=member)
    with _tiers(tiers) as tdt:
        return sum(1 for act in acts if refresh_act(act, tdt))


def fetch_classification(member: RegistryMember, tiers: tt.Connector | None = None):
    """Import the member's classification as the tiers holds it (the prefecture's last
    RetourClassification)."""
    from .services import import_classification

    try:
        with _tiers(tiers) as tdt:
            content = tdt.fetch_classification()
    except tt.TransmissionFailed as exc:
        raise ActRefused([_("tiers de télétransmission : %(why)s") % {"why": exc}]) from exc
    return import_classification(member, content)

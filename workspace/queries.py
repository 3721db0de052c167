"""What each panel of a member's dashboard shows, each in a constant number of queries
whatever the member's counts: a few rows (at most `ROWS`) and the totals (one aggregate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import product

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actes.models import Act, PrefectureMessage, Transmission
from convocation import rules
from convocation.models import Sitting
from provisioning.models import RegistryMember

ROWS = 10


def _midnight(day: date) -> datetime:
    """The start of a local day, as an aware datetime (sittings start at local times)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _delay(member: RegistryMember, urgent: bool, reconvened: bool) -> int:
    return rules.jours_francs(member.population, member.kind, urgent, reconvened)


# ------------------------------------------------------------------------------ sittings

@dataclass(frozen=True)
class SittingRow:
    sitting: Sitting
    latest: date  # the last legal sending day, in jours francs
    late: bool  # still to send, and that day is past

    @property
    def to_send(self) -> bool:
        return self.sitting.status == Sitting.DRAFT


def sittings(member: RegistryMember, today: date | None = None) -> dict:
    """The member's coming sittings (not closed, from today on), the soonest first, each
    with its last legal sending date; how many are still to send, and how many of those are
    late (the sending day the law allows is past)."""
    today = today or timezone.localdate()
    coming = (Sitting.objects.filter(assembly__member=member, starts_at__gte=_midnight(today))
              .exclude(status=Sitting.CLOSED))
    # Late: the sitting's day comes before today + delay + 1, the delay set by its flags.
    late = Q(pk__in=[])
    for urgent, reconvened in product((False, True), repeat=2):
        day = today + timedelta(days=_delay(member, urgent, reconvened) + 1)
        late |= Q(urgent=urgent, reconvened=reconvened, starts_at__lt=_midnight(day))
    totals = coming.aggregate(
        to_send=Count("pk", filter=Q(status__in=[Sitting.DRAFT, Sitting.SENDING])),
        late=Count("pk", filter=Q(status=Sitting.DRAFT) & late))
    rows = []
    for s in coming.select_related("assembly").order_by("starts_at", "pk")[:ROWS]:
        latest = (timezone.localtime(s.starts_at).date()
                  - timedelta(days=_delay(member, s.urgent, s.reconvened) + 1))
        rows.append(SittingRow(s, latest, s.status == Sitting.DRAFT and today > latest))
    return {"rows": rows, **totals}


# ---------------------------------------------------------------------------------- acts

def _transmitted() -> Exists:
    """The act went to the prefecture (sent, or acknowledged): a refused or only prepared
    transmission leaves it to transmit."""
    return Exists(Transmission.objects.filter(
        act=OuterRef("pk"), state__in=[Transmission.SENT, Transmission.ACKNOWLEDGED]))


def acts(member: RegistryMember) -> dict:
    """The member's acts still to publish, or to transmit to the prefecture (a procès-verbal
    is published, never transmitted), the latest decided first, and how many of each."""
    to_publish = Q(published_at__isnull=True)
    to_transmit = Q(minutes=False, transmitted=False)
    found = Act.objects.filter(member=member).annotate(transmitted=_transmitted())
    totals = found.aggregate(to_publish=Count("pk", filter=to_publish),
                             to_transmit=Count("pk", filter=to_transmit))
    rows = list(found.filter(to_publish | to_transmit)
                .order_by("-decision_date", "-pk")[:ROWS])
    for act in rows:
        act.to_publish = act.published_at is None
        act.to_transmit = not act.minutes and not act.transmitted
    return {"rows": rows, **totals}


# ------------------------------------------------------------------- prefecture messages

@dataclass(frozen=True)
class PrefectureRow:
    act: Act
    day: date
    label: str  # what came back
    detail: str  # the @ctes identifier, the refusal's reason, the letter's reference
    refused: bool


def prefecture(member: RegistryMember) -> list[PrefectureRow]:
    """The latest answers of the prefecture about the member's acts, newest first: the
    acknowledgements (AR), the refusals, the letters (courrier, demande de pièces,
    observations, déféré). Three queries of at most `ROWS` rows."""
    sent = Transmission.objects.filter(act__member=member).select_related("act")
    rows = [PrefectureRow(t.act, t.received_on or timezone.localdate(t.checked_at or t.created_at),
                          _("accusé de réception"), t.id_acte, False)
            for t in sent.filter(state=Transmission.ACKNOWLEDGED)
            .order_by("-received_on", "-pk")[:ROWS]]
    rows += [PrefectureRow(t.act, timezone.localdate(t.checked_at or t.sent_at or t.created_at),
                           _("refusé"), t.error, True)
             for t in sent.filter(state=Transmission.FAILED).order_by("-created_at", "-pk")[:ROWS]]
    rows += [PrefectureRow(m.act, m.received_on, m.get_kind_display(), m.reference,
                           m.kind == PrefectureMessage.REFERRAL)
             for m in PrefectureMessage.objects.filter(act__member=member).select_related("act")
             .order_by("-received_on", "-pk")[:ROWS]]
    rows.sort(key=lambda r: (r.day, r.act.pk), reverse=True)
    return rows[:ROWS]

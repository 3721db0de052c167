"""The yearly report of a member's citizen requests: by channel, by démarche, treatment times,
and the cost avoided by the requests filed online rather than at the counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count

from convocation.reports import yearly_savings
from provisioning.access import subscribes

from .models import Channel, CitizenRequest, MemberCosts


@dataclass
class Savings:
    """The year's savings of the member's online services side by side: the GRC's requests
    filed online rather than at the counter, and (when it has the service) the convocation's
    paper dossiers avoided (convocation/reports.py), with their total."""

    grc: Decimal
    convocation_dossiers: int | None  # None: the member has no convocation service
    convocation: Decimal
    paper_dossier_cost: Decimal
    total: Decimal


def savings(member, report: Yearly) -> Savings:
    dossiers, saved, unit = None, Decimal("0.00"), Decimal("0.00")
    if subscribes(member, "convocation"):
        found = yearly_savings(member.code, report.year)
        dossiers, saved, unit = found.dossiers, found.total, found.cost_per_dossier
    return Savings(grc=report.cost_avoided, convocation_dossiers=dossiers, convocation=saved,
                   paper_dossier_cost=unit,
                   total=(report.cost_avoided + saved).quantize(Decimal("0.01")))


def costs_of(member) -> MemberCosts:
    return MemberCosts.objects.get_or_create(member=member)[0]


@dataclass
class Yearly:
    year: int
    total: int
    by_channel: list[tuple[str, int]]
    by_demarche: list[tuple[str, int, int, float | None]]  # title, filed, closed, mean days
    closed: int
    mean_days: float | None
    median_days: float | None
    on_time: int
    online: int
    online_cost: Decimal
    counter_cost: Decimal
    cost_avoided: Decimal


def _bounds(year: int):
    zone = ZoneInfo(settings.TIME_ZONE)
    return (datetime.combine(datetime(year, 1, 1), time.min, zone),
            datetime.combine(datetime(year + 1, 1, 1), time.min, zone))


def yearly(member, year: int) -> Yearly:
    start, end = _bounds(year)
    found = CitizenRequest.objects.filter(member=member, created_at__gte=start,
                                          created_at__lt=end)
    labels = dict(Channel.choices)
    by_channel = [(str(labels.get(c, c)), n) for c, n in found.values_list("channel")
                  .annotate(n=Count("pk")).order_by("-n", "channel")]
    durations: dict[str, list[float]] = {}
    titles, filed = {}, {}
    on_time = 0
    for title, demarche_id, created, closed, due in found.values_list(
            "demarche__title", "demarche_id", "created_at", "closed_at", "due_at").iterator():
        titles[demarche_id] = title
        filed[demarche_id] = filed.get(demarche_id, 0) + 1
        if closed is not None:
            durations.setdefault(demarche_id, []).append(
                (closed - created).total_seconds() / 86400)
            on_time += closed <= due
    every = sorted(d for days in durations.values() for d in days)
    by_demarche = sorted(
        ((titles[d], n, len(durations.get(d, [])),
          round(sum(durations[d]) / len(durations[d]), 1) if durations.get(d) else None)
         for d, n in filed.items()), key=lambda row: (-row[1], row[0]))
    costs = costs_of(member)
    online = sum(n for c, n in found.values_list("channel").annotate(n=Count("pk"))
                 if c == Channel.WEB)
    return Yearly(
        year=year, total=sum(filed.values()), by_channel=by_channel, by_demarche=by_demarche,
        closed=len(every), on_time=on_time,
        mean_days=round(sum(every) / len(every), 1) if every else None,
        median_days=round(every[len(every) // 2], 1) if every else None,
        online=online, online_cost=costs.online, counter_cost=costs.counter,
        cost_avoided=(costs.counter - costs.online) * online)

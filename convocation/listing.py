"""The sittings listing of the Wagtail admin: Wagtail's generic index view (filters, sorting,
pagination, the header's action), over the sittings of the members the user acts for on
this host only (`access.host_sittings`)."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets.button import Button

from . import access
from .models import Sitting
from .policies import sitting_policy
from .rules import long_date

# What the listing calls a sitting's state: prepared, convened (the sending started or is
# done, the sitting is ahead), held (its day is past, or it was closed).
DRAFT, SENT, HELD = "draft", "sent", "held"
STATES = [(DRAFT, _("en préparation")), (SENT, _("convoquée")), (HELD, _("tenue"))]


def state(sitting: Sitting) -> str:
    if sitting.status == Sitting.DRAFT:
        return DRAFT
    if sitting.status == Sitting.CLOSED or sitting.starts_at <= timezone.now():
        return HELD
    return SENT


def state_label(sitting: Sitting) -> str:
    if sitting.status == Sitting.SENDING:  # says more than "convoquée": not finished
        return str(sitting.get_status_display())
    return str(dict(STATES)[state(sitting)])


def latest_sending_day(sitting: Sitting):
    """The last legal sending day (jours francs, rules.py), for a sitting still to send."""
    if sitting.status != Sitting.DRAFT:
        return None
    return sitting.local_start.date() - timedelta(days=sitting.jours_francs() + 1)


def deadline_text(sitting: Sitting) -> str:
    day = latest_sending_day(sitting)
    if day is None:
        return ""
    if day < timezone.localdate():
        return str(_("dépassé (%(day)s)") % {"day": long_date(day)})
    return long_date(day)


class SittingFilterSet(WagtailFilterSet):
    assembly = django_filters.ModelChoiceFilter(
        label=_("Assemblée"), queryset=lambda request: access.host_assemblies(request)
        .select_related("member"))
    state = django_filters.ChoiceFilter(label=_("État"), choices=STATES, method="by_state",
                                        empty_label=_("Toutes"))
    starts_at = django_filters.DateFromToRangeFilter(label=_("Date de la séance"),
                                                     widget=DateRangePickerWidget)

    class Meta:
        model = Sitting
        fields = ["assembly", "state", "starts_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["assembly"].field.label_from_instance = (
            lambda a: f"{a.name} — {a.member.name}")

    def by_state(self, queryset, name, value):
        now = timezone.now()
        held = Q(status=Sitting.CLOSED) | (~Q(status=Sitting.DRAFT) & Q(starts_at__lte=now))
        if value == DRAFT:
            return queryset.filter(status=Sitting.DRAFT)
        if value == SENT:
            return queryset.exclude(status=Sitting.DRAFT).exclude(held)
        if value == HELD:
            return queryset.filter(held)
        return queryset


class SittingIndexView(IndexView):
    model = Sitting
    page_title = _("Séances")
    header_icon = "date"
    index_url_name = "convocation:sittings"
    index_results_url_name = "convocation:sittings-results"
    add_url_name = "convocation:sitting-create"
    add_item_label = _("Nouvelle séance")
    results_template_name = "convocation/admin/sittings_results.html"
    filterset_class = SittingFilterSet
    default_ordering = "-starts_at"
    paginate_by = 25
    # The admin's search (wagtail_hooks' search area) lands here: the ORM searches the
    # host's sittings, a sitting not being in Wagtail's search index.
    is_searchable = True
    search_fields = ["title", "place", "assembly__name", "items__title"]
    search_backend_name = None
    show_other_searches = True
    # Who opens the listing and which sittings it shows: the policy (access.host_sittings).
    permission_policy = sitting_policy
    permission_required = "view"
    any_permission_required = None
    verbose_name = _("séance")
    verbose_name_plural = _("séances")

    def setup(self, request, *args, **kwargs):
        self.permission_policy = sitting_policy.for_request(request)
        super().setup(request, *args, **kwargs)

    def get_base_queryset(self):
        return (self.permission_policy.instances_user_has_permission_for(self.request.user, "view")
                .select_related("assembly__member"))

    def search_queryset(self, queryset):
        # An agenda item's title joins the items: one row per sitting all the same.
        found = super().search_queryset(queryset)
        return queryset.filter(pk__in=found.values("pk")) if self.is_searching else found

    @property
    def columns(self):
        return [
            TitleColumn("title", label=_("Séance"), accessor=str, sort_key="starts_at",
                        get_url=lambda s: reverse("convocation:sitting", args=[s.pk])),
            Column("member", label=_("Membre"), accessor="assembly.member.name"),
            Column("place", label=_("Lieu"), sort_key="place"),
            StatusTagColumn("state", label=_("État"), accessor=state_label,
                            primary=lambda s: s.status == Sitting.DRAFT, sort_key="status"),
            Column("deadline", label=_("Envoi au plus tard le"), accessor=deadline_text),
        ]

    def get_page_subtitle(self):
        members = list(access.host_members(self.request)[:2])
        return members[0].name if len(members) == 1 else ""

    def get_header_more_buttons(self):
        return [Button(_("Économies"), url=reverse("convocation:savings"), icon_name="doc-full")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subscribed"] = self.add_url is not None
        return context

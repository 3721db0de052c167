"""A member's circuits in the admin (/admin/parapheur/collectivites/<code>/circuits/): Wagtail's
generic index view, with filters (state, folder type), sorting, search and pagination, over the
circuits the parapheur's permission policy gives on this host (`policies.circuit_policy`); the
code of the address must be the host's member's (`access.staff_member`, a 404 otherwise).
Creating and editing a circuit (its steps, its versions) are staff_views.py's pages."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Prefetch, Q
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets.button import HeaderButton

from .access import person_of, staff_member
from .admin_views import HOME, PARAPHEUR
from .forms import group_labels
from .models import Circuit, Folder, StepActor
from .policies import circuit_policy

ACTIVE, INACTIVE, REPLACED = "active", "inactive", "replaced"
STATES = [(ACTIVE, gettext_lazy("actif")), (INACTIVE, gettext_lazy("désactivé")),
          (REPLACED, gettext_lazy("remplacé par une nouvelle version"))]


class CircuitFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(label=gettext_lazy("État"), choices=STATES,
                                        method="by_state", empty_label=gettext_lazy("Tous"))
    folder_type = django_filters.ChoiceFilter(label=gettext_lazy("Type de dossier"),
                                              empty_label=gettext_lazy("Tous"))

    class Meta:
        model = Circuit
        fields = ["state", "folder_type"]

    def __init__(self, *args, request=None, queryset=None, **kwargs):
        super().__init__(*args, request=request, queryset=queryset, **kwargs)
        types = queryset.values_list("folder_type", flat=True).distinct().order_by(
            "folder_type") if queryset is not None else []
        self.filters["folder_type"].extra["choices"] = [(t, t) for t in types]

    def by_state(self, queryset, name, value):
        return {ACTIVE: lambda: queryset.filter(active=True),
                INACTIVE: lambda: queryset.filter(active=False, replaced_by__isnull=True),
                REPLACED: lambda: queryset.filter(active=False, replaced_by__isnull=False),
                }.get(value, lambda: queryset)()


class StepsColumn(Column):
    """The circuit's steps in order, with their actors (a person, or a group by its label)."""

    cell_template_name = "signature/admin/circuit_steps_cell.html"

    def __init__(self, *args, labels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = labels

    def actor(self, actor: StepActor) -> str:
        if actor.person_id:
            return f"{actor.person.given_name} {actor.person.surname}"
        return _("groupe %(label)s") % {"label": self.labels.get(actor.group, actor.group)}

    def get_value(self, circuit):
        return [{"step": s, "actors": [self.actor(a) for a in s.actors.all()]}
                for s in circuit.steps.all()]


class StateColumn(Column):
    """Active, replaced (when, by which version) or deactivated; its folders in progress."""

    cell_template_name = "signature/admin/circuit_state_cell.html"


class ActionsColumn(Column):
    """Edit, and deactivate or reactivate (a POST: circuits are never deleted)."""

    cell_template_name = "signature/admin/circuit_actions_cell.html"

    def __init__(self, *args, code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code

    def get_value(self, circuit):
        return circuit

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        context["csrf_token"] = get_token(request) if request is not None else ""
        return context


class CircuitIndexView(IndexView):
    model = Circuit
    header_icon = "list-ul"
    template_name = "signature/admin/circuits.html"
    results_template_name = "signature/admin/circuits_results.html"
    index_url_name = "signature:circuits"
    index_results_url_name = "signature:circuits_results"
    filterset_class = CircuitFilterSet
    default_ordering = "folder_type"
    paginate_by = 25
    is_searchable = True
    search_fields = ["name", "folder_type", "folder_subtype"]
    search_backend_name = None  # the ORM: circuits are not in Wagtail's search index
    permission_policy = circuit_policy  # bound to the request in setup()
    permission_required = "view"
    any_permission_required = None
    verbose_name = gettext_lazy("circuit")
    verbose_name_plural = gettext_lazy("circuits")

    def setup(self, request, *args, **kwargs):
        self.permission_policy = circuit_policy.for_request(request)
        self.member = staff_member(request, kwargs["code"])  # the host's member, else 404
        person_of(request)  # an account that is nobody's is refused, as on the other pages
        super().setup(request, *args, **kwargs)

    def get_base_queryset(self):
        actors = Prefetch("steps__actors", queryset=StepActor.objects.select_related("person")
                          .order_by("pk"))
        return (self.permission_policy.instances_user_has_permission_for(self.request.user, "view")
                .filter(member=self.member)
                .annotate(in_progress=Count("folders",
                                            filter=Q(folders__status=Folder.IN_PROGRESS)))
                .select_related("replaced_by").prefetch_related("steps", actors))

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "queryset": self.get_base_queryset()}

    def order_queryset(self, queryset):
        # Active circuits first, then the newest version: the same order on every page.
        return queryset.order_by("-active", self.ordering, "folder_subtype", "-pk")

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.member.code])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.member.code])

    def get_page_title(self):
        return _("Circuits de signature")

    def get_page_subtitle(self):
        return self.member.name

    def get_breadcrumbs_items(self):
        return [HOME, PARAPHEUR, {"url": "", "label": self.get_page_title(),
                                  "sublabel": self.member.name}]

    @cached_property
    def columns(self):
        return [
            TitleColumn("name", label=_("Nom"), sort_key="name",
                        get_url=lambda c: reverse("signature:circuit_edit",
                                                  args=[self.member.code, c.pk])),
            Column("folder_type", label=_("Type / sous-type"), sort_key="folder_type",
                   accessor=lambda c: f"{c.folder_type} / "
                   f"{c.folder_subtype or _('tous les sous-types')}"),
            StepsColumn("steps", label=_("Étapes, dans l'ordre"),
                        labels=group_labels(self.member)),
            StateColumn("state", label=_("État"), accessor=lambda c: c),
            ActionsColumn("actions", label=_("Actions"), code=self.member.code),
        ]

    @property
    def header_buttons(self):
        code = self.member.code
        return [HeaderButton(_("Créer un circuit"),
                             url=reverse("signature:circuit_new", args=[code]),
                             icon_name="plus", classname="button-primary"),
                HeaderButton(_("Délégations"), url=reverse("signature:delegations", args=[code]),
                             icon_name="user")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["member"] = self.member
        return context

"""Admin hooks: every listing and chooser confined to the editor's members.

Wagtail shows the whole page tree in its page chooser and in some listings, by design (wagtail
issues 1700, 4288, 9714): for a syndicate's communes, each editor must see their own site only.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.models import Collection, Site
from wagtail.permission_policies.sites import SitePermissionPolicy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
)
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import SiteAlert
from .richtext import SitePageLinkHandler
from .tenancy import confine_pages, scope_for


@hooks.register("register_rich_text_features")
def relative_page_links(features) -> None:
    """Page links in rich text, relative to the site being served (Wagtail's own are full URLs
    without the port the visitor used)."""
    features.register_link_type(SitePageLinkHandler)


@hooks.register("construct_page_chooser_queryset")
def confine_page_chooser(pages, request: HttpRequest):
    return confine_pages(pages, request)


@hooks.register("construct_explorer_page_queryset")
def confine_explorer(parent_page, pages, request: HttpRequest):
    return confine_pages(pages, request)


def _confine_by_collection(items, request: HttpRequest):
    scope = scope_for(request)
    if scope is None:
        return items
    # By ids: the search backends filter on indexed fields only (`collection`, not its path).
    ids = Collection.objects.filter(scope.collections_q(prefix="")).values_list("pk", flat=True)
    return items.filter(collection__in=list(ids))


hooks.register("construct_image_chooser_queryset", _confine_by_collection)
hooks.register("construct_document_chooser_queryset", _confine_by_collection)


@hooks.register("construct_reports_menu")
def hide_all_sites_reports(request: HttpRequest, menu_items: list) -> None:
    if scope_for(request) is not None:
        menu_items[:] = [i for i in menu_items if i.name != "page-types-usage"]


# ---------------------------------------------------------------------------- alerts

def confine_alerts(alerts, request: HttpRequest):
    scope = scope_for(request)
    return alerts if scope is None else alerts.filter(site_id__in=scope.site_ids)


class SiteAlertForm(WagtailAdminModelForm):
    """An editor may only put an alert on a site of theirs."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and not for_user.is_superuser:
            policy = SitePermissionPolicy(SiteAlert)
            sites = policy.sites_user_has_any_permission_for(for_user, ["add", "change"])
            field: forms.ModelChoiceField = self.fields["site"]
            field.queryset = Site.objects.filter(pk__in=sites.values("pk"))


class AlertChooseView(ChooseView):
    def get_object_list(self):
        return confine_alerts(super().get_object_list(), self.request)


class AlertChooseResultsView(ChooseResultsView):
    def get_object_list(self):
        return confine_alerts(super().get_object_list(), self.request)


class AlertChooserViewSet(SnippetChooserViewSet):
    choose_view_class = AlertChooseView
    choose_results_view_class = AlertChooseResultsView


class SiteAlertViewSet(SnippetViewSet):
    model = SiteAlert
    icon = "warning"
    menu_label = _("Alertes")
    add_to_admin_menu = True
    list_display = ["message", "site", "starts", "ends"]
    chooser_viewset_class = AlertChooserViewSet
    edit_handler = ObjectList(SiteAlert.panels, base_form_class=SiteAlertForm)

    @property
    def permission_policy(self):
        return SitePermissionPolicy(SiteAlert)

    def get_queryset(self, request: HttpRequest):
        return confine_alerts(SiteAlert.objects.all(), request)


register_snippet(SiteAlertViewSet)

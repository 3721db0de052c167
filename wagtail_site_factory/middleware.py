"""Keep each member's editors inside their own site in the Wagtail admin.

Wagtail's admin is one for every site (wagtail issues 1700, 4288, 5084): by itself it lets
an editor open the admin through another site's hostname, and browse or pick objects that are
not theirs through URLs that carry an id. This middleware
- refuses the admin, login included, on a member's hostname to anyone who is not one of that
  member's editors (superusers excepted), sending that member's officials to their space;
- answers 404 to any admin URL naming an object outside what the editor may see
  (`isolation.visible`: pages, images, documents, collections, sites, alerts, users, groups,
  revisions, workflows and tasks, bulk actions' ids), and to the reports that count every
  site's pages;
- answers tag autocompletion from the tags of the editor's own objects.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.models import Group
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    Page,
    Revision,
    Site,
    Task,
    TaskState,
    Workflow,
    WorkflowState,
)
from wagtail.snippets.models import get_snippet_models

from . import isolation
from .tenancy import member_of_host, scope_for

# URL arguments naming an object, by the model of the object.
ID_KWARGS = {"page_id": Page, "parent_page_id": Page, "page_to_move_id": Page,
             "destination_id": Page, "page_pk": Page, "image_id": "image",
             "document_id": "document", "doc_id": "document", "collection_id": Collection,
             "revision_id": Revision, "workflow_state_id": WorkflowState,
             "task_state_id": TaskState, "task_id": Task, "workflow_pk": Workflow}
# Namespaces whose `pk` argument (and `id` query parameters) name an object of a model.
NAMESPACE_MODELS = (("wagtailimages", "image"), ("wagtaildocs", "document"),
                    ("wagtailadmin_api:images", "image"),
                    ("wagtailadmin_api:documents", "document"),
                    ("wagtailadmin_api:pages", Page), ("wagtailadmin_collections", Collection),
                    ("wagtailsites", Site), ("wagtailsettings", Site),
                    ("wagtailadmin_workflows", Workflow),
                    ("wagtailusers_users", "user"), ("wagtailusers_groups", Group))
# Views of the workflows' namespace whose `pk` is a task's.
TASK_VIEWS = {"wagtailadmin_workflows:edit_task", "wagtailadmin_workflows:disable_task",
              "wagtailadmin_workflows:enable_task"}
TAG_VIEWS = {"wagtailadmin_tag_autocomplete", "wagtailadmin_tag_model_autocomplete"}
# Admin views that show every site's objects whatever the user's permissions.
ALL_SITES_VIEWS = {"wagtailadmin_reports:page_types_usage",
                   "wagtailadmin_reports:page_types_usage_results",
                   "wagtailadmin_api:images:listing", "wagtailadmin_api:images:find",
                   "wagtailadmin_api:documents:listing", "wagtailadmin_api:documents:find"}


class TenantAdminMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        admin = request.path_info.startswith(reverse("wagtailadmin_home"))
        if admin and not self._may_use_host(request):
            return self._refuse(request)
        response = self.get_response(request)
        if admin and request.method == "POST" and not self._may_use_host(request):
            return self._refuse(request)  # a login that just succeeded on the wrong hostname
        return response

    def _may_use_host(self, request: HttpRequest) -> bool:
        scope = scope_for(request)
        if scope is None:
            return True
        code = member_of_host(request)
        return code is None or code in scope.codes

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        from portal.views import where_to

        target = where_to(request)
        if target is not None and target != request.path_info:
            return redirect(target)  # an official: their space on this host
        logout(request)
        return render(request, "wagtail_site_factory/admin_refused.html", status=403)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        match = request.resolver_match
        if match is None or not request.path_info.startswith(reverse("wagtailadmin_home")):
            return None
        if match.view_name in TAG_VIEWS and "\x00" in request.GET.get("term", ""):
            # No tag name holds a NUL, and Wagtail's own view (an unconfined user's) would send
            # it to PostgreSQL, which answers with an error: a 500.
            request.GET = request.GET.copy()
            request.GET["term"] = request.GET["term"].replace("\x00", "")
        scope = scope_for(request)
        if scope is None:
            return None
        if match.view_name in ALL_SITES_VIEWS:
            raise Http404
        if match.view_name in TAG_VIEWS:
            return isolation.tag_autocomplete(request, *view_args, **view_kwargs)
        for model, pk in references(match, view_args, view_kwargs, request.GET.getlist("id")):
            if model is Page and _is_root(pk):
                continue  # the root is no one's: choosers start there (their lists are confined)
            if not isolation.may_see(request.user, model, pk):
                raise Http404
        return None


def _model(name):
    return {"image": get_image_model, "document": get_document_model,
            "user": get_user_model}[name]() if isinstance(name, str) else name


def references(match, args, kwargs: dict, ids: list[str]) -> list[tuple[type, object]]:
    """(model, id) of every object an admin URL names."""
    refs = [(_model(m), kwargs[name]) for name, m in ID_KWARGS.items() if name in kwargs]
    if match.view_name == "wagtailadmin_pages:revisions_compare" and args:
        refs.append((Page, args[0]))
    model = None
    if match.view_name in ("wagtail_bulk_action", "wagtailadmin_editing_sessions:ping"):
        try:
            model = apps.get_model(kwargs["app_label"], kwargs["model_name"])
        except LookupError:
            return refs
        if "object_id" in kwargs:
            refs.append((model, kwargs["object_id"]))
        refs += [(model, pk) for pk in ids if pk != "all"]
        return refs
    namespace = ":".join(match.namespaces)
    model = next((_model(m) for ns, m in NAMESPACE_MODELS if ns in namespace), None)
    if match.view_name in TASK_VIEWS:
        model = Task
    if model is None and namespace.startswith(("wagtailsnippets_", "wagtailsnippetchoosers_")):
        model = next((m for m in get_snippet_models()
                      if namespace.endswith(f"_{m._meta.app_label}_{m._meta.model_name}")),
                     None)
    if match.view_name == "wagtailadmin_choose_page_chosen_multiple":
        model = Page
    if model is not None:
        if "pk" in kwargs:
            refs.append((model, kwargs["pk"]))
        if match.url_name == "chosen_multiple" or match.view_name.endswith("chosen_multiple"):
            refs += [(model, pk) for pk in ids]
    return refs


def _is_root(pk) -> bool:
    try:
        return Page.objects.filter(pk=int(pk), depth=1).exists()
    except (TypeError, ValueError):
        return False

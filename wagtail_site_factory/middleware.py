"""Keep each member's editors inside their own site in the Wagtail admin.

Wagtail's admin is one for every site (wagtail issues 1700, 4288, 5084): by itself it lets
an editor open the admin through another site's hostname, and browse or pick objects that are
not theirs through URLs that carry an id. This middleware
- refuses the admin, login included, on a member's hostname to anyone who is not one of that
  member's editors (superusers excepted), sending that member's officials to their space;
- answers 404 to any admin URL naming a page, image, document or alert outside the editor's
  members, and to the reports that count every site's pages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from .models import SiteAlert
from .tenancy import EditorScope, member_of_host, scope_for

# URL arguments naming an object, by the kind of object.
ID_KWARGS = {"page_id": "page", "parent_page_id": "page", "page_to_move_id": "page",
             "destination_id": "page", "image_id": "image", "document_id": "document",
             "doc_id": "document"}
# Namespaces whose `pk` argument (and `id` query parameters) name an object of a kind.
NAMESPACE_KINDS = (("wagtailimages", "image"), ("wagtaildocs", "document"),
                   ("wagtailadmin_api:images", "image"), ("wagtailadmin_api:documents", "document"),
                   ("wagtailadmin_api:pages", "page"), ("sitealert", "alert"))
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
        scope = scope_for(request)
        if scope is None:
            return None
        if match.view_name in ALL_SITES_VIEWS:
            raise Http404
        for kind, pk in references(match, view_args, view_kwargs, request.GET.getlist("id")):
            if not CHECKS[kind](scope, _int(pk)):
                raise Http404
        return None


def references(match, args, kwargs: dict, ids: list[str]) -> list[tuple[str, object]]:
    """(kind, id) of every page, image, document or alert an admin URL names."""
    refs = [(kind, kwargs[name]) for name, kind in ID_KWARGS.items() if name in kwargs]
    if match.view_name == "wagtailadmin_pages:revisions_compare" and args:
        refs.append(("page", args[0]))
    namespace = ":".join(match.namespaces)
    kind = next((k for ns, k in NAMESPACE_KINDS if ns in namespace), None)
    if match.view_name == "wagtailadmin_choose_page_chosen_multiple":
        kind = "page"
    if kind is not None:
        if "pk" in kwargs:
            refs.append((kind, kwargs["pk"]))
        if match.url_name == "chosen_multiple" or match.view_name.endswith("chosen_multiple"):
            refs += [(kind, pk) for pk in ids]
    return refs


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _page_ok(scope: EditorScope, pk: int | None) -> bool:
    path = Page.objects.filter(pk=pk).values_list("path", flat=True).first()
    # The tree's root is no one's: choosers may start there (their listings are confined).
    return path is not None and (len(path) == Page.steplen or scope.has_page_path(path))


def _collection_ok(model, scope: EditorScope, pk: int | None) -> bool:
    path = model.objects.filter(pk=pk).values_list("collection__path", flat=True).first()
    return path is not None and scope.has_collection_path(path)


def _alert_ok(scope: EditorScope, pk: int | None) -> bool:
    site_id = SiteAlert.objects.filter(pk=pk).values_list("site_id", flat=True).first()
    return site_id is not None and site_id in scope.site_ids


CHECKS = {
    "page": _page_ok,
    "image": lambda scope, pk: _collection_ok(get_image_model(), scope, pk),
    "document": lambda scope, pk: _collection_ok(get_document_model(), scope, pk),
    "alert": _alert_ok,
}

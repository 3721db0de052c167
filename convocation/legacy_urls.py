"""What answers at /convocation/ since the staff pages moved into the Wagtail admin: the
personal links mailed before they moved to the officials' space keep working, and every
old staff address redirects permanently to its place under /admin/convocations/ (bookmarks,
mails already sent)."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import path, re_path, reverse

from . import link_views

app_name = "convocation_legacy"


def moved(request: HttpRequest, rest: str) -> HttpResponsePermanentRedirect:
    target = reverse("convocation:sittings") + rest
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


urlpatterns = [
    path("l/<str:token>/", link_views.link, name="legacy-link"),
    path("l/<str:token>/reponse/", link_views.link_answer, name="legacy-link-answer"),
    path("l/<str:token>/documents/<str:name>", link_views.link_document,
         name="legacy-link-document"),
    re_path(r"^(?P<rest>.*)$", moved, name="moved"),
]

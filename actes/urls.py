"""The acts' old staff URLs (/actes/…): moved into the Wagtail admin (/admin/actes/…); each
answers with a permanent redirect there, so that bookmarks keep working. The public register
stays at /actes/<code>/registre/ (public_urls, mounted before these)."""

from django.urls import path
from django.views.generic import RedirectView

app_name = "actes_moved"


def moved(name: str) -> RedirectView:
    return RedirectView.as_view(pattern_name=f"actes:{name}", permanent=True, query_string=True)


urlpatterns = [
    path("", moved("acts")),
    path("<int:pk>/", moved("act")),
    path("<int:pk>/acte.pdf", moved("document")),
    path("<int:pk>/publier/", moved("publish")),
    path("<int:pk>/transmettre/", moved("transmit")),
    path("<int:pk>/actualiser/", moved("refresh")),
    path("classification/", moved("classification")),
    path("classification/<str:code>/tiers/", moved("classification-fetch")),
    path("parametres/<str:code>/", moved("settings")),
]

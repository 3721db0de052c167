"""The old staff addresses of the parapheur, under /parapheur/: each one answers with a
permanent redirect to its page in the admin (/admin/parapheur/…), its query string kept, so
bookmarks and mails already sent keep working. The old "my credential" page is now the
signer's, in the officials' space."""

from django.urls import path, re_path
from django.views.generic import RedirectView


def moved(to: str) -> RedirectView:
    return RedirectView.as_view(pattern_name=to, permanent=True, query_string=True)


urlpatterns = [
    path("", moved("signature:index")),
    path("deposer/", moved("signature:submit")),
    path("verifier/", moved("signature:verify")),
    path("mon-certificat/", moved("parapheur:credential")),
    path("dossiers/<int:pk>/", moved("signature:folder")),
    path("dossiers/<int:pk>/documents/<int:doc>/", moved("signature:document")),
    path("dossiers/<int:pk>/bordereau.pdf", moved("signature:report")),
    re_path(r"^dossiers/(?P<pk>\d+)/journal\.(?P<fmt>json|csv)$", moved("signature:audit")),
    path("collectivites/<str:code>/circuits/", moved("signature:circuits")),
    path("collectivites/<str:code>/circuits/nouveau/", moved("signature:circuit_new")),
    path("collectivites/<str:code>/circuits/<int:pk>/", moved("signature:circuit_edit")),
    path("collectivites/<str:code>/delegations/", moved("signature:delegations")),
    path("collectivites/<str:code>/certificats/", moved("signature:credentials")),
    path("collectivites/<str:code>/certificats/<str:uid>/", moved("signature:credential_install")),
]

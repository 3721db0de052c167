"""The members' certificates in the admin, mounted at /admin/certificats/ (namespace
`certificates`) by signature/wagtail_hooks.py."""

from django.urls import path
from django.views.decorators.http import require_POST

from ..admin_views import explained
from . import views

app_name = "certificates"
urlpatterns = [
    path("", explained(views.CertificateIndexView.as_view()), name="index"),
    path("resultats/", explained(views.CertificateIndexView.as_view(results_only=True)),
         name="index_results"),
    path("importer/", explained(views.ImportView.as_view()), name="import"),
    path("parapheur/", explained(views.ParapheurKeysView.as_view()), name="parapheur"),
    path("<int:pk>/", explained(views.CertificateView.as_view()), name="certificate"),
    path("<int:pk>/identite/", explained(views.IdentityCheckView.as_view()), name="identity"),
    path("<int:pk>/verifier/", explained(require_POST(views.check)), name="check"),
    path("<int:pk>/archiver/", explained(require_POST(views.archive)), name="archive"),
    path("<int:pk>/renouvellement.pdf", explained(views.renewal), name="renewal"),
]

"""The Hélios staff pages, mounted at /admin/helios/ by wagtail_hooks (namespace `helios`)."""

from django.urls import path

from . import helios_views as views

app_name = "helios"
urlpatterns = [
    path("", views.FluxIndexView.as_view(), name="index"),
    path("resultats/", views.FluxIndexView.as_view(results_only=True), name="results"),
    path("transmettre/", views.FluxUploadView.as_view(), name="add"),
    path("<int:pk>/", views.FluxView.as_view(), name="flux"),
    path("<int:pk>/actualiser/", views.FluxRefreshView.as_view(), name="refresh"),
    path("<int:pk>/pes-aller.xml", views.flux_file, name="file"),
    path("<int:pk>/pes-acquit.xml", views.flux_acquit, name="acquit"),
    path("retours/", views.RetourIndexView.as_view(), name="retours"),
    path("retours/resultats/", views.RetourIndexView.as_view(results_only=True),
         name="retours-results"),
    path("retours/<int:retour>/", views.retour_file, name="retour"),
]

"""The acts' staff pages, mounted at /admin/actes/ by wagtail_hooks (namespace `actes`)."""

from django.urls import path

from . import admin_views as views

app_name = "actes"
urlpatterns = [
    path("", views.ActIndexView.as_view(), name="acts"),
    path("resultats/", views.ActIndexView.as_view(results_only=True), name="acts-results"),
    path("nouveau/", views.ActCreateView.as_view(), name="add"),
    path("<int:pk>/", views.ActView.as_view(), name="act"),
    path("<int:pk>/acte.pdf", views.act_document, name="document"),
    path("<int:pk>/publier/", views.PublishView.as_view(), name="publish"),
    path("<int:pk>/transmettre/", views.TransmitView.as_view(), name="transmit"),
    path("<int:pk>/actualiser/", views.RefreshView.as_view(), name="refresh"),
    path("classification/", views.ClassificationView.as_view(), name="classification"),
    path("classification/<str:code>/tiers/", views.ClassificationFetchView.as_view(),
         name="classification-fetch"),
    path("parametres/<str:code>/", views.SettingsView.as_view(), name="settings"),
]

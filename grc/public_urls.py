"""The citizens' pages on the members' sites (namespace `grc_public`). The tracking code is
the `tracking_token` parameter: the log filter masks it (mutualis/log_filters.py)."""

from django.urls import path

from . import public_views as views

app_name = "grc_public"
urlpatterns = [
    path("demarches/en-ligne/", views.index, name="index"),
    path("demarches/en-ligne/<slug:slug>/", views.demarche, name="demarche"),
    path("suivi/", views.follow_form, name="follow-form"),
    path("suivi/<str:tracking_token>/", views.follow, name="follow"),
]

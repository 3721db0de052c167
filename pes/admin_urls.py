from django.urls import path

from . import admin_views

app_name = "pes"
urlpatterns = [
    path("deposer/", admin_views.SubmitView.as_view(), name="submit"),
    path("reglages/", admin_views.SettingsView.as_view(), name="settings"),
    path("dossiers/<int:folder>/transmettre/", admin_views.TransmitView.as_view(), name="transmit"),
]

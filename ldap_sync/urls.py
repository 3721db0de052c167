"""Mounted at the site's root by the project's urls: /activation/<token>/."""

from django.urls import path

from . import views
from .services import ACTIVATION_PATH

app_name = "ldap_sync"
urlpatterns = [
    path(f"{ACTIVATION_PATH}<str:token>/", views.activation, name="activation"),
]

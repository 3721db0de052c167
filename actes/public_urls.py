"""The public register of the acts and its open data, on the members' sites (namespace
`actes_public`): no account needed (CGCT L2131-1)."""

from django.urls import path

from . import public_views as views

app_name = "actes_public"
urlpatterns = [
    path("<str:code>/registre/", views.register, name="register"),
    path("<str:code>/registre.csv", views.register_csv, name="register-csv"),
    path("<str:code>/deliberations.csv", views.deliberations_csv, name="deliberations-csv"),
]

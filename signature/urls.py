"""The parapheur's pages, mounted at /parapheur/."""

from django.urls import path

from . import credential_views, staff_views, views

app_name = "signature"
urlpatterns = [
    path("", views.index, name="index"),
    path("deposer/", views.submit, name="submit"),
    path("verifier/", views.verify, name="verify"),
    path("mon-certificat/", credential_views.my_credential, name="my_credential"),
    path("dossiers/<int:pk>/", views.folder_detail, name="folder"),
    path("dossiers/<int:pk>/documents/<int:doc>/", views.document, name="document"),
    path("dossiers/<int:pk>/bordereau.pdf", views.report, name="report"),
    path("dossiers/<int:pk>/journal.<str:fmt>", views.folder_audit, name="audit"),
    # a member's circuits and delegations, edited by its staff
    path("collectivites/<str:code>/circuits/", staff_views.circuits, name="circuits"),
    path("collectivites/<str:code>/circuits/nouveau/", staff_views.circuit_new, name="circuit_new"),
    path("collectivites/<str:code>/circuits/<int:pk>/", staff_views.circuit_edit,
         name="circuit_edit"),
    path("collectivites/<str:code>/circuits/<int:pk>/activation/", staff_views.circuit_activation,
         name="circuit_activation"),
    path("collectivites/<str:code>/delegations/", staff_views.delegations, name="delegations"),
    path("collectivites/<str:code>/delegations/<int:pk>/fin/", staff_views.delegation_end,
         name="delegation_end"),
    # the officials' signing credentials, installed by the syndicate or the member's DGS
    path("collectivites/<str:code>/certificats/", credential_views.credentials,
         name="credentials"),
    path("collectivites/<str:code>/certificats/<str:uid>/", credential_views.install,
         name="credential_install"),
]

"""The parapheur's staff pages, in the Wagtail admin at /admin/parapheur/ (namespace
`signature`, mounted by wagtail_hooks.py). The signers' pages are in official_urls.py; the old
staff addresses under /parapheur/ redirect here (legacy_urls.py). A member's pages keep its
code in their address, and it must be the host's member's (`access.staff_member`)."""

from django.urls import path

from . import admin_views as folders
from . import credential_views as credentials
from . import staff_views as staff
from .admin_views import explained
from .circuit_listing import CircuitIndexView

MEMBER = "collectivites/<str:code>/"
FOLDER = "dossiers/<int:pk>/"

app_name = "signature"
urlpatterns = [
    path("", explained(folders.FolderIndexView.as_view()), name="index"),
    path("resultats/", explained(folders.FolderIndexView.as_view(results_only=True)),
         name="index_results"),
    path("deposer/", explained(folders.submit), name="submit"),
    path("verifier/", explained(folders.verify), name="verify"),
    path(FOLDER, explained(folders.folder), name="folder"),
    path(FOLDER + "documents/<int:doc>/", explained(folders.document), name="document"),
    path(FOLDER + "bordereau.pdf", explained(folders.report), name="report"),
    path(FOLDER + "journal.<str:fmt>", explained(folders.folder_audit), name="audit"),
    # a member's circuits and delegations, edited by its staff
    path(MEMBER + "circuits/", explained(CircuitIndexView.as_view()), name="circuits"),
    path(MEMBER + "circuits/resultats/",
         explained(CircuitIndexView.as_view(results_only=True)), name="circuits_results"),
    path(MEMBER + "circuits/nouveau/", explained(staff.circuit_new), name="circuit_new"),
    path(MEMBER + "circuits/<int:pk>/", explained(staff.circuit_edit), name="circuit_edit"),
    path(MEMBER + "circuits/<int:pk>/activation/", explained(staff.circuit_activation),
         name="circuit_activation"),
    path(MEMBER + "delegations/", explained(staff.delegations), name="delegations"),
    path(MEMBER + "delegations/<int:pk>/fin/", explained(staff.delegation_end),
         name="delegation_end"),
    # the officials' signing credentials, installed by the syndicate or the member's DGS
    path(MEMBER + "certificats/", explained(credentials.credentials), name="credentials"),
    path(MEMBER + "certificats/<str:uid>/", explained(credentials.install),
         name="credential_install"),
]

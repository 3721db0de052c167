"""The parapheur's pages for the people who sign, mounted in the officials' space
(/espace-elus/parapheur/): the folders waiting for them, a folder, its documents, its
bordereau and journal, their signing credential."""

from django.urls import path

from . import credential_views, views

app_name = "parapheur"
urlpatterns = [
    path("", views.index, name="index"),
    path("dossiers/<int:pk>/", views.folder_detail, name="folder"),
    path("dossiers/<int:pk>/documents/<int:doc>/", views.document, name="document"),
    path("dossiers/<int:pk>/bordereau.pdf", views.report, name="report"),
    path("dossiers/<int:pk>/journal.<str:fmt>", views.folder_audit, name="audit"),
    path("mon-certificat/", credential_views.my_credential, name="credential"),
]

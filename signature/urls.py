"""The parapheur's pages, mounted at /parapheur/."""

from django.urls import path

from . import views

app_name = "signature"
urlpatterns = [
    path("", views.index, name="index"),
    path("deposer/", views.submit, name="submit"),
    path("verifier/", views.verify, name="verify"),
    path("dossiers/<int:pk>/", views.folder_detail, name="folder"),
    path("dossiers/<int:pk>/documents/<int:doc>/", views.document, name="document"),
    path("dossiers/<int:pk>/bordereau.pdf", views.report, name="report"),
    path("dossiers/<int:pk>/journal.<str:fmt>", views.folder_audit, name="audit"),
]

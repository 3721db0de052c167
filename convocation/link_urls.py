"""The members' personal links, mounted in the officials' space (/espace-elus/convocation/)."""

from django.urls import path

from . import link_views

app_name = "convocation_link"
urlpatterns = [
    path("<str:token>/", link_views.link, name="link"),
    path("<str:token>/reponse/", link_views.link_answer, name="link-answer"),
    path("<str:token>/documents/<str:name>", link_views.link_document, name="link-document"),
]

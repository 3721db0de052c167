"""The staff pages, mounted in the Wagtail admin at /admin/convocations/ (wagtail_hooks.py);
their names are the project's contract (`convocation:*`)."""

from django.urls import path

from . import views
from .listing import SittingIndexView

app_name = "convocation"
urlpatterns = [
    path("", SittingIndexView.as_view(), name="sittings"),
    path("resultats/", SittingIndexView.as_view(results_only=True), name="sittings-results"),
    path("seances/nouvelle/", views.sitting_create, name="sitting-create"),
    path("seances/<int:pk>/", views.sitting_detail, name="sitting"),
    path("seances/<int:pk>/modifier/", views.sitting_edit, name="sitting-edit"),
    path("seances/<int:pk>/note/", views.note_upload, name="note"),
    path("seances/<int:pk>/points/", views.item_add, name="item-add"),
    path("seances/<int:pk>/annexes/", views.annex_add, name="annex-add"),
    path("seances/<int:pk>/invites/", views.guest_add, name="guest-add"),
    path("seances/<int:pk>/envoyer/", views.send, name="send"),
    path("seances/<int:pk>/appel/", views.roll_call, name="roll-call"),
    path("seances/<int:pk>/mouvements/", views.movement, name="movement"),
    path("seances/<int:pk>/votes/", views.vote, name="vote"),
    path("seances/<int:pk>/actes/", views.publish_acts, name="acts"),
    path("seances/<int:pk>/actes/<int:publication>/", views.publication_file,
         name="publication"),
    path("seances/<int:pk>/rapport.<str:fmt>", views.report, name="report"),
    path("seances/<int:pk>/documents/<str:name>", views.staff_document, name="document"),
    path("economies/", views.savings, name="savings"),
]

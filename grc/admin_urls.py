"""The GRC's staff pages, mounted at /admin/grc/ by wagtail_hooks (namespace `grc`)."""

from django.urls import path

from . import admin_views as views

app_name = "grc"
urlpatterns = [
    path("", views.RequestIndexView.as_view(), name="requests"),
    path("resultats/", views.RequestIndexView.as_view(results_only=True),
         name="requests-results"),
    path("nouvelle/", views.ChooseDemarcheView.as_view(), name="record"),
    path("nouvelle/<slug:slug>/", views.RecordView.as_view(), name="record-demarche"),
    path("<int:pk>/", views.RequestView.as_view(), name="request"),
    path("<int:pk>/pieces/<int:request_file_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/statut/", views.StatusView.as_view(), name="status"),
    path("<int:pk>/message/", views.MessageView.as_view(), name="message"),
    path("<int:pk>/note/", views.NoteView.as_view(), name="note"),
    path("<int:pk>/delivrer/", views.DeliverView.as_view(), name="deliver"),
    path("demarches/<slug:slug>/", views.DemarcheEditView.as_view(), name="demarche"),
    path("rapport/", views.ReportView.as_view(), name="report"),
]

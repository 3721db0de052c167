"""The register's staff pages, mounted at /admin/courrier/ by wagtail_hooks (namespace
`courrier`)."""

from django.urls import path

from . import admin_views as views

app_name = "courrier"
urlpatterns = [
    path("", views.ItemIndexView.as_view(), name="items"),
    path("resultats/", views.ItemIndexView.as_view(results_only=True), name="items-results"),
    path("nouveau/", views.ItemCreateView.as_view(), name="add"),
    path("refus/", views.RefusalIndexView.as_view(), name="refusals"),
    path("refus/resultats/", views.RefusalIndexView.as_view(results_only=True),
         name="refusals-results"),
    path("numeriser/", views.ScanView.as_view(), name="scan"),
    path("facture-electronique/", views.EInvoiceView.as_view(), name="einvoice"),
    path("<int:pk>/", views.ItemView.as_view(), name="item"),
    path("<int:pk>/pieces/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/pieces/<int:attachment_pk>/ocr/", views.attachment,
         {"searchable": True}, name="attachment-ocr"),
    path("<int:pk>/attribuer/", views.QualifyView.as_view(), name="qualify"),
    path("<int:pk>/transmettre/", views.PassOnView.as_view(), name="pass-on"),
    path("<int:pk>/annoter/", views.AnnotateView.as_view(), name="annotate"),
    path("<int:pk>/traiter/", views.TreatView.as_view(), name="treat"),
    path("<int:pk>/clore/", views.CloseView.as_view(), name="close"),
    path("<int:pk>/certifier/", views.CertifyView.as_view(), name="certify"),
    path("<int:pk>/valider/", views.ValidateView.as_view(), name="validate"),
]

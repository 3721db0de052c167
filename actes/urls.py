from django.urls import path

from . import views

app_name = "actes"
urlpatterns = [
    path("", views.act_list, name="acts"),
    path("<int:pk>/", views.act_detail, name="act"),
    path("<int:pk>/acte.pdf", views.act_document, name="document"),
    path("<int:pk>/publier/", views.act_publish, name="publish"),
    path("<int:pk>/transmettre/", views.act_transmit, name="transmit"),
    path("<int:pk>/actualiser/", views.act_refresh, name="refresh"),
    path("classification/", views.classification_import, name="classification"),
    path("classification/<str:code>/tiers/", views.classification_fetch,
         name="classification-fetch"),
    path("parametres/<str:code>/", views.member_settings, name="settings"),
    path("<str:code>/registre/", views.register, name="register"),
    path("<str:code>/registre.csv", views.register_csv, name="register-csv"),
    path("<str:code>/deliberations.csv", views.deliberations_csv, name="deliberations-csv"),
]

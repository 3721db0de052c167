"""Mounted at every host's root: /connexion/, /espace-elus/, the admins' first access."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("connexion/suite/", views.landing, name="landing"),
    path("connexion/theme.css", views.theme, name="theme"),
    path("deconnexion/", LogoutView.as_view(), name="logout"),
    path("espace-elus/", views.officials_space, name="space"),
    path("espace-elus/convocations/<int:pk>/", views.open_convocation, name="convocation"),
    path("espace-elus/convocations/<int:pk>/reponse/", views.answer_convocation,
         name="convocation-answer"),
    path("espace-elus/messagerie/", views.mail_settings, name="mail"),
    path("compte-syndicat/<uidb64>/<token>/", views.AdminPasswordView.as_view(),
         name="admin-password"),
]

"""The GED's staff pages, mounted at /admin/ged/ by wagtail_hooks (namespace `ged`)."""

from django.urls import path

from . import admin_views as views

app_name = "ged"
urlpatterns = [
    path("", views.DocumentIndexView.as_view(), name="documents"),
    path("resultats/", views.DocumentIndexView.as_view(results_only=True),
         name="documents-results"),
    path("classer/", views.FilingView.as_view(), name="add"),
    path("<int:pk>/", views.DocumentView.as_view(), name="document"),
    path("<int:pk>/version/", views.VersionView.as_view(), name="add-version"),
    path("<int:pk>/version/<int:number>/", views.version_file, name="version-file"),
    path("<int:pk>/gel/", views.HoldView.as_view(), name="hold"),
    path("<int:pk>/gel/<int:hold>/lever/", views.LiftHoldView.as_view(), name="lift-hold"),
    path("plan/", views.PlanView.as_view(), name="plan"),
    path("plan/type/<int:pk>/", views.RuleView.as_view(), name="rule"),
    path("propositions/", views.ProposalsView.as_view(), name="proposals"),
    path("propositions/<int:pk>/", views.ProposalView.as_view(), name="proposal"),
    path("propositions/<int:pk>/visa/", views.VisaOperation.as_view(), name="visa"),
    path("propositions/<int:pk>/eliminer/", views.EliminateOperation.as_view(),
         name="eliminate"),
    path("propositions/<int:pk>/envoyer/", views.SendOperation.as_view(), name="send"),
    path("propositions/<int:pk>/reponse/", views.ReplyOperation.as_view(), name="reply"),
    path("propositions/<int:pk>/<str:what>.txt", views.proposal_text, name="proposal-text"),
]

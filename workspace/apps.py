from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "workspace"
    verbose_name = _("Tableau de bord des agents")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourrierConfig(AppConfig):
    name = "courrier"
    verbose_name = _("Courrier et factures")
    default_auto_field = "django.db.models.BigAutoField"

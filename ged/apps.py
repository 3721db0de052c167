from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GedConfig(AppConfig):
    name = "ged"
    verbose_name = _("GED et archives")
    default_auto_field = "django.db.models.BigAutoField"

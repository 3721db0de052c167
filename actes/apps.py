from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActesConfig(AppConfig):
    name = "actes"
    verbose_name = _("Actes administratifs")
    default_auto_field = "django.db.models.BigAutoField"

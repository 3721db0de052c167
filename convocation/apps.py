from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConvocationConfig(AppConfig):
    name = "convocation"
    verbose_name = _("Convocation des élus")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignatureConfig(AppConfig):
    name = "signature"
    verbose_name = _("Parapheur électronique")
    default_auto_field = "django.db.models.BigAutoField"

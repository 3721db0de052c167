from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrcConfig(AppConfig):
    name = "grc"
    verbose_name = _("Relation citoyen")
    default_auto_field = "django.db.models.BigAutoField"

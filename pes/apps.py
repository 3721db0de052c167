from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PesConfig(AppConfig):
    name = "pes"
    verbose_name = _("Flux comptables PES")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import hooks

        hooks.register()

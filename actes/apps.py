from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActesConfig(AppConfig):
    name = "actes"
    verbose_name = _("Actes administratifs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The documents convocation puts online go into the publication register.
        from convocation.signals import document_published

        from .services import on_document_published

        document_published.connect(on_document_published, dispatch_uid="actes-register")

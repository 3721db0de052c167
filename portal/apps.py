from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Accès"

    def ready(self) -> None:
        from ldap_sync.services import activation_issued

        from .welcome import on_activation_issued

        activation_issued.connect(on_activation_issued, dispatch_uid="portal-welcome")

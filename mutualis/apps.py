from django.apps import AppConfig


class MutualisConfig(AppConfig):
    """The project package as an app: only for its system checks (no models)."""

    name = "mutualis"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers them)

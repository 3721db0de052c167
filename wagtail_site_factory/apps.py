from django.apps import AppConfig


class SiteFactoryConfig(AppConfig):
    name = "wagtail_site_factory"
    verbose_name = "Sites des membres"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import admin_filters, isolation, signals  # noqa: F401  (signals connects the receivers)

        admin_filters.install()
        isolation.install()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LdapSyncConfig(AppConfig):
    name = "ldap_sync"
    verbose_name = _("Annuaire LDAP")
    default_auto_field = "django.db.models.BigAutoField"

"""The syndicate admins' read-only views of the registry and the provisioning journal, in the
Django admin: what the last applied inventory holds and what each run did. Nothing here is
editable: the inventory is the only input, and the journal is append-only."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .catalogue import SERVICE_LABELS
from .models import ChangeRecord, RegistryMember, RegistryPerson, RegistrySyndicate, Run


class ReadOnly:
    """For admin classes (and inlines) that show and never change: the other packages'
    admin pages use it too."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


@admin.register(RegistrySyndicate)
class SyndicateAdmin(ReadOnlyAdmin):
    list_display = ("name", "siren", "domain", "mail", "active")


@admin.register(RegistryMember)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "kind", "population", "hostname", "services_list", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code", "hostname")

    @admin.display(description=_("services"))
    def services_list(self, member: RegistryMember) -> str:
        return ", ".join(str(SERVICE_LABELS.get(s, s)) for s in member.services or [])


@admin.register(RegistryPerson)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("surname", "given_name", "uid", "email", "active")
    list_filter = ("active",)
    search_fields = ("surname", "given_name", "uid", "email")


@admin.register(ChangeRecord)
class ChangeAdmin(ReadOnlyAdmin):
    """A run's changes, paginated (a first apply of a region makes tens of thousands)."""

    list_display = ("key", "action", "outcome", "attempts", "duration_ms", "error", "run")
    list_filter = ("outcome", "action")
    search_fields = ("key", "error")
    list_select_related = ("run",)


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = ("id", "started_at", "finished_at", "status", "summary_text", "pending_after",
                    "inventory_path")
    list_filter = ("status",)
    readonly_fields = ("changes", "started_at", "finished_at", "inventory_path",
                       "inventory_sha256", "only", "status", "summary", "pending_after",
                       "error", "digest")

    @admin.display(description=_("changements"))
    def summary_text(self, run: Run) -> str:
        s = run.summary or {}
        return _("%(c)s créés, %(u)s modifiés, %(d)s désactivés, %(a)s archivés") % {
            "c": s.get("create", 0), "u": s.get("update", 0), "d": s.get("disable", 0),
            "a": s.get("archive", 0)}

    @admin.display(description=_("détail"))
    def changes(self, run: Run) -> str:
        url = reverse("admin:provisioning_changerecord_changelist") + f"?run__id__exact={run.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Les changements de cette exécution"))

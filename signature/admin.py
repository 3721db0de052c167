"""Circuits and delegations in the Django admin, for the syndicate's admins: read-only for
circuits and their steps, which the staff pages change through versions (a circuit some
folder used is never edited in place: see staff_views.py)."""

from django.contrib import admin

from provisioning.admin import ReadOnly

from .models import Circuit, Delegation, Step, StepActor


class StepActorInline(ReadOnly, admin.TabularInline):
    model = StepActor
    raw_id_fields = ["person"]


@admin.register(Step)
class StepAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["circuit", "position", "kind", "mode", "label"]
    inlines = [StepActorInline]


class StepInline(ReadOnly, admin.TabularInline):
    model = Step
    show_change_link = True


@admin.register(Circuit)
class CircuitAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "member", "folder_type", "folder_subtype", "active"]
    list_filter = ["active", "folder_type"]
    inlines = [StepInline]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["member", "delegator", "delegate", "start", "end"]
    raw_id_fields = ["delegator", "delegate"]

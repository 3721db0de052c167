"""Circuits and delegations are set up by the syndicate's admins in the Django admin."""

from django.contrib import admin

from .models import Circuit, Delegation, Step, StepActor


class StepActorInline(admin.TabularInline):
    model = StepActor
    extra = 1
    autocomplete_fields: list[str] = []
    raw_id_fields = ["person"]


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["circuit", "position", "kind", "mode", "label"]
    inlines = [StepActorInline]


class StepInline(admin.TabularInline):
    model = Step
    extra = 1
    show_change_link = True


@admin.register(Circuit)
class CircuitAdmin(admin.ModelAdmin):
    list_display = ["name", "member", "folder_type", "folder_subtype", "active"]
    list_filter = ["active", "folder_type"]
    inlines = [StepInline]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["member", "delegator", "delegate", "start", "end"]
    raw_id_fields = ["delegator", "delegate"]

from django.contrib import admin

from .models import PesSettings


@admin.register(PesSettings)
class PesSettingsAdmin(admin.ModelAdmin):
    list_display = ("member", "mode", "city", "postal_code")

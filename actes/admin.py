from django.contrib import admin

from .models import Act, Classification, MemberSettings, PrefectureMessage, Transmission


@admin.register(MemberSettings)
class MemberSettingsAdmin(admin.ModelAdmin):
    list_display = ["member", "publication_mode", "siret", "department"]


@admin.register(Classification)
class ClassificationAdmin(admin.ModelAdmin):
    list_display = ["member", "version_date", "imported_at"]


@admin.register(Act)
class ActAdmin(admin.ModelAdmin):
    list_display = ["number", "member", "nature", "decision_date", "published_at"]
    list_filter = ["nature"]
    readonly_fields = ["sha256", "published_at", "publication_url"]


admin.site.register(Transmission)
admin.site.register(PrefectureMessage)

from django.contrib import admin
from django.db import models

from toolkit.models import Resource


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "source",
        "folder",
        "category",
        "is_active",
        "link_status",
        "link_checked_at",
    ]
    list_filter = ["folder", "category", "is_active", "link_status"]
    search_fields = ["title", "source", "description", "url", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    # The link fields are the daily link check's to write.
    readonly_fields = [
        "link_status",
        "link_checked_at",
        "link_http_status",
        "link_final_url",
        "link_error",
        "created_at",
        "updated_at",
    ]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

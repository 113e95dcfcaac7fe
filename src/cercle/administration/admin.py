"""The organisation's settings and imports in the Django admin (/manage/ is the usual place)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cercle.accounts.models import Organisation
from cercle.administration.models import ImportJob


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    """Read-only here: /manage/organisation/ checks the logo, colours and domains and audits."""

    list_display = ("name", "primary_colour", "accent_colour", "lock_hr_fields")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin[ImportJob]):
    list_display = ("filename", "status", "total", "done", "created_count", "created_by")
    exclude = ("content",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

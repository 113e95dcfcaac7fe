"""The Django admin (/django-admin/), for Cercle's administrators (role admin ⇒ is_staff).

Roles and activation are changed in /manage/ (so that they are audited and the last admin is
protected); here they are read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from cercle.accounts.models import Department, Invitation, Profile, Site, Skill, User
from cercle.accounts.search import refresh_search_columns


class ProfileInline(admin.StackedInline[Profile, User]):
    model = Profile
    can_delete = False
    fk_name = "user"
    raw_id_fields = ("manager",)
    exclude = ("search_text", "sort_name", "bio_html")


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    inlines = (ProfileInline,)
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "email", "first_name", "last_name")
    readonly_fields = (
        "role",
        "is_active",
        "is_staff",
        "is_superuser",
        "deactivated_at",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Personal info",
            {"fields": ("first_name", "last_name", "email", "language", "time_zone")},
        ),
        (
            "Role and status (change them in /manage/people/)",
            {"fields": ("role", "is_active", "deactivated_at", "is_staff", "is_superuser")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        """The profile inline writes the row without its directory columns (excluded above):
        compute them again, so the person is found in the directory."""
        super().save_related(request, form, formsets, change)
        refresh_search_columns(form.instance)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ("name", "slug", "parent")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    list_display = ("name", "city", "slug")
    search_fields = ("name", "city")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin[Skill]):
    list_display = ("name", "normalized_name")
    search_fields = ("name", "normalized_name")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ("user", "invited_by", "created_at", "sent_at", "expires_at", "accepted_at")
    readonly_fields = ("user", "invited_by", "token_hash", "created_at", "sent_at", "accepted_at")
    raw_id_fields = ("user",)

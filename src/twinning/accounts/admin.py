from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from twinning.accounts.models import ApiToken, Organisation, User
from twinning.core.admin import PlatformAdmin, ReadOnlyAdmin


@admin.register(Organisation)
class OrganisationAdmin(PlatformAdmin):
    list_display = ["name", "kind", "region", "archived_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["region"]


@admin.register(User)
class UserAdmin(PlatformAdmin, DjangoUserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "full_name", "organisation", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Profile", {"fields": ["full_name", "email", "organisation", "role"]}),
        ("Status", {"fields": ["is_active", "is_staff", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2", "organisation", "role"]})
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["secret_hash"]

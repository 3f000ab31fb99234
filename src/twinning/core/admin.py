"""The Django admin is for platform administrators' operations; it never deletes."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from twinning.core.models import AuditEntry

admin.site.disable_action("delete_selected")
admin.site.site_header = "Twinning"


def _is_platform_admin(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_active and user.is_authenticated and user.is_platform_admin)


class PlatformAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Platform administrators may view and change; nobody deletes (archive instead)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_platform_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_platform_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_platform_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_platform_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(PlatformAdmin):
    """Records that change only through the services (so that every change is audited)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "target_type", "target_label"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_label", "note"]

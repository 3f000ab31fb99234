from django.contrib import admin

from twinning.core.admin import ReadOnlyAdmin
from twinning.regions.models import Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "parent", "official"]
    list_filter = ["level", "official"]
    search_fields = ["code", "name"]

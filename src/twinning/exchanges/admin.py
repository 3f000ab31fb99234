from django.contrib import admin

from twinning.core.admin import ReadOnlyAdmin
from twinning.exchanges.models import CalendarFeed, Exchange


@admin.register(Exchange)
class ExchangeAdmin(ReadOnlyAdmin):
    list_display = ["title", "pairing", "kind", "direction", "start_date", "status", "archived_at"]
    list_filter = ["kind", "direction", "status"]
    search_fields = ["title"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at", "revoked_at"]
    exclude = ["token_hash"]

from django.contrib import admin

from twinning.core.admin import ReadOnlyAdmin
from twinning.pairings.models import Body, Contact, Member, Pairing


@admin.register(Pairing)
class PairingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "level", "status", "parent", "established_on", "archived_at"]
    list_filter = ["status", "level"]
    search_fields = ["leading_region__name", "partner_region__name"]


@admin.register(Body)
class BodyAdmin(ReadOnlyAdmin):
    list_display = ["name", "pairing", "side", "kind", "archived_at"]


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["person_name", "body", "body_role", "duty_area", "archived_at"]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["person_name", "pairing", "side", "region", "archived_at"]

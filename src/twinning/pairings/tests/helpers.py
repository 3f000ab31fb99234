"""Test helpers for the pairing registry."""

from typing import Any

from twinning.core.models import AuditEntry
from twinning.pairings.models import Body, Contact, Member, Pairing


def db_state() -> dict[str, Any]:
    """Every row a pairings route can write, plus the size of the audit trail."""
    return {
        "pairings": list(Pairing.objects.order_by("pk").values()),
        "focus_cities": list(
            Pairing.focus_cities.through.objects.order_by("pk").values_list(
                "pairing_id", "region_id"
            )
        ),
        "bodies": list(Body.objects.order_by("pk").values()),
        "members": list(Member.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "audit_entries": AuditEntry.objects.count(),
    }

"""Recording changes: every service that writes calls `record` inside its transaction."""

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models

from twinning.core.models import AuditEntry

if TYPE_CHECKING:
    from twinning.accounts.models import User
    from twinning.pairings.models import Pairing


def _plain(value: Any) -> Any:
    """A JSON-safe, human-readable form of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields`: raw choice values, related records by name."""
    return {name: _plain(getattr(obj, name)) for name in fields}


# Values only some readers may see; history shows them masked to the others.
PRIVATE_FIELDS = frozenset({"phone", "email"})
MASK = "***"


def visible_changes(changes: dict[str, Any], show_private: bool) -> dict[str, Any]:
    """The recorded changes with private values masked unless the reader may see them."""
    if show_private:
        return changes
    return {
        field: ([MASK if v else v for v in values] if field in PRIVATE_FIELDS else values)
        for field, values in changes.items()
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for the fields whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record(
    *,
    actor: "User | None",
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_label: str = "",
    pairing: "Pairing | None" = None,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
) -> AuditEntry:
    """Write one audit entry for a change to `target` (or to a set of records, by type)."""
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower if target is not None else target_type,
        target_id=str(target.pk) if target is not None else "",
        target_label=(str(target) if target is not None else target_label)[:200],
        pairing=pairing,
        changes=changes or {},
        note=note[:500],
    )

"""Shared fixtures for the exchanges tests: exchanges are recorded through the services.

- `record(actor, pairing, **values)` records an exchange (a two-day 座谈交流 by default).
- `exchanges_state()` snapshots every row the exchanges services write (and the audit trail's
  size, the follow-up tasks and the notifications): take one before a refused change, compare
  after.
"""

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from twinning.accounts.models import Role
from twinning.accounts.tests.factories import make_user
from twinning.core.models import AuditEntry
from twinning.exchanges import services
from twinning.exchanges.models import Delegate, Exchange, ExchangeFile, FollowUp
from twinning.notifications.models import Notification
from twinning.plans.models import Task

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4

Record = Callable[..., Exchange]


def base_values(**values: Any) -> dict[str, Any]:
    return {
        "title": "垃圾分类工作座谈会",
        "kind": "symposium",
        "direction": "leading_to_partner",
        "start_date": dt.date(2026, 5, 11),
        "end_date": dt.date(2026, 5, 12),
        "place": "郑州市",
        "status": "planned",
        **values,
    }


@pytest.fixture
def record() -> Record:
    def make(actor: Any, pairing: Any, **values: Any) -> Exchange:
        files = values.pop("files", ())
        follow_ups = values.pop("follow_ups", ())
        return services.create_exchange(
            actor=actor,
            pairing_id=pairing.pk,
            values=base_values(**values),
            files=files,
            follow_ups=follow_ups,
        )

    return make


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def exchanges_state() -> dict[str, Any]:
    return {
        "exchanges": list(Exchange.objects.order_by("pk").values()),
        "topics": list(
            Exchange.topics.through.objects.order_by("pk").values_list("exchange_id", "topic_id")
        ),
        "delegates": list(Delegate.objects.order_by("pk").values()),
        "files": list(ExchangeFile.objects.order_by("pk").values()),
        "follow_ups": list(FollowUp.objects.order_by("pk").values()),
        "tasks": Task.objects.count(),
        "notifications": Notification.objects.count(),
        "audit_entries": AuditEntry.objects.count(),
        "stored": stored_files(),
    }


@pytest.fixture
def tianjin_member(programme: Any) -> Any:
    return make_user(Role.MEMBER, "120000", username="tianjin_member")

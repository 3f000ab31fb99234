"""Notices made through the services, at each stage of the workflow."""

import datetime as dt
import io
from typing import Any

from django.utils import timezone

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.pairings.models import Pairing
from twinning.plans.models import Task
from twinning.supervision import services
from twinning.supervision.models import Notice, NoticeFile, NoticeStep

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def values(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "number": services.suggest_number(today),
        "title": "",
        "reasons": "1. 3 项任务已逾期",
        "required_actions": "一、30 日内完成逾期任务；二、报送整改方案。",
        "deadline": today + dt.timedelta(days=30),
        "guidance": "none",
        **overrides,
    }


def issue(supervisor: User, pairing: Pairing, **overrides: Any) -> Notice:
    return services.issue_notice(
        actor=supervisor, pairing_id=pairing.pk, values=values(**overrides)
    )


def rectification_tasks(count: int = 2) -> list[dict[str, Any]]:
    due = timezone.localdate() + dt.timedelta(days=20)
    return [
        {"title": f"整改任务{n}", "due_date": due, "side": "partner"} for n in range(1, count + 1)
    ]


def upload(data: bytes = PDF, name: str = "整改佐证.pdf") -> services.Upload:
    return services.Upload(stream=io.BytesIO(data), filename=name)


def advance(notice: Notice, supervisor: User, coordinator: User, to: str) -> Notice:
    """Take a fresh notice through the services up to status `to`."""
    order = [s.value for s in Notice.Status]
    steps = {
        "acknowledged": lambda: services.acknowledge(actor=coordinator, notice_id=notice.pk),
        "rectifying": lambda: services.submit_rectification(
            actor=coordinator, notice_id=notice.pk, text="整改方案", tasks=rectification_tasks()
        ),
        "reported": lambda: services.report_progress(
            actor=coordinator, notice_id=notice.pk, text="已完成整改", files=[upload()]
        ),
        "closed": lambda: services.verify_and_close(
            actor=supervisor, notice_id=notice.pk, note="整改到位"
        ),
    }
    for status in order[1 : order.index(to) + 1]:
        notice = steps[status]()
    return notice


def state() -> dict[str, Any]:
    """Counts and values that a refused action must leave as they were."""
    return {
        "notices": list(
            Notice.objects.order_by("pk").values_list(
                "pk", "status", "lock_version", "escalation_level", "archived_at"
            )
        ),
        "steps": NoticeStep.objects.count(),
        "files": NoticeFile.objects.count(),
        "tasks": Task.objects.count(),
        "audit": AuditEntry.objects.count(),
    }

"""Shared fixtures for the consultations tests: problems built through the services.

- `ask(actor=henan, **values)` posts a problem on 天津–河南 (河南 is the partner side).
- `leading_expert` is an expert of 天津 (the leading side); `pool_expert` is a national-pool
  expert for 分类投放 with no region at all; `gansu_expert` an expert of an unrelated province.
- `db_state()` snapshots every row the consultations services write (plus the audit trail's
  size): take one before a refused change and compare after.
"""

import io
from collections.abc import Callable
from typing import Any

import pytest

from twinning.accounts.models import Organisation, Role, User
from twinning.accounts.tests.factories import make_user
from twinning.consultations import services
from twinning.consultations.models import (
    Answer,
    Assignment,
    Attachment,
    Comment,
    ExpertTopic,
    Problem,
)
from twinning.core.models import AuditEntry
from twinning.notifications.models import Notification
from twinning.pairings.models import Pairing
from twinning.plans.models import Topic

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4


def pdf(name: str = "现场照片.pdf") -> tuple[io.BytesIO, str]:
    return io.BytesIO(PDF), name


@pytest.fixture
def sorting_topic(programme: Any) -> Topic:
    return Topic.objects.get(code="sorted_disposal")


@pytest.fixture
def laws_topic(programme: Any) -> Topic:
    return Topic.objects.get(code="laws_standards")


@pytest.fixture
def leading_expert(programme: Any) -> User:
    return make_user(
        Role.EXPERT, "120000", kind=Organisation.Kind.EXPERT_INSTITUTION, username="tj_expert"
    )


@pytest.fixture
def gansu_expert(programme: Any) -> User:
    return make_user(
        Role.EXPERT, "620000", kind=Organisation.Kind.EXPERT_INSTITUTION, username="gs_expert"
    )


@pytest.fixture
def pool_expert(programme: Any, sorting_topic: Topic) -> User:
    user = make_user(
        Role.EXPERT, "330200", kind=Organisation.Kind.EXPERT_INSTITUTION, username="pool_expert"
    )
    ExpertTopic.objects.create(user=user, topic=sorting_topic)
    return user


@pytest.fixture
def ask(henan: User, tianjin_henan: Pairing) -> Callable[..., Problem]:
    def make(actor: User | None = None, **values: Any) -> Problem:
        arguments = {
            "title": "厨余垃圾分出率低，怎样提高居民参与度？",
            "description": "小区设置了定时定点投放，但居民参与度不高，厨余垃圾分出率只有一成。",
            "topic": "sorted_disposal",
            **values,
        }
        return services.create_problem(
            actor=actor or henan, pairing_id=tianjin_henan.pk, **arguments
        )

    return make


def consultations_state() -> dict[str, Any]:
    """Every row a consultations service can write, plus the audit trail and inbox sizes."""
    return {
        "problems": list(Problem.objects.order_by("pk").values()),
        "assignments": list(Assignment.objects.order_by("pk").values()),
        "answers": list(Answer.objects.order_by("pk").values()),
        "comments": list(Comment.objects.order_by("pk").values()),
        "attachments": list(Attachment.objects.order_by("pk").values()),
        "pool": list(ExpertTopic.objects.order_by("pk").values()),
        "audit_entries": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def db_state() -> Callable[[], dict[str, Any]]:
    return consultations_state

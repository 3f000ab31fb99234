"""The demo notices: one per stage, made through the services, idempotent (run on today's date)."""

import pytest

from twinning.pairings.demo import load_demo
from twinning.supervision.demo import DEMO_LABEL, load_supervision_demo
from twinning.supervision.models import Notice

pytestmark = pytest.mark.django_db


def test_demo_has_every_stage_and_is_idempotent(programme: object) -> None:
    load_demo()
    first = load_supervision_demo()
    assert first.created == 6 and first.existing == 0
    notices = Notice.objects.filter(title__contains=DEMO_LABEL)
    assert set(notices.values_list("status", flat=True)) == set(Notice.Status.values)
    late = notices.get(escalation_level__gt=0)
    assert late.is_overdue and late.steps.filter(kind="escalated", actor=None).exists()
    rectifying = notices.get(status="rectifying")
    assert rectifying.steps.get(kind="plan_submitted").tasks.count() == 2
    assert notices.get(status="reported").files.count() == 1
    second = load_supervision_demo()
    assert second.created == 0 and second.existing == 6
    assert Notice.objects.count() == 6

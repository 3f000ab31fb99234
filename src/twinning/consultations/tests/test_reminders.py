"""Reminders before the deadline and escalation after it, on a controlled clock."""

import datetime as dt
import io
import time

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from twinning.consultations import services
from twinning.consultations.models import Problem
from twinning.consultations.reminders import send_reminders
from twinning.core.models import AuditEntry
from twinning.notifications.events import Event
from twinning.notifications.models import Notification

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAYS = settings.TWINNING_RESPONSE_DAYS
HOURS = settings.TWINNING_REMINDER_HOURS_BEFORE


def told(event: str) -> set[str]:
    return set(
        Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
    )


@pytest.fixture
def problem(ask, tianjin, leading_expert, pool_expert):
    with time_machine.travel(START, tick=False):
        asked = ask()
        services.assign_expert(actor=tianjin, problem_id=asked.pk, expert=leading_expert)
    Notification.objects.all().delete()
    return asked


def test_nothing_before_the_reminder_window(problem):
    just_before = problem.response_due - dt.timedelta(hours=HOURS, minutes=1)
    run = send_reminders(now=just_before)
    assert (run.reminded, run.escalated) == (0, 0)
    assert not Notification.objects.exists()


def test_reminder_goes_to_assigned_experts_and_leading_coordinators_once(problem, supervisor):
    with time_machine.travel(problem.response_due - dt.timedelta(hours=HOURS - 1), tick=False):
        first = send_reminders()
        second = send_reminders()
    assert (first.reminded, first.escalated) == (1, 0)
    assert (second.reminded, second.escalated) == (0, 0)
    assert told(Event.REMINDER) == {"tj_expert", "tianjin"}
    assert Notification.objects.filter(event=Event.REMINDER).count() == 2
    problem.refresh_from_db()
    assert problem.reminded_at is not None and problem.escalated_at is None


def test_escalation_after_the_deadline_goes_to_ministry_supervisors_once(problem, supervisor):
    send_reminders(now=problem.response_due - dt.timedelta(hours=1))
    late = problem.response_due + dt.timedelta(minutes=1)
    first, second = send_reminders(now=late), send_reminders(now=late)
    assert (first.reminded, first.escalated) == (0, 1)
    assert (second.reminded, second.escalated) == (0, 0)
    assert told(Event.ESCALATION) == {"ministry"}
    problem.refresh_from_db()
    assert problem.escalated_at == late
    assert AuditEntry.objects.filter(
        target_type="consultations.problem", target_id=str(problem.pk), note__contains="督办"
    ).exists()


def test_a_problem_found_late_is_reminded_and_escalated_in_one_run(problem, supervisor):
    run = send_reminders(now=problem.response_due + dt.timedelta(days=1))
    assert (run.reminded, run.escalated) == (1, 1)


def test_answered_closed_and_archived_problems_are_left_alone(
    ask, problem, henan, tianjin, supervisor
):
    services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")
    with time_machine.travel(START, tick=False):
        closed, archived = ask(), ask()
    services.close_problem(actor=henan, problem_id=closed.pk, reason="撤回")
    services.archive_problem(actor=henan, problem_id=archived.pk)
    Notification.objects.all().delete()
    run = send_reminders(now=problem.response_due + dt.timedelta(days=1))
    assert (run.reminded, run.escalated) == (0, 0)
    assert not Notification.objects.exists()


def test_the_command_for_cron(problem, supervisor):
    out = io.StringIO()
    with time_machine.travel(problem.response_due + dt.timedelta(hours=2), tick=False):
        call_command("send_reminders", stdout=out)
        call_command("send_reminders", stdout=out)
    assert out.getvalue().splitlines() == [
        "reminded: 1, escalated: 1",
        "reminded: 0, escalated: 0",
    ]
    out = io.StringIO()
    call_command("send_reminders", "--now", "2020-01-01T00:00", stdout=out)
    assert "reminded: 0" in out.getvalue()


def test_scanning_5000_problems_is_one_indexed_query_and_fast(
    problem, henan, tianjin_henan, supervisor
):
    now = START
    Problem.objects.bulk_create(
        [
            Problem(
                pairing=tianjin_henan,
                title=f"难题{n}",
                description="描述",
                asked_by=henan,
                asked_at=now,
                response_due=now + dt.timedelta(days=DAYS),
                status=Problem.Status.ASSIGNED if n % 2 else Problem.Status.OPEN,
            )
            for n in range(5000)
        ],
        batch_size=1000,
    )
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        run = send_reminders(now=now)
    elapsed = time.perf_counter() - started
    assert (run.reminded, run.escalated) == (0, 0)
    assert len(queries) == 1
    assert elapsed < 0.5, elapsed

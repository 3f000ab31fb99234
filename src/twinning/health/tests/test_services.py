"""Recomputing: the bulk engine on the programme's pairs, level changes, audit, alerts, signals."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from twinning.accounts.models import User
from twinning.core.models import AuditEntry
from twinning.health import engine, services, thresholds
from twinning.health.models import HealthChange, PairHealth
from twinning.health.tests.conftest import (
    TODAY,
    falling_target,
    held_exchange,
    overdue_task_ids,
    report,
    unanswered_problem,
)
from twinning.notifications.events import Event
from twinning.notifications.models import Notification
from twinning.pairings.models import Pairing
from twinning.plans import tasks as task_services

pytestmark = pytest.mark.django_db


def codes(health: PairHealth) -> set[str]:
    return {r["code"] for r in health.reasons}


def test_recompute_judges_every_live_active_pair(programme: Any) -> None:
    rows = services.recompute(today=TODAY)
    active = Pairing.objects.live().filter(status=Pairing.Status.ACTIVE).count()
    assert len(rows) == active == PairHealth.objects.count() > 20
    assert [h.score for h in rows] == sorted((h.score for h in rows), reverse=True)
    assert all(h.computed_for == TODAY for h in rows)


def test_ended_and_archived_pairs_are_skipped(tianjin_henan: Pairing) -> None:
    Pairing.objects.filter(pk=tianjin_henan.pk).update(status=Pairing.Status.CONCLUDED)
    rows = services.recompute(today=TODAY)
    assert tianjin_henan.pk not in {h.pairing_id for h in rows}
    assert services.recompute(pairing_ids=[tianjin_henan.pk], today=TODAY) == []


def test_the_bulk_engine_equals_pair_by_pair(programme: Any, tianjin: User) -> None:
    pairs = list(engine.live_pairings())
    held_exchange(pairs[0], TODAY - dt.timedelta(days=100))
    falling_target(pairs[1].partner_region_id)
    report(pairs[2].leading_region_id, "2021-12", timezone.now())
    limits = thresholds.current()
    together = engine.evaluate(pairs, TODAY, limits)
    for pairing in pairs:
        alone = engine.evaluate([pairing], TODAY, limits)[pairing.pk]
        assert alone == together[pairing.pk]


def test_the_number_of_queries_does_not_grow_with_the_pairs(programme: Any) -> None:
    pairs = list(engine.live_pairings())
    limits = thresholds.current()
    with CaptureQueriesContext(connection) as one:
        engine.evaluate(pairs[:1], TODAY, limits)
    with CaptureQueriesContext(connection) as every:
        engine.evaluate(pairs, TODAY, limits)
    # One query per kind of fact (the targets' values only when there are targets).
    assert len(one.captured_queries) <= len(every.captured_queries) <= 8


def test_reasons_from_the_records(tianjin_henan: Pairing, henan: User) -> None:
    held_exchange(tianjin_henan, TODAY - dt.timedelta(days=95))
    unanswered_problem(tianjin_henan, timezone.now().replace(year=2021, month=12, day=1), henan)
    falling_target("410000")
    (health,) = services.recompute(pairing_ids=[tianjin_henan.pk], today=TODAY)
    assert codes(health) >= {"overdue_tasks", "silence", "unanswered_problems", "targets"}
    assert health.level == "red"
    overdue = next(r for r in health.reasons if r["code"] == "overdue_tasks")
    assert overdue["count"] == len(overdue_task_ids(tianjin_henan)) > 0
    silence = next(r for r in health.reasons if r["code"] == "silence")
    assert (silence["severity"], silence["count"]) == ("amber", 95)


def test_missing_and_late_reports_only_count_after_the_pair_started(
    tianjin_henan: Pairing,
) -> None:
    # 2021-11's deadline is 2021-12-10: late when submitted after it.
    late = timezone.make_aware(dt.datetime.combine(dt.date(2021, 12, 20), dt.time(9)))
    for region in ("120000", "410000"):
        report(region, "2021-11", late)
    (health,) = services.recompute(pairing_ids=[tianjin_henan.pk], today=TODAY)
    late_reason = next(r for r in health.reasons if r["code"] == "late_reports")
    assert late_reason["count"] == 2
    missing = next(r for r in health.reasons if r["code"] == "missing_reports")
    periods = {item.split(" ")[1] for item in missing["params"]["items"].rstrip("等").split("、")}
    assert "2021-11" not in periods
    assert all(not p.startswith("2020") for p in periods)


def test_a_level_change_is_recorded_audited_and_the_ministry_told(
    tianjin_henan: Pairing, supervisor: User, quiet_reports: None
) -> None:
    (first,) = services.recompute(pairing_ids=[tianjin_henan.pk], today=TODAY)
    assert first.level == "red"
    change = HealthChange.objects.get(pairing=tianjin_henan)
    assert (change.old_level, change.new_level) == ("", "red")
    entry = AuditEntry.objects.filter(
        target_type="health.pairhealth", target_id=str(first.pk)
    ).first()
    assert entry is not None and entry.note == services.CHANGE_NOTE
    assert entry.actor is None and entry.pairing_id == tianjin_henan.pk
    assert entry.changes == {"level": [None, "red"]}
    # The first computed level is a start, not news: no alert.
    alerts = Notification.objects.filter(recipient=supervisor, event=Event.HEALTH_RED)
    assert not alerts.exists()

    # Same records again: nothing new is recorded, only the time.
    services.recompute(pairing_ids=[tianjin_henan.pk], today=TODAY)
    assert HealthChange.objects.filter(pairing=tianjin_henan).count() == 1

    # Early in 2021 nothing was due yet: the level falls back to green, recorded once more.
    (earlier,) = services.recompute(pairing_ids=[tianjin_henan.pk], today=dt.date(2021, 3, 1))
    assert (earlier.level, earlier.reasons) == ("green", [])
    assert earlier.level_since > first.level_since
    latest = HealthChange.objects.filter(pairing=tianjin_henan).first()
    assert latest is not None and (latest.old_level, latest.new_level) == ("red", "green")
    assert not alerts.exists()

    # Turning red from green is news: the Ministry's supervisors are told, once.
    services.recompute(pairing_ids=[tianjin_henan.pk], today=TODAY)
    services.recompute(pairing_ids=[tianjin_henan.pk], today=TODAY)
    alert = alerts.get()
    assert alert.url == f"/health/pairs/{tianjin_henan.pk}/"
    assert "天津市—河南省" in alert.title and "任务已逾期" in alert.body
    assert HealthChange.objects.filter(pairing=tianjin_henan).count() == 3


def test_a_pair_first_seen_green_records_no_change(tianjin_henan: Pairing) -> None:
    audited = AuditEntry.objects.filter(target_type="health.pairhealth")
    entries = audited.count()  # those of the starting data's load
    (health,) = services.recompute(pairing_ids=[tianjin_henan.pk], today=dt.date(2021, 3, 1))
    assert health.level == "green"
    assert not HealthChange.objects.exists()
    assert audited.count() == entries


def test_marking_the_overdue_tasks_done_turns_the_pair_green(
    tianjin_henan: Pairing,
    tianjin: User,
    quiet_reports: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    moment = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(10)))
    with time_machine.travel(moment, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            held_exchange(tianjin_henan, TODAY - dt.timedelta(days=10))
        (before,) = services.recompute(pairing_ids=[tianjin_henan.pk])
        assert codes(before) == {"overdue_tasks"}
        plan_id = next(r for r in before.reasons)["url"].split("/")[2]
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            task_services.bulk_set_status(
                actor=tianjin,
                plan_id=int(plan_id),
                task_ids=overdue_task_ids(tianjin_henan),
                status="done",
            )
        assert len(callbacks) >= 1
    after = PairHealth.objects.get(pairing=tianjin_henan)
    assert (after.level, after.reasons) == ("green", [])
    assert HealthChange.objects.filter(pairing=tianjin_henan, new_level="green").exists()


def test_changes_in_one_transaction_recompute_once(
    tianjin_henan: Pairing, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        held_exchange(tianjin_henan, TODAY)
        held_exchange(tianjin_henan, TODAY, title="第二次")
        report("410000", "2021-12", None)
    batches = [c for c in callbacks if isinstance(c, services._Batch)]
    assert len(batches) == 1
    pairs = Pairing.objects.live().filter(status="active")
    henan_pairs = set(pairs.filter(partner_region="410000").values_list("pk", flat=True))
    assert batches[0].pairing_ids() == sorted(henan_pairs | {tianjin_henan.pk})


def test_targets_long_past_their_due_date_are_no_longer_judged(tianjin_henan: Pairing) -> None:
    target = falling_target("410000")  # due 2025-12-31, off track
    grace = dt.timedelta(days=180)
    (within,) = services.recompute(pairing_ids=[tianjin_henan.pk], today=target.due_date + grace)
    assert "targets" in codes(within)
    later = target.due_date + grace + dt.timedelta(days=1)
    (after,) = services.recompute(pairing_ids=[tianjin_henan.pk], today=later)
    assert "targets" not in codes(after)

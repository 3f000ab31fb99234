"""Writing the health signal: recompute pairs (a system action), and queue recomputes on change.

`recompute` is run daily by `twinning health` (cron) and, for one pair at a time, after every
change that can move its level (signals.py → `schedule_recompute` → tasks.py). It upserts each
pair's `PairHealth`; when a level changes it records a `HealthChange` and an audit entry (no
actor: the platform did it), and tells the Ministry's supervisors when a pair turns red (from
an earlier computed level).
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import Role, User
from twinning.core.models import AuditEntry
from twinning.core.permissions import is_ministry
from twinning.health import engine, thresholds
from twinning.health.models import HealthChange, Level, PairHealth
from twinning.notifications.events import Event
from twinning.notifications.services import Message, notify_many
from twinning.pairings.models import Pairing

logger = logging.getLogger(__name__)

CHANGE_NOTE = gettext_noop("健康度自动重新计算，等级发生变化")
FIELDS = ("level", "score", "reasons", "computed_at", "computed_for", "level_since")


@transaction.atomic
def recompute(
    *, pairing_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> list[PairHealth]:
    """Recompute the health of the live, active pairs (all, or those of `pairing_ids`), judged
    as of `today`; returns their health records, most at risk first."""
    today = today or timezone.localdate()
    pairings = list(engine.live_pairings(pairing_ids))
    if not pairings:
        return []
    judgements = engine.evaluate(pairings, today, thresholds.current())
    # Locked so that two overlapping runs (the cron and a change) take turns (PostgreSQL).
    existing = {
        h.pairing_id: h
        for h in PairHealth.objects.select_for_update(of=("self",)).filter(
            pairing__in=[p.pk for p in pairings]
        )
    }
    now = timezone.now()
    records, changed = [], []
    for pairing in pairings:
        judgement = judgements[pairing.pk]
        record = existing.get(pairing.pk)
        old = record.level if record is not None else ""
        if record is None:
            record = PairHealth(pairing=pairing, level_since=now)
        elif old != judgement.level:
            record.level_since = now
        record.level, record.score, record.reasons = (
            judgement.level,
            judgement.score,
            judgement.reasons,
        )
        record.computed_at, record.computed_for = now, today
        records.append(record)
        # A pair first seen green has nothing to tell; any other first level is a change.
        if old != judgement.level and (old or judgement.level != Level.GREEN):
            changed.append((pairing, old, record))
    PairHealth.objects.bulk_create(
        records, update_conflicts=True, unique_fields=["pairing"], update_fields=list(FIELDS)
    )
    saved = {
        h.pairing_id: h
        for h in PairHealth.objects.filter(pairing__in=[p.pk for p in pairings]).select_related(
            "pairing__leading_region", "pairing__partner_region"
        )
    }
    _record_changes([(p, old, saved[p.pk]) for p, old, _r in changed], now)
    return sorted(saved.values(), key=lambda h: (-h.score, h.pairing_id))


def _record_changes(changed: list[tuple[Pairing, str, PairHealth]], now: dt.datetime) -> None:
    """History rows, audit entries and the Ministry's red alerts for the pairs that moved."""
    if not changed:
        return
    HealthChange.objects.bulk_create(
        HealthChange(pairing=pairing, at=now, old_level=old, new_level=h.level, reasons=h.reasons)
        for pairing, old, h in changed
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=None,
            action=AuditEntry.Action.TRANSITION,
            target_type=PairHealth._meta.label_lower,
            target_id=str(h.pk),
            target_label=str(pairing)[:200],
            pairing=pairing,
            changes={"level": [old or None, h.level]},
            note=CHANGE_NOTE,
        )
        for pairing, old, h in changed
    )
    # A pair's first computed level is a start, not news: only a move to red is told (otherwise
    # the first run after an installation would send an alert for every lagging pair).
    turned_red = [(p, h) for p, old, h in changed if h.level == Level.RED and old]
    if turned_red:
        notify_many([_red_alert(pairing, h, _supervisors()) for pairing, h in turned_red])


def _supervisors() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role=Role.SUPERVISOR).select_related(
            "organisation__region"
        )
    )


def _red_alert(pairing: Pairing, health: PairHealth, supervisors: list[User]) -> Message:
    texts = health.reason_texts
    return Message(
        event=Event.HEALTH_RED,
        pairing=pairing,
        recipients=supervisors,
        can_see=is_ministry,
        title=_("结对健康度预警：%(pair)s") % {"pair": str(pairing)},
        body="；".join(texts) if texts else _("健康度转为红色。"),
        url=reverse("health:pair", args=[pairing.pk]),
    )


# ---------------------------------------------------------------- recompute on change


@dataclass
class _Batch:
    """What changed in one transaction: recomputed once, after the commit."""

    pairings: set[int] = field(default_factory=set)
    plans: set[int] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    done: bool = False

    def __call__(self) -> None:
        from twinning.health.tasks import enqueue_recompute

        self.done = True
        ids = self.pairing_ids()
        if ids:
            enqueue_recompute(ids)

    def pairing_ids(self) -> list[int]:
        from twinning.plans.models import Plan

        ids = set(self.pairings)
        if self.plans:
            ids |= set(Plan.objects.filter(pk__in=self.plans).values_list("pairing_id", flat=True))
        if self.regions:
            pairs = Pairing.objects.live().filter(status=Pairing.Status.ACTIVE)
            ids |= set(pairs.filter(leading_region__in=self.regions).values_list("pk", flat=True))
            ids |= set(pairs.filter(partner_region__in=self.regions).values_list("pk", flat=True))
        return sorted(ids)


def _batch() -> _Batch:
    """This transaction's batch, registered to run on commit the first time it is needed."""
    for _sids, callback, _robust in transaction.get_connection().run_on_commit:
        if isinstance(callback, _Batch) and not callback.done:
            return callback
    batch = _Batch()
    transaction.on_commit(batch)
    return batch


def schedule_recompute(pairing_id: int) -> None:
    """Recompute the pair's health after the current transaction commits (once per pair)."""
    _schedule(pairings=[pairing_id])


def _schedule(
    *, pairings: Iterable[int] = (), plans: Iterable[int] = (), regions: Iterable[str] = ()
) -> None:
    if not transaction.get_connection().in_atomic_block:
        _Batch(set(pairings), set(plans), set(regions))()  # nothing to wait for
        return
    batch = _batch()
    batch.pairings.update(pairings)
    batch.plans.update(plans)
    batch.regions.update(regions)


def schedule_for_plan(plan_id: int) -> None:
    _schedule(plans=[plan_id])


def schedule_for_region(region_code: str) -> None:
    _schedule(regions=[region_code])

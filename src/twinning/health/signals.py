"""Recompute a pair's health when something that can move it changes (after the commit).

Connected in apps.py. The receivers only note what changed: the pairs are resolved and
recomputed once per transaction (services._Batch), so saving a hundred tasks costs one recompute.
"""

from typing import Any

from django.db.models.signals import post_save

from twinning.health import services


def _task_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        services.schedule_for_plan(instance.plan_id)


def _plan_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        services.schedule_recompute(instance.pairing_id)


def _pair_record_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """An exchange or a problem: it names its pair."""
    if not raw:
        services.schedule_recompute(instance.pairing_id)


def _region_record_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A report or a target: it names a region, whose pairs are recomputed."""
    if not raw:
        services.schedule_for_region(instance.region_id)


def connect() -> None:
    from twinning.consultations.models import Problem
    from twinning.exchanges.models import Exchange
    from twinning.indicators.models import Report, Target
    from twinning.plans.models import Plan, Task

    post_save.connect(_task_saved, sender=Task, dispatch_uid="health.task")
    post_save.connect(_plan_saved, sender=Plan, dispatch_uid="health.plan")
    post_save.connect(_pair_record_saved, sender=Exchange, dispatch_uid="health.exchange")
    post_save.connect(_pair_record_saved, sender=Problem, dispatch_uid="health.problem")
    post_save.connect(_region_record_saved, sender=Report, dispatch_uid="health.report")
    post_save.connect(_region_record_saved, sender=Target, dispatch_uid="health.target")

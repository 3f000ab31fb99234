"""Background work of the health signal: recompute pairs after a change was committed.

`services.schedule_recompute` queues `recompute_pairs` once per transaction; with the immediate
backend (development, tests) it runs at the commit, with a database queue in a worker.
"""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def recompute_pairs(pairing_ids: list[int]) -> int:
    """Recompute these pairs' health; how many were recomputed."""
    from twinning.health import services

    return len(services.recompute(pairing_ids=pairing_ids))


def enqueue_recompute(pairing_ids: list[int]) -> None:
    """Queue a recompute; a failing queue only delays it to the daily run, so it is logged."""
    try:
        recompute_pairs.enqueue(pairing_ids)
    except Exception:
        logger.exception("Could not queue a health recompute of pairs %s", pairing_ids)

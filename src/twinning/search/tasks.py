"""Background work of the search index (django-tasks): rebuilding it after a dictionary change."""

import logging

from django_tasks import task

from twinning.search import index

logger = logging.getLogger(__name__)


@task()
def reindex_all() -> int:
    """Rebuild the whole index (new words change how every text is cut)."""
    return index.reindex()


def enqueue_reindex() -> None:
    """Queue a rebuild (called after the commit); a failing queue is logged, not raised."""
    try:
        reindex_all.enqueue()
    except Exception:
        logger.exception("Could not queue the search reindex")

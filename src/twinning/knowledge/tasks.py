"""Background work of the knowledge base: reading the text of an uploaded version.

The services queue `extract_version` once the upload is committed; with the immediate backend
(development, tests) it runs at the commit, with a database queue in a worker.
"""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def extract_version(version_id: int) -> None:
    """Read the version's text, record its status and re-index its document."""
    from twinning.knowledge import services

    services.run_extraction(version_id)


def enqueue_extraction(version_id: int) -> None:
    """Queue the extraction (called after the commit); a failing queue leaves it pending."""
    try:
        extract_version.enqueue(version_id)
    except Exception:
        logger.exception("Could not queue text extraction of version %s", version_id)

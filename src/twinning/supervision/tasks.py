"""Background work of notices: the daily reminder and escalation run, for a task scheduler that
prefers the queue to cron (`twinning remind-notices` does the same from cron)."""

from django_tasks import task


@task()
def remind_notices_task() -> dict[str, int]:
    """Remind of notices falling due and escalate the overdue ones (idempotent per day)."""
    from twinning.supervision.reminders import remind_notices

    run = remind_notices()
    return {"reminded": run.reminded, "escalated": run.escalated}

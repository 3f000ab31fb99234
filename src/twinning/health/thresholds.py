"""The thresholds of the health rules, read once from settings (`TWINNING_HEALTH_*`).

The defaults are the programme's decisions (see docs/health.md); an installation may tune them
through the environment without touching the rules themselves.
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Thresholds:
    # Overdue open tasks of the pair's working plan: one is amber; this many is red ...
    overdue_tasks_red: int = 5
    # ... and so is any task overdue by more than this many days.
    overdue_days_red: int = 60
    # Days since the last held exchange (from the pairing's start when none): more is amber/red.
    silence_days_amber: int = 90
    silence_days_red: int = 180
    # Indicator reports missing past their deadline: one is amber, this many is red.
    missing_reports_red: int = 2
    # How many recent periods (of each period type in use) the reporting rules look at.
    report_periods: int = 3
    # Problems unanswered past their response deadline: one is amber; one more than this many
    # days past it is red.
    problem_days_red: int = 14
    # No plan at all this many days after the pairing started: red.
    no_plan_days_red: int = 30
    # A plan not yet filed or in force this many days after the pairing started: amber.
    plan_not_filed_days_amber: int = 60
    # Targets whose due date passed more than this many days ago are history: the bulletins and
    # the indicators pages report whether they were met, the daily signal no longer does.
    target_grace_days: int = 180


def current() -> Thresholds:
    """The thresholds in force (settings override the defaults field by field)."""
    values = {
        name: int(getattr(settings, f"TWINNING_HEALTH_{name.upper()}", default))
        for name, default in Thresholds().__dict__.items()
    }
    return Thresholds(**values)

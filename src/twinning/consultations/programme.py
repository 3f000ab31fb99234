"""Loading the consultations' starting data: problems and answers built on the 2021 article.

Runs after `plans.programme.load_plans` (the problems name its topics) and is idempotent: a
problem whose pair already has one of the same title — answered, archived or edited since — is
left alone, answers included.

Nobody asked or answered these in the platform: they have no asker or author, and each problem's
`source` says where it comes from. Nobody is notified, and the history shows the system as the
actor.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from twinning.consultations.models import Answer, Problem, default_due
from twinning.consultations.programme_data import PROBLEMS, SOURCE, ProblemRow
from twinning.consultations.services import PROBLEM_FIELDS
from twinning.core import audit
from twinning.core.validation import clean
from twinning.pairings.models import Pairing
from twinning.plans.models import Topic

LOADED_NOTE = gettext_noop("据2021年进展报道载入")


@dataclass
class ConsultationsResult:
    problems_created: int = 0
    problems_existing: int = 0
    answers_created: int = 0
    # Pairs named in PROBLEMS that are not in the database (load_programme not run, or changed).
    pairs_missing: list[str] = field(default_factory=list)


@transaction.atomic
def load_consultations() -> ConsultationsResult:
    """Create the problems (with their answers) that are missing; keep what is there."""
    result = ConsultationsResult()
    for row in PROBLEMS:
        pairing = Pairing.objects.filter(
            leading_region_id=row["leading"], partner_region_id=row["partner"]
        ).first()
        if pairing is None:
            label = f"{row['leading']}–{row['partner']}"
            if label not in result.pairs_missing:
                result.pairs_missing.append(label)
            continue
        if Problem.objects.filter(pairing=pairing, title=row["title"]).exists():
            result.problems_existing += 1
            continue
        problem = _create_problem(pairing, row)
        result.problems_created += 1
        result.answers_created += problem.answers.count()
    return result


def _at(value: str) -> dt.datetime:
    """An ISO date-time of the data, read as the platform's (Beijing) time."""
    return timezone.make_aware(dt.datetime.fromisoformat(value))


def _create_problem(pairing: Pairing, row: ProblemRow) -> Problem:
    """The problem as asked, its answers as given and accepted, checked like the services do."""
    topic = Topic.objects.filter(code=row["topic"]).first()
    if topic is None:
        raise ValueError(f"problem {row['title']!r} names an unknown topic: {row['topic']!r}")
    asked_at = _at(row["asked"])
    problem = Problem(
        pairing=pairing,
        title=row["title"],
        description=row["description"],
        source=SOURCE[:200],
        topic=topic,
        urgency=row["urgency"],
        asked_by=None,
        asked_at=asked_at,
        response_due=default_due(asked_at),
    )
    clean(problem)
    problem.save()
    audit.record(
        actor=None,
        action="create",
        target=problem,
        pairing=pairing,
        changes=audit.diff({}, audit.snapshot(problem, [*PROBLEM_FIELDS, "response_due"])),
        note=LOADED_NOTE,
    )
    answers = []
    for answer_row in row["answers"]:
        accepted = answer_row["accepted"]
        answer = Answer(
            problem=problem,
            author=None,
            body=answer_row["body"],
            created_at=_at(answer_row["answered"]),
            accepted_at=_at(accepted) if accepted else None,
            accepted_by=None,
        )
        clean(answer)
        answer.save()
        audit.record(
            actor=None,
            action="create",
            target=answer,
            pairing=pairing,
            changes={"body": [None, answer.body[:200]]},
            note=LOADED_NOTE,
        )
        answers.append(answer)
    status = _status_of(row, answers)
    if answers:
        problem.first_answered_at = min(a.created_at for a in answers)
    if status != problem.status:
        audit.record(
            actor=None,
            action="transition",
            target=problem,
            pairing=pairing,
            changes={"status": [problem.status, status]},
            note=LOADED_NOTE,
        )
        problem.status = status
    problem.save(update_fields=["status", "first_answered_at"])
    return problem


def _status_of(row: ProblemRow, answers: list[Answer]) -> str:
    """The status the answers give (the services' rules); the data must say the same."""
    if any(a.accepted_at for a in answers):
        status = Problem.Status.RESOLVED
    elif answers:
        status = Problem.Status.ANSWERED
    else:
        status = Problem.Status.OPEN
    if row["status"] != status:
        raise ValueError(
            f"problem {row['title']!r} says {row['status']!r} but its answers make it {status!r}"
        )
    return status

"""Demo content for the health signal (local trials only; what is created is marked 演示数据).

The programme's records are from 2021, so judged today every pair lags. To make the risk list
look like a working programme, 天津—河南 (the article's model pair) catches up through the
ordinary services: the demo coordinators mark its overdue tasks done and record a symposium held
last month, labelled 演示数据. Other pairs are left as they are — red or amber for the reasons the
records give. Then every pair is recomputed. Safe to run twice: the exchange is created once
and tasks already done are left alone.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from twinning.accounts.models import User
from twinning.core.errors import DomainError
from twinning.health.services import recompute
from twinning.pairings.models import Pairing
from twinning.plans.models import Task

DEMO_EXCHANGE_TITLE = "天津—河南生活垃圾分类工作座谈会（演示数据）"
TIANJIN_HENAN = ("120000", "410000")


@dataclass
class HealthDemoResult:
    tasks_done: int = 0
    exchanges_created: int = 0
    red: int = 0
    amber: int = 0
    green: int = 0


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def load_health_demo(today: dt.date | None = None) -> HealthDemoResult:
    """Bring 天津—河南 up to date (if the demo accounts exist), then recompute every pair."""
    result = HealthDemoResult()
    today = today or timezone.localdate()
    pairing = Pairing.objects.filter(
        leading_region_id=TIANJIN_HENAN[0], partner_region_id=TIANJIN_HENAN[1]
    ).first()
    tianjin, henan = _user("demo-tianjin"), _user("demo-henan")
    if pairing is not None and tianjin is not None and henan is not None:
        result.tasks_done = _finish_overdue_tasks(pairing, [tianjin, henan], today)
        result.exchanges_created = _hold_exchange(pairing, tianjin, today)
    for health in recompute(today=today):
        setattr(result, health.level, getattr(result, health.level) + 1)
    return result


def _finish_overdue_tasks(pairing: Pairing, people: list[User], today: dt.date) -> int:
    """Each overdue task of the working plan marked done by whichever side may track it."""
    from twinning.plans import tasks as task_services
    from twinning.plans.queries import working_plan_of

    plan = working_plan_of(pairing.pk)
    if plan is None:
        return 0
    done = 0
    overdue = Task.objects.filter(plan=plan, archived_at__isnull=True).overdue(today)
    for task in overdue.order_by("number"):
        for person in people:
            try:
                with transaction.atomic():
                    task_services.set_status(
                        actor=person,
                        task_id=task.pk,
                        status=Task.Status.DONE,
                        note="演示数据：已按期完成",
                    )
            except DomainError:
                continue  # not this side's task (or evidence is still missing): try the other
            done += 1
            break
    return done


def _hold_exchange(pairing: Pairing, actor: User, today: dt.date) -> int:
    from twinning.exchanges import services as exchange_services
    from twinning.exchanges.models import Direction, Exchange
    from twinning.plans.models import Method

    if Exchange.objects.filter(pairing=pairing, title=DEMO_EXCHANGE_TITLE).exists():
        return 0
    day = today - dt.timedelta(days=30)
    with transaction.atomic():
        exchange = exchange_services.create_exchange(
            actor=actor,
            pairing_id=pairing.pk,
            values={
                "kind": Method.SYMPOSIUM,
                "direction": Direction.LEADING_TO_PARTNER,
                "title": DEMO_EXCHANGE_TITLE,
                "start_date": day,
                "end_date": day,
                "place": "郑州市",
                "participant_count": 24,
                "status": Exchange.Status.HELD,
                "summary": "演示数据：双方交流了撤桶并点和厨余垃圾收运的做法。",
                "source": "演示数据",
            },
        )
    return 1 if exchange.pk else 0

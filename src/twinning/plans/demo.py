"""Demo content for work plans (local trials only; everything is marked as demo).

- 南开区—许昌市 gets a plan drafted by the 许昌 demo coordinator from the 八个一 template,
  submitted and signed for 许昌, waiting for 天津's coordinator (demo-tianjin) to sign and the
  Ministry (demo-ministry) to file it: the whole lifecycle can be tried in the browser.
- In 天津—河南's plan from the article, the demo coordinators own their side's tasks, so
  “我的任务” has something to show.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from twinning.accounts.models import User
from twinning.pairings.models import Pairing
from twinning.plans import services, tasks
from twinning.plans.models import Plan, PlanTemplate, Task

DEMO_SOURCE = "演示数据"


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


@transaction.atomic
def load_plan_demo() -> bool:
    """Create the demo plan content if it is missing; True when something was created."""
    xuchang, tianjin, henan = _user("demo-xuchang"), _user("demo-tianjin"), _user("demo-henan")
    pairing = Pairing.objects.filter(leading_region_id="120104", partner_region_id="411000").first()
    template = PlanTemplate.objects.filter(code="eight-ones", archived_at__isnull=True).first()
    if not (xuchang and tianjin and henan and pairing and template):
        return False
    if Plan.objects.filter(pairing=pairing).exists():
        return False
    today = timezone.localdate()
    plan = services.create_plan(
        actor=xuchang,
        pairing_id=pairing.pk,
        title="南开区与许昌市生活垃圾分类“1对1”交流协作工作方案（演示）",
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(year=today.year + 2, month=12, day=31),
        principles="对口帮扶、务求实效、因地制宜（演示）",
        methods=["send_to_learn", "invite_guidance", "online_consultation"],
        template_id=template.pk,
        source=DEMO_SOURCE,
    )
    services.add_goal(
        actor=xuchang,
        plan_id=plan.pk,
        values={
            "text": "示范片区居民生活垃圾分类知晓率达到 90% 以上（演示）",
            "indicator": "居民分类知晓率",
            "unit": "%",
            "target_value": 90,
            "due_date": plan.period_end,
        },
    )
    for number, task in enumerate(plan.tasks.order_by("number"), start=1):
        side = "partner" if number % 2 else "leading"
        tasks.update_task(
            actor=xuchang,
            task_id=task.pk,
            values={
                "side": side,
                "owner": xuchang if side == "partner" else None,
                "start_date": plan.period_start,
                "due_date": plan.period_start + dt.timedelta(days=90 * number),
                "evidence_required": number == 1,
            },
        )
    services.submit_plan(actor=xuchang, plan_id=plan.pk)
    services.sign_plan(actor=xuchang, plan_id=plan.pk)
    _assign_owners(tianjin, henan)
    return True


def _assign_owners(tianjin: User, henan: User) -> None:
    """Each side's demo coordinator owns that side's tasks in 天津—河南's plan."""
    plan = Plan.objects.filter(
        pairing__leading_region_id="120000",
        pairing__partner_region_id="410000",
        superseded_at__isnull=True,
    ).first()
    if plan is None:
        return
    for task in plan.tasks.filter(archived_at__isnull=True, owner__isnull=True):
        owner = tianjin if task.side == "leading" else henan
        tasks.update_task(actor=owner, task_id=task.pk, values={"owner": owner})
    first = plan.tasks.filter(status=Task.Status.NOT_STARTED).order_by("number").first()
    if first is not None:
        tasks.set_status(actor=henan, task_id=first.pk, status=Task.Status.IN_PROGRESS)

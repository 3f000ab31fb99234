"""Demo notices (local trials only; every title says 演示数据), one at each stage of the workflow,
dated relative to today and made through the services.

The programme's plans end on 2025-12-31, so a rectification plan made today has no plan in force
to join. The demo therefore gives 和平区—信阳市 (a sub-pair of 天津—河南 without a plan) a demo plan
from the 八个一 template, agreed by both demo coordinators, filed by the demo Ministry and put in
force, all through the plan services. Its notices then show the later stages: rectifying with
tasks, reported with evidence, closed. 天津—河南 gets one just issued, 南开区—许昌市 one
acknowledged. One more is issued to 和平区—信阳市 and then aged: its issue date and deadline are
moved back (there is no service for going back in time), and the daily job escalates it as it
would have.

Running it again changes nothing: it stops when a demo notice exists.
"""

import datetime as dt
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from twinning.accounts.models import User
from twinning.pairings.models import Pairing
from twinning.plans import services as plan_services
from twinning.plans.models import Plan, PlanTemplate
from twinning.supervision import services
from twinning.supervision.models import Notice
from twinning.supervision.reminders import remind_notices

DEMO_LABEL = "演示数据"
DEMO_PLAN_TITLE = "和平区与信阳市生活垃圾分类“1对1”交流协作工作方案（演示数据）"
EVIDENCE = (
    "演示数据：和平区—信阳市整改会议纪要。\n"
    "一、逾期任务已逐项落实；二、建立周调度机制；三、下月报送指标数据。\n"
).encode()


@dataclass(frozen=True)
class SupervisionDemoResult:
    created: int
    existing: int


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _pair(leading: str, partner: str) -> Pairing | None:
    return Pairing.objects.filter(leading_region_id=leading, partner_region_id=partner).first()


def _demo_plan(pairing: Pairing, tianjin: User, henan: User, ministry: User) -> Plan | None:
    """A demo plan in force for the pair (made once), or None without the template."""
    existing = Plan.objects.filter(pairing=pairing, title=DEMO_PLAN_TITLE).first()
    if existing is not None:
        return existing
    template = PlanTemplate.objects.filter(code="eight-ones", archived_at__isnull=True).first()
    if template is None:
        return None
    today = timezone.localdate()
    plan = plan_services.create_plan(
        actor=henan,
        pairing_id=pairing.pk,
        title=DEMO_PLAN_TITLE,
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(year=today.year + 2, month=12, day=31),
        methods=["invite_guidance", "send_to_learn"],
        template_id=template.pk,
        source=DEMO_LABEL,
    )
    plan_services.submit_plan(actor=henan, plan_id=plan.pk)
    plan_services.sign_plan(actor=henan, plan_id=plan.pk)
    plan_services.sign_plan(actor=tianjin, plan_id=plan.pk)
    plan_services.file_plan(actor=ministry, plan_id=plan.pk)
    return plan_services.put_in_force(actor=tianjin, plan_id=plan.pk)


def _issue(ministry: User, pairing: Pairing, title: str, days: int, **extra: object) -> Notice:
    today = timezone.localdate()
    values: dict[str, object] = {
        "number": services.suggest_number(today),
        "title": f"{title}（{DEMO_LABEL}）",
        "reasons": "1. 多项任务逾期未完成\n2. 超过 90 天没有举办交流活动",
        "required_actions": (
            "一、30 日内完成逾期任务并报送佐证；二、制定整改方案，明确责任人和完成时限；"
            "三、一个月内组织一次线上会诊。"
        ),
        "deadline": today + dt.timedelta(days=days),
        "guidance": "none",
        **extra,
    }
    return services.issue_notice(actor=ministry, pairing_id=pairing.pk, values=values)


def _tasks(count: int) -> list[dict[str, object]]:
    due = timezone.localdate() + dt.timedelta(days=21)
    titles = ["召开整改专题会，逐项落实逾期任务", "补报逾期指标数据", "组织一次线上会诊"]
    return [{"title": f"{t}（演示）", "due_date": due, "side": "partner"} for t in titles[:count]]


@transaction.atomic
def load_supervision_demo() -> SupervisionDemoResult:
    """Create the demo notices if there are none yet."""
    existing = Notice.objects.filter(title__contains=DEMO_LABEL).count()
    if existing:
        return SupervisionDemoResult(created=0, existing=existing)
    ministry, tianjin, henan, xuchang = (
        _user("demo-ministry"),
        _user("demo-tianjin"),
        _user("demo-henan"),
        _user("demo-xuchang"),
    )
    tianjin_henan, nankai_xuchang, heping_xinyang = (
        _pair("120000", "410000"),
        _pair("120104", "411000"),
        _pair("120101", "411500"),
    )
    if not (ministry and tianjin and henan and xuchang):
        return SupervisionDemoResult(created=0, existing=0)
    if not (tianjin_henan and nankai_xuchang and heping_xinyang):
        return SupervisionDemoResult(created=0, existing=0)
    plan = _demo_plan(heping_xinyang, tianjin, henan, ministry)
    created = [
        _issue(ministry, tianjin_henan, "关于督促加快推进任务落实的通知", 20),
        _issue(
            ministry,
            nankai_xuchang,
            "关于督促开展区市结对交流活动的通知",
            10,
            guidance="meeting",
            guidance_date=timezone.localdate() + dt.timedelta(days=7),
            guidance_note="线上专题指导会，请双方分管负责同志参加。",
        ),
    ]
    services.acknowledge(actor=xuchang, notice_id=created[1].pk, note="已收到，正在研究整改措施。")
    if plan is not None:
        stages = ["rectifying", "reported", "closed"]
        for number, stage in enumerate(stages, start=1):
            notice = _issue(ministry, heping_xinyang, f"关于督促整改逾期事项的通知（{number}）", 30)
            services.acknowledge(actor=henan, notice_id=notice.pk)
            services.submit_rectification(
                actor=henan, notice_id=notice.pk, text="成立整改专班，三周内完成。", tasks=_tasks(2)
            )
            if stage in ("reported", "closed"):
                services.report_progress(
                    actor=henan,
                    notice_id=notice.pk,
                    text="整改任务已完成，附会议纪要。",
                    files=[services.Upload(io.BytesIO(EVIDENCE), "整改会议纪要（演示）.txt")],
                )
            if stage == "closed":
                services.verify_and_close(actor=ministry, notice_id=notice.pk, note="整改到位。")
            created.append(notice)
    late = _issue(ministry, heping_xinyang, "关于督促报送指标数据的通知", 15)
    # Aged for the demo: issued 40 days ago with a deadline 10 days ago.
    today = timezone.localdate()
    Notice.objects.filter(pk=late.pk).update(
        issued_at=timezone.now() - dt.timedelta(days=40), deadline=today - dt.timedelta(days=10)
    )
    remind_notices(today)
    created.append(late)
    return SupervisionDemoResult(created=len(created), existing=0)

"""The good results a model case may be proposed from (推荐为典型案例), read for one actor.

A source is a closed notice (its rectification and results), a target met before its due date
(indicator, value, date) or a pair's score in a published evaluation round (its top dimension
and the comments). `source_of` finds it through what the actor may see (NotFound otherwise),
refuses what is not (yet) a good result (Invalid) and says what to prefill the case with;
`knowledge.services.propose_case` writes the case.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.accounts.models import Role
from twinning.core.errors import NotFound
from twinning.core.permissions import covers, is_ministry
from twinning.core.validation import invalid
from twinning.indicators import calc
from twinning.indicators import queries as indicator_queries
from twinning.knowledge.models import CaseOrigin
from twinning.pairings.models import Pairing
from twinning.regions.models import Region

ORIGINS = tuple(CaseOrigin.values)


@dataclass
class Source:
    """A good result and what a case proposed from it starts with."""

    kind: str
    id: int
    label: str
    url: str
    pairing: Pairing | None
    # The regions concerned: a coordinator of one of them (or the Ministry) may propose.
    regions: list[Region]
    prefill: dict[str, Any]
    # (label, value) rows the proposal page shows about the source.
    facts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(CaseOrigin(self.kind).label)


def may_propose(actor: Any, source: Source) -> bool:
    """The Ministry, or a coordinator whose region is (or contains) a region concerned."""
    if is_ministry(actor):
        return True
    if str(getattr(actor, "role", "")) != Role.COORDINATOR:
        return False
    return any(covers(actor, region) for region in source.regions)


def default_region(actor: Any, source: Source) -> Region:
    """The case's region: the actor's side where the actor is on one, else the last region
    concerned (a pair's partner side, whose progress the result mostly is)."""
    for region in source.regions:
        if not is_ministry(actor) and covers(actor, region):
            return region
    return source.regions[-1]


def source_of(actor: Any, kind: str, origin_id: Any, *, today: dt.date | None = None) -> Source:
    """The source `kind`/`origin_id` as `actor` may see it."""
    readers: dict[str, Callable[[Any, int], Source]] = {
        CaseOrigin.NOTICE: _notice_source,
        CaseOrigin.TARGET: _target_source,
        CaseOrigin.EVALUATION: _evaluation_source,
    }
    reader = readers.get(str(kind or ""))
    if reader is None:
        raise invalid(
            "origin_kind",
            _(
                "未知的案例来源：%(kind)s。可选：notice（督办）、target（目标）、evaluation（评估）。"
            )
            % {"kind": kind},
            "unknown_origin",
        )
    try:
        number = int(origin_id)
    except (TypeError, ValueError) as exc:
        raise invalid("origin_id", _("来源记录编号无效。"), "invalid_origin_id") from exc
    return reader(actor, number)


def _pair_name(pairing: Pairing) -> str:
    return f"{pairing.leading_region.name}—{pairing.partner_region.name}"


# ---------------------------------------------------------------- a target met early


def _target_source(actor: Any, target_id: int) -> Source:
    from twinning.dashboards.progress import target_rows

    target = indicator_queries.target_for(actor, target_id)
    if target.is_archived:
        raise NotFound(_("目标不存在，或您无权查看。"))
    row = target_rows(indicator_queries.targets(actor).filter(pk=target.pk))[0]
    if row.achieved_on is None:
        raise invalid(
            "origin_id",
            _("该目标尚未在完成时限前达成，不能据此推荐典型案例。"),
            "target_not_achieved",
        )
    indicator = target.indicator
    value = calc.with_unit(calc.format_number(row.achieved_value, 1), indicator.unit)
    goal = calc.with_unit(calc.format_number(target.target_value, 1), indicator.unit)
    region = target.region
    label = _("%(region)s%(indicator)s目标（%(goal)s，%(due)s）") % {
        "region": region.name,
        "indicator": indicator.name,
        "goal": goal,
        "due": target.due_date.isoformat(),
    }
    achieved = _("%(date)s 达到 %(value)s，早于完成时限 %(due)s") % {
        "date": row.achieved_on.isoformat(),
        "value": value,
        "due": target.due_date.isoformat(),
    }
    return Source(
        kind=CaseOrigin.TARGET,
        id=target.pk,
        label=label,
        url=reverse("indicators:region", args=[region.code]),
        pairing=target.goal.plan.pairing if target.goal is not None else None,
        regions=[region],
        prefill={
            "title": _("%(region)s提前实现%(indicator)s目标的做法")
            % {"region": region.name, "indicator": indicator.name},
            "problem": _("%(indicator)s：基准值 %(baseline)s（%(date)s），目标 %(goal)s。")
            % {
                "indicator": indicator.name,
                "baseline": calc.with_unit(
                    calc.format_number(target.baseline_value, 1), indicator.unit
                ),
                "date": target.baseline_date.isoformat(),
                "goal": goal,
            },
            "approach": "",
            "results": f"{indicator.name}{achieved}。",
            "figures": f"{indicator.name}：{value}（{row.achieved_on.isoformat()}）",
        },
        facts=[
            (_("指标"), indicator.name),
            (_("地区"), region.name),
            (_("目标值"), goal),
            (_("完成时限"), target.due_date.isoformat()),
            (_("达标情况"), achieved),
        ],
    )


# ---------------------------------------------------------------- a closed notice


def _steps_text(steps: list[Any], kinds: set[str]) -> str:
    return "\n".join(
        f"{timezone.localdate(step.at).isoformat()} {step.get_kind_display()}：{step.text_display}"
        for step in steps
        if step.kind in kinds and step.text_display
    )


def _notice_source(actor: Any, notice_id: int) -> Source:
    from twinning.supervision import queries as notice_queries
    from twinning.supervision.models import Notice, NoticeStep

    notice = notice_queries.notice_for(actor, notice_id)
    if notice.is_archived or notice.status != Notice.Status.CLOSED:
        raise invalid(
            "origin_id",
            _("督办通知尚未办结，不能据此推荐典型案例。"),
            "notice_not_closed",
        )
    pairing = notice.pairing
    steps = list(notice.steps.prefetch_related("tasks").order_by("at", "id"))
    Kind = NoticeStep.Kind
    tasks = [
        f"{task.number}. {task.title}"
        for step in steps
        if step.kind == Kind.PLAN_SUBMITTED
        for task in step.tasks.all()
    ]
    plan = _steps_text(steps, {Kind.PLAN_SUBMITTED})
    approach = "\n".join(filter(None, [plan, "\n".join(tasks)]))
    results = _steps_text(steps, {Kind.PROGRESS_REPORTED, Kind.VERIFIED_CLOSED})
    closed = timezone.localdate(notice.closed_at).isoformat() if notice.closed_at else "—"
    return Source(
        kind=CaseOrigin.NOTICE,
        id=notice.pk,
        label=f"{notice.number} {notice.title}",
        url=reverse("supervision:detail", args=[notice.pk]),
        pairing=pairing,
        regions=[pairing.leading_region, pairing.partner_region],
        prefill={
            "title": _("%(pair)s落实督办整改的做法与成效") % {"pair": _pair_name(pairing)},
            "problem": notice.reasons,
            "approach": approach or notice.required_actions,
            "results": results,
            "figures": "",
        },
        facts=[
            (_("文号"), notice.number),
            (_("标题"), notice.title),
            (_("结对"), _pair_name(pairing)),
            (_("整改要求"), notice.required_actions),
            (_("整改期限"), notice.deadline.isoformat()),
            (_("办结时间"), closed),
        ],
    )


# ---------------------------------------------------------------- a top evaluation score


def _evaluation_source(actor: Any, assessment_id: int) -> Source:
    from twinning.evaluation import queries as evaluation_queries

    assessment = evaluation_queries.assessment_for(actor, assessment_id)
    evaluation_round = assessment.round
    if not evaluation_round.is_published or evaluation_round.is_archived:
        raise invalid(
            "origin_id",
            _("该轮评估结果尚未发布，不能据此推荐典型案例。"),
            "evaluation_not_published",
        )
    if assessment.ministry_total is None:
        raise invalid("origin_id", _("该评估表尚未评分。"), "evaluation_not_scored")
    items = evaluation_queries.items_of(assessment)
    scored = [i for i in items if i.ministry_score is not None]
    top = max(scored, key=lambda i: (i.ministry_score or 0) / i.dimension.max_points, default=None)
    region = assessment.region
    pairing = assessment.pairing
    score = calc.format_number(assessment.ministry_total, 1)
    approach = "\n".join(
        f"{i.dimension.name}：{i.self_evidence}" for i in items if i.self_evidence.strip()
    )
    comments = "\n".join(
        f"{i.dimension.name}（{calc.format_number(i.ministry_score or 0, 1)}"
        f"/{i.dimension.max_points}）：{i.ministry_comment}"
        for i in scored
        if i.ministry_comment.strip()
    )
    top_text = (
        _("得分最高的维度：%(name)s %(score)s/%(max)s")
        % {
            "name": top.dimension.name,
            "score": calc.format_number(top.ministry_score or 0, 1),
            "max": top.dimension.max_points,
        }
        if top is not None
        else ""
    )
    return Source(
        kind=CaseOrigin.EVALUATION,
        id=assessment.pk,
        label=_("%(round)s · %(region)s（%(score)s 分）")
        % {"round": evaluation_round.name, "region": region.name, "score": score},
        url=reverse("evaluation:assessment", args=[assessment.pk]),
        pairing=pairing,
        regions=[region],
        prefill={
            "title": _("%(region)s在%(round)s中的经验做法")
            % {"region": region.name, "round": evaluation_round.name},
            "problem": _("%(pair)s结对协作（评估期 %(start)s 至 %(end)s）。")
            % {
                "pair": _pair_name(pairing),
                "start": evaluation_round.period_start.isoformat(),
                "end": evaluation_round.period_end.isoformat(),
            },
            "approach": approach,
            "results": "\n".join(filter(None, [top_text, comments])),
            "figures": _("评定得分 %(score)s 分") % {"score": score},
        },
        facts=[
            (_("评估轮次"), evaluation_round.name),
            (_("结对"), _pair_name(pairing)),
            (_("评估方"), f"{assessment.get_side_display()} · {region.name}"),
            (_("评定得分"), score),
            (_("最高维度"), top_text or "—"),
        ],
    )

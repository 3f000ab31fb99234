"""API of the dashboards (工作台): the same numbers as the pages, read through the same queries.

Outside your scope a pair answers 404; the national dashboard is the Ministry's (403 for
others)."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from twinning.consultations.models import Problem
from twinning.core.permissions import is_ministry, require
from twinning.dashboards import queries
from twinning.dashboards.schemas import (
    CandidateOut,
    MeOut,
    MinistryOut,
    PairOut,
    Row,
)
from twinning.health.models import Level
from twinning.pairings.models import Pairing
from twinning.plans.models import Method as ExchangeKind
from twinning.plans.models import Plan

router = Router(tags=["dashboard"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _pair(pairing: Pairing) -> Row:
    return {
        "id": pairing.pk,
        "name": f"{pairing.leading_region.name}—{pairing.partner_region.name}",
    }


def _counts(choices: Any, counts: dict[str, int]) -> list[Row]:
    return [
        {"code": c.value, "label": str(c.label), "count": counts.get(c.value, 0)} for c in choices
    ]


def candidate_row(actor: Any, candidate: queries.Candidate) -> Row:
    return {
        "kind": candidate.kind,
        "kind_label": candidate.kind_label,
        "id": candidate.id,
        "title": candidate.title,
        "detail": candidate.detail,
        "pairing": _pair(candidate.pairing) if candidate.pairing is not None else None,
        "date": candidate.date,
        "url": candidate.url,
        "propose_url": candidate.propose_url,
        "proposed_case_id": candidate.case.pk if candidate.case is not None else None,
        "can_propose": queries.may_propose(actor, candidate),
    }


def _notice(notice: Any, today: Any) -> Row:
    return {
        "id": notice.pk,
        "number": notice.number,
        "title": notice.title,
        "status": notice.status,
        "deadline": notice.deadline,
        "overdue": notice.is_overdue_on(today),
        "pairing": _pair(notice.pairing),
    }


@router.get(
    "/dashboard/ministry",
    response=MinistryOut,
    summary="The national dashboard (the Ministry)",
)
def ministry(request: HttpRequest) -> Row:
    actor = _actor(request)
    require(is_ministry(actor), _("全国工作台仅供住房和城乡建设部使用。"))
    d = queries.ministry_dashboard(actor)
    c = d.completeness
    return {
        "today": d.today,
        "pairs_total": d.overview.total,
        "pairs_by_status": _counts(Pairing.Status, d.overview.by_status),
        "pairs_by_health": _counts(Level, d.health_counts),
        "exchanges_total": d.exchanges_total,
        "exchanges_this_year": d.exchanges_this_year,
        "problems_by_status": _counts(Problem.Status, d.problems),
        "problems_open": d.problems_open,
        "problems_solved": d.problems_solved,
        "problems_overdue": d.problems_overdue,
        "plans_by_status": _counts(Plan.Status, d.plans),
        "plans_filed": d.plans_filed,
        "completeness": {
            "period": c.period.code,
            "expected": c.counts["expected"],
            "on_time": c.counts["on_time"],
            "late": c.counts["late"],
            "missing": c.counts["missing"],
            "submitted_share": c.submitted_share,
        },
        "notices": d.notices,
        "risk": [
            {
                "pairing": _pair(h.pairing),
                "level": h.level,
                "score": h.score,
                "reasons": h.reason_texts,
            }
            for h in d.risk
        ],
        "exchanges_chart": d.exchanges_chart,
        "indicator_progress": [
            {
                "indicator": p.code,
                "name": p.name,
                "statuses": [{"code": v, "label": label, "count": n} for v, label, n in p.cells],
            }
            for p in d.indicator_progress
        ],
        "ranking": {
            "round_id": d.ranking.round.pk,
            "round_name": d.ranking.round.name,
            "rows": [
                {
                    "rank": r.rank,
                    "previous_rank": r.previous_rank,
                    "pairing": _pair(r.pairing),
                    "score": r.score,
                }
                for r in d.ranking.rows
            ],
        }
        if d.ranking is not None
        else None,
        "candidates": [candidate_row(actor, c) for c in d.candidates],
        "map_lines": [
            {**line, "coords": [list(point) for point in line["coords"]]}
            for line in d.overview.map_lines
        ],
    }


@router.get(
    "/dashboard/pairs/{pairing_id}",
    response=PairOut,
    summary="One pair's dashboard (404 outside your scope)",
)
def pair(request: HttpRequest, pairing_id: int) -> Row:
    d = queries.pair_dashboard(_actor(request), pairing_id)
    overview = d.plan_overview
    kinds = dict(ExchangeKind.choices)
    return {
        "pairing": _pair(d.pairing),
        "health": {
            "level": d.health.level,
            "score": d.health.score,
            "reasons": d.health.reason_texts,
            "computed_at": d.health.computed_at,
        }
        if d.health is not None
        else None,
        "plan": {
            "id": d.plan.pk,
            "title": d.plan.title,
            "status": d.plan.status,
            "progress": overview.overall.progress,
            "tasks_total": overview.task_count,
            "tasks_done": overview.overall.done,
            "tasks_overdue": overview.overdue_count,
            "tasks_by_status": [
                {"code": v, "label": label, "count": n} for v, label, n in d.task_status_rows
            ],
        }
        if d.plan is not None and overview is not None
        else None,
        "exchanges_total": d.exchanges_total,
        "exchanges_by_kind": [
            {"code": k, "label": str(kinds.get(k, k)), "count": n}
            for k, _l, n in d.exchanges_by_kind
        ],
        "latest_exchanges": [
            {"id": e.pk, "title": e.title, "kind": e.kind, "start_date": e.start_date}
            for e in d.latest_exchanges
        ],
        "problems_by_status": _counts(Problem.Status, d.problems),
        "problems_overdue": d.problems_overdue,
        "targets": [
            {
                "id": r.target.pk,
                "indicator": r.target.indicator.code,
                "region": r.target.region_id,
                "target_value": r.target.target_value,
                "due_date": r.target.due_date,
                "status": r.status,
                "status_label": r.status_label,
                "achieved_on": r.achieved_on,
            }
            for r in d.targets
        ],
        "notices": [_notice(n, d.today) for n in d.notices],
        "scores": [
            {
                "round_id": s.round.pk,
                "round_name": s.round.name,
                "leading": s.leading,
                "partner": s.partner,
                "pair": s.pair,
            }
            for s in d.scores
        ],
    }


@router.get("/dashboard/me", response=MeOut, summary="Your own work (我的工作台)")
def me(request: HttpRequest) -> Row:
    d = queries.my_dashboard(_actor(request))
    return {
        "today": d.today,
        "tasks_total": d.tasks_total,
        "tasks_overdue": d.tasks_overdue,
        "tasks": [
            {
                "id": t.pk,
                "title": t.title,
                "status": t.status,
                "due_date": t.due_date,
                "overdue": t.due_date is not None and t.due_date < d.today,
                "pairing": _pair(t.plan.pairing),
            }
            for t in d.tasks
        ],
        "problems": [
            {
                "id": p.pk,
                "title": p.title,
                "status": p.status,
                "response_due": p.response_due,
                "pairing": _pair(p.pairing),
            }
            for p in d.problems
        ],
        "reports": [
            {
                "region": r.region.code,
                "region_name": r.region.name,
                "period": r.period_code,
                "deadline": r.deadline,
                "overdue": r.overdue,
            }
            for r in d.reports
        ],
        "notices": [_notice(n, d.today) for n in d.notices],
        "pairs": [{"pairing": _pair(p), "health": level} for p, level in d.pairs],
    }


@router.get(
    "/dashboard/promotion-candidates",
    response=list[CandidateOut],
    summary="Good results that may be proposed as model cases",
)
def promotion_candidates(request: HttpRequest) -> list[Row]:
    """Closed notices, targets met before their due date and the latest published round's top
    scores, among what you may see; `can_propose` says whether you may propose from it."""
    actor = _actor(request)
    return [candidate_row(actor, c) for c in queries.promotion_candidates(actor)]

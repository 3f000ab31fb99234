"""API shapes of the dashboards: the numbers the pages show, as JSON."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field


class PairBrief(Schema):
    id: int
    name: str


class CountOut(Schema):
    code: str
    label: str
    count: int


class CandidateOut(Schema):
    kind: str = Field(description="notice, target or evaluation")
    kind_label: str
    id: int = Field(description="The notice's, target's or assessment's id (`origin_id`).")
    title: str
    detail: str
    pairing: PairBrief | None
    date: dt.date | None
    url: str = Field(description="The source's page.")
    propose_url: str = Field(description="The page proposing a case from it.")
    proposed_case_id: int | None = Field(description="The live case already proposed from it.")
    can_propose: bool


class RiskOut(Schema):
    pairing: PairBrief
    level: str
    score: int
    reasons: list[str]


class RankOut(Schema):
    rank: int
    previous_rank: int | None
    pairing: PairBrief
    score: Decimal


class RankingOut(Schema):
    round_id: int
    round_name: str
    rows: list[RankOut]


class IndicatorProgressOut(Schema):
    indicator: str
    name: str
    statuses: list[CountOut] = Field(description="Current targets counted by progress status.")


class CompletenessOut(Schema):
    period: str
    expected: int
    on_time: int
    late: int
    missing: int
    submitted_share: float | None


class ExchangeSeriesOut(Schema):
    kind: str
    name: str
    data: list[int]


class ExchangesChartOut(Schema):
    months: list[str] = Field(description="YYYY-MM, from the first month with an exchange.")
    series: list[ExchangeSeriesOut]


class MapLineOut(Schema):
    id: int
    name: str
    status: str
    sub: bool
    health: str | None = Field(description="green, amber or red; null when not computed yet.")
    coords: list[list[float]]


class MinistryOut(Schema):
    today: dt.date
    pairs_total: int
    pairs_by_status: list[CountOut]
    pairs_by_health: list[CountOut]
    exchanges_total: int
    exchanges_this_year: int
    problems_by_status: list[CountOut]
    problems_open: int
    problems_solved: int
    problems_overdue: int
    plans_by_status: list[CountOut]
    plans_filed: int
    completeness: CompletenessOut
    notices: dict[str, int] = Field(description="open, overdue, escalated")
    risk: list[RiskOut]
    exchanges_chart: ExchangesChartOut
    indicator_progress: list[IndicatorProgressOut]
    ranking: RankingOut | None
    candidates: list[CandidateOut]
    map_lines: list[MapLineOut]


class TaskBrief(Schema):
    id: int
    title: str
    status: str
    due_date: dt.date | None
    overdue: bool
    pairing: PairBrief


class ProblemBrief(Schema):
    id: int
    title: str
    status: str
    response_due: dt.datetime
    pairing: PairBrief


class NoticeBrief(Schema):
    id: int
    number: str
    title: str
    status: str
    deadline: dt.date
    overdue: bool
    pairing: PairBrief


class ExchangeBrief(Schema):
    id: int
    title: str
    kind: str
    start_date: dt.date


class TargetOut(Schema):
    id: int
    indicator: str
    region: str
    target_value: Decimal
    due_date: dt.date
    status: str
    status_label: str
    achieved_on: dt.date | None


class ScoreOut(Schema):
    round_id: int
    round_name: str
    leading: Decimal | None
    partner: Decimal | None
    pair: Decimal | None


class PlanProgressOut(Schema):
    id: int
    title: str
    status: str
    progress: int
    tasks_total: int
    tasks_done: int
    tasks_overdue: int
    tasks_by_status: list[CountOut]


class HealthOut(Schema):
    level: str
    score: int
    reasons: list[str]
    computed_at: dt.datetime


class PairOut(Schema):
    pairing: PairBrief
    health: HealthOut | None
    plan: PlanProgressOut | None
    exchanges_total: int
    exchanges_by_kind: list[CountOut]
    latest_exchanges: list[ExchangeBrief]
    problems_by_status: list[CountOut]
    problems_overdue: int
    targets: list[TargetOut]
    notices: list[NoticeBrief]
    scores: list[ScoreOut] = Field(description="Published rounds only.")


class ReportDueOut(Schema):
    region: str
    region_name: str
    period: str
    deadline: dt.date
    overdue: bool


class MyPairOut(Schema):
    pairing: PairBrief
    health: str | None


class MeOut(Schema):
    today: dt.date
    tasks_total: int
    tasks_overdue: int
    tasks: list[TaskBrief]
    problems: list[ProblemBrief]
    reports: list[ReportDueOut]
    notices: list[NoticeBrief]
    pairs: list[MyPairOut]


Row = dict[str, Any]

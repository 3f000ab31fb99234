"""The health rules one by one, on plain facts (no database): each reason alone, at its edges."""

import datetime as dt

import pytest

from twinning.health import engine
from twinning.health.engine import PairFacts, ReportFact, TargetFact
from twinning.health.thresholds import Thresholds

TODAY = dt.date(2021, 12, 1)
LIMITS = Thresholds()


def facts(**values: object) -> PairFacts:
    """A pair started 10 days ago with a filed plan and an exchange yesterday: no reasons."""
    base: dict[str, object] = {
        "pairing_id": 7,
        "started_on": TODAY - dt.timedelta(days=10),
        "partner_code": "410000",
        "plan_id": 3,
        "plan_status": "in_force",
        "last_exchange": TODAY - dt.timedelta(days=1),
    }
    base.update(values)
    return PairFacts(**base)  # type: ignore[arg-type]


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def only_reason(pair: PairFacts) -> dict[str, object]:
    judgement = engine.judge(pair, TODAY, LIMITS)
    assert len(judgement.reasons) == 1, judgement.reasons
    return judgement.reasons[0]


def test_a_pair_without_reasons_is_green_with_score_zero() -> None:
    judgement = engine.judge(facts(), TODAY, LIMITS)
    assert (judgement.level, judgement.score, judgement.reasons) == ("green", 0, [])


@pytest.mark.parametrize(
    ("overdue_days", "count", "severity"),
    [([1], 1, "amber"), ([60], 1, "amber"), ([61], 1, "red"), ([5, 5, 5, 5], 4, "amber")],
)
def test_overdue_tasks(overdue_days: list[int], count: int, severity: str) -> None:
    reason = only_reason(facts(overdue_due_dates=[days_ago(d) for d in overdue_days]))
    assert (reason["code"], reason["severity"], reason["count"]) == (
        "overdue_tasks",
        severity,
        count,
    )
    assert reason["url"] == "/plans/3/?overdue=1"
    assert engine.reason_text(reason) == f"{count} 项任务已逾期，最长逾期 {max(overdue_days)} 天"


def test_five_overdue_tasks_are_red_even_when_recent() -> None:
    reason = only_reason(facts(overdue_due_dates=[days_ago(1)] * 5))
    assert reason["severity"] == "red"


@pytest.mark.parametrize(
    ("days", "severity"), [(90, None), (91, "amber"), (180, "amber"), (181, "red")]
)
def test_silence_since_the_last_held_exchange(days: int, severity: str | None) -> None:
    pair = facts(last_exchange=days_ago(days), started_on=days_ago(400))
    judgement = engine.judge(pair, TODAY, LIMITS)
    if severity is None:
        assert judgement.reasons == []
        return
    (reason,) = judgement.reasons
    assert (reason["code"], reason["severity"]) == ("silence", severity)
    assert reason["url"] == "/exchanges/?pairing=7"
    assert engine.reason_text(reason) == f"已 {days} 天没有举办交流活动（上次 {days_ago(days)}）"


def test_silence_counts_from_the_start_when_there_was_no_exchange() -> None:
    pair = facts(last_exchange=None, started_on=days_ago(91))
    reason = only_reason(pair)
    assert engine.reason_text(reason) == "结对 91 天以来没有举办过交流活动"
    assert reason["severity"] == "amber"


def missing(n: int) -> list[ReportFact]:
    return [ReportFact("410000", "河南省", f"2021-{m:02d}", "missing") for m in range(1, n + 1)]


@pytest.mark.parametrize(("n", "severity"), [(1, "amber"), (2, "red"), (5, "red")])
def test_missing_reports(n: int, severity: str) -> None:
    reason = only_reason(facts(reports=missing(n)))
    assert (reason["code"], reason["severity"], reason["count"]) == ("missing_reports", severity, n)
    assert reason["url"] == "/indicators/regions/410000/2021-01/"
    text = engine.reason_text(reason)
    assert text.startswith(f"{n} 份指标报表逾期未报送（河南省 2021-01")
    assert text.endswith("等）") == (n > 3)


def test_late_reports_are_amber() -> None:
    late = [ReportFact("120000", "天津市", "2021Q3", "late")]
    reason = only_reason(facts(reports=late))
    assert (reason["code"], reason["severity"]) == ("late_reports", "amber")
    assert engine.reason_text(reason) == "近期有 1 份指标报表逾期报送（天津市 2021Q3）"


def test_targets_amber_and_red() -> None:
    amber = only_reason(facts(targets=[TargetFact(1, "回收利用率", "amber")]))
    assert (amber["code"], amber["severity"]) == ("targets", "amber")
    assert amber["url"] == "/indicators/regions/410000/"
    assert "回收利用率" in engine.reason_text(amber)
    red = only_reason(
        facts(targets=[TargetFact(1, "回收利用率", "amber"), TargetFact(2, "覆盖率", "red")])
    )
    assert red["severity"] == "red"
    assert "其中 1 项即使按乐观估计也不能按期达标" in engine.reason_text(red)


@pytest.mark.parametrize(("days", "severity"), [(1, "amber"), (14, "amber"), (15, "red")])
def test_unanswered_problems(days: int, severity: str) -> None:
    reason = only_reason(facts(problem_due_dates=[days_ago(days), days_ago(1)]))
    assert (reason["code"], reason["severity"], reason["count"]) == (
        "unanswered_problems",
        severity,
        2,
    )
    assert reason["url"] == "/consultations/?pairing=7&overdue=1"


@pytest.mark.parametrize(("days", "code"), [(30, None), (31, "no_plan")])
def test_no_plan(days: int, code: str | None) -> None:
    pair = facts(plan_id=None, plan_status="", started_on=days_ago(days), last_exchange=days_ago(1))
    reasons = engine.judge(pair, TODAY, LIMITS).reasons
    assert [r["code"] for r in reasons] == ([code] if code else [])
    if code:
        assert reasons[0]["severity"] == "red"
        assert engine.reason_text(reasons[0]) == f"结对已 {days} 天，仍未制定工作方案"


@pytest.mark.parametrize(
    ("days", "status", "fires"),
    [(60, "draft", False), (61, "draft", True), (61, "agreed", True), (61, "filed", False)],
)
def test_plan_not_filed(days: int, status: str, fires: bool) -> None:
    pair = facts(plan_status=status, started_on=days_ago(days))
    reasons = engine.judge(pair, TODAY, LIMITS).reasons
    assert [r["code"] for r in reasons] == (["plan_not_filed"] if fires else [])
    if fires:
        assert reasons[0]["severity"] == "amber"
        assert "工作方案仍未备案生效" in engine.reason_text(reasons[0])


def test_level_is_the_worst_reason_and_red_outweighs_any_amber() -> None:
    ambers = facts(
        overdue_due_dates=[days_ago(2)] * 4,
        reports=[ReportFact("120000", "天津市", "2021Q3", "late")],
        problem_due_dates=[days_ago(2)],
    )
    one_red = facts(reports=missing(2))
    many = engine.judge(ambers, TODAY, LIMITS)
    red = engine.judge(one_red, TODAY, LIMITS)
    assert many.level == "amber" and red.level == "red"
    assert red.score > many.score
    both = engine.judge(facts(overdue_due_dates=[days_ago(2)], reports=missing(2)), TODAY, LIMITS)
    assert [r["severity"] for r in both.reasons] == ["red", "amber"]  # worst first


def test_thresholds_come_from_settings(settings: object) -> None:
    from twinning.health.thresholds import current

    settings.TWINNING_HEALTH_SILENCE_DAYS_AMBER = 30  # type: ignore[attr-defined]
    assert current().silence_days_amber == 30
    assert current().silence_days_red == 180


def test_reason_text_translates_into_english() -> None:
    from django.utils import translation

    reason = only_reason(facts(plan_status="draft", started_on=days_ago(61)))
    with translation.override("en"):
        text = engine.reason_text(reason)
    assert "61" in text


def test_short_labels_name_each_rule_in_a_few_words() -> None:
    overdue = only_reason(facts(overdue_due_dates=[TODAY - dt.timedelta(days=3)] * 2))
    assert engine.reason_short(overdue) == "任务逾期 2 项"
    silent = only_reason(facts(last_exchange=TODAY - dt.timedelta(days=95)))
    assert engine.reason_short(silent) == "95 天未交流"
    unknown = {"code": "new_rule", "message": "新的原因", "params": {}, "count": 1}
    assert engine.reason_short(unknown) == "新的原因"

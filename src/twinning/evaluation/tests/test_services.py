"""Phase evaluation end to end through the services, and each refused input with the data
exactly as before."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from twinning.accounts.models import User
from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.evaluation import queries, services
from twinning.evaluation.models import (
    Appeal,
    Assessment,
    AssessmentItem,
    EvaluationRound,
    EvidenceFile,
    Rubric,
)
from twinning.evaluation.programme import DEFAULT_DIMENSIONS, DEFAULT_RUBRIC_NAME, load_evaluation
from twinning.evaluation.tests.conftest import CODES, full_marks, scores
from twinning.notifications.models import Notification
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db

Status = EvaluationRound.Status


def item_values(assessment: Assessment) -> list[tuple[object, ...]]:
    return list(
        AssessmentItem.objects.filter(assessment=assessment)
        .order_by("pk")
        .values_list("self_score", "self_evidence", "peer_comment", "ministry_score")
    )


def snapshot(assessment: Assessment) -> tuple[object, ...]:
    fresh = Assessment.objects.get(pk=assessment.pk)
    return (
        fresh.status,
        fresh.self_total,
        fresh.ministry_total,
        fresh.lock_version,
        item_values(fresh),
        AuditEntry.objects.count(),
    )


# ---------------------------------------------------------------- rubrics


def test_default_rubric_is_active_with_five_equal_dimensions(rubric: Rubric) -> None:
    assert rubric.name == DEFAULT_RUBRIC_NAME
    assert rubric.status == Rubric.Status.ACTIVE
    rows = list(rubric.dimensions.values_list("name", "weight", "max_points"))
    assert [r[0] for r in rows] == ["组织机制", "工作方案", "交流活动", "目标完成", "工作成效"]
    assert sum(r[1] for r in rows) == 100
    assert all(d["evidence_required"] for d in DEFAULT_DIMENSIONS)
    # Loading again changes nothing.
    assert load_evaluation().rubric_created is False
    assert Rubric.objects.filter(name=DEFAULT_RUBRIC_NAME).count() == 1


def dims(*weights: object) -> list[dict[str, object]]:
    return [
        {"code": f"d{i}", "name": f"维度{i}", "weight": w, "max_points": 10}
        for i, w in enumerate(weights, 1)
    ]


def test_rubric_weights_must_sum_to_100(supervisor: User) -> None:
    with pytest.raises(Invalid) as caught:
        services.create_rubric(actor=supervisor, name="新细则", dimensions=dims(50, 40))
    assert caught.value.code == "weights_not_100"
    assert "90" in caught.value.message
    assert not Rubric.objects.filter(name="新细则").exists()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"code": "", "name": "a", "weight": 100, "max_points": 5}, "dimensions.1.code"),
        ({"code": "a", "name": "", "weight": 100, "max_points": 5}, "dimensions.1.name"),
        ({"code": "a", "name": "a", "weight": "x", "max_points": 5}, "dimensions.1.weight"),
        ({"code": "a", "name": "a", "weight": 100, "max_points": 0}, "dimensions.1.max_points"),
        ({"code": "a", "name": "a", "weight": 100, "max_points": -3}, "dimensions.1.max_points"),
    ],
)
def test_rubric_dimension_rows_are_checked(
    supervisor: User, row: dict[str, object], field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        services.create_rubric(actor=supervisor, name="新细则", dimensions=[row])
    assert field in caught.value.fields
    assert not Rubric.objects.filter(name="新细则").exists()


def test_only_the_ministry_keeps_rubrics(henan: User) -> None:
    with pytest.raises(Forbidden):
        services.create_rubric(actor=henan, name="新细则", dimensions=dims(100))
    assert not Rubric.objects.filter(name="新细则").exists()


def test_new_version_is_edited_then_activated_retiring_the_old(
    supervisor: User, rubric: Rubric
) -> None:
    with pytest.raises(Conflict) as frozen:
        services.update_rubric(actor=supervisor, rubric_id=rubric.pk, name="改名")
    assert frozen.value.code == "rubric_frozen"
    draft = services.new_rubric_version(actor=supervisor, rubric_id=rubric.pk)
    assert (draft.lineage, draft.version, draft.status) == (rubric.lineage, 2, "draft")
    with pytest.raises(Conflict):
        services.new_rubric_version(actor=supervisor, rubric_id=rubric.pk)  # one draft at a time
    rows = [
        {**d, "weight": w} for d, w in zip(DEFAULT_DIMENSIONS, (30, 25, 15, 15, 15), strict=True)
    ]
    services.update_rubric(
        actor=supervisor, rubric_id=draft.pk, lock_version=draft.lock_version, dimensions=rows
    )
    with pytest.raises(Conflict) as stale:
        services.update_rubric(actor=supervisor, rubric_id=draft.pk, lock_version=1, name="x")
    assert stale.value.code == "stale_version"
    services.activate_rubric(actor=supervisor, rubric_id=draft.pk)
    rubric.refresh_from_db()
    draft.refresh_from_db()
    assert (rubric.status, draft.status) == ("retired", "active")
    assert [d.weight for d in draft.dimensions.all()][0] == Decimal(30)
    assert [d.weight for d in rubric.dimensions.all()][0] == Decimal(20)  # the old one unchanged
    assert (
        AuditEntry.objects.filter(target_type="evaluation.rubric", action="transition").count() >= 2
    )


def test_the_rubric_in_force_is_not_archived(supervisor: User, rubric: Rubric) -> None:
    with pytest.raises(Conflict):
        services.archive_rubric(actor=supervisor, rubric_id=rubric.pk)
    rubric.refresh_from_db()
    assert rubric.archived_at is None


# ---------------------------------------------------------------- rounds


def test_round_defaults_to_every_active_top_level_pair(supervisor: User, rubric: Rubric) -> None:
    evaluation_round = services.create_round(
        actor=supervisor,
        name="全国评估",
        rubric_id=rubric.pk,
        period_start=dt.date(2021, 2, 7),
        period_end=dt.date(2021, 6, 30),
        self_due=dt.date(2021, 7, 15),
    )
    expected = set(
        Pairing.objects.filter(status="active", parent__isnull=True, archived_at__isnull=True)
    )
    assert set(evaluation_round.pairings.all()) == expected
    assert len(expected) >= 19


def test_round_dates_are_checked(supervisor: User, rubric: Rubric) -> None:
    with pytest.raises(Invalid) as caught:
        services.create_round(
            actor=supervisor,
            name="倒序",
            rubric_id=rubric.pk,
            period_start=dt.date(2021, 6, 30),
            period_end=dt.date(2021, 2, 7),
            self_due=dt.date(2021, 7, 15),
            comment_due=dt.date(2021, 7, 1),
        )
    assert set(caught.value.fields) == {"period_end", "comment_due"}
    assert not EvaluationRound.objects.filter(name="倒序").exists()


def test_opening_creates_both_sides_and_tells_their_coordinators(
    supervisor: User, tianjin: User, henan: User, jiangxi: User, draft_round: EvaluationRound
) -> None:
    services.open_round(actor=supervisor, round_id=draft_round.pk)
    draft_round.refresh_from_db()
    assert draft_round.status == Status.OPEN
    assert draft_round.assessments.count() == 4
    assert AssessmentItem.objects.filter(assessment__round=draft_round).count() == 4 * 5
    told = set(
        Notification.objects.filter(event="evaluation_opened").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"tianjin", "henan", "jiangxi"} <= told


def test_rubric_of_an_open_round_stays_frozen(
    supervisor: User, open_round: EvaluationRound
) -> None:
    with pytest.raises(Conflict):
        services.update_rubric(actor=supervisor, rubric_id=open_round.rubric_id, name="改")


# ---------------------------------------------------------------- self-assessment


def test_self_assessment_scores_and_totals(tianjin: User, tianjin_assessment: Assessment) -> None:
    items = full_marks()
    items["organisation"]["score"] = "15.5"
    services.submit_self_assessment(actor=tianjin, assessment_id=tianjin_assessment.pk, items=items)
    tianjin_assessment.refresh_from_db()
    assert tianjin_assessment.status == "submitted"
    # 15.5/20 × 20 + 4 × 20 = 95.5
    assert tianjin_assessment.self_total == Decimal("95.5")
    assert AuditEntry.objects.filter(
        target_type="evaluation.assessment", note="提交自评", pairing=tianjin_assessment.pairing
    ).exists()


@pytest.mark.parametrize(
    ("score", "code"),
    [("21", "score_out_of_range"), ("-1", "score_out_of_range"), ("abc", "not_a_number"),
     ("", "score_missing"), ("10.25", "too_many_decimals")],
)  # fmt: skip
def test_self_assessment_bad_scores_are_refused(
    tianjin: User, tianjin_assessment: Assessment, score: str, code: str
) -> None:
    before = snapshot(tianjin_assessment)
    items = full_marks()
    items["plan"]["score"] = score
    with pytest.raises(Invalid) as caught:
        services.submit_self_assessment(
            actor=tianjin, assessment_id=tianjin_assessment.pk, items=items
        )
    assert list(caught.value.fields) == ["score_plan"]
    assert "工作方案" in caught.value.fields["score_plan"][0]
    assert snapshot(tianjin_assessment) == before


def test_self_assessment_needs_evidence_where_the_dimension_asks(
    tianjin: User, tianjin_assessment: Assessment
) -> None:
    before = snapshot(tianjin_assessment)
    items = full_marks()
    items["exchanges"]["evidence"] = "  "
    with pytest.raises(Invalid) as caught:
        services.submit_self_assessment(
            actor=tianjin, assessment_id=tianjin_assessment.pk, items=items
        )
    assert "需要佐证材料" in caught.value.fields["evidence_exchanges"][0]
    assert snapshot(tianjin_assessment) == before
    # A file instead of text is evidence too.
    services.add_evidence(
        actor=tianjin,
        assessment_id=tianjin_assessment.pk,
        dimension_code="exchanges",
        file=SimpleUploadedFile("交流记录.txt", "2021年5月赴郑州调研。".encode()),
        name="交流记录.txt",
    )
    services.submit_self_assessment(actor=tianjin, assessment_id=tianjin_assessment.pk, items=items)
    assert Assessment.objects.get(pk=tianjin_assessment.pk).status == "submitted"


def test_evidence_files_are_checked_by_content(
    tianjin: User, tianjin_assessment: Assessment
) -> None:
    with pytest.raises(Invalid) as caught:
        services.add_evidence(
            actor=tianjin,
            assessment_id=tianjin_assessment.pk,
            dimension_code="plan",
            file=SimpleUploadedFile("方案.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),
            name="方案.pdf",
        )
    assert caught.value.code == "unsupported_file_type"
    assert not EvidenceFile.objects.exists()


def test_only_the_sides_coordinator_self_assesses(
    henan: User, henan_member: User, henan_expert: User, jiangxi: User,
    supervisor: User, tianjin_assessment: Assessment,
) -> None:  # fmt: skip
    before = snapshot(tianjin_assessment)
    for user in (henan, henan_member, henan_expert, supervisor):
        with pytest.raises(Forbidden):
            services.submit_self_assessment(
                actor=user, assessment_id=tianjin_assessment.pk, items=full_marks()
            )
    with pytest.raises(NotFound):
        services.submit_self_assessment(
            actor=jiangxi, assessment_id=tianjin_assessment.pk, items=full_marks()
        )
    assert snapshot(tianjin_assessment) == before


# ---------------------------------------------------------------- peer comments


def test_the_other_side_comments_once_submitted(
    tianjin: User, henan: User, tianjin_assessment: Assessment
) -> None:
    with pytest.raises(Conflict) as early:
        services.comment_on_peer(
            actor=henan, assessment_id=tianjin_assessment.pk, comments={"plan": "好"}
        )
    assert early.value.code == "not_submitted"
    services.submit_self_assessment(
        actor=tianjin, assessment_id=tianjin_assessment.pk, items=full_marks()
    )
    with pytest.raises(Forbidden):  # not its own assessment
        services.comment_on_peer(
            actor=tianjin, assessment_id=tianjin_assessment.pk, comments={"plan": "好"}
        )
    with pytest.raises(Invalid):
        services.comment_on_peer(actor=henan, assessment_id=tianjin_assessment.pk, comments={})
    services.comment_on_peer(
        actor=henan,
        assessment_id=tianjin_assessment.pk,
        comments={"exchanges": "天津派专家三次来豫指导，属实。"},
    )
    item = AssessmentItem.objects.get(assessment=tianjin_assessment, dimension__code="exchanges")
    assert item.peer_comment == "天津派专家三次来豫指导，属实。"
    assert Assessment.objects.get(pk=tianjin_assessment.pk).peer_comment_by == henan


# ---------------------------------------------------------------- scoring and publication


def test_scoring_waits_for_the_scoring_stage_and_checks_maxima(
    supervisor: User, open_round: EvaluationRound, tianjin_assessment: Assessment
) -> None:
    with pytest.raises(Conflict) as early:
        services.score_assessment(
            actor=supervisor, assessment_id=tianjin_assessment.pk, items=scores(*[10] * 5)
        )
    assert early.value.code == "wrong_status"
    services.close_self_assessment(actor=supervisor, round_id=open_round.pk)
    before = snapshot(tianjin_assessment)
    with pytest.raises(Invalid) as caught:
        services.score_assessment(
            actor=supervisor, assessment_id=tianjin_assessment.pk, items=scores(10, 25, 10, -2, 10)
        )
    assert set(caught.value.fields) == {"score_plan", "score_goals"}
    assert snapshot(tianjin_assessment) == before
    services.score_assessment(
        actor=supervisor, assessment_id=tianjin_assessment.pk, items=scores(20, 18, 16, 14, 12.5)
    )
    # (20 + 18 + 16 + 14 + 12.5) / 20 × 20 = 80.5
    assert Assessment.objects.get(pk=tianjin_assessment.pk).ministry_total == Decimal("80.5")


def test_publication_needs_every_assessment_scored(
    supervisor: User, open_round: EvaluationRound, tianjin_assessment: Assessment
) -> None:
    services.close_self_assessment(actor=supervisor, round_id=open_round.pk)
    services.score_assessment(
        actor=supervisor, assessment_id=tianjin_assessment.pk, items=scores(*[10] * 5)
    )
    with pytest.raises(Conflict) as caught:
        services.publish_round(actor=supervisor, round_id=open_round.pk)
    assert caught.value.code == "not_all_scored"
    assert "3 份" in caught.value.message and "河南省" in caught.value.message
    assert EvaluationRound.objects.get(pk=open_round.pk).status == Status.SCORING


def test_scores_are_frozen_after_publication(
    supervisor: User, tianjin: User, henan: User, published_round: EvaluationRound
) -> None:
    assessment = published_round.assessments.get(
        pairing__leading_region_id="120000", side="leading"
    )
    before = snapshot(assessment)
    with pytest.raises(Conflict) as scored:
        services.score_assessment(
            actor=supervisor, assessment_id=assessment.pk, items=scores(*[1] * 5)
        )
    assert scored.value.code == "published"
    with pytest.raises(Conflict):
        services.submit_self_assessment(
            actor=tianjin, assessment_id=assessment.pk, items=full_marks()
        )
    with pytest.raises(Conflict):
        services.comment_on_peer(actor=henan, assessment_id=assessment.pk, comments={"plan": "x"})
    assert snapshot(assessment) == before
    assert Notification.objects.filter(event="evaluation_published", recipient=tianjin).exists()


# ---------------------------------------------------------------- appeals


def henan_side(evaluation_round: EvaluationRound) -> Assessment:
    return evaluation_round.assessments.get(pairing__leading_region_id="120000", side="partner")


def test_appeal_once_within_the_window_and_decision_changes_ranking(
    supervisor: User, henan: User, published_round: EvaluationRound
) -> None:
    assessment = henan_side(published_round)
    before_rank = {r.name: r for r in queries.pair_ranking(henan, published_round.pk)}
    with pytest.raises(Invalid):
        services.file_appeal(actor=henan, assessment_id=assessment.pk, reasons="  ")
    appeal = services.file_appeal(
        actor=henan, assessment_id=assessment.pk, reasons="交流活动漏计了5月的线上会诊。"
    )
    with pytest.raises(Conflict) as twice:
        services.file_appeal(actor=henan, assessment_id=assessment.pk, reasons="再次申诉")
    assert twice.value.code == "already_appealed"
    assert Appeal.objects.count() == 1
    with pytest.raises(Invalid) as no_change:
        services.decide_appeal(
            actor=supervisor, appeal_id=appeal.pk, decision="upheld", note="属实"
        )
    assert no_change.value.code == "no_changes"
    with pytest.raises(Invalid):
        services.decide_appeal(
            actor=supervisor, appeal_id=appeal.pk, decision="rejected", note="不予支持",
            scores={"exchanges": 20},
        )  # fmt: skip
    with pytest.raises(Invalid):
        services.decide_appeal(
            actor=supervisor, appeal_id=appeal.pk, decision="upheld", note="属实",
            scores={"exchanges": 21},
        )  # fmt: skip
    with pytest.raises(Forbidden):
        services.decide_appeal(
            actor=henan, appeal_id=appeal.pk, decision="upheld", note="x", scores={"exchanges": 20}
        )
    old_total = Assessment.objects.get(pk=assessment.pk).ministry_total
    services.decide_appeal(
        actor=supervisor,
        appeal_id=appeal.pk,
        decision="upheld",
        note="线上会诊记录属实，予以加分。",
        scores={"exchanges": 20},
    )
    appeal.refresh_from_db()
    assert appeal.decision == "upheld" and appeal.decided_by == supervisor
    assert list(appeal.changes) == ["exchanges"] and appeal.changes["exchanges"][1] == "20.0"
    new_total = Assessment.objects.get(pk=assessment.pk).ministry_total
    assert new_total is not None and old_total is not None and new_total > old_total
    after = {r.name: r for r in queries.pair_ranking(henan, published_round.pk)}
    assert after["天津市—河南省"].score > before_rank["天津市—河南省"].score
    assert Notification.objects.filter(event="appeal_decided", recipient=henan).exists()
    assert AuditEntry.objects.filter(note="根据申诉决定调整评分").exists()


def test_appeal_after_the_window_is_refused(henan: User, published_round: EvaluationRound) -> None:
    assessment = henan_side(published_round)
    late = published_round.appeal_deadline + dt.timedelta(days=1)  # type: ignore[operator]
    with pytest.raises(Conflict) as caught:
        services.file_appeal(actor=henan, assessment_id=assessment.pk, reasons="晚了", today=late)
    assert caught.value.code == "appeal_window_closed"
    assert not Appeal.objects.exists()


def test_appeal_before_publication_is_refused(henan: User, henan_assessment: Assessment) -> None:
    with pytest.raises(Conflict) as caught:
        services.file_appeal(actor=henan, assessment_id=henan_assessment.pk, reasons="早了")
    assert caught.value.code == "not_published"
    assert not Appeal.objects.exists()


def test_close_after_the_window_with_appeals_decided(
    supervisor: User, published_round: EvaluationRound
) -> None:
    with pytest.raises(Conflict) as early:
        services.close_round(actor=supervisor, round_id=published_round.pk)
    assert early.value.code == "appeal_window_open"
    later = published_round.appeal_deadline + dt.timedelta(days=1)  # type: ignore[operator]
    with time_machine.travel(dt.datetime.combine(later, dt.time(12)), tick=False):
        services.close_round(actor=supervisor, round_id=published_round.pk, today=later)
    assert EvaluationRound.objects.get(pk=published_round.pk).status == Status.CLOSED


# ---------------------------------------------------------------- rankings


def test_rankings_share_ranks_on_ties_and_show_change_since_the_previous_round(
    supervisor: User, henan: User, rubric: Rubric, published_round: EvaluationRound,
    tianjin_henan: Pairing, shanghai_jiangxi: Pairing,
) -> None:  # fmt: skip
    first = {r.pairing: r for r in queries.pair_ranking(henan, published_round.pk)}
    assert all(r.is_new for r in first.values())
    second = services.create_round(
        actor=supervisor, name="2021年下半年", rubric_id=rubric.pk,
        period_start=dt.date(2021, 7, 1), period_end=dt.date(2021, 12, 31),
        self_due=dt.date(2022, 1, 15), pairing_ids=[tianjin_henan.pk, shanghai_jiangxi.pk],
    )  # fmt: skip
    services.open_round(actor=supervisor, round_id=second.pk)
    services.close_self_assessment(actor=supervisor, round_id=second.pk)
    for assessment in second.assessments.all():  # everyone the same: a tie
        services.score_assessment(
            actor=supervisor, assessment_id=assessment.pk, items=scores(*[18] * 5)
        )
    with pytest.raises(NotFound):  # not published: the Ministry's preview only
        queries.pair_ranking(henan, second.pk)
    services.publish_round(actor=supervisor, round_id=second.pk)
    rows = queries.pair_ranking(henan, second.pk)
    assert [r.rank for r in rows] == [1, 1]
    assert all(r.score == Decimal("90.0") for r in rows)
    for row in rows:
        old = first[row.pairing]
        assert row.previous_rank == old.rank and row.previous_score == old.score
        assert row.rank_change == old.rank - 1
        assert row.score_change == Decimal("90.0") - old.score
    partners = queries.partner_ranking(henan, second.pk)
    assert {r.region.name for r in partners if r.region} == {"河南省", "江西省"}
    assert queries.latest_published_round(henan) == second


def test_partner_ranking_averages_a_region_in_several_pairs(
    supervisor: User, rubric: Rubric, pair: object
) -> None:
    # 吉林 is the partner of several leading cities (厦门, 杭州, 青岛 …).
    pairings = list(
        Pairing.objects.filter(partner_region_id="220000", status="active", parent__isnull=True)
    )
    assert len(pairings) >= 2
    evaluation_round = services.create_round(
        actor=supervisor, name="吉林", rubric_id=rubric.pk, period_start=dt.date(2021, 2, 7),
        period_end=dt.date(2021, 6, 30), self_due=dt.date(2021, 7, 15),
        pairing_ids=[p.pk for p in pairings[:2]],
    )  # fmt: skip
    services.open_round(actor=supervisor, round_id=evaluation_round.pk)
    services.close_self_assessment(actor=supervisor, round_id=evaluation_round.pk)
    partner_scores = iter([10, 15])
    for assessment in evaluation_round.assessments.order_by("pk"):
        value = next(partner_scores) if assessment.side == "partner" else 20
        services.score_assessment(
            actor=supervisor, assessment_id=assessment.pk, items=scores(*[value] * 5)
        )
    services.publish_round(actor=supervisor, round_id=evaluation_round.pk)
    (row,) = queries.partner_ranking(supervisor, evaluation_round.pk)
    assert row.region is not None and row.region.code == "220000"
    assert row.score == Decimal("62.5") and row.pair_count == 2  # mean of 50 and 75


def test_codes_match_the_default_rubric() -> None:
    assert CODES == ["organisation", "plan", "exchanges", "goals", "outcomes"]

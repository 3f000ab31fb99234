"""Proposing a model case from a good result: `knowledge.services.propose_case`."""

from typing import Any

import pytest

from twinning.accounts.models import User
from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.evaluation.models import Assessment, EvaluationRound
from twinning.indicators.models import Target
from twinning.knowledge.models import CaseOrigin, ModelCase
from twinning.knowledge.services import propose_case
from twinning.pairings.models import Side
from twinning.supervision.models import Notice

pytestmark = pytest.mark.django_db


def state() -> tuple[Any, ...]:
    return (
        list(ModelCase.objects.order_by("pk").values_list("pk", "status", "lock_version")),
        AuditEntry.objects.count(),
    )


def test_a_coordinator_proposes_a_case_from_a_closed_notice(
    henan: User, closed_notice: Notice
) -> None:
    case = propose_case(actor=henan, origin_kind="notice", origin_id=closed_notice.pk, values={})

    assert case.status == ModelCase.Status.DRAFT
    assert case.origin_kind == CaseOrigin.NOTICE and case.origin_id == closed_notice.pk
    assert closed_notice.number in case.origin_label
    assert case.region_id == "410000"  # the coordinator's own side
    assert case.pairing_id == closed_notice.pairing_id
    assert case.problem == closed_notice.reasons
    assert "整改任务1" in case.approach  # the rectification plan's tasks
    assert "已完成整改" in case.results and "整改到位" in case.results
    entry = AuditEntry.objects.filter(
        target_type="knowledge.modelcase", target_id=str(case.pk)
    ).get()
    assert entry.action == AuditEntry.Action.CREATE and entry.actor == henan
    assert entry.changes["origin_kind"] == [None, "notice"]
    assert entry.note_display


def test_the_ministry_proposes_from_a_target_met_early(
    supervisor: User, early_target: Target
) -> None:
    case = propose_case(
        actor=supervisor,
        origin_kind="target",
        origin_id=early_target.pk,
        values={"approach": "推行撤桶并点、定时定点。"},
    )

    assert case.region_id == "410000"
    assert "2023-06-30" in case.results and "92%" in case.figures
    assert case.approach == "推行撤桶并点、定时定点。"
    assert case.origin_label.startswith("河南省")


def test_a_case_is_proposed_from_a_published_score(
    tianjin: User, published_round: EvaluationRound
) -> None:
    assessment = Assessment.objects.get(
        round=published_round, pairing__leading_region_id="120000", side=Side.LEADING
    )

    case = propose_case(actor=tianjin, origin_kind="evaluation", origin_id=assessment.pk)

    assert case.region_id == "120000"
    assert published_round.name in case.origin_label
    assert "得分最高的维度" in case.results
    assert "评定得分" in case.figures


def test_values_replace_the_prefill_and_the_draft_goes_through_review(
    henan: User, supervisor: User, closed_notice: Notice
) -> None:
    from twinning.knowledge import services

    case = propose_case(
        actor=henan,
        origin_kind="notice",
        origin_id=closed_notice.pk,
        values={"title": "郑州市整改经验"},
    )
    services.nominate_case(henan, case)
    promoted = services.promote_case(supervisor, case, "可推广")

    assert promoted.title == "郑州市整改经验" and promoted.status == ModelCase.Status.PROMOTED


@pytest.mark.parametrize(
    ("kind", "origin_id", "field", "code"),
    [
        ("award", 1, "origin_kind", "unknown_origin"),
        ("", 1, "origin_kind", "unknown_origin"),
        ("notice", "abc", "origin_id", "invalid_origin_id"),
    ],
)
def test_an_unknown_origin_is_refused_and_nothing_changes(
    supervisor: User, kind: str, origin_id: Any, field: str, code: str
) -> None:
    before = state()

    with pytest.raises(Invalid) as caught:
        propose_case(actor=supervisor, origin_kind=kind, origin_id=origin_id)

    assert caught.value.code == code and field in caught.value.fields
    assert state() == before


def test_an_outsider_gets_not_found(jiangxi: User, closed_notice: Notice) -> None:
    before = state()

    with pytest.raises(NotFound):
        propose_case(actor=jiangxi, origin_kind="notice", origin_id=closed_notice.pk)

    assert state() == before


def test_an_unknown_id_is_not_found(supervisor: User) -> None:
    for kind in CaseOrigin.values:
        with pytest.raises(NotFound):
            propose_case(actor=supervisor, origin_kind=kind, origin_id=999_999)


@pytest.mark.parametrize("persona", ["henan_expert", "henan_member"])
def test_read_only_users_are_forbidden(
    persona: str, closed_notice: Notice, request: pytest.FixtureRequest
) -> None:
    before = state()

    with pytest.raises(Forbidden) as caught:
        propose_case(
            actor=request.getfixturevalue(persona),
            origin_kind="notice",
            origin_id=closed_notice.pk,
        )

    assert "协调员" in caught.value.message
    assert state() == before


def test_the_other_side_may_not_propose_from_a_target_of_its_partner(
    tianjin: User, early_target: Target
) -> None:
    """天津 sees 河南's targets (its pair) but does not speak for 河南."""
    with pytest.raises(Forbidden):
        propose_case(actor=tianjin, origin_kind="target", origin_id=early_target.pk)


def test_an_open_notice_is_not_a_good_result_yet(supervisor: User, open_notice: Notice) -> None:
    before = state()

    with pytest.raises(Invalid) as caught:
        propose_case(actor=supervisor, origin_kind="notice", origin_id=open_notice.pk)

    assert caught.value.code == "notice_not_closed" and "办结" in caught.value.message
    assert state() == before


def test_a_target_not_met_is_refused(supervisor: User, late_target: Target) -> None:
    before = state()

    with pytest.raises(Invalid) as caught:
        propose_case(actor=supervisor, origin_kind="target", origin_id=late_target.pk)

    assert caught.value.code == "target_not_achieved"
    assert state() == before


def test_scores_of_an_unpublished_round_are_refused(
    supervisor: User, open_round: EvaluationRound
) -> None:
    assessment = open_round.assessments.order_by("pk").first()
    assert assessment is not None

    with pytest.raises(Invalid) as caught:
        propose_case(actor=supervisor, origin_kind="evaluation", origin_id=assessment.pk)

    assert caught.value.code == "evaluation_not_published"


def test_a_draft_missing_its_approach_is_refused_with_the_field(
    supervisor: User, early_target: Target
) -> None:
    before = state()

    with pytest.raises(Invalid) as caught:
        propose_case(actor=supervisor, origin_kind="target", origin_id=early_target.pk)

    assert "approach" in caught.value.fields
    assert state() == before


def test_a_source_is_proposed_once(henan: User, supervisor: User, closed_notice: Notice) -> None:
    first = propose_case(actor=henan, origin_kind="notice", origin_id=closed_notice.pk)
    before = state()

    with pytest.raises(Conflict) as caught:
        propose_case(actor=supervisor, origin_kind="notice", origin_id=closed_notice.pk)

    assert caught.value.code == "already_proposed" and first.title in caught.value.message
    assert state() == before

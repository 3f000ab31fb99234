"""Reading phase evaluations, always as a given user.

Scoping: the Ministry sees everything. A participant sees the rounds its pairs take part in once
they are opened, and every published round (its rankings are public to every signed-in user);
it sees the assessments of its own pairs only (others answer 404) and the Ministry's scores only
after publication. Rankings of a round that is not published exist for the Ministry alone.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from twinning.core.errors import NotFound
from twinning.core.models import AuditEntry
from twinning.core.permissions import is_ministry, region_scope_q
from twinning.evaluation.models import (
    Appeal,
    Assessment,
    AssessmentItem,
    EvaluationRound,
    Rubric,
)
from twinning.evaluation.scoring import competition_ranks, mean
from twinning.pairings.models import Pairing, Side
from twinning.regions.models import Region

RoundStatus = EvaluationRound.Status


# ---------------------------------------------------------------- rubrics


def rubrics_for(user: Any, *, archived: bool = False) -> QuerySet[Rubric]:
    """Rubrics are the programme's rules and public to every signed-in user; drafts are the
    Ministry's work in progress."""
    rows = Rubric.objects.filter(archived_at__isnull=not archived).annotate(
        dimension_count=Count("dimensions")
    )
    if not is_ministry(user):
        rows = rows.exclude(status=Rubric.Status.DRAFT)
    return rows.select_related("created_by").order_by("name", "-version")


def rubric_for(user: Any, rubric_id: int) -> Rubric:
    rubric = Rubric.objects.filter(pk=rubric_id).prefetch_related("dimensions").first()
    if rubric is None or (rubric.is_draft and not is_ministry(user)):
        raise NotFound(_("评估细则不存在或您无权查看。"))
    return rubric


def active_rubrics() -> QuerySet[Rubric]:
    return (
        Rubric.objects.filter(status=Rubric.Status.ACTIVE, archived_at__isnull=True)
        .prefetch_related("dimensions")
        .order_by("name")
    )


def versions_of(rubric: Rubric, user: Any) -> QuerySet[Rubric]:
    return rubrics_for(user).filter(lineage=rubric.lineage).order_by("-version")


# ---------------------------------------------------------------- rounds


def _visible_pairings(user: Any) -> QuerySet[Pairing]:
    return Pairing.objects.filter(region_scope_q(user, "leading_region", "partner_region"))


def rounds_for(user: Any, *, archived: bool = False, status: str | None = None) -> Any:
    rows = EvaluationRound.objects.filter(archived_at__isnull=not archived)
    if not is_ministry(user):
        rows = rows.exclude(status=RoundStatus.DRAFT).filter(
            Q(status__in=EvaluationRound.RESULT_STATUSES) | Q(pairings__in=_visible_pairings(user))
        )
        rows = EvaluationRound.objects.filter(pk__in=rows.values("pk"))
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("rubric").annotate(pair_count=Count("pairings", distinct=True))


def round_for(user: Any, round_id: int) -> EvaluationRound:
    found = (
        rounds_for(user).filter(pk=round_id).first()
        or rounds_for(user, archived=True).filter(pk=round_id).first()
    )
    if found is None:
        raise NotFound(_("评估轮次不存在或您无权查看。"))
    result: EvaluationRound = found
    return result


def round_pairings(evaluation_round: EvaluationRound) -> QuerySet[Pairing]:
    return evaluation_round.pairings.select_related("leading_region", "partner_region").order_by(
        "leading_region_id", "partner_region_id"
    )


def takes_part(user: Any, evaluation_round: EvaluationRound) -> bool:
    """Whether one of the round's pairs is the user's."""
    return evaluation_round.pairings.filter(pk__in=_visible_pairings(user)).exists()


# ---------------------------------------------------------------- assessments


def _assessments() -> QuerySet[Assessment]:
    return Assessment.objects.select_related(
        "round__rubric",
        "pairing__leading_region",
        "pairing__partner_region",
        "submitted_by",
        "scored_by",
        "peer_comment_by",
    )


def assessments_for(user: Any, evaluation_round: EvaluationRound) -> QuerySet[Assessment]:
    """The round's assessments the user may open: all for the Ministry, its own pairs' else."""
    rows = _assessments().filter(round=evaluation_round)
    if not is_ministry(user):
        rows = rows.filter(pairing__in=_visible_pairings(user))
    return rows.order_by("pairing__leading_region_id", "pairing__partner_region_id", "-side")


def assessment_for(user: Any, assessment_id: int) -> Assessment:
    rows = _assessments().filter(pk=assessment_id)
    if not is_ministry(user):
        rows = rows.filter(pairing__in=_visible_pairings(user)).exclude(
            round__status=RoundStatus.DRAFT
        )
    found = rows.first()
    if found is None:
        raise NotFound(_("评估表不存在或您无权查看。"))
    return found


def items_of(assessment: Assessment) -> list[AssessmentItem]:
    return list(
        assessment.items.select_related("dimension")
        .prefetch_related("files")
        .order_by("dimension__position", "dimension_id")
    )


def live_files(item: AssessmentItem) -> list[Any]:
    return [f for f in item.files.all() if f.archived_at is None]


def evidence_file_for(user: Any, file_id: int) -> Any:
    from twinning.evaluation.models import EvidenceFile
    from twinning.evaluation.permissions import can_see_self_assessment

    found = (
        EvidenceFile.objects.filter(pk=file_id, archived_at__isnull=True)
        .select_related("item__assessment")
        .first()
    )
    if found is None:
        raise NotFound(_("文件不存在或您无权查看。"))
    assessment = assessment_for(user, found.item.assessment_id)
    if not can_see_self_assessment(user, assessment):
        raise NotFound(_("文件不存在或您无权查看。"))
    return found


def appeals_for(user: Any, evaluation_round: EvaluationRound) -> QuerySet[Appeal]:
    rows = Appeal.objects.filter(assessment__round=evaluation_round).select_related(
        "assessment__pairing__leading_region",
        "assessment__pairing__partner_region",
        "filed_by",
        "decided_by",
    )
    if not is_ministry(user):
        rows = rows.filter(assessment__pairing__in=_visible_pairings(user))
    return rows.order_by("filed_at", "pk")


def appeal_for(user: Any, appeal_id: int) -> Appeal:
    found = Appeal.objects.filter(pk=appeal_id).select_related("assessment").first()
    if found is None:
        raise NotFound(_("申诉不存在或您无权查看。"))
    assessment_for(user, found.assessment_id)  # 404 outside the pair
    return found


def history_of(obj: Any) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=obj._meta.label_lower, target_id=str(obj.pk)
    ).select_related("actor")


# ---------------------------------------------------------------- rankings


@dataclass(frozen=True)
class RankRow:
    """One line of a ranking, with the change since the previous published round of the same
    rubric lineage (None: new in this ranking)."""

    rank: int
    previous_rank: int | None
    score: Decimal
    previous_score: Decimal | None
    pairing: Pairing | None = None
    region: Region | None = None
    leading_score: Decimal | None = None
    partner_score: Decimal | None = None
    pair_count: int = 1
    assessment_ids: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return str(self.pairing) if self.pairing is not None else str(self.region)

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost (negative); None when new."""
        return None if self.previous_rank is None else self.previous_rank - self.rank

    @property
    def score_change(self) -> Decimal | None:
        return None if self.previous_score is None else self.score - self.previous_score

    @property
    def is_new(self) -> bool:
        return self.previous_rank is None


def latest_published_round(user: Any) -> EvaluationRound | None:
    """The most recently published round the user may see (every signed-in user sees results)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        EvaluationRound.objects.filter(
            status__in=EvaluationRound.RESULT_STATUSES, archived_at__isnull=True
        )
        .select_related("rubric")
        .order_by("-published_at", "-pk")
        .first()
    )


def _ranking_round(user: Any, round_id: int) -> EvaluationRound:
    evaluation_round = round_for(user, round_id)
    if not evaluation_round.is_published and not is_ministry(user):
        raise NotFound(_("评估结果尚未发布。"))
    return evaluation_round


def previous_round(evaluation_round: EvaluationRound) -> EvaluationRound | None:
    """The last round of the same rubric lineage published before this one."""
    rows = EvaluationRound.objects.filter(
        rubric__lineage=evaluation_round.rubric.lineage,
        status__in=EvaluationRound.RESULT_STATUSES,
        archived_at__isnull=True,
    ).exclude(pk=evaluation_round.pk)
    if evaluation_round.published_at is not None:
        rows = rows.filter(published_at__lt=evaluation_round.published_at)
    return rows.order_by("-published_at", "-pk").first()


def _side_scores(round_id: int) -> dict[int, dict[str, tuple[Decimal, int]]]:
    """{pairing id: {side: (score, assessment id)}} for the round's scored assessments."""
    scores: dict[int, dict[str, tuple[Decimal, int]]] = defaultdict(dict)
    rows = Assessment.objects.filter(round_id=round_id, ministry_total__isnull=False).values_list(
        "pairing_id", "side", "ministry_total", "pk"
    )
    for pairing_id, side, total, pk in rows:
        if total is not None:
            scores[pairing_id][side] = (total, pk)
    return scores


def _pair_scores(round_id: int) -> dict[int, tuple[Decimal, dict[str, tuple[Decimal, int]]]]:
    """{pairing id: (pair score, sides)} for pairs whose two sides are both scored."""
    return {
        pairing_id: (mean([s for s, _pk in sides.values()]), sides)
        for pairing_id, sides in _side_scores(round_id).items()
        if len(sides) == 2
    }


def _partner_scores(round_id: int) -> dict[str, tuple[Decimal, list[int], list[int]]]:
    """{partner region code: (mean score, pairing ids, assessment ids)}."""
    by_region: dict[str, list[tuple[Decimal, int, int]]] = defaultdict(list)
    partner_of = dict(
        Pairing.objects.filter(assessments__round_id=round_id)
        .values_list("pk", "partner_region_id")
        .distinct()
    )
    for pairing_id, sides in _side_scores(round_id).items():
        if Side.PARTNER in sides:
            score, pk = sides[Side.PARTNER]
            by_region[partner_of[pairing_id]].append((score, pairing_id, pk))
    return {
        code: (mean([s for s, _p, _a in rows]), [p for _s, p, _a in rows], [a for *_x, a in rows])
        for code, rows in by_region.items()
    }


def _ranks(scores: dict[Any, Decimal], names: dict[Any, str]) -> dict[Any, tuple[int, Decimal]]:
    ordered: Sequence[tuple[Any, Decimal]] = sorted(
        scores.items(), key=lambda kv: (-kv[1], names.get(kv[0], ""))
    )
    return {key: (rank, score) for rank, key, score in competition_ranks(ordered)}


def _leaders(scores: dict[Any, Decimal], limit: int | None) -> set[Any]:
    """The keys that can be among the first `limit` lines of a ranking: every key scoring at
    least the `limit`-th best score (ties at the cut included, as names order them). All keys
    when there is no limit."""
    if limit is None or limit >= len(scores):
        return set(scores)
    if limit <= 0:
        return set()
    cut = sorted(scores.values(), reverse=True)[limit - 1]
    return {key for key, score in scores.items() if score >= cut}


def pair_ranking(user: Any, round_id: int, *, limit: int | None = None) -> list[RankRow]:
    """The round's pairs by pair score (ties share a rank), with the change since the previous
    published round of the same rubric lineage. With `limit`, the first `limit` lines only
    (exactly those of the whole ranking): ranks come from the scores alone, so only the pairs
    that can make the cut are read (a dashboard's top 5 need not load all 300 pairs)."""
    evaluation_round = _ranking_round(user, round_id)
    current = _pair_scores(evaluation_round.pk)
    scores = {pk: score for pk, (score, _s) in current.items()}
    shown = _leaders(scores, limit)
    pairings = Pairing.objects.select_related("leading_region", "partner_region").in_bulk(
        [pk for pk in current if pk in shown]
    )
    names = {pk: str(p) for pk, p in pairings.items()}
    # A rank depends on the scores only; names just order the pairs sharing one.
    ranks = _ranks(scores, names)
    before = previous_round(evaluation_round)
    previous: dict[Any, tuple[int, Decimal]] = {}
    if before is not None:
        earlier = _pair_scores(before.pk)
        previous = _ranks({pk: score for pk, (score, _s) in earlier.items()}, names)
    rows = []
    for pk, (rank, score) in ranks.items():
        if pk not in shown:
            continue
        sides = current[pk][1]
        old = previous.get(pk)
        rows.append(
            RankRow(
                rank=rank,
                previous_rank=old[0] if old else None,
                score=score,
                previous_score=old[1] if old else None,
                pairing=pairings[pk],
                leading_score=sides[Side.LEADING][0],
                partner_score=sides[Side.PARTNER][0],
                assessment_ids=(sides[Side.LEADING][1], sides[Side.PARTNER][1]),
            )
        )
    return sorted(rows, key=lambda r: (r.rank, r.name))[:limit]


def partner_ranking(user: Any, round_id: int) -> list[RankRow]:
    """The partner regions by their own side's score (a region in several pairs: the mean),
    with the change since the previous published round of the same rubric lineage."""
    evaluation_round = _ranking_round(user, round_id)
    current = _partner_scores(evaluation_round.pk)
    regions = Region.objects.in_bulk(list(current))
    names = {code: r.name for code, r in regions.items()}
    ranks = _ranks({code: score for code, (score, *_x) in current.items()}, names)
    before = previous_round(evaluation_round)
    previous: dict[Any, tuple[int, Decimal]] = {}
    if before is not None:
        earlier = _partner_scores(before.pk)
        previous = _ranks({code: score for code, (score, *_x) in earlier.items()}, names)
    rows = []
    for code, (rank, score) in ranks.items():
        old = previous.get(code)
        rows.append(
            RankRow(
                rank=rank,
                previous_rank=old[0] if old else None,
                score=score,
                previous_score=old[1] if old else None,
                region=regions[code],
                partner_score=score,
                pair_count=len(current[code][1]),
                assessment_ids=tuple(current[code][2]),
            )
        )
    return sorted(rows, key=lambda r: (r.rank, r.name))

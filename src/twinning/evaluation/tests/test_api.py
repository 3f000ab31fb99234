"""The evaluation API end to end: problem+json for every refusal, what each side sees."""

import pytest

from twinning.accounts.models import User
from twinning.core.testing import api_get, api_post, assert_problem
from twinning.evaluation.models import Assessment, EvaluationRound, Rubric
from twinning.evaluation.tests.conftest import full_marks, scores

pytestmark = pytest.mark.django_db


def test_a_round_through_the_api(
    api, supervisor: User, tianjin: User, henan: User, rubric: Rubric, tianjin_henan
) -> None:
    ministry, tj, hn = api(supervisor), api(tianjin), api(henan)
    created = api_post(
        ministry,
        "/evaluation/rounds",
        {
            "name": "API评估",
            "rubric": rubric.pk,
            "period_start": "2021-02-07",
            "period_end": "2021-06-30",
            "self_due": "2021-07-15",
            "pairings": [tianjin_henan.pk],
        },
    )
    assert created.status_code == 201, created.content
    round_id = created.json()["id"]
    assert api_post(ministry, f"/evaluation/rounds/{round_id}/open").json()["status"] == "open"
    listed = api_get(tj, f"/evaluation/rounds/{round_id}/assessments").json()
    mine = next(a for a in listed if a["side"] == "leading")
    theirs = next(a for a in listed if a["side"] == "partner")

    bad = full_marks()
    bad["goals"]["score"] = 30
    refused = api_post(tj, f"/evaluation/assessments/{mine['id']}/self-assessment", {"items": bad})
    body = assert_problem(refused, 422, "invalid")
    assert "score_goals" in body["errors"]
    assert Assessment.objects.get(pk=mine["id"]).status == "pending"

    done = api_post(tj, f"/evaluation/assessments/{mine['id']}/self-assessment",
                    {"items": full_marks(17), "lock_version": mine["lock_version"]})  # fmt: skip
    assert done.status_code == 200 and done.json()["self_total"] == 85.0
    stale = api_post(tj, f"/evaluation/assessments/{mine['id']}/self-assessment",
                     {"items": full_marks(18), "lock_version": mine["lock_version"]})  # fmt: skip
    assert_problem(stale, 409, "stale_version")

    # 河南 reads 天津's submitted self-assessment; its own stays private until it submits.
    seen = api_get(hn, f"/evaluation/assessments/{mine['id']}").json()
    assert seen["self_total"] == 85.0 and seen["ministry_total"] is None
    assert (
        api_get(tj, f"/evaluation/assessments/{theirs['id']}").json()["items"][0]["self_score"]
        is None
    )
    comment = api_post(hn, f"/evaluation/assessments/{mine['id']}/peer-comment",
                       {"comments": {"plan": "方案已备案"}})  # fmt: skip
    assert comment.status_code == 200

    api_post(ministry, f"/evaluation/rounds/{round_id}/close-self-assessment")
    api_post(ministry, f"/evaluation/assessments/{mine['id']}/score", {"items": scores(*[18] * 5)})
    early = api_post(ministry, f"/evaluation/rounds/{round_id}/publish")
    assert_problem(early, 409, "not_all_scored")
    api_post(
        ministry, f"/evaluation/assessments/{theirs['id']}/score", {"items": scores(*[12] * 5)}
    )
    assert api_get(tj, f"/evaluation/assessments/{mine['id']}").json()["ministry_total"] is None
    assert_problem(api_get(hn, f"/evaluation/rounds/{round_id}/rankings/pairs"), 404, "not_found")
    assert (
        api_post(ministry, f"/evaluation/rounds/{round_id}/publish").json()["status"] == "published"
    )

    frozen = api_post(
        ministry, f"/evaluation/assessments/{mine['id']}/score", {"items": scores(*[1] * 5)}
    )
    assert_problem(frozen, 409, "published")
    ranking = api_get(hn, f"/evaluation/rounds/{round_id}/rankings/pairs").json()
    assert ranking == [{
        "rank": 1, "previous_rank": None, "rank_change": None, "score": 75.0,
        "previous_score": None, "score_change": None, "pairing": tianjin_henan.pk,
        "region": None, "name": "天津市—河南省", "leading_score": 90.0, "partner_score": 60.0,
        "pair_count": 1}]  # fmt: skip

    appeal = api_post(hn, f"/evaluation/assessments/{theirs['id']}/appeal", {"reasons": "漏计"})
    assert appeal.status_code == 201
    again = api_post(hn, f"/evaluation/assessments/{theirs['id']}/appeal", {"reasons": "再诉"})
    assert_problem(again, 409, "already_appealed")
    decided = api_post(
        ministry,
        f"/evaluation/appeals/{appeal.json()['id']}/decision",
        {"decision": "upheld", "note": "属实", "scores": {"outcomes": 20}},
    )
    assert decided.json()["changes"] == {"outcomes": ["12.0", "20.0"]}
    after = api_get(hn, f"/evaluation/rounds/{round_id}/rankings/partners").json()
    assert after[0]["score"] == 68.0  # 60 + (20 − 12) / 20 × 20
    assert EvaluationRound.objects.get(pk=round_id).status == "published"


def test_rubric_weights_are_checked_with_problem_json(api, supervisor: User) -> None:
    response = api_post(
        api(supervisor),
        "/evaluation/rubrics",
        {
            "name": "坏细则",
            "dimensions": [{"code": "a", "name": "甲", "weight": 70, "max_points": 10}],
        },
    )
    body = assert_problem(response, 422, "weights_not_100")
    assert "70" in body["detail"]
    assert not Rubric.objects.filter(name="坏细则").exists()

"""The evaluation pages: who sees what, forms that refuse bad input beside the cell, exports."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from twinning.accounts.models import User
from twinning.evaluation import services
from twinning.evaluation.models import Appeal, Assessment, AssessmentItem, EvaluationRound, Rubric
from twinning.evaluation.tests.conftest import CODES

pytestmark = pytest.mark.django_db


def self_post(score: object = 18, evidence: str = "见附件") -> dict[str, object]:
    data: dict[str, object] = {}
    for code in CODES:
        data[f"score_{code}"] = score
        data[f"evidence_{code}"] = evidence
    return data


def test_rounds_page_lists_rounds_and_the_active_rubric(
    login, supervisor: User, henan: User, open_round: EvaluationRound
) -> None:
    page = login(supervisor).get(reverse("evaluation:rounds"))
    assert page.status_code == 200
    html = page.content.decode()
    assert open_round.name in html and "示例评估细则" in html and 'id="new-round"' in html
    assert 'id="oversight-tabs"' in html
    mine = login(henan).get(reverse("evaluation:rounds")).content.decode()
    assert open_round.name in mine and 'id="new-round"' not in mine
    assert "待自评" in mine  # 河南's own assessment status


def test_a_draft_round_is_the_ministrys_alone(
    login, supervisor: User, henan: User, draft_round: EvaluationRound
) -> None:
    assert login(henan).get(reverse("evaluation:round", args=[draft_round.pk])).status_code == 404
    assert draft_round.name not in login(henan).get(reverse("evaluation:rounds")).content.decode()
    assert (
        login(supervisor).get(reverse("evaluation:round", args=[draft_round.pk])).status_code == 200
    )


def test_new_round_form(login, supervisor: User, henan: User, rubric: Rubric) -> None:
    url = reverse("evaluation:round_new")
    assert login(henan).get(url).status_code == 403
    client = login(supervisor)
    page = client.get(url)
    assert page.status_code == 200 and "天津市—河南省" in page.content.decode()
    refused = client.post(url, {"name": "倒序", "rubric": rubric.pk, "period_start": "2021-06-30",
                                "period_end": "2021-02-01", "self_due": "2021-07-15",
                                "appeal_days": 10, "pairings": []})  # fmt: skip
    assert refused.status_code == 200
    assert not EvaluationRound.objects.filter(name="倒序").exists()
    from twinning.pairings.models import Pairing

    pairing = Pairing.objects.get(leading_region_id="120000", partner_region_id="410000")
    done = client.post(url, {"name": "试评", "rubric": rubric.pk, "period_start": "2021-02-07",
                             "period_end": "2021-06-30", "self_due": "2021-07-15",
                             "appeal_days": 10, "pairings": [pairing.pk]})  # fmt: skip
    created = EvaluationRound.objects.get(name="试评")
    assert done.status_code == 302 and list(created.pairings.all()) == [pairing]
    client.post(reverse("evaluation:round_action", args=[created.pk]), {"action": "open"})
    assert EvaluationRound.objects.get(pk=created.pk).status == "open"


def test_self_assessment_form_refuses_a_score_over_the_maximum_beside_the_cell(
    login, tianjin: User, tianjin_assessment: Assessment
) -> None:
    url = reverse("evaluation:assessment", args=[tianjin_assessment.pk])
    client = login(tianjin)
    data = self_post()
    data["score_plan"] = "25"
    page = client.post(url, data)
    assert page.status_code == 422
    html = page.content.decode()
    assert 'id="id_score_plan_errors"' in html and "0 到 20" in html
    assert 'value="25"' in html  # the typed value stays
    assert Assessment.objects.get(pk=tianjin_assessment.pk).status == "pending"
    assert client.post(url, self_post()).status_code == 302
    assert Assessment.objects.get(pk=tianjin_assessment.pk).self_total == Decimal("90.0")


def test_other_pairs_assessments_are_404_and_readers_get_403_on_post(
    login, jiangxi: User, henan_member: User, henan_expert: User, tianjin_assessment: Assessment
) -> None:
    url = reverse("evaluation:assessment", args=[tianjin_assessment.pk])
    assert login(jiangxi).get(url).status_code == 404
    for reader in (henan_member, henan_expert):
        assert login(reader).get(url).status_code == 200
        assert login(reader).post(url, self_post()).status_code == 403
    assert Assessment.objects.get(pk=tianjin_assessment.pk).status == "pending"


def test_ministry_scores_are_hidden_from_the_pair_until_publication(
    login, supervisor: User, tianjin: User, henan: User, open_round: EvaluationRound,
    tianjin_assessment: Assessment,
) -> None:  # fmt: skip
    client = login(tianjin)
    client.post(reverse("evaluation:assessment", args=[tianjin_assessment.pk]), self_post())
    services.close_self_assessment(actor=supervisor, round_id=open_round.pk)
    services.score_assessment(
        actor=supervisor,
        assessment_id=tianjin_assessment.pk,
        items={c: {"score": "13.5", "comment": "秘密评语"} for c in CODES},
    )
    for user in (tianjin, henan):
        html = (
            login(user)
            .get(reverse("evaluation:assessment", args=[tianjin_assessment.pk]))
            .content.decode()
        )
        assert "13.5" not in html and "秘密评语" not in html and "67.5" not in html
        round_html = (
            login(user).get(reverse("evaluation:round", args=[open_round.pk])).content.decode()
        )
        assert "67.5" not in round_html and "发布后可见" in round_html
        assert (
            login(user).get(reverse("evaluation:rankings", args=[open_round.pk])).status_code == 404
        )
    ministry = login(supervisor).get(reverse("evaluation:assessment", args=[tianjin_assessment.pk]))
    assert "67.5" in ministry.content.decode()


def test_evidence_upload_download_and_outsider(
    login, tianjin: User, henan: User, jiangxi: User, tianjin_assessment: Assessment
) -> None:
    client = login(tianjin)
    upload = SimpleUploadedFile("交流记录.txt", "2021年5月赴郑州调研".encode())
    response = client.post(
        reverse("evaluation:evidence_upload", args=[tianjin_assessment.pk]),
        {"dimension": "exchanges", "file": upload},
    )
    assert response.status_code == 302
    item = AssessmentItem.objects.get(assessment=tianjin_assessment, dimension__code="exchanges")
    evidence = item.files.get()
    url = reverse("evaluation:evidence_file", args=[evidence.pk])
    assert client.get(url).status_code == 200
    # The other side sees it only after submission; an outsider never.
    assert login(henan).get(url).status_code == 404
    assert login(jiangxi).get(url).status_code == 404
    bad = SimpleUploadedFile("a.pdf", b"MZ" + b"\x00" * 100)
    client.post(reverse("evaluation:evidence_upload", args=[tianjin_assessment.pk]),
                {"dimension": "plan", "file": bad})  # fmt: skip
    assert item.files.count() == 1


def test_rankings_page_and_xlsx(
    login, henan: User, jiangxi: User, published_round: EvaluationRound
) -> None:
    url = reverse("evaluation:rankings", args=[published_round.pk])
    # Published rankings are visible to every signed-in participant, 江西 included.
    for user in (henan, jiangxi):
        html = login(user).get(url).content.decode()
        assert "天津市—河南省" in html and "上海市—江西省" in html and "新" in html
    export = login(henan).get(url + "?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    names = {book.worksheets[0].cell(row=r, column=2).value for r in (2, 3)}
    assert names == {"天津市—河南省", "上海市—江西省"}


def test_appeal_and_decision_through_the_pages(
    login, supervisor: User, henan: User, tianjin: User, published_round: EvaluationRound
) -> None:
    assessment = published_round.assessments.get(
        pairing__leading_region_id="120000", side="partner"
    )
    url = reverse("evaluation:assessment", args=[assessment.pk])
    assert 'id="appeal-form"' in login(henan).get(url).content.decode()
    assert 'id="appeal-form"' not in login(tianjin).get(url).content.decode()
    refused = login(henan).post(
        reverse("evaluation:appeal_new", args=[assessment.pk]), {"reasons": ""}
    )
    assert refused.status_code == 422 and "请写明申诉理由" in refused.content.decode()
    assert login(tianjin).post(reverse("evaluation:appeal_new", args=[assessment.pk]),
                               {"reasons": "x"}).status_code == 403  # fmt: skip
    login(henan).post(
        reverse("evaluation:appeal_new", args=[assessment.pk]), {"reasons": "漏计活动"}
    )
    appeal = Appeal.objects.get()
    decide = reverse("evaluation:appeal_decide", args=[appeal.pk])
    assert login(henan).post(decide, {"decision": "upheld", "note": "x"}).status_code == 403
    page = login(supervisor).post(
        decide, {"decision": "upheld", "note": "属实", "score_exchanges": "99"}
    )
    assert page.status_code == 422
    login(supervisor).post(
        decide, {"decision": "partly", "note": "部分属实", "score_exchanges": "20"}
    )
    appeal.refresh_from_db()
    assert appeal.decision == "partly" and "exchanges" in appeal.changes
    html = login(henan).get(url).content.decode()
    assert "部分成立" in html and 'id="appeal-form"' not in html


def test_rubric_pages(login, supervisor: User, henan: User, rubric: Rubric) -> None:
    assert login(henan).get(reverse("evaluation:rubric", args=[rubric.pk])).status_code == 200
    assert login(henan).get(reverse("evaluation:rubric_new")).status_code == 403
    client = login(supervisor)
    url = reverse("evaluation:rubric_new")
    rows = {"dim_code": ["a", "b"], "dim_name": ["甲", "乙"], "dim_weight": ["60", "30"],
            "dim_max_points": ["10", "10"], "dim_evidence_required": ["", ""]}  # fmt: skip
    refused = client.post(url, {"name": "新细则", **rows})
    assert refused.status_code == 422 and "现为 90" in refused.content.decode()
    assert not Rubric.objects.filter(name="新细则").exists()
    rows["dim_weight"] = ["60", "40"]
    assert client.post(url, {"name": "新细则", **rows}).status_code == 302
    created = Rubric.objects.get(name="新细则")
    assert login(henan).get(reverse("evaluation:rubric", args=[created.pk])).status_code == 404
    client.post(reverse("evaluation:rubric_action", args=[created.pk]), {"action": "activate"})
    assert Rubric.objects.get(pk=created.pk).status == "active"


def test_the_top_pair_can_be_proposed_as_a_case_by_its_coordinators(
    login, supervisor: User, tianjin: User, jiangxi: User, published_round: EvaluationRound
) -> None:
    # score_all gives 上海–江西 the higher scores: it is first.
    url = reverse("evaluation:round", args=[published_round.pk])
    html = login(jiangxi).get(url).content.decode()
    assert 'id="propose-case"' in html and "origin=evaluation&id=" in html
    top = published_round.assessments.get(pairing__partner_region_id="360000", side="partner")
    assert f"id={top.pk}" in html  # the better-scored side of the top pair
    assert 'id="propose-case"' in login(supervisor).get(url).content.decode()
    assert 'id="propose-case"' not in login(tianjin).get(url).content.decode()


def test_round_stage_buttons_report_refusals(
    login, supervisor: User, open_round: EvaluationRound
) -> None:
    client = login(supervisor)
    url = reverse("evaluation:round_action", args=[open_round.pk])
    response = client.post(url, {"action": "publish"}, follow=True)
    assert "不能执行此操作" in response.content.decode()
    assert EvaluationRound.objects.get(pk=open_round.pk).status == "open"
    stale = client.post(url, {"action": "close_self", "lock_version": "99"}, follow=True)
    assert "已被他人修改" in stale.content.decode()
    client.post(url, {"action": "close_self"})
    assert EvaluationRound.objects.get(pk=open_round.pk).status == "scoring"

"""The HTML pages: list, asking, the problem's page and its buttons, the expert pool."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from twinning.consultations import services
from twinning.consultations.models import ExpertTopic, Problem
from twinning.consultations.tests.conftest import EXE, PDF

Status = Problem.Status


def test_the_list_filters_exports_and_answers_htmx(login, ask, henan, gansu_expert):
    problem = ask(title="厨余垃圾分出率低")
    ask(title="条例起草", description="地方条例的起草", topic="laws_standards")
    page = login(henan).get("/consultations/")
    assert page.status_code == 200
    assert (
        "厨余垃圾分出率低" in page.content.decode() and 'id="new-problem"' in page.content.decode()
    )
    partial = login(henan).get("/consultations/?topic=laws_standards", HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert "条例起草" in text and "厨余垃圾分出率低" not in text and "<html" not in text
    export = login(henan).get("/consultations/?export=xlsx&q=厨余")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == [problem.title]
    empty = login(gansu_expert).get("/consultations/").content.decode()
    assert "没有符合条件的难题" in empty and "new-problem" not in empty


def test_asking_with_files_and_the_similar_partial(login, henan, tianjin_henan, tianjin):
    client = login(henan)
    choose = client.get("/consultations/new/").content.decode()
    assert f"?pairing={tianjin_henan.pk}" in choose
    form = client.get(f"/consultations/new/?pairing={tianjin_henan.pk}")
    assert 'hx-get="/consultations/similar/"' in form.content.decode()
    response = client.post(
        f"/consultations/new/?pairing={tianjin_henan.pk}",
        {
            "title": "如何提高厨余垃圾分出率",
            "description": "居民参与度低",
            "urgency": "urgent",
            "response_days": 10,
            "attachments": [SimpleUploadedFile("照片.pdf", PDF)],
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/consultations/{problem.pk}/"
    assert problem.attachments.count() == 1
    similar = client.get("/consultations/similar/", {"q": "厨余垃圾分出率太低怎么办"})
    assert "如何提高厨余垃圾分出率" in similar.content.decode()
    assert login(tianjin).get(f"/consultations/new/?pairing={tianjin_henan.pk}").status_code == 403


def test_a_bad_file_or_deadline_is_shown_beside_the_field(login, henan, tianjin_henan):
    response = login(henan).post(
        f"/consultations/new/?pairing={tianjin_henan.pk}",
        {
            "title": "标题",
            "description": "描述",
            "urgency": "normal",
            "response_days": 10,
            "attachments": [SimpleUploadedFile("报告.pdf", EXE)],
        },
    )
    assert response.status_code == 200 and "不支持此文件类型" in response.content.decode()
    response = login(henan).post(
        f"/consultations/new/?pairing={tianjin_henan.pk}",
        {"title": "标题", "description": "描述", "urgency": "normal", "response_days": 90},
    )
    assert response.status_code == 200 and not Problem.objects.exists()


def test_the_problem_page_and_its_buttons(login, ask, henan, tianjin, leading_expert, jiangxi):
    problem = ask()
    assert login(jiangxi).get(f"/consultations/{problem.pk}/").status_code == 404
    page = login(tianjin).get(f"/consultations/{problem.pk}/").content.decode()
    assert 'id="assign-form"' in page and 'id="answer-form"' in page and "tj_expert" in page
    client = login(tianjin)
    client.post(f"/consultations/{problem.pk}/assign/", {"expert": leading_expert.pk})
    client.post(f"/consultations/{problem.pk}/answer/", {"body": "建议设督导员"})
    answer = problem.answers.get()
    client.post(f"/consultations/{problem.pk}/comment/", {"body": "补充", "answer": answer.pk})
    asker = login(henan)
    page = asker.get(f"/consultations/{problem.pk}/").content.decode()
    assert "采纳此解答" in page and 'id="verdict"' in page and 'id="answer-form"' not in page
    asker.post(f"/consultations/answers/{answer.pk}/accept/")
    asker.post(f"/consultations/{problem.pk}/rate/", {"rating": "4", "comment": "有用"})
    asker.post(f"/consultations/{problem.pk}/do/solved/")
    problem.refresh_from_db()
    assert (problem.status, problem.rating) == (Status.RESOLVED, 4)
    assert problem.solved_in_practice_at is not None
    refused = asker.post(f"/consultations/{problem.pk}/do/close/", {"reason": ""}, follow=True)
    assert "请填写关闭原因" in refused.content.decode()
    asker.post(f"/consultations/{problem.pk}/do/close/", {"reason": "已解决"})
    closed = client.post(f"/consultations/{problem.pk}/answer/", {"body": "再答"}, follow=True)
    assert "不能再操作" in closed.content.decode()
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED and problem.answers.count() == 1
    page = asker.get(f"/consultations/{problem.pk}/").content.decode()
    assert 'id="history"' in page and "已解决" in page


def test_overdue_deadline_is_highlighted(login, ask, henan):
    problem = ask()
    Problem.objects.filter(pk=problem.pk).update(response_due=problem.asked_at)
    page = login(henan).get(f"/consultations/{problem.pk}/").content.decode()
    assert "已逾期，尚未答复" in page


def test_editing_with_a_stale_version_keeps_the_typed_text(login, ask, henan, tianjin):
    problem = ask()
    client = login(henan)
    assert login(tianjin).get(f"/consultations/{problem.pk}/edit/").status_code == 403
    data = {
        "title": "改过的标题",
        "description": "描述",
        "urgency": "normal",
        "topic": "",
        "lock_version": problem.lock_version,
    }
    assert client.post(f"/consultations/{problem.pk}/edit/", data).status_code == 302
    stale = client.post(f"/consultations/{problem.pk}/edit/", {**data, "title": "再改"})
    assert stale.status_code == 200 and "保存失败" in stale.content.decode()
    problem.refresh_from_db()
    assert problem.title == "改过的标题"


def test_archive_and_restore_buttons(login, ask, henan):
    problem = ask()
    login(henan).post(f"/consultations/{problem.pk}/do/archive/")
    problem.refresh_from_db()
    assert problem.is_archived
    login(henan).post(f"/consultations/{problem.pk}/do/restore/")
    problem.refresh_from_db()
    assert not problem.is_archived


def test_attachment_download_is_scoped(login, ask, henan, jiangxi):
    from twinning.consultations.tests.conftest import pdf

    attachment = ask(files=[pdf()]).attachments.get()
    response = login(henan).get(f"/consultations/attachments/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert login(jiangxi).get(f"/consultations/attachments/{attachment.pk}/").status_code == 404


@pytest.mark.usefixtures("sorting_topic")
def test_the_expert_pool_page_is_for_admins(
    login, admin_user, tianjin, gansu_expert, sorting_topic
):
    assert login(tianjin).get("/consultations/experts/").status_code == 403
    client = login(admin_user)
    assert client.get("/consultations/experts/").status_code == 200
    client.post("/consultations/experts/", {"user": gansu_expert.pk, "topic": sorting_topic.pk})
    row = ExpertTopic.objects.get(user=gansu_expert)
    assert row.active
    again = client.post(
        "/consultations/experts/", {"user": gansu_expert.pk, "topic": sorting_topic.pk}
    )
    assert "已在此协作内容的专家库中" in again.content.decode()
    client.post(f"/consultations/experts/{row.pk}/remove/")
    row.refresh_from_db()
    assert not row.active
    services.add_pool_expert(actor=admin_user, user=gansu_expert, topic=sorting_topic)

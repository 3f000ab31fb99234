"""The API end to end: draft, read, edit, recount, release, export; bad input as problem+json
with a clear message and nothing changed."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from twinning.accounts.models import User
from twinning.bulletins import export
from twinning.bulletins.models import Bulletin
from twinning.bulletins.tests.factories import Seeded
from twinning.core.testing import api_get, api_patch, api_post, assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def ministry(supervisor: User, api: Callable[[User], Client]) -> Client:
    return api(supervisor)


def test_draft_edit_release_export(seeded: Seeded, ministry: Client) -> None:
    response = api_post(ministry, "/bulletins", {"scope": "national", "period": "2021h1"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["period"] == "2021H1" and body["status"] == "draft" and body["lock_version"] == 1
    figures = {f["key"]: f for f in body["figures"]}
    held = figures["exchanges.held"]
    assert (
        held["value"] == 7 and held["label"] == "开展交流活动" and held["record_kind"] == "exchange"
    )
    assert len(held["record_ids"]) == 7
    assert held["trace_url"] == f"/bulletins/{body['id']}/trace/exchanges.held/"
    assert [s["heading"] for s in body["sections"]][0] == "总体情况"
    url = f"/bulletins/{body['id']}"

    edited = api_patch(ministry, url, {"sections": {"overview": "总体平稳。"}, "lock_version": 1})
    assert edited.status_code == 200
    assert edited.json()["sections"][0]["text"] == "总体平稳。"
    stale = api_patch(ministry, url, {"sections": {"overview": "又改"}, "lock_version": 1})
    assert_problem(stale, 409, "stale_version")

    assert api_post(ministry, f"{url}/refresh", {"lock_version": 2}).json()["lock_version"] == 3
    released = api_post(ministry, f"{url}/release", {"lock_version": 3})
    assert released.json()["status"] == "released"
    frozen = api_patch(ministry, url, {"sections": {"overview": "x"}, "lock_version": 4})
    body = assert_problem(frozen, 409, "bulletin_released")
    assert body["detail"] == "简报已印发，不能再修改。"

    docx = api_get(ministry, f"{url}/export", format="docx")
    assert docx.status_code == 200
    assert docx["Content-Type"] == export.CONTENT_TYPES["docx"]
    assert "filename*=utf-8''" in docx["Content-Disposition"].lower()
    import docx as python_docx

    assert (
        python_docx.Document(io.BytesIO(docx.content)).paragraphs[0].text.startswith("生活垃圾分类")
    )
    history = api_get(ministry, f"{url}/history").json()
    assert [h["action"] for h in history][:2] == ["transition", "update"]


@pytest.mark.parametrize(
    ("payload", "status", "code", "text"),
    [
        ({"scope": "national", "period": "2021H3"}, 422, "invalid_period", "2021H3"),
        ({"scope": "national", "period": "2030"}, 422, "future_period", "尚未开始"),
        ({"scope": "province", "region": "999999", "period": "2021"}, 422, "invalid", "省级"),
        ({"scope": "pair", "pairing": 999999, "period": "2021"}, 404, "not_found", "结对不存在"),
        ({"scope": "city", "period": "2021"}, 422, "invalid_input", "提交的数据格式不正确"),
    ],
)
def test_bad_drafts_are_refused(
    seeded: Seeded, ministry: Client, payload: dict[str, Any], status: int, code: str, text: str
) -> None:
    body = assert_problem(api_post(ministry, "/bulletins", payload), status, code)
    assert text in str(body)
    assert not Bulletin.objects.exists()


def test_pdf_unavailable_is_409(
    seeded: Seeded, ministry: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulletin_id = api_post(ministry, "/bulletins", {"scope": "national", "period": "2021"}).json()[
        "id"
    ]
    monkeypatch.setattr(export, "soffice_path", lambda: None)
    body = assert_problem(
        api_get(ministry, f"/bulletins/{bulletin_id}/export", format="pdf"), 409, "pdf_unavailable"
    )
    assert "LibreOffice" in body["detail"]


def test_list_filters(seeded: Seeded, ministry: Client) -> None:
    api_post(ministry, "/bulletins", {"scope": "national", "period": "2021H1"})
    api_post(ministry, "/bulletins", {"scope": "province", "region": "410000", "period": "2021Q2"})
    assert api_get(ministry, "/bulletins").json()["count"] == 2
    assert (
        api_get(ministry, "/bulletins", scope="province").json()["items"][0]["region"] == "410000"
    )
    assert api_get(ministry, "/bulletins", period="2021Q").json()["count"] == 1
    assert api_get(ministry, "/bulletins", status="released").json()["count"] == 0
    titles = [b["title"] for b in api_get(ministry, "/bulletins", sort="title").json()["items"]]
    assert titles == sorted(titles)

"""The pages: the list with its filters, pagination and drafting form; a bulletin whose every
number links to the records it counts; editing a draft; the trace page."""

import re
from collections.abc import Callable

import pytest
from django.test import Client

from twinning.accounts.models import User
from twinning.bulletins import services
from twinning.bulletins.models import Bulletin
from twinning.bulletins.tests.factories import Seeded

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def test_empty_list_invites_drafting(seeded: Seeded, supervisor: User, login: Login) -> None:
    page = login(supervisor).get("/bulletins/").content.decode()
    assert "没有符合条件的简报" in page and 'id="draft-form"' in page
    assert 'id="oversight-tabs"' in page


def test_read_only_users_see_no_drafting_form(
    seeded: Seeded, henan_expert: User, login: Login
) -> None:
    page = login(henan_expert).get("/bulletins/").content.decode()
    assert 'id="draft-form"' not in page


def test_draft_from_the_form(seeded: Seeded, supervisor: User, login: Login) -> None:
    client = login(supervisor)
    response = client.post("/bulletins/new/", {"scope": "national", "period": "2021H1"})
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302 and response.url == f"/bulletins/{bulletin.pk}/"
    page = client.get(response.url).content.decode()
    assert "简报已起草" in page
    assert bulletin.title in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"scope": "national", "period": "2021H3"}, "period", "期间代码“2021H3”无效"),
        ({"scope": "national", "period": "2021Q4"}, "period", "尚未开始"),
        ({"scope": "province", "period": "2021"}, "region", "请选择一个省级行政区。"),
    ],
)
def test_bad_input_is_shown_beside_the_field(
    seeded: Seeded, supervisor: User, login: Login, data: dict[str, str], field: str, message: str
) -> None:
    response = login(supervisor).post("/bulletins/new/", data)
    assert response.status_code == 422
    assert any(message in e for e in response.context["form"].errors[field])
    assert response.context["form"]["period"].value() == data["period"]  # kept as typed
    assert not Bulletin.objects.exists()


def test_every_number_links_to_its_records(seeded: Seeded, supervisor: User, login: Login) -> None:
    bulletin = services.draft(actor=supervisor, scope="national", period_code="2021H1")
    client = login(supervisor)
    page = client.get(f"/bulletins/{bulletin.pk}/").content.decode()
    keys = set(re.findall(r'data-figure="([^"]+)"', page))
    assert keys == set(bulletin.figures["numbers"]) - {
        k for k in bulletin.figures["numbers"] if k.startswith("exchanges.month.")
    }
    trace = client.get(f"/bulletins/{bulletin.pk}/trace/exchanges.held/")
    text = trace.content.decode()
    assert '<span id="trace-value">7</span>' in text
    assert text.split('id="trace-table"')[1].count('href="/exchanges/') == 7
    assert "该数字统计了以下 7 条交流活动记录" in text
    people = client.get(f"/bulletins/{bulletin.pk}/trace/exchanges.participants/").content.decode()
    assert "合计" in people
    missing = client.get(f"/bulletins/{bulletin.pk}/trace/reports.missing/").content.decode()
    assert "（未报送）" in missing
    assert client.get(f"/bulletins/{bulletin.pk}/trace/nothing.here/").status_code == 404


def test_edit_sections_and_a_stale_edit_keeps_the_typed_text(
    seeded: Seeded, supervisor: User, login: Login
) -> None:
    bulletin = services.draft(actor=supervisor, scope="national", period_code="2021H1")
    client = login(supervisor)
    data = {
        "number": "第3期",
        "title": bulletin.title,
        "lock_version": 1,
        "section_next": "加强督导",
    }
    assert client.post(f"/bulletins/{bulletin.pk}/", data).status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.section_text("next") == "加强督导" and bulletin.number == "第3期"
    stale = client.post(f"/bulletins/{bulletin.pk}/", {**data, "section_next": "我的修改"})
    assert stale.status_code == 422
    assert "被他人修改" in stale.content.decode() and "我的修改" in stale.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.section_text("next") == "加强督导"


def test_release_from_the_page_freezes_the_form(
    seeded: Seeded, supervisor: User, login: Login
) -> None:
    bulletin = services.draft(actor=supervisor, scope="national", period_code="2021H1")
    client = login(supervisor)
    response = client.post(
        f"/bulletins/{bulletin.pk}/do/release/", {"lock_version": 1}, follow=True
    )
    page = response.content.decode()
    assert "简报已印发。" in page and 'id="sections-form"' not in page
    assert (
        client.post(f"/bulletins/{bulletin.pk}/do/refresh/", follow=True)
        .content.decode()
        .count("简报已印发，不能再修改。")
        == 1
    )


def test_exports_from_the_page(seeded: Seeded, supervisor: User, login: Login) -> None:
    bulletin = services.draft(actor=supervisor, scope="national", period_code="2021H1")
    client = login(supervisor)
    docx = client.get(f"/bulletins/{bulletin.pk}/export.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert "filename*=UTF-8''" in docx["Content-Disposition"]
    assert client.get(f"/bulletins/{bulletin.pk}/export.xlsx").content[:2] == b"PK"
    assert client.get(f"/bulletins/{bulletin.pk}/export.zip").status_code == 404


def test_list_filters_sort_and_pagination(seeded: Seeded, supervisor: User, login: Login) -> None:
    for code in ("2021Q1", "2021Q2", "2021H1"):
        services.draft(actor=supervisor, scope="national", period_code=code)
    services.draft(actor=supervisor, scope="province", region="410000", period_code="2021H1")
    client = login(supervisor)
    assert client.get("/bulletins/", {"scope": "province"}).context["page"].paginator.count == 1
    assert client.get("/bulletins/", {"period": "2021Q"}).context["page"].paginator.count == 2
    rows = client.get("/bulletins/", {"sort": "title"}).context["page"].object_list
    assert [b.title for b in rows] == sorted(b.title for b in rows)
    partial = client.get("/bulletins/", {"status": "draft"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and partial.context["page"].paginator.count == 4
    assert client.get("/bulletins/", {"page": "99"}).context["page"].number == 1

"""The pairing pages: lists, the pair page, and forms that show errors beside the field."""

import io

import pytest
from openpyxl import load_workbook

from twinning.core.models import AuditEntry
from twinning.pairings import services
from twinning.pairings.models import Body, Member, Pairing, Side


def test_the_overview_shows_numbers_and_map_data(login, supervisor):
    response = login(supervisor).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="stat-total">28<' in html
    assert 'id="map-lines"' in html
    assert "vendor/echarts.min.js" in html
    assert "http://" not in html.split("<body")[1].replace("http://testserver", "")


def test_the_ui_is_chinese_even_for_an_english_browser(login, supervisor):
    response = login(supervisor).get("/pairings/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "先行方" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client, programme):
    response = client.get("/pairings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_list_filters_sorts_and_paginates(login, supervisor):
    client = login(supervisor)
    page = client.get("/pairings/", {"province": "410000", "level": "county-prefecture"})
    partners = {p.partner_region.name for p in page.context["page"].object_list}
    assert partners == {"信阳市", "南阳市", "许昌市", "平顶山市"}
    page = client.get("/pairings/", {"sort": "-partner"})
    rows = [p.partner_region.code for p in page.context["page"].object_list]
    assert rows == sorted(rows, reverse=True)


def test_pagination_splits_long_lists(login, supervisor, monkeypatch):
    monkeypatch.setattr("twinning.pairings.views.PAGE_SIZE", 10)
    client = login(supervisor)
    first = client.get("/pairings/")
    assert len(first.context["page"].object_list) == 10
    last = client.get("/pairings/", {"page": "3"})
    assert len(last.context["page"].object_list) == 8
    assert client.get("/pairings/", {"page": "not-a-number"}).status_code == 200


def test_htmx_requests_get_only_the_results(login, supervisor):
    response = login(supervisor).get("/pairings/", {"q": "许昌"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "许昌市" in html and "四川省" not in html


def test_an_empty_result_says_so(login, supervisor):
    html = login(supervisor).get("/pairings/", {"q": "不存在的地方"}).content.decode()
    assert "没有符合条件的结对" in html


def test_the_list_exports_to_excel_with_the_same_filters(login, supervisor):
    response = login(supervisor).get("/pairings/", {"province": "410000", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "先行方"
    assert len(rows) == 1 + 5
    assert {r[3] for r in rows[1:]} == {"河南省", "信阳市", "南阳市", "许昌市", "平顶山市"}


def test_the_pair_page_shows_both_sides_sub_pairs_and_history(login, tianjin, tianjin_henan):
    html = login(tianjin).get(f"/pairings/{tianjin_henan.pk}/").content.decode()
    assert "天津市 — 河南省" in html
    for name in ("和平区", "河西区", "南开区", "北辰区"):
        assert name in html
    assert 'id="history"' in html
    assert "创建" in html


def test_a_sub_pair_page_links_to_its_parent_only_when_visible(
    login, henan, xuchang, nankai_xuchang
):
    link = f'href="/pairings/{nankai_xuchang.parent_id}/"'
    assert link in login(henan).get(f"/pairings/{nankai_xuchang.pk}/").content.decode()
    assert link not in login(xuchang).get(f"/pairings/{nankai_xuchang.pk}/").content.decode()


def test_phones_are_hidden_from_experts(login, henan, henan_expert, tianjin_henan):
    body = services.create_body(
        actor=henan,
        pairing_id=tianjin_henan.pk,
        side=Side.PARTNER,
        kind=Body.Kind.TASK_FORCE,
        name="专班",
    )
    services.add_member(
        actor=henan, body_id=body.pk, values={"person_name": "张三", "phone": "0371-1234567"}
    )
    assert "0371-1234567" in login(henan).get(f"/pairings/{tianjin_henan.pk}/").content.decode()
    expert_html = login(henan_expert).get(f"/pairings/{tianjin_henan.pk}/").content.decode()
    assert "张三" in expert_html
    assert "0371-1234567" not in expert_html  # neither in the table nor in the history
    assert "***" in expert_html


def test_proposing_through_the_form(login, ningbo):
    response = login(ningbo).post(
        "/pairings/new/",
        {"leading": "宁波市", "partner": "620000 甘肃省", "focus_cities": "", "notes": "试点"},
    )
    pairing = Pairing.objects.get(leading_region_id="330200", partner_region_id="620000")
    assert response.status_code == 302
    assert response["Location"] == f"/pairings/{pairing.pk}/"
    assert pairing.proposed_by == ningbo


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"leading": "330200", "partner": "330200"}, "partner", "不能与自身结对"),
        ({"leading": "330200", "partner": "999999"}, "partner", "不存在"),
        ({"leading": "330200", "partner": "火星"}, "partner", "找不到"),
        ({"leading": "330200", "partner": ""}, "partner", "必填"),
    ],
)
def test_a_bad_proposal_shows_the_error_beside_the_field(login, ningbo, data, field, message):
    before = (Pairing.objects.count(), AuditEntry.objects.count())
    response = login(ningbo).post("/pairings/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors.get(field, []))
    assert (Pairing.objects.count(), AuditEntry.objects.count()) == before


def test_a_duplicate_proposal_is_shown_as_a_form_error(login, admin_user):
    response = login(admin_user).post("/pairings/new/", {"leading": "120000", "partner": "410000"})
    assert response.status_code == 200
    assert "已有进行中的结对" in response.content.decode()


def test_accepting_through_the_page(login, ningbo, gansu):
    pairing = services.propose_pairing(actor=ningbo, leading_code="330200", partner_code="620000")
    page = login(gansu).get(f"/pairings/{pairing.pk}/").content.decode()
    assert 'id="accept-button"' in page
    assert (
        'id="accept-button"' not in login(ningbo).get(f"/pairings/{pairing.pk}/").content.decode()
    )
    response = login(gansu).post(f"/pairings/{pairing.pk}/accept/")
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ACTIVE


def test_a_forbidden_transition_comes_back_as_a_message(login, tianjin, tianjin_henan):
    client = login(tianjin)
    client.post(f"/pairings/{tianjin_henan.pk}/transition/", {"to_status": "concluded"})
    response = client.post(
        f"/pairings/{tianjin_henan.pk}/transition/", {"to_status": "suspended"}, follow=True
    )
    assert "不能从" in response.content.decode()
    tianjin_henan.refresh_from_db()
    assert tianjin_henan.status == Pairing.Status.CONCLUDED


def test_bodies_and_members_through_the_forms(login, henan, tianjin_henan):
    client = login(henan)
    client.post(
        f"/pairings/{tianjin_henan.pk}/bodies/new/",
        {"side": "partner", "kind": "leading_group", "name": "河南省领导小组", "duties": ""},
    )
    body = Body.objects.get(name="河南省领导小组")
    bad = client.post(
        f"/pairings/bodies/{body.pk}/members/new/", {"person_name": "王五", "email": "bad"}
    )
    assert "email" in bad.context["form"].errors
    assert not Member.objects.filter(person_name="王五").exists()
    client.post(
        f"/pairings/bodies/{body.pk}/members/new/",
        {"person_name": "王五", "body_role": "组长", "duty_area": "policy"},
    )
    member = Member.objects.get(person_name="王五")
    client.post(f"/pairings/members/{member.pk}/archive/")
    member.refresh_from_db()
    assert member.is_archived
    html = client.get(f"/pairings/{tianjin_henan.pk}/").content.decode()
    assert "已归档成员" in html


def test_a_contact_form_rejects_a_region_outside_the_side(login, henan, tianjin_henan):
    response = login(henan).post(
        f"/pairings/{tianjin_henan.pk}/contacts/new/",
        {"side": "partner", "region": "120104", "person_name": "某人"},
    )
    assert response.status_code == 200
    assert "region" in response.context["form"].errors


def test_token_page_and_api_docs_are_linked(login, henan):
    html = login(henan).get("/account/tokens/").content.decode()
    assert "API" in html
    assert "/api/v1/docs" in html

"""HTML pages: list (filters, export), new (with delegates, files, follow-ups), detail, edit,
archive, downloads, calendar, the feed page and statistics."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from twinning.exchanges.models import Exchange, FollowUp
from twinning.exchanges.tests.conftest import EXE, PDF, PNG, exchanges_state
from twinning.plans import queries as plan_queries


def form_data(pairing, **values):
    return {
        "pairing": pairing.pk,
        "title": "郑州座谈会",
        "kind": "symposium",
        "direction": "leading_to_partner",
        "status": "planned",
        "start_date": "2026-05-11",
        "end_date": "2026-05-12",
        "place": "郑州市",
        "delegates": (
            "张伟 | 天津市城市管理委员会 | 处长 | 先行方\n李娜 | 河南省住建厅 | 副处长 | 河南"
        ),
        "topics": ["laws_standards"],
        "follow_ups": "编制宣传手册 | 结对方 | 2026-12-31",
        **values,
    }


class TestList:
    def test_list_filters_and_scope(self, login, tianjin, jiangxi, tianjin_henan, record):
        record(tianjin, tianjin_henan, title="天津赴河南座谈")
        record(
            tianjin, tianjin_henan, title="线上培训", kind="training", direction="online", place=""
        )
        page = login(tianjin).get("/exchanges/", {"kind": "training"})
        assert page.status_code == 200
        assert "线上培训" in page.content.decode() and "天津赴河南座谈" not in page.content.decode()
        outsider = login(jiangxi).get("/exchanges/").content.decode()
        assert "天津赴河南座谈" not in outsider and "没有符合条件的交流活动" in outsider

    def test_htmx_returns_the_results_only(self, login, tianjin):
        response = login(tianjin).get("/exchanges/", HTTP_HX_REQUEST="true")
        assert "<html" not in response.content.decode()

    def test_export_follows_the_filters(self, login, tianjin, tianjin_henan, record):
        record(tianjin, tianjin_henan, title="甲")
        record(tianjin, tianjin_henan, title="乙", status="cancelled")
        response = login(tianjin).get("/exchanges/export.xlsx", {"status": "cancelled"})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][2] == "活动名称"
        assert [r[2] for r in rows[1:]] == ["乙"]


class TestNew:
    def test_choose_pair_then_record_in_one_step(self, login, tianjin, tianjin_henan):
        client = login(tianjin)
        assert str(tianjin_henan) in client.get("/exchanges/new/").content.decode()
        data = form_data(tianjin_henan)
        data["attachments"] = [
            SimpleUploadedFile("纪要.pdf", PDF),
            SimpleUploadedFile("合影.png", PNG),
        ]
        response = client.post("/exchanges/new/", data)
        assert response.status_code == 302, response.content.decode()
        exchange = Exchange.objects.get()
        assert response["Location"] == f"/exchanges/{exchange.pk}/"
        assert [d.side for d in exchange.delegates.all()] == ["leading", "partner"]
        assert exchange.files.count() == 2
        task = FollowUp.objects.get(exchange=exchange).task
        assert task.plan == plan_queries.working_plan_of(tianjin_henan.pk)
        assert task.side == "partner" and task.due_date == dt.date(2026, 12, 31)

    def test_errors_show_beside_the_fields_and_nothing_is_saved(
        self, login, tianjin, tianjin_henan
    ):
        before = exchanges_state()
        data = form_data(tianjin_henan, end_date="2026-05-01")
        data["attachments"] = [SimpleUploadedFile("x.pdf", EXE)]
        response = login(tianjin).post("/exchanges/new/", data)
        assert response.status_code == 200
        assert "结束日期不能早于开始日期" in response.content.decode()
        assert exchanges_state() == before

    def test_disguised_file_error_shows_on_the_files_field(self, login, tianjin, tianjin_henan):
        data = form_data(tianjin_henan)
        data["attachments"] = [SimpleUploadedFile("x.pdf", EXE)]
        response = login(tianjin).post("/exchanges/new/", data)
        assert response.status_code == 200
        assert 'id="id_attachments_errors"' in response.content.decode()
        assert not Exchange.objects.exists()

    def test_bad_delegate_line_is_named(self, login, tianjin, tianjin_henan):
        data = form_data(tianjin_henan, delegates="张伟 | 单位 | 职务 | 部里")
        response = login(tianjin).post("/exchanges/new/", data)
        assert "第 1 行格式不对" in response.content.decode()

    def test_no_working_plan_links_to_creating_one(self, login, xuchang, nankai_xuchang):
        client = login(xuchang)
        page = client.get("/exchanges/new/", {"pairing": nankai_xuchang.pk}).content.decode()
        assert f"/plans/new/?pairing={nankai_xuchang.pk}" in page
        response = client.post("/exchanges/new/", form_data(nankai_xuchang))
        assert response.status_code == 200
        assert "还没有可以添加任务的工作方案" in response.content.decode()
        assert not Exchange.objects.exists()

    def test_outsider_404_and_read_only_403(self, login, jiangxi, henan_expert, tianjin_henan):
        assert (
            login(jiangxi).get("/exchanges/new/", {"pairing": tianjin_henan.pk}).status_code == 404
        )
        assert (
            login(henan_expert).get("/exchanges/new/", {"pairing": tianjin_henan.pk}).status_code
            == 403
        )


class TestDetail:
    def test_detail_shows_everything(self, login, henan, tianjin, tianjin_henan, record):
        exchange = record(
            tianjin,
            tianjin_henan,
            summary="交流了分类投放经验",
            delegates=[{"name": "张伟", "side": "leading"}],
            follow_ups=[{"title": "编制宣传手册", "side": "partner"}],
        )
        task = FollowUp.objects.get(exchange=exchange).task
        page = login(henan).get(f"/exchanges/{exchange.pk}/").content.decode()
        assert "交流了分类投放经验" in page and "张伟" in page
        assert f"/plans/tasks/{task.pk}/" in page
        assert 'id="history"' in page

    def test_outsider_404(self, login, jiangxi, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        client = login(jiangxi)
        assert client.get(f"/exchanges/{exchange.pk}/").status_code == 404
        assert client.get(f"/exchanges/{exchange.pk}/edit/").status_code == 404

    def test_read_only_sees_but_cannot_change(
        self, login, henan_expert, tianjin, tianjin_henan, record
    ):
        exchange = record(tianjin, tianjin_henan)
        client = login(henan_expert)
        assert client.get(f"/exchanges/{exchange.pk}/").status_code == 200
        assert client.get(f"/exchanges/{exchange.pk}/edit/").status_code == 403
        assert client.post(f"/exchanges/{exchange.pk}/archive/").status_code == 403

    def test_file_download_is_permission_checked(
        self, login, tianjin, jiangxi, tianjin_henan, record
    ):
        from twinning.exchanges import services

        exchange = record(
            tianjin, tianjin_henan, files=[services.Upload(io.BytesIO(PDF), "纪要.pdf")]
        )
        record_file = exchange.files.get()
        response = login(tianjin).get(f"/exchanges/files/{record_file.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert "attachment" in response["Content-Disposition"]
        assert login(jiangxi).get(f"/exchanges/files/{record_file.pk}/").status_code == 404

    def test_upload_and_follow_ups_from_the_page(self, login, henan, tianjin_henan, record):
        exchange = record(henan, tianjin_henan)
        client = login(henan)
        response = client.post(
            f"/exchanges/{exchange.pk}/files/",
            {"attachments": [SimpleUploadedFile("photo.png", PNG)]},
        )
        assert response.status_code == 302
        assert exchange.files.get().is_photo
        response = client.post(
            f"/exchanges/{exchange.pk}/follow-ups/",
            {"follow_ups": "互派跟训人员 | 双方 | 2027-01-31\n整理会议纪要 | 先行方 |"},
        )
        assert response.status_code == 302
        titles = [f.task.title for f in FollowUp.objects.filter(exchange=exchange)]
        assert titles == ["互派跟训人员", "整理会议纪要"]


class TestEditAndArchive:
    def test_edit_saves_and_stale_edit_is_refused(
        self, login, tianjin, henan, tianjin_henan, record
    ):
        exchange = record(tianjin, tianjin_henan, delegates=[{"name": "张伟", "side": "leading"}])
        data = form_data(
            tianjin_henan,
            title="新名称",
            lock_version=1,
            status="held",
            start_date="2026-01-05",
            end_date="2026-01-06",
        )
        data.pop("follow_ups")
        response = login(henan).post(f"/exchanges/{exchange.pk}/edit/", data)
        assert response.status_code == 302
        exchange.refresh_from_db()
        assert (exchange.title, exchange.status, exchange.participant_count) == (
            "新名称",
            "held",
            2,
        )
        stale = login(tianjin).post(f"/exchanges/{exchange.pk}/edit/", {**data, "title": "旧"})
        assert stale.status_code == 200
        assert "henan" in stale.content.decode()
        exchange.refresh_from_db()
        assert exchange.title == "新名称"

    def test_archive_and_restore(self, login, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        client = login(tianjin)
        client.post(f"/exchanges/{exchange.pk}/archive/")
        exchange.refresh_from_db()
        assert exchange.is_archived
        assert "郑州" not in client.get("/exchanges/").content.decode().split('id="results"')[1]
        client.post(f"/exchanges/{exchange.pk}/archive/", {"restore": "1"})
        exchange.refresh_from_db()
        assert not exchange.is_archived


class TestCalendarAndStatsPages:
    def test_calendar_month_and_list(self, login, tianjin, tianjin_henan, record):
        record(tianjin, tianjin_henan, title="五月座谈")
        client = login(tianjin)
        page = client.get("/exchanges/calendar/", {"month": "2026-05"}).content.decode()
        assert "五月座谈" in page
        assert "month=2026-04" in page and "month=2026-06" in page
        listed = client.get("/exchanges/calendar/", {"month": "2026-05", "view": "list"})
        assert 'id="calendar-list"' in listed.content.decode()
        assert (
            "五月座谈"
            not in client.get("/exchanges/calendar/", {"month": "2026-07"}).content.decode()
        )
        assert client.get("/exchanges/calendar/", {"month": "bad"}).status_code == 422

    def test_feed_page_shows_the_url_once(self, login, tianjin):
        client = login(tianjin)
        assert "生成订阅地址" in client.get("/exchanges/calendar/feed/").content.decode()
        created = client.post("/exchanges/calendar/feed/", {"action": "create"}).content.decode()
        assert 'id="feed-url"' in created and ".ics" in created
        assert 'id="feed-url"' not in client.get("/exchanges/calendar/feed/").content.decode()
        client.post("/exchanges/calendar/feed/", {"action": "revoke"})
        assert "生成订阅地址" in client.get("/exchanges/calendar/feed/").content.decode()

    def test_stats_page(self, login, supervisor, tianjin, tianjin_henan, record):
        record(
            tianjin,
            tianjin_henan,
            status="held",
            start_date=dt.date(2026, 1, 5),
            end_date=dt.date(2026, 1, 5),
        )
        page = login(supervisor).get("/exchanges/stats/").content.decode()
        assert "全国交流活动统计" in page
        assert 'id="stats-data"' in page and "vendor/echarts.min.js" in page
        assert '<b id="total-held">1</b>' in page

    @pytest.mark.parametrize("url", ["/exchanges/", "/exchanges/stats/", "/exchanges/calendar/"])
    def test_login_required(self, client, url):
        assert client.get(url).status_code == 302


def test_list_page_queries_do_not_grow_with_rows(
    login, tianjin, tianjin_henan, record, django_assert_max_num_queries
):
    for i in range(30):
        record(tianjin, tianjin_henan, title=f"活动 {i}")
    client = login(tianjin)
    client.get("/exchanges/")  # warm the session and caches
    with django_assert_max_num_queries(12):
        assert client.get("/exchanges/", {"q": "活动"}).status_code == 200


def test_export_command(tmp_path, tianjin, tianjin_henan, record):
    from django.core.management import call_command

    record(tianjin, tianjin_henan, title="命令导出")
    output = tmp_path / "out.xlsx"
    call_command("export_exchanges", "--as", "tianjin", "-o", str(output))
    rows = list(load_workbook(output).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]] == ["命令导出"]

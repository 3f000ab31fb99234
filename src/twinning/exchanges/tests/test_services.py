"""Recording exchanges: validation (nothing written on a bad input), rights, locking, files,
follow-up tasks and notifications."""

import datetime as dt
import io

import pytest
from django.test import override_settings

from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.exchanges import services
from twinning.exchanges.models import FollowUp
from twinning.exchanges.tests.conftest import EXE, PDF, PNG, base_values, exchanges_state
from twinning.notifications.models import Notification
from twinning.plans import queries as plan_queries
from twinning.plans.models import Plan, Task

DELEGATES = [
    {"name": "张伟", "unit": "天津市城市管理委员会", "position": "处长", "side": "leading"},
    {"name": "李娜", "unit": "河南省住房和城乡建设厅", "position": "副处长", "side": "partner"},
]


def upload(data: bytes, name: str) -> services.Upload:
    return services.Upload(io.BytesIO(data), name)


class TestCreate:
    def test_records_fields_topics_delegates_and_files(self, tianjin, tianjin_henan, record):
        exchange = record(
            tianjin,
            tianjin_henan,
            topics=["laws_standards", "sorted_disposal"],
            delegates=DELEGATES,
            files=[upload(PDF, "纪要.pdf"), upload(PNG, "合影.png")],
        )
        exchange.refresh_from_db()
        assert exchange.pairing == tianjin_henan
        assert exchange.participant_count == 2  # from the delegates when not given
        assert sorted(t.code for t in exchange.topics.all()) == [
            "laws_standards",
            "sorted_disposal",
        ]
        assert [d.name for d in exchange.delegates.all()] == ["张伟", "李娜"]
        files = {f.original_name: f for f in exchange.files.all()}
        assert files["纪要.pdf"].content_type == "application/pdf"
        assert not files["纪要.pdf"].is_photo
        assert files["合影.png"].is_photo
        # Stored under a random name, never the uploaded one.
        assert "纪要" not in files["纪要.pdf"].file.name
        entry = AuditEntry.objects.get(target_type="exchanges.exchange", action="create")
        assert entry.pairing == tianjin_henan
        assert entry.changes["title"] == [None, "垃圾分类工作座谈会"]

    def test_online_direction_sets_the_online_flag(self, henan, tianjin_henan, record):
        exchange = record(
            henan, tianjin_henan, direction="online", place="", kind="online_exchange"
        )
        assert exchange.online

    @pytest.mark.parametrize(
        ("values", "field", "code"),
        [
            (
                {"start_date": dt.date(2026, 5, 12), "end_date": dt.date(2026, 5, 11)},
                "end_date",
                "invalid_dates",
            ),
            ({"topics": ["laws_standards", "no_such_topic"]}, "topics", "unknown_topic"),
            ({"direction": "online", "online": False, "place": ""}, "online", "online_mismatch"),
            ({"online": True, "place": ""}, "direction", "online_mismatch"),
            ({"direction": "online", "place": "郑州市"}, "place", "place_online"),
            (
                {"participant_count": 1, "delegates": DELEGATES},
                "participant_count",
                "too_few_participants",
            ),
            (
                {"delegates": [{"name": "王五", "side": "ministry"}]},
                "delegates",
                "invalid_delegate",
            ),
            ({"kind": "karaoke"}, "kind", "invalid"),
            ({"title": ""}, "title", "required"),
            (
                {
                    "status": "held",
                    "start_date": dt.date(2099, 1, 1),
                    "end_date": dt.date(2099, 1, 2),
                },
                "status",
                "held_in_future",
            ),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_written(
        self, tianjin, tianjin_henan, record, values, field, code
    ):
        before = exchanges_state()
        with pytest.raises(Invalid) as refused:
            record(tianjin, tianjin_henan, files=[upload(PDF, "a.pdf")], **values)
        assert field in refused.value.fields
        if code != "invalid":
            assert refused.value.code == code
        assert exchanges_state() == before

    def test_unknown_pair_is_not_found(self, tianjin):
        before = exchanges_state()
        with pytest.raises(NotFound):
            services.create_exchange(actor=tianjin, pairing_id=999_999, values=base_values())
        assert exchanges_state() == before

    @pytest.mark.parametrize(
        ("data", "name", "code"),
        [(EXE, "纪要.pdf", "unsupported_file_type"), (b"", "empty.pdf", "empty_file")],
    )
    def test_disguised_or_empty_files_are_refused(
        self, tianjin, tianjin_henan, record, data, name, code
    ):
        before = exchanges_state()
        with pytest.raises(Invalid) as refused:
            record(tianjin, tianjin_henan, files=[upload(PDF, "ok.pdf"), upload(data, name)])
        assert refused.value.code == code
        assert name in refused.value.fields["files"][0]
        assert exchanges_state() == before

    @override_settings(TWINNING_MAX_UPLOAD_BYTES=1024)
    def test_oversize_file_is_refused(self, tianjin, tianjin_henan, record):
        before = exchanges_state()
        with pytest.raises(Invalid) as refused:
            record(tianjin, tianjin_henan, files=[upload(PDF + b" " * 2000, "big.pdf")])
        assert refused.value.code == "file_too_large"
        assert exchanges_state() == before


class TestRights:
    def test_outsider_gets_not_found(self, jiangxi, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        with pytest.raises(NotFound):
            services.create_exchange(
                actor=jiangxi, pairing_id=tianjin_henan.pk, values=base_values()
            )
        with pytest.raises(NotFound):
            services.update_exchange(actor=jiangxi, exchange_id=exchange.pk, values={"title": "x"})

    @pytest.mark.parametrize("persona", ["henan_expert", "supervisor"])
    def test_read_only_users_are_forbidden(self, request, persona, tianjin, tianjin_henan, record):
        user = request.getfixturevalue(persona)
        exchange = record(tianjin, tianjin_henan)
        before = exchanges_state()
        with pytest.raises(Forbidden):
            services.create_exchange(actor=user, pairing_id=tianjin_henan.pk, values=base_values())
        with pytest.raises(Forbidden):
            services.update_exchange(actor=user, exchange_id=exchange.pk, values={"title": "x"})
        with pytest.raises(Forbidden):
            services.archive_exchange(actor=user, exchange_id=exchange.pk)
        with pytest.raises(Forbidden):
            services.add_files(actor=user, exchange_id=exchange.pk, files=[upload(PDF, "a.pdf")])
        assert exchanges_state() == before

    def test_members_and_admins_may_record(self, henan_member, admin_user, tianjin_henan, record):
        assert record(henan_member, tianjin_henan).pk
        assert record(admin_user, tianjin_henan).pk


class TestUpdate:
    def test_only_given_fields_change(self, tianjin, henan, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan, summary="原纪要", topics=["laws_standards"])
        services.update_exchange(
            actor=henan,
            exchange_id=exchange.pk,
            values={"status": "cancelled"},
            expected_version=exchange.lock_version,
        )
        exchange.refresh_from_db()
        assert exchange.status == "cancelled"
        assert exchange.summary == "原纪要"
        assert [t.code for t in exchange.topics.all()] == ["laws_standards"]
        assert exchange.lock_version == 2
        assert exchange.updated_by == henan
        entry = AuditEntry.objects.filter(target_type="exchanges.exchange", action="update").get()
        assert entry.changes == {"status": ["planned", "cancelled"]}

    def test_delegates_are_replaced(self, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan, delegates=DELEGATES)
        services.update_exchange(
            actor=tianjin,
            exchange_id=exchange.pk,
            values={"delegates": [{"name": "赵六", "side": "partner"}]},
        )
        assert [d.name for d in exchange.delegates.all()] == ["赵六"]

    def test_stale_version_names_who_changed_it(self, tianjin, henan, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        services.update_exchange(
            actor=henan, exchange_id=exchange.pk, values={"title": "改名"}, expected_version=1
        )
        before = exchanges_state()
        with pytest.raises(Conflict) as refused:
            services.update_exchange(
                actor=tianjin, exchange_id=exchange.pk, values={"title": "又改"}, expected_version=1
            )
        assert refused.value.code == "stale_version"
        assert "henan" in refused.value.message
        assert exchanges_state() == before

    def test_end_before_start_on_update(self, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        before = exchanges_state()
        with pytest.raises(Invalid) as refused:
            services.update_exchange(
                actor=tianjin, exchange_id=exchange.pk, values={"end_date": dt.date(2026, 5, 1)}
            )
        assert refused.value.code == "invalid_dates"
        assert "end_date" in refused.value.fields
        assert exchanges_state() == before


class TestArchive:
    def test_archive_and_restore(self, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        services.archive_exchange(actor=tianjin, exchange_id=exchange.pk)
        exchange.refresh_from_db()
        assert exchange.is_archived and exchange.archived_by == tianjin
        with pytest.raises(Conflict):
            services.archive_exchange(actor=tianjin, exchange_id=exchange.pk)
        with pytest.raises(Conflict):
            services.update_exchange(actor=tianjin, exchange_id=exchange.pk, values={"title": "x"})
        services.restore_exchange(actor=tianjin, exchange_id=exchange.pk)
        exchange.refresh_from_db()
        assert not exchange.is_archived
        actions = list(
            AuditEntry.objects.filter(target_type="exchanges.exchange")
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == ["create", "archive", "restore"]


class TestFiles:
    def test_add_files_later(self, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        stored = services.add_files(
            actor=tianjin, exchange_id=exchange.pk, files=[upload(PNG, "photo.png")]
        )
        assert stored[0].is_photo and stored[0].content_type == "image/png"
        exchange.refresh_from_db()
        assert exchange.lock_version == 2

    def test_one_bad_file_stores_none(self, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        before = exchanges_state()
        with pytest.raises(Invalid):
            services.add_files(
                actor=tianjin,
                exchange_id=exchange.pk,
                files=[upload(PDF, "a.pdf"), upload(EXE, "b.docx")],
            )
        assert exchanges_state() == before


class TestFollowUps:
    def test_tasks_join_the_working_plan_even_in_force(self, henan, tianjin_henan, record):
        plan = plan_queries.working_plan_of(tianjin_henan.pk)
        assert plan is not None and plan.status == Plan.Status.IN_FORCE
        exchange = record(henan, tianjin_henan, title="许昌座谈")
        tasks = services.add_follow_up_tasks(
            actor=henan,
            exchange_id=exchange.pk,
            tasks=[
                {"title": "编制宣传手册", "side": "partner", "due_date": dt.date(2026, 12, 31)},
                {"title": "互派跟训人员", "side": "joint", "due_date": dt.date(2027, 3, 1)},
            ],
        )
        assert {t.plan_id for t in tasks} == {plan.pk}
        assert all(t.origin == "交流活动：许昌座谈" for t in tasks)
        assert list(
            FollowUp.objects.filter(exchange=exchange).values_list("task_id", flat=True)
        ) == [t.pk for t in tasks]

    def test_in_one_step_when_recording(self, tianjin, tianjin_henan, record):
        plan = plan_queries.working_plan_of(tianjin_henan.pk)
        exchange = record(
            tianjin,
            tianjin_henan,
            follow_ups=[
                {"title": "开展入户宣传", "side": "partner", "due_date": dt.date(2026, 9, 1)}
            ],
        )
        task = FollowUp.objects.get(exchange=exchange).task
        assert task.plan_id == plan.pk and task.title == "开展入户宣传"

    def test_no_working_plan_is_a_conflict_with_a_way_forward(
        self, xuchang, nankai_xuchang, record
    ):
        assert plan_queries.working_plan_of(nankai_xuchang.pk) is None
        before = exchanges_state()
        with pytest.raises(Conflict) as refused:
            record(xuchang, nankai_xuchang, follow_ups=[{"title": "任务", "side": "joint"}])
        assert refused.value.code == "no_working_plan"
        assert f"/plans/new/?pairing={nankai_xuchang.pk}" in refused.value.message
        assert exchanges_state() == before

    def test_a_bad_task_names_its_line_and_adds_none(self, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        before = exchanges_state()
        with pytest.raises(Invalid) as refused:
            services.add_follow_up_tasks(
                actor=tianjin,
                exchange_id=exchange.pk,
                tasks=[
                    {"title": "好任务", "side": "joint"},
                    {"title": "坏任务", "side": "ministry"},
                ],
            )
        assert "第 2 项" in refused.value.fields["follow_ups"][0]
        assert exchanges_state() == before

    def test_read_only_cannot_add(self, henan_expert, tianjin, tianjin_henan, record):
        exchange = record(tianjin, tianjin_henan)
        with pytest.raises(Forbidden):
            services.add_follow_up_tasks(
                actor=henan_expert, exchange_id=exchange.pk, tasks=[{"title": "x"}]
            )
        assert not Task.objects.filter(title="x").exists()


class TestNotifications:
    def test_both_sides_coordinators_who_can_see_are_told(
        self, tianjin, henan, xuchang, jiangxi, henan_member, tianjin_henan, record
    ):
        exchange = record(tianjin, tianjin_henan)
        notified = set(
            Notification.objects.filter(event="exchange_new").values_list(
                "recipient__username", flat=True
            )
        )
        # 河南's coordinator is told; the actor is not; 许昌's coordinator (a sub-region, who
        # cannot see the province pair), members and outsiders are not.
        assert notified == {"henan"}
        note = Notification.objects.get(recipient=henan)
        assert note.url == f"/exchanges/{exchange.pk}/"
        assert note.pairing == tianjin_henan

    def test_a_refused_exchange_tells_nobody(self, tianjin, henan, tianjin_henan, record):
        with pytest.raises(Invalid):
            record(tianjin, tianjin_henan, end_date=dt.date(2020, 1, 1))
        assert not Notification.objects.exists()


class TestCalendarFeeds:
    def test_create_replaces_and_revoke(self, tianjin):
        first = services.create_calendar_feed(actor=tianjin)
        second = services.create_calendar_feed(actor=tianjin)
        first.feed.refresh_from_db()
        assert first.feed.revoked_at is not None and second.feed.revoked_at is None
        assert first.token not in second.feed.token_hash  # only the hash is kept
        assert services.revoke_calendar_feed(actor=tianjin) == 1
        with pytest.raises(Conflict):
            services.revoke_calendar_feed(actor=tianjin)


def test_online_flag_follows_a_changed_direction(tianjin, tianjin_henan, record):
    exchange = record(tianjin, tianjin_henan, direction="online", place="")
    services.update_exchange(
        actor=tianjin,
        exchange_id=exchange.pk,
        values={"direction": "partner_to_leading", "place": "天津市"},
    )
    exchange.refresh_from_db()
    assert not exchange.online and exchange.place == "天津市"

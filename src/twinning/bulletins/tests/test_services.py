"""Drafting, editing, recounting, releasing and archiving bulletins: who may, what is refused
(with a clear message and the data exactly as before), and what is recorded."""

import datetime as dt
from typing import Any

import pytest

from twinning.accounts.models import User
from twinning.bulletins import services
from twinning.bulletins.models import Bulletin
from twinning.bulletins.tests.factories import Seeded, exchange
from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry
from twinning.notifications.models import Notification
from twinning.pairings.models import Pairing

pytestmark = pytest.mark.django_db


def national(actor: User, **values: Any) -> Bulletin:
    return services.draft(actor=actor, scope="national", period_code="2021H1", **values)


def snapshot(bulletin: Bulletin) -> tuple[Any, ...]:
    bulletin.refresh_from_db()
    return (bulletin.status, bulletin.sections, bulletin.figures, bulletin.lock_version,
            bulletin.number, bulletin.title)  # fmt: skip


def test_draft_counts_writes_and_records(seeded: Seeded, supervisor: User) -> None:
    bulletin = national(supervisor)
    assert bulletin.status == Bulletin.Status.DRAFT
    assert bulletin.number == "2021年第1期"
    assert bulletin.title == "2021年上半年生活垃圾分类“1对1”交流协作工作简报"
    assert (bulletin.period_start, bulletin.period_end) == (
        dt.date(2021, 1, 1),
        dt.date(2021, 6, 30),
    )
    assert bulletin.figures["numbers"]["exchanges.held"]["value"] == 7
    keys = [s["key"] for s in bulletin.sections]
    assert keys == [
        "overview",
        "exchanges",
        "consultations",
        "plans",
        "highlights",
        "attention",
        "next",
    ]
    assert "本期共开展交流活动 7 次，其中" in bulletin.section_text("exchanges")
    entry = AuditEntry.objects.get(target_type="bulletins.bulletin", target_id=str(bulletin.pk))
    assert entry.action == "create" and entry.actor == supervisor
    assert national(supervisor).number == "2021年第2期"


def test_a_province_coordinator_drafts_for_their_province_only(
    seeded: Seeded, henan: User, tianjin: User
) -> None:
    bulletin = services.draft(actor=henan, scope="province", region="410000", period_code="2021H1")
    assert bulletin.region_id == "410000"
    assert bulletin.title.startswith("2021年上半年河南省")
    with pytest.raises(NotFound):  # 天津 may not even see 河南's province bulletins
        services.draft(actor=tianjin, scope="province", region="410000", period_code="2021H1")
    with pytest.raises(Forbidden):  # the national bulletin is the Ministry's
        national(henan)


def test_a_pairs_coordinators_draft_for_their_pair(
    seeded: Seeded, tianjin: User, xuchang: User, jiangxi: User, tianjin_henan: Pairing
) -> None:
    bulletin = services.draft(
        actor=tianjin, scope="pair", pairing=tianjin_henan.pk, period_code="2021Q2"
    )
    assert bulletin.pairing == tianjin_henan
    with pytest.raises(NotFound):
        services.draft(actor=jiangxi, scope="pair", pairing=tianjin_henan.pk, period_code="2021Q2")
    with pytest.raises(NotFound):  # 许昌 is inside 河南 but not a side of the province pair
        services.draft(actor=xuchang, scope="pair", pairing=tianjin_henan.pk, period_code="2021Q2")


def test_read_only_users_may_not_draft(
    seeded: Seeded, henan_expert: User, henan_member: User, tianjin_henan: Pairing
) -> None:
    for user in (henan_expert, henan_member):
        with pytest.raises(Forbidden):
            services.draft(actor=user, scope="pair", pairing=tianjin_henan.pk, period_code="2021")
    assert not Bulletin.objects.exists()


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        ("2021H3", "invalid_period", "期间代码“2021H3”无效"),
        ("上半年", "invalid_period", "应为 2021（年度）"),
        ("2021Q4", "future_period", "2021年第四季度”尚未开始"),
        ("2022", "future_period", "尚未开始"),
    ],
)
def test_bad_periods_are_refused_and_nothing_is_stored(
    seeded: Seeded, supervisor: User, code: str, error: str, message: str
) -> None:
    with pytest.raises(Invalid) as caught:
        services.draft(actor=supervisor, scope="national", period_code=code)
    assert caught.value.code == error
    assert message in caught.value.message
    assert "period" in caught.value.fields
    assert not Bulletin.objects.exists()
    assert not AuditEntry.objects.filter(target_type="bulletins.bulletin").exists()


def test_bad_scopes(seeded: Seeded, supervisor: User) -> None:
    with pytest.raises(Invalid) as caught:
        services.draft(actor=supervisor, scope="city", period_code="2021")
    assert caught.value.fields["scope"]
    with pytest.raises(Invalid) as caught:
        services.draft(actor=supervisor, scope="province", region="411000", period_code="2021")
    assert caught.value.fields["region"] == ["请选择一个省级行政区。"]
    with pytest.raises(NotFound):
        services.draft(actor=supervisor, scope="pair", pairing=999999, period_code="2021")
    assert not Bulletin.objects.exists()


def test_update_sections(seeded: Seeded, supervisor: User) -> None:
    bulletin = national(supervisor)
    services.update_sections(
        actor=supervisor,
        bulletin=bulletin,
        sections={"overview": "  本期工作总体平稳。 "},
        number="建办城简〔2021〕3号",
        lock_version=1,
    )
    bulletin.refresh_from_db()
    assert bulletin.section_text("overview") == "本期工作总体平稳。"
    assert bulletin.number == "建办城简〔2021〕3号"
    assert bulletin.lock_version == 2
    entry = AuditEntry.objects.filter(target_type="bulletins.bulletin", action="update").get()
    assert set(entry.changes) == {"section.overview", "number"}


def test_a_stale_edit_is_refused(seeded: Seeded, supervisor: User) -> None:
    bulletin = national(supervisor)
    services.update_sections(actor=supervisor, bulletin=bulletin, sections={"next": "A"},
                             lock_version=1)  # fmt: skip
    before = snapshot(bulletin)
    with pytest.raises(Conflict) as caught:
        services.update_sections(actor=supervisor, bulletin=bulletin, sections={"next": "B"},
                                 lock_version=1)  # fmt: skip
    assert caught.value.code == "stale_version"
    assert "已于" in caught.value.message and "被他人修改" in caught.value.message
    assert snapshot(bulletin) == before


def test_unknown_and_overlong_sections_are_refused(seeded: Seeded, supervisor: User) -> None:
    bulletin = national(supervisor)
    before = snapshot(bulletin)
    with pytest.raises(Invalid) as caught:
        services.update_sections(actor=supervisor, bulletin=bulletin, sections={"foo": "x"})
    assert caught.value.message == "未知的简报栏目：foo。"
    with pytest.raises(Invalid) as caught:
        services.update_sections(
            actor=supervisor, bulletin=bulletin, sections={"next": "字" * 20_001}
        )
    assert caught.value.code == "section_too_long"
    assert snapshot(bulletin) == before


def test_refresh_recounts_and_keeps_the_edited_text(
    seeded: Seeded, supervisor: User, tianjin_henan: Pairing
) -> None:
    bulletin = national(supervisor)
    services.update_sections(actor=supervisor, bulletin=bulletin, sections={"overview": "手改"})
    exchange(tianjin_henan, dt.date(2021, 6, 1), participant_count=5)
    services.refresh_figures(actor=supervisor, bulletin=bulletin)
    bulletin.refresh_from_db()
    assert bulletin.figures["numbers"]["exchanges.held"]["value"] == 8
    assert bulletin.section_text("overview") == "手改"
    entry = AuditEntry.objects.filter(target_type="bulletins.bulletin", note="重新统计数据").get()
    assert entry.changes["exchanges.held"] == [7, 8]
    services.refresh_figures(actor=supervisor, bulletin=bulletin, redraft=True)
    bulletin.refresh_from_db()
    assert "共开展交流活动 8 次" in bulletin.section_text("overview")


def test_release_freezes_and_notifies(
    seeded: Seeded, supervisor: User, henan: User, jiangxi: User, henan_expert: User
) -> None:
    bulletin = national(supervisor)
    services.release(actor=supervisor, bulletin=bulletin, lock_version=1)
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.RELEASED
    assert bulletin.released_by == supervisor and bulletin.released_at is not None
    told = set(
        Notification.objects.filter(event="bulletin_released").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"henan", "jiangxi"} <= told and "ministry" not in told  # not the actor
    before = snapshot(bulletin)
    for attempt in (
        lambda: services.update_sections(
            actor=supervisor, bulletin=bulletin, sections={"next": "x"}
        ),
        lambda: services.refresh_figures(actor=supervisor, bulletin=bulletin),
        lambda: services.release(actor=supervisor, bulletin=bulletin),
    ):
        with pytest.raises(Conflict) as caught:
            attempt()
        assert caught.value.code == "bulletin_released"
        assert caught.value.message == "简报已印发，不能再修改。"
    assert snapshot(bulletin) == before


def test_national_drafts_are_the_ministrys_until_released(
    seeded: Seeded, supervisor: User, henan: User
) -> None:
    from twinning.bulletins import queries

    bulletin = national(supervisor)
    with pytest.raises(NotFound):
        queries.get_bulletin(henan, bulletin.pk)
    services.release(actor=supervisor, bulletin=bulletin)
    assert queries.get_bulletin(henan, bulletin.pk) == bulletin
    with pytest.raises(Forbidden):
        services.archive(actor=henan, bulletin=bulletin)


def test_archive_and_restore(seeded: Seeded, supervisor: User) -> None:
    bulletin = national(supervisor)
    services.archive(actor=supervisor, bulletin=bulletin)
    bulletin.refresh_from_db()
    assert bulletin.is_archived
    with pytest.raises(Conflict) as caught:
        services.update_sections(actor=supervisor, bulletin=bulletin, sections={"next": "x"})
    assert caught.value.code == "archived"
    with pytest.raises(Conflict):
        services.archive(actor=supervisor, bulletin=bulletin)
    services.restore(actor=supervisor, bulletin=bulletin)
    bulletin.refresh_from_db()
    assert not bulletin.is_archived
    actions = list(
        AuditEntry.objects.filter(
            target_type="bulletins.bulletin", target_id=str(bulletin.pk)
        ).values_list("action", flat=True)
    )
    assert actions[:2] == ["restore", "archive"]

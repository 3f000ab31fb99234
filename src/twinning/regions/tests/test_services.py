"""The divisions import: idempotent, all-or-nothing, every bad row named by its line."""

from typing import Any

import pytest

from twinning.accounts.models import Role, User
from twinning.accounts.tests.factories import UserFactory
from twinning.core.models import AuditEntry
from twinning.pairings.programme import ProgrammeResult
from twinning.regions.models import Region
from twinning.regions.services import (
    ImportResult,
    RegionImportError,
    RegionRow,
    import_regions_csv,
    short_name_for,
)

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,parent_code\n"
# The programme's record is in the database already: 河南 is there, its cities below are not.
GOOD = (
    HEADER
    + "410000,河南省,province,\n"
    + "410100,郑州市,prefecture,410000\n"
    + "410102,中原区,county,410100\n"
    + "410200,开封市,prefecture,410000\n"
)
NEW_CODES = ["410100", "410102", "410200"]
# Two rows that would create and update a region, so a failed import has something to undo.
WOULD_CHANGE = HEADER + "410300,洛阳市,prefecture,410000\n" + "410000,豫,province,\n"


def regions_snapshot() -> list[dict[str, Any]]:
    return list(Region.objects.order_by("code").values())


@pytest.fixture
def actor(programme: ProgrammeResult) -> User:
    return UserFactory(role=Role.ADMIN, organisation=None, username="importer")


@pytest.fixture
def loaded(actor: User) -> ImportResult:
    return import_regions_csv(actor=actor, text=GOOD)


class TestShortName:
    @pytest.mark.parametrize(
        ("name", "short"),
        [
            ("内蒙古自治区", "内蒙古"),
            ("广西壮族自治区", "广西"),
            ("新疆维吾尔自治区", "新疆"),
            ("宁夏回族自治区", "宁夏"),
            ("西藏自治区", "西藏"),
            ("香港特别行政区", "香港"),
            ("澳门特别行政区", "澳门"),
            ("北京市", "北京"),
            ("上海市", "上海"),
            ("河南省", "河南"),
            ("台湾省", "台湾"),
            ("新疆生产建设兵团", "新疆生产建设兵团"),
        ],
    )
    def test_a_province_is_shortened_the_way_maps_name_it(self, name: str, short: str) -> None:
        assert short_name_for(name, Region.Level.PROVINCE) == short

    def test_prefectures_and_counties_keep_their_full_name(self) -> None:
        assert short_name_for("许昌市", Region.Level.PREFECTURE) == "许昌市"
        assert short_name_for("延边朝鲜族自治州", Region.Level.PREFECTURE) == "延边朝鲜族自治州"
        assert short_name_for("南开区", Region.Level.COUNTY) == "南开区"


class TestImportingAGoodFile:
    def test_it_creates_every_new_region_with_its_parent_and_path(self, actor: User) -> None:
        result = import_regions_csv(actor=actor, text=GOOD)

        assert (result.created, result.updated, result.unchanged) == (3, 0, 1)
        zhongyuan = Region.objects.get(code="410102")
        assert zhongyuan.name == "中原区"
        assert zhongyuan.level == Region.Level.COUNTY
        assert zhongyuan.parent_id == "410100"
        assert zhongyuan.path == "/410000/410100/410102/"
        assert zhongyuan.province_code == "410000"
        assert zhongyuan.short_name == "中原区"
        kaifeng = Region.objects.get(code="410200")
        assert kaifeng.path == "/410000/410200/"
        assert kaifeng.official is True

    def test_it_records_one_import_entry_by_the_actor(self, actor: User) -> None:
        entries = AuditEntry.objects.count()

        import_regions_csv(actor=actor, text=GOOD)

        assert AuditEntry.objects.count() == entries + 1
        entry = AuditEntry.objects.first()
        assert entry is not None
        assert entry.actor == actor
        assert entry.action == AuditEntry.Action.IMPORT
        assert entry.target_type == "regions.region"
        assert entry.changes["created"] == [None, 3]
        assert entry.changes["updated"] == [None, 0]
        assert sorted(entry.changes["codes"][1]) == NEW_CODES

    def test_running_it_twice_changes_nothing_the_second_time(
        self, actor: User, loaded: ImportResult
    ) -> None:
        before, entries = regions_snapshot(), AuditEntry.objects.count()

        again = import_regions_csv(actor=actor, text=GOOD)

        assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
        assert regions_snapshot() == before
        assert AuditEntry.objects.count() == entries

    def test_a_changed_name_updates_only_that_region(
        self, actor: User, loaded: ImportResult
    ) -> None:
        result = import_regions_csv(actor=actor, text=GOOD.replace("郑州市", "郑州市（新）"))

        assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
        assert Region.objects.get(code="410100").name == "郑州市（新）"
        entry = AuditEntry.objects.first()
        assert entry is not None
        assert entry.changes["updated"] == [None, 1]
        assert entry.changes["codes"] == [None, ["410100"]]

    def test_a_renamed_province_gets_a_new_short_name(
        self, actor: User, loaded: ImportResult
    ) -> None:
        import_regions_csv(actor=actor, text=HEADER + "410000,河南自治区,province,\n")

        assert Region.objects.get(code="410000").short_name == "河南"

    def test_a_file_may_name_parents_that_are_already_in_the_database(
        self, actor: User, loaded: ImportResult
    ) -> None:
        result = import_regions_csv(
            actor=actor,
            text=HEADER + "410300,洛阳市,prefecture,410000\n410302,老城区,county,410300\n",
        )

        assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
        assert Region.objects.get(code="410302").path == "/410000/410300/410302/"

    def test_children_may_come_before_their_parents_in_the_file(self, actor: User) -> None:
        text = HEADER + "410102,中原区,county,410100\n410100,郑州市,prefecture,410000\n"

        result = import_regions_csv(actor=actor, text=text)

        assert result.created == 2
        assert Region.objects.get(code="410102").path == "/410000/410100/410102/"

    def test_importing_leaves_the_coordinates_already_known_in_place(
        self, actor: User, loaded: ImportResult
    ) -> None:
        before = Region.objects.get(code="410000")

        import_regions_csv(actor=actor, text=GOOD)

        after = Region.objects.get(code="410000")
        assert (after.lng, after.lat) == (before.lng, before.lat)
        assert after.lng is not None

    def test_a_byte_order_mark_blank_lines_and_spaces_are_tolerated(self, actor: User) -> None:
        text = "\ufeff" + HEADER + " 410100 , 郑州市 ,prefecture, 410000\r\n\r\n"
        text += "410102,中原区,county,410100\r\n"

        result = import_regions_csv(actor=actor, text=text)

        assert result.created == 2
        assert Region.objects.get(code="410100").name == "郑州市"


BAD_ROWS = [
    pytest.param("330500,湖州市,prefecture\n", [4], "4 列", id="wrong-column-count"),
    pytest.param("330500,湖州市,prefecture,330000,x\n", [4], "4 列", id="too-many-columns"),
    pytest.param("33050,湖州市,prefecture,330000\n", [4], "6 位数字", id="five-digit-code"),
    pytest.param("33050a,湖州市,prefecture,330000\n", [4], "6 位数字", id="non-digit-code"),
    pytest.param("330500,,prefecture,330000\n", [4], "名称不能为空", id="empty-name"),
    pytest.param("330500,湖州市,city,330000\n", [4], "级别“city”无效", id="unknown-level"),
    pytest.param(
        "330000,浙江省,province,410000\n", [4], "省级区划不应有上级", id="province-parent"
    ),
    pytest.param("330500,湖州市,prefecture,\n", [4], "必须有上级代码", id="prefecture-no-parent"),
    pytest.param("330502,吴兴区,county,\n", [4], "必须有上级代码", id="county-no-parent"),
    pytest.param("330500,湖州市,prefecture,339999\n", [4], "339999 不存在", id="unknown-parent"),
    pytest.param(
        "330500,湖州市,prefecture,330000\n330500,湖州市,prefecture,330000\n",
        [5],
        "330500 重复",
        id="duplicate-code",
    ),
    pytest.param(
        "330500,湖州市,prefecture,330502\n330502,吴兴区,county,330500\n",
        [4],
        "级别应高于本级",
        id="parent-of-lower-level",
    ),
    pytest.param(
        "411100,漯河市,prefecture,411000\n", [4], "级别应高于本级", id="parent-of-equal-level"
    ),
    pytest.param(
        "120105,河北区,county,120104\n", [4], "级别应高于本级", id="county-under-a-county"
    ),
]


class TestImportingAMalformedFile:
    @pytest.mark.parametrize(("bad_rows", "lines", "message"), BAD_ROWS)
    def test_it_names_the_bad_row_and_changes_nothing(
        self,
        actor: User,
        loaded: ImportResult,
        bad_rows: str,
        lines: list[int],
        message: str,
    ) -> None:
        before, entries = regions_snapshot(), AuditEntry.objects.count()

        with pytest.raises(RegionImportError) as caught:
            import_regions_csv(actor=actor, text=WOULD_CHANGE + bad_rows)

        assert [error.line for error in caught.value.errors] == lines
        assert message in caught.value.errors[0].message
        assert caught.value.code == "invalid_regions_file"
        assert regions_snapshot() == before
        assert AuditEntry.objects.count() == entries

    @pytest.mark.parametrize(
        "header",
        ["kode,name,level,parent_code\n", "code,name,level\n", "name,code,level,parent_code\n", ""],
    )
    def test_a_bad_header_is_reported_on_line_one_and_changes_nothing(
        self, actor: User, loaded: ImportResult, header: str
    ) -> None:
        before, entries = regions_snapshot(), AuditEntry.objects.count()

        with pytest.raises(RegionImportError) as caught:
            import_regions_csv(actor=actor, text=header + "410300,洛阳市,prefecture,410000\n")

        assert [error.line for error in caught.value.errors] == [1]
        assert "code,name,level,parent_code" in caught.value.errors[0].message
        assert regions_snapshot() == before
        assert AuditEntry.objects.count() == entries

    def test_every_bad_row_of_one_kind_is_listed(self, actor: User, loaded: ImportResult) -> None:
        before = regions_snapshot()
        bad = (
            "33050,湖州市,prefecture,330000\n330600,,prefecture,330000\n330700,金华市,town,330000\n"
        )

        with pytest.raises(RegionImportError) as caught:
            import_regions_csv(actor=actor, text=WOULD_CHANGE + bad)

        assert [error.line for error in caught.value.errors] == [4, 5, 6]
        assert "3 处错误" in caught.value.message
        assert regions_snapshot() == before

    def test_a_row_with_several_problems_lists_each_of_them(
        self, actor: User, loaded: ImportResult
    ) -> None:
        with pytest.raises(RegionImportError) as caught:
            import_regions_csv(actor=actor, text=HEADER + "3300,,province,410000\n")

        messages = [error.message for error in caught.value.errors]
        assert [error.line for error in caught.value.errors] == [2, 2, 2]
        assert any("6 位数字" in m for m in messages)
        assert any("名称不能为空" in m for m in messages)
        assert any("省级区划不应有上级" in m for m in messages)

    def test_bad_rows_of_different_kinds_are_all_listed(
        self, actor: User, loaded: ImportResult
    ) -> None:
        """A row-level mistake must not hide a tree mistake further down."""
        before = regions_snapshot()
        bad = "330500,湖州市,city,330000\n330600,绍兴市,prefecture,339999\n"

        with pytest.raises(RegionImportError) as caught:
            import_regions_csv(actor=actor, text=WOULD_CHANGE + bad)

        assert [error.line for error in caught.value.errors] == [4, 5]
        assert regions_snapshot() == before

    def test_line_numbers_count_the_blank_lines_of_the_file(
        self, actor: User, loaded: ImportResult
    ) -> None:
        before = regions_snapshot()
        text = HEADER + "410300,洛阳市,prefecture,410000\n\n330500,湖州市,prefecture,339999\n"

        with pytest.raises(RegionImportError) as caught:
            import_regions_csv(actor=actor, text=text)

        assert [error.line for error in caught.value.errors] == [4]
        assert regions_snapshot() == before


class TestProgrammeRegions:
    def test_the_corps_carries_a_project_local_code_marked_unofficial(
        self, programme: ProgrammeResult
    ) -> None:
        corps = Region.objects.get(code="660000")

        assert corps.name == "新疆生产建设兵团"
        assert corps.level == Region.Level.PROVINCE
        assert corps.official is False
        assert corps.parent is None

    def test_every_other_region_has_an_official_code(self, programme: ProgrammeResult) -> None:
        unofficial = Region.objects.filter(official=False).values_list("code", flat=True)

        assert list(unofficial) == ["660000"]

    def test_all_34_official_provinces_are_loaded_with_short_names(
        self, programme: ProgrammeResult
    ) -> None:
        provinces = Region.objects.filter(level=Region.Level.PROVINCE, official=True)

        assert provinces.count() == 34
        assert provinces.get(code="150000").short_name == "内蒙古"
        assert provinces.get(code="450000").short_name == "广西"
        assert provinces.get(code="650000").short_name == "新疆"


def test_moving_a_region_moves_everything_inside_it() -> None:
    from twinning.regions.services import upsert_regions as upsert

    upsert(actor=None, rows=[RegionRow("419900", "测试市", "prefecture", "410000")])
    upsert(actor=None, rows=[RegionRow("419901", "测试县", "county", "419900")])

    upsert(actor=None, rows=[RegionRow("419900", "测试市", "prefecture", "420000")])

    assert Region.objects.get(code="419900").path == "/420000/419900/"
    assert Region.objects.get(code="419901").path == "/420000/419900/419901/"

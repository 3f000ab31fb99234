"""Reading regions: filters over the division tree, and a 404-style error for unknown codes."""

from collections.abc import Iterable

import pytest

from twinning.core.errors import NotFound
from twinning.pairings.programme import ProgrammeResult
from twinning.regions import queries
from twinning.regions.models import Region


def codes(regions: Iterable[Region]) -> list[str]:
    return [region.code for region in regions]


class TestListRegions:
    def test_without_filters_it_lists_every_region_by_code(
        self, programme: ProgrammeResult
    ) -> None:
        listed = codes(queries.list_regions())

        assert len(listed) == Region.objects.count()
        assert listed == sorted(listed)

    def test_it_filters_by_level(self, programme: ProgrammeResult) -> None:
        provinces = queries.list_regions(level=Region.Level.PROVINCE)

        assert provinces.count() == 35
        assert {region.level for region in provinces} == {Region.Level.PROVINCE}

    def test_it_lists_the_direct_children_of_a_parent(self, programme: ProgrammeResult) -> None:
        assert codes(queries.list_regions(parent="410000")) == [
            "410400",
            "411000",
            "411300",
            "411500",
        ]

    def test_it_finds_regions_by_part_of_their_name(self, programme: ProgrammeResult) -> None:
        found = queries.list_regions(q="南")

        assert {"410000", "120104", "411300", "450100"} <= set(codes(found))
        assert all("南" in region.name for region in found)

    def test_filters_combine(self, programme: ProgrammeResult) -> None:
        found = queries.list_regions(level=Region.Level.PREFECTURE, parent="410000", q="南")

        assert codes(found) == ["411300"]

    def test_a_filter_matching_nothing_gives_an_empty_list(
        self, programme: ProgrammeResult
    ) -> None:
        assert codes(queries.list_regions(parent="999999")) == []
        assert codes(queries.list_regions(q="不存在的地名")) == []


class TestGetRegion:
    def test_it_returns_the_region_with_that_code(self, programme: ProgrammeResult) -> None:
        region = queries.get_region("411000")

        assert region.name == "许昌市"
        assert region.parent_id == "410000"

    @pytest.mark.django_db
    def test_an_unknown_code_is_not_found(self) -> None:
        with pytest.raises(NotFound) as caught:
            queries.get_region("999999")

        assert caught.value.status == 404
        assert "999999" in caught.value.message

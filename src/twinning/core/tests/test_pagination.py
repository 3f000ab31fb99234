"""Pages: the total from a COUNT, then only the page's rows."""

import pytest

from twinning.core.pagination import page_of, page_rows
from twinning.regions.models import Region

pytestmark = pytest.mark.django_db


def test_a_page_and_the_total_cost_two_queries(programme, django_assert_num_queries):
    regions = Region.objects.order_by("code")
    with django_assert_num_queries(2):
        rows, total = page_rows(regions, 10, 20)
    assert total == regions.count()
    assert [r.code for r in rows] == list(regions.values_list("code", flat=True)[10:30])


def test_value_rows_are_plain_dicts(programme):
    rows, total = page_rows(Region.objects.order_by("code").values("code"), 0, 3)
    assert total == Region.objects.count()
    assert rows == [
        {"code": c} for c in Region.objects.order_by("code").values_list("code", flat=True)[:3]
    ]


def test_past_the_end_the_total_is_still_known(programme):
    rows, total = page_rows(Region.objects.order_by("code"), 10_000, 10)
    assert (rows, total) == ([], Region.objects.count())


@pytest.mark.parametrize(
    ("asked", "shown"), [(None, 1), ("2", 2), ("999", "last"), ("x", 1), ("-3", 1)]
)
def test_page_numbers_are_forgiving(programme, asked, shown):
    count = Region.objects.count()
    page = page_of(Region.objects.order_by("code"), asked, 10)
    assert page.paginator.count == count
    last = -(-count // 10)
    assert page.paginator.num_pages == last
    assert page.number == (last if shown == "last" else shown)


def test_an_empty_list_has_one_empty_page(db):
    page = page_of(Region.objects.filter(code="none"), "3", 10)
    assert (page.number, list(page.object_list), page.paginator.count) == (1, [], 0)


def test_past_the_end_no_rows_are_fetched(programme, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows, total = page_rows(Region.objects.order_by("code"), 10_000, 10)
    assert rows == [] and total == Region.objects.count()

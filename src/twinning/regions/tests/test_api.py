"""Regions API: the division tree for every authenticated client, errors as problem+json."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from twinning.accounts.models import User
from twinning.core.testing import assert_problem
from twinning.regions.models import Region

ApiClient = Callable[[User], Client]


def body(response: Any) -> Any:
    return json.loads(response.content)


class TestListRegions:
    def test_it_lists_every_region_with_a_count(self, api: ApiClient, henan: User) -> None:
        response = api(henan).get("/api/v1/regions")

        assert response.status_code == 200
        data = body(response)
        assert data["count"] == Region.objects.count()
        assert len(data["items"]) == data["count"]
        xuchang = next(item for item in data["items"] if item["code"] == "411000")
        assert xuchang["name"] == "许昌市"
        assert xuchang["level"] == "prefecture"
        assert xuchang["parent_code"] == "410000"
        assert xuchang["official"] is True

    def test_it_filters_by_level(self, api: ApiClient, henan: User) -> None:
        data = body(api(henan).get("/api/v1/regions", {"level": "province"}))

        assert data["count"] == 35
        assert {item["level"] for item in data["items"]} == {"province"}

    def test_it_filters_by_parent(self, api: ApiClient, henan: User) -> None:
        data = body(api(henan).get("/api/v1/regions", {"parent": "410000"}))

        assert [item["code"] for item in data["items"]] == ["410400", "411000", "411300", "411500"]
        assert data["count"] == 4

    def test_it_searches_by_name(self, api: ApiClient, henan: User) -> None:
        data = body(api(henan).get("/api/v1/regions", {"q": "许昌"}))

        assert [item["code"] for item in data["items"]] == ["411000"]

    def test_an_unknown_level_is_refused(self, api: ApiClient, henan: User) -> None:
        response = api(henan).get("/api/v1/regions", {"level": "town"})

        problem = assert_problem(response, 422, "invalid_input")
        assert "query.level" in problem["errors"]

    def test_it_pages_a_hundred_regions_at_a_time(
        self, api: ApiClient, henan: User, programme: object
    ) -> None:
        Region.objects.bulk_create(
            Region(
                code=f"419{n:03d}",
                name=f"测试县{n}",
                level=Region.Level.COUNTY,
                parent_id="410000",
                path=f"/410000/419{n:03d}/",
            )
            for n in range(120)
        )
        total = Region.objects.count()
        client = api(henan)

        first = body(client.get("/api/v1/regions"))
        second = body(client.get("/api/v1/regions", {"page": 2}))

        assert first["count"] == second["count"] == total
        assert len(first["items"]) == 100
        assert len(second["items"]) == total - 100
        seen = [item["code"] for item in first["items"] + second["items"]]
        assert sorted(seen) == sorted(Region.objects.values_list("code", flat=True))

    def test_listing_takes_a_fixed_number_of_queries(
        self, api: ApiClient, henan: User, django_assert_num_queries: DjangoAssertNumQueries
    ) -> None:
        client = api(henan)
        client.get("/api/v1/me")  # the first use of a token records when it was used

        with django_assert_num_queries(3):  # the token, the count, the page
            client.get("/api/v1/regions")

    def test_a_signed_in_browser_session_may_read_it_too(
        self, login: Callable[[User], Client], henan: User
    ) -> None:
        response = login(henan).get("/api/v1/regions", {"level": "province"})

        assert response.status_code == 200
        assert body(response)["count"] == 35

    @pytest.mark.django_db
    def test_without_credentials_it_answers_401(self) -> None:
        response = Client().get("/api/v1/regions")

        assert_problem(response, 401, "unauthenticated")


class TestGetRegion:
    def test_it_returns_the_region(self, api: ApiClient, henan: User) -> None:
        response = api(henan).get("/api/v1/regions/411000")

        assert response.status_code == 200
        data = body(response)
        assert data["code"] == "411000"
        assert data["name"] == "许昌市"
        assert data["short_name"] == "许昌市"
        assert data["parent_code"] == "410000"
        assert data["lng"] is not None
        assert data["lat"] is not None

    def test_a_province_has_no_parent_and_a_short_name(self, api: ApiClient, henan: User) -> None:
        data = body(api(henan).get("/api/v1/regions/150000"))

        assert data["parent_code"] is None
        assert data["short_name"] == "内蒙古"

    def test_the_corps_is_marked_as_not_officially_coded(self, api: ApiClient, henan: User) -> None:
        data = body(api(henan).get("/api/v1/regions/660000"))

        assert data["name"] == "新疆生产建设兵团"
        assert data["official"] is False

    def test_an_unknown_code_is_a_404_problem(self, api: ApiClient, henan: User) -> None:
        response = api(henan).get("/api/v1/regions/999999")

        problem = assert_problem(response, 404, "not_found")
        assert "999999" in problem["detail"]
        assert problem["instance"] == "/api/v1/regions/999999"

    @pytest.mark.django_db
    def test_without_credentials_it_answers_401(self) -> None:
        response = Client().get("/api/v1/regions/411000")

        assert_problem(response, 401, "unauthenticated")

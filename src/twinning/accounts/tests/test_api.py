"""The signed-in user and their API tokens, over the REST API with bearer tokens."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from twinning.accounts.models import ApiToken, Role, User
from twinning.accounts.services import create_token
from twinning.accounts.tests.factories import UserFactory
from twinning.core.models import AuditEntry
from twinning.core.testing import assert_problem

ApiClient = Callable[[User], Client]


def body(response: Any) -> Any:
    return json.loads(response.content)


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post_json(client: Client, path: str, data: object) -> Any:
    return client.post(path, json.dumps(data), content_type="application/json")


class TestMe:
    def test_it_describes_the_user_their_organisation_and_region(
        self, api: ApiClient, henan: User
    ) -> None:
        response = api(henan).get("/api/v1/me")

        assert response.status_code == 200
        data = body(response)
        assert data["username"] == "henan"
        assert data["role"] == Role.COORDINATOR
        assert data["organisation"] == henan.organisation.name
        assert data["region_code"] == "410000"

    def test_the_ministry_has_no_region(self, api: ApiClient, supervisor: User) -> None:
        data = body(api(supervisor).get("/api/v1/me"))

        assert data["role"] == Role.SUPERVISOR
        assert data["region_code"] is None

    def test_a_browser_session_counts_as_signed_in(
        self, login: Callable[[User], Client], henan: User
    ) -> None:
        response = login(henan).get("/api/v1/me")

        assert response.status_code == 200
        assert body(response)["username"] == "henan"

    @pytest.mark.django_db
    def test_without_a_token_it_answers_401(self) -> None:
        assert_problem(Client().get("/api/v1/me"), 401, "unauthenticated")

    @pytest.mark.parametrize(
        "header",
        [
            "Bearer",
            "Bearer ",
            "Token tw_something",
            "Basic dXNlcjpwYXNz",
            "tw_without_a_scheme",
            "Bearer tw_nottherealtoken",
            "Bearer not-even-our-format",
        ],
    )
    def test_a_malformed_or_unknown_authorization_header_answers_401(
        self, henan: User, header: str
    ) -> None:
        create_token(actor=henan, name="real")

        response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")

        assert_problem(response, 401, "unauthenticated")

    def test_the_token_of_a_deactivated_user_answers_401(self, henan: User) -> None:
        secret = create_token(actor=henan, name="脚本").secret
        User.objects.filter(pk=henan.pk).update(is_active=False)

        assert_problem(bearer(secret).get("/api/v1/me"), 401, "unauthenticated")


class TestListTokens:
    def test_it_lists_only_my_tokens_without_their_secrets(
        self, henan: User, tianjin: User
    ) -> None:
        mine = create_token(actor=henan, name="上报脚本")
        create_token(actor=tianjin, name="天津的脚本")

        response = bearer(mine.secret).get("/api/v1/me/tokens")

        assert response.status_code == 200
        data = body(response)
        assert [item["name"] for item in data] == ["上报脚本"]
        assert data[0]["id"] == mine.token.pk
        assert data[0]["prefix"] == mine.token.prefix
        assert data[0]["revoked_at"] is None
        assert "token" not in data[0]
        assert mine.secret not in response.content.decode()

    @pytest.mark.django_db
    def test_without_a_token_it_answers_401(self) -> None:
        assert_problem(Client().get("/api/v1/me/tokens"), 401, "unauthenticated")


class TestCreateToken:
    def test_it_answers_201_with_the_secret_which_then_works(
        self, api: ApiClient, henan: User
    ) -> None:
        response = post_json(api(henan), "/api/v1/me/tokens", {"name": "数据上报"})

        assert response.status_code == 201
        data = body(response)
        assert data["name"] == "数据上报"
        assert data["token"].startswith("tw_")
        assert data["prefix"] == data["token"][3:13]
        token = ApiToken.objects.get(pk=data["id"])
        assert token.user == henan
        assert token.secret_hash != data["token"]
        assert body(bearer(data["token"]).get("/api/v1/me"))["username"] == "henan"

    def test_the_secret_is_never_shown_again(self, api: ApiClient, henan: User) -> None:
        client = api(henan)
        secret = body(post_json(client, "/api/v1/me/tokens", {"name": "数据上报"}))["token"]

        listing = client.get("/api/v1/me/tokens")

        assert secret not in listing.content.decode()

    @pytest.mark.parametrize(
        ("payload", "field"),
        [({"name": ""}, "name"), ({}, "name"), ({"name": "x" * 101}, "name")],
    )
    def test_a_missing_empty_or_overlong_name_is_422_and_creates_nothing(
        self, api: ApiClient, henan: User, payload: dict[str, str], field: str
    ) -> None:
        client = api(henan)
        tokens, entries = ApiToken.objects.count(), AuditEntry.objects.count()

        response = post_json(client, "/api/v1/me/tokens", payload)

        problem = assert_problem(response, 422, "invalid_input")
        assert field in problem["errors"]
        assert ApiToken.objects.count() == tokens
        assert AuditEntry.objects.count() == entries

    def test_a_name_of_only_spaces_is_422_and_creates_nothing(
        self, api: ApiClient, henan: User
    ) -> None:
        client = api(henan)
        tokens = ApiToken.objects.count()

        response = post_json(client, "/api/v1/me/tokens", {"name": "   "})

        problem = assert_problem(response, 422, "invalid")
        assert problem["errors"]["name"]
        assert ApiToken.objects.count() == tokens

    def test_a_body_that_is_not_json_is_400_and_creates_nothing(
        self, api: ApiClient, henan: User
    ) -> None:
        client = api(henan)
        tokens = ApiToken.objects.count()

        response = client.post("/api/v1/me/tokens", "{name:", content_type="application/json")

        assert_problem(response, 400, "malformed_json")
        assert ApiToken.objects.count() == tokens

    @pytest.mark.django_db
    def test_without_a_token_it_answers_401_and_creates_nothing(self) -> None:
        response = post_json(Client(), "/api/v1/me/tokens", {"name": "x"})

        assert_problem(response, 401, "unauthenticated")
        assert ApiToken.objects.count() == 0


class TestRevokeToken:
    def test_it_revokes_my_token_which_then_answers_401(self, henan: User) -> None:
        issued = create_token(actor=henan, name="脚本")
        client = bearer(issued.secret)

        response = client.post(f"/api/v1/me/tokens/{issued.token.pk}/revoke")

        assert response.status_code == 200
        assert body(response)["revoked_at"] is not None
        issued.token.refresh_from_db()
        assert issued.token.revoked_at is not None
        assert_problem(client.get("/api/v1/me"), 401, "unauthenticated")

    def test_another_token_of_mine_can_be_revoked(self, api: ApiClient, henan: User) -> None:
        other = create_token(actor=henan, name="旧脚本")

        response = api(henan).post(f"/api/v1/me/tokens/{other.token.pk}/revoke")

        assert response.status_code == 200
        assert_problem(bearer(other.secret).get("/api/v1/me"), 401, "unauthenticated")

    def test_someone_elses_token_is_404_and_keeps_working(
        self, api: ApiClient, henan: User, tianjin: User
    ) -> None:
        theirs = create_token(actor=tianjin, name="天津的脚本")

        response = api(henan).post(f"/api/v1/me/tokens/{theirs.token.pk}/revoke")

        assert_problem(response, 404, "not_found")
        theirs.token.refresh_from_db()
        assert theirs.token.revoked_at is None
        assert bearer(theirs.secret).get("/api/v1/me").status_code == 200

    def test_an_administrator_may_revoke_anyones_token(self, api: ApiClient, henan: User) -> None:
        admin = UserFactory(role=Role.ADMIN, organisation=None)
        theirs = create_token(actor=henan, name="河南的脚本")

        response = api(admin).post(f"/api/v1/me/tokens/{theirs.token.pk}/revoke")

        assert response.status_code == 200
        assert bearer(theirs.secret).get("/api/v1/me").status_code == 401

    def test_revoking_twice_is_409_and_keeps_the_first_time(
        self, api: ApiClient, henan: User
    ) -> None:
        other = create_token(actor=henan, name="旧脚本")
        client = api(henan)
        client.post(f"/api/v1/me/tokens/{other.token.pk}/revoke")
        other.token.refresh_from_db()
        first = other.token.revoked_at

        response = client.post(f"/api/v1/me/tokens/{other.token.pk}/revoke")

        assert_problem(response, 409, "already_revoked")
        other.token.refresh_from_db()
        assert other.token.revoked_at == first

    def test_an_unknown_token_is_404(self, api: ApiClient, henan: User) -> None:
        assert_problem(api(henan).post("/api/v1/me/tokens/987654/revoke"), 404, "not_found")

    def test_revoking_needs_post(self, api: ApiClient, henan: User) -> None:
        other = create_token(actor=henan, name="旧脚本")

        response = api(henan).get(f"/api/v1/me/tokens/{other.token.pk}/revoke")

        assert response.status_code == 405
        other.token.refresh_from_db()
        assert other.token.revoked_at is None

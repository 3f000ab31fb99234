"""Sign-in, sign-out, password change, the tokens page, lock-outs and the language switch."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import Settings

from twinning.accounts.models import ApiToken, User
from twinning.accounts.services import authenticate_token, create_token
from twinning.accounts.tests.factories import UserFactory
from twinning.conftest import TEST_PASSWORD
from twinning.core.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Ein-Neues-Passwort-2024"


@pytest.fixture
def alice() -> User:
    return UserFactory(username="alice")


def signed_in_user_id(client: Client) -> str | None:
    value = client.session.get("_auth_user_id")
    return str(value) if value is not None else None


def sign_in(client: Client, username: str, password: str) -> object:
    return client.post("/login/", {"username": username, "password": password})


class TestLogin:
    def test_the_login_page_is_in_chinese_even_for_an_english_browser(self) -> None:
        response = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 200
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html
        assert "登录" in html
        assert "用户名" in html
        assert response["Content-Language"] == "zh-hans"

    def test_the_right_password_signs_in_and_goes_to_the_overview(self, alice: User) -> None:
        client = Client()

        response = sign_in(client, "alice", TEST_PASSWORD)

        assert response.status_code == 302
        assert response["Location"] == "/"
        assert signed_in_user_id(client) == str(alice.pk)

    def test_it_follows_a_safe_next_address(self, alice: User) -> None:
        client = Client()

        response = client.post(
            "/login/?next=/account/tokens/",
            {"username": "alice", "password": TEST_PASSWORD, "next": "/account/tokens/"},
        )

        assert response["Location"] == "/account/tokens/"

    def test_it_does_not_follow_a_next_address_on_another_site(self, alice: User) -> None:
        response = Client().post(
            "/login/",
            {"username": "alice", "password": TEST_PASSWORD, "next": "https://evil.example/"},
        )

        assert response.status_code == 302
        assert "evil.example" not in response["Location"]

    def test_a_wrong_password_shows_the_form_again_and_signs_nobody_in(self, alice: User) -> None:
        client = Client()

        response = sign_in(client, "alice", "not-the-password")

        assert response.status_code == 200
        assert 'role="alert"' in response.content.decode()
        assert signed_in_user_id(client) is None

    def test_a_deactivated_user_cannot_sign_in(self, alice: User) -> None:
        User.objects.filter(pk=alice.pk).update(is_active=False)
        client = Client()

        sign_in(client, "alice", TEST_PASSWORD)

        assert signed_in_user_id(client) is None

    def test_a_signed_in_user_visiting_the_login_page_is_sent_on(
        self, login: Callable[[User], Client], alice: User
    ) -> None:
        response = login(alice).get("/login/")

        assert response.status_code == 302


class TestLogout:
    def test_logging_out_needs_post(self, login: Callable[[User], Client], alice: User) -> None:
        client = login(alice)

        response = client.get("/logout/")

        assert response.status_code == 405
        assert signed_in_user_id(client) == str(alice.pk)

    def test_posting_logs_out_and_goes_to_the_login_page(
        self, login: Callable[[User], Client], alice: User
    ) -> None:
        client = login(alice)

        response = client.post("/logout/")

        assert response.status_code == 302
        assert response["Location"] == "/login/"
        assert signed_in_user_id(client) is None


class TestPasswordChange:
    def test_the_page_needs_a_signed_in_user(self) -> None:
        response = Client().get("/account/password/")

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_changing_it_records_a_note_and_the_old_password_stops_working(
        self, login: Callable[[User], Client], alice: User
    ) -> None:
        client = login(alice)

        response = client.post(
            "/account/password/",
            {
                "old_password": TEST_PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

        assert response.status_code == 302
        assert response["Location"] == "/account/tokens/"
        assert signed_in_user_id(client) == str(alice.pk)  # the session survives
        entry = AuditEntry.objects.first()
        assert entry is not None
        assert entry.actor == alice
        assert entry.action == AuditEntry.Action.UPDATE
        assert entry.target_type == "accounts.user"
        assert entry.note == "修改了密码"
        assert NEW_PASSWORD not in str(entry.changes)
        assert not Client().login(username="alice", password=TEST_PASSWORD)
        assert Client().login(username="alice", password=NEW_PASSWORD)

    @pytest.mark.parametrize(
        ("old", "new1", "new2"),
        [
            ("not-the-password", NEW_PASSWORD, NEW_PASSWORD),
            (TEST_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x"),
            (TEST_PASSWORD, "123", "123"),
        ],
        ids=["wrong-old-password", "mismatch", "weak"],
    )
    def test_a_rejected_change_keeps_the_old_password_and_records_nothing(
        self, login: Callable[[User], Client], alice: User, old: str, new1: str, new2: str
    ) -> None:
        client = login(alice)
        entries = AuditEntry.objects.count()

        response = client.post(
            "/account/password/",
            {"old_password": old, "new_password1": new1, "new_password2": new2},
        )

        assert response.status_code == 200
        assert AuditEntry.objects.count() == entries
        assert Client().login(username="alice", password=TEST_PASSWORD)


class TestTokensPage:
    def test_the_page_needs_a_signed_in_user(self) -> None:
        response = Client().get("/account/tokens/")

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_it_lists_my_tokens_only(self, login: Callable[[User], Client], alice: User) -> None:
        create_token(actor=alice, name="alice 的脚本")
        create_token(actor=UserFactory(username="bob"), name="bob 的脚本")

        html = login(alice).get("/account/tokens/").content.decode()

        assert "alice 的脚本" in html
        assert "bob 的脚本" not in html

    def test_creating_a_token_shows_its_secret_exactly_once(
        self, login: Callable[[User], Client], alice: User
    ) -> None:
        client = login(alice)

        response = client.post("/account/tokens/", {"name": "数据上报"})

        assert response.status_code == 200
        html = response.content.decode()
        match = re.search(r'id="new-token">(tw_[^<]+)<', html)
        assert match is not None
        secret = match.group(1)
        assert html.count(secret) == 1
        token = ApiToken.objects.get(user=alice)
        assert token.name == "数据上报"
        assert authenticate_token(secret) == alice

        reloaded = client.get("/account/tokens/").content.decode()

        assert secret not in reloaded
        assert 'id="new-token"' not in reloaded
        assert "数据上报" in reloaded

    def test_an_empty_name_shows_an_error_and_creates_nothing(
        self, login: Callable[[User], Client], alice: User
    ) -> None:
        response = login(alice).post("/account/tokens/", {"name": "   "})

        assert response.status_code == 200
        assert 'id="new-token"' not in response.content.decode()
        assert not ApiToken.objects.filter(user=alice).exists()

    def test_revoking_by_post_revokes_and_goes_back_to_the_page(
        self, login: Callable[[User], Client], alice: User
    ) -> None:
        issued = create_token(actor=alice, name="脚本")

        response = login(alice).post(f"/account/tokens/{issued.token.pk}/revoke/")

        assert response.status_code == 302
        assert response["Location"] == "/account/tokens/"
        issued.token.refresh_from_db()
        assert issued.token.revoked_at is not None
        assert authenticate_token(issued.secret) is None

    def test_revoking_by_get_is_refused_and_changes_nothing(
        self, login: Callable[[User], Client], alice: User
    ) -> None:
        issued = create_token(actor=alice, name="脚本")

        response = login(alice).get(f"/account/tokens/{issued.token.pk}/revoke/")

        assert response.status_code == 405
        issued.token.refresh_from_db()
        assert issued.token.revoked_at is None

    def test_someone_elses_token_is_404_and_stays_active(
        self, login: Callable[[User], Client], alice: User
    ) -> None:
        theirs = create_token(actor=UserFactory(username="bob"), name="bob 的脚本")

        response = login(alice).post(f"/account/tokens/{theirs.token.pk}/revoke/")

        assert response.status_code == 404
        theirs.token.refresh_from_db()
        assert theirs.token.revoked_at is None

    def test_revoking_twice_shows_an_error_and_keeps_the_first_time(
        self, login: Callable[[User], Client], alice: User
    ) -> None:
        issued = create_token(actor=alice, name="脚本")
        client = login(alice)
        client.post(f"/account/tokens/{issued.token.pk}/revoke/")
        issued.token.refresh_from_db()
        first = issued.token.revoked_at

        response = client.post(f"/account/tokens/{issued.token.pk}/revoke/")

        assert response.status_code == 409
        issued.token.refresh_from_db()
        assert issued.token.revoked_at == first


class TestLoginThrottling:
    @pytest.fixture(autouse=True)
    def axes_on(self, settings: Settings) -> None:
        settings.AXES_ENABLED = True

    def test_five_failures_lock_the_account_even_against_the_right_password(
        self, alice: User
    ) -> None:
        client = Client()
        for _ in range(5):
            sign_in(client, "alice", "wrong-password")

        response = sign_in(client, "alice", TEST_PASSWORD)

        assert "登录已锁定" in response.content.decode()
        assert response.status_code == 429
        assert signed_in_user_id(client) is None

    def test_four_failures_do_not_lock_the_account(self, alice: User) -> None:
        client = Client()
        for _ in range(4):
            sign_in(client, "alice", "wrong-password")

        sign_in(client, "alice", TEST_PASSWORD)

        assert signed_in_user_id(client) == str(alice.pk)

    def test_a_locked_name_does_not_lock_other_users(self, alice: User) -> None:
        UserFactory(username="bob")
        client = Client()
        for _ in range(5):
            sign_in(client, "alice", "wrong-password")

        sign_in(client, "bob", TEST_PASSWORD)

        assert signed_in_user_id(client) is not None


class TestLanguageSwitch:
    def test_choosing_english_switches_the_page_language(self) -> None:
        client = Client()

        response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

        assert response.status_code == 302
        page = client.get("/login/")
        assert page["Content-Language"] == "en"
        assert '<html lang="en">' in page.content.decode()

    def test_an_unknown_language_keeps_chinese(self) -> None:
        client = Client()

        client.post("/i18n/setlang/", {"language": "xx", "next": "/login/"})

        page = client.get("/login/")
        assert page["Content-Language"] == "zh-hans"

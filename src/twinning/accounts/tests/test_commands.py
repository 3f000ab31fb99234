"""`twinning create-user` and `twinning create-token`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from twinning.accounts.models import ApiToken, Organisation, Role, User
from twinning.accounts.services import authenticate_token
from twinning.accounts.tests.factories import OrganisationFactory, UserFactory
from twinning.core.models import AuditEntry

pytestmark = pytest.mark.django_db

STRONG = "Kompliziert-Passwort-2024"


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(name="河南省住房和城乡建设厅", region_id="410000")


def create_user(*args: str) -> str:
    out = StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


def create_token(*args: str) -> str:
    out = StringIO()
    call_command("create_token", *args, stdout=out)
    return out.getvalue()


class TestCreateUser:
    def test_it_creates_a_user_who_can_then_sign_in(self, organisation: Organisation) -> None:
        out = create_user(
            "zhang",
            "--role",
            "coordinator",
            "--organisation",
            "河南省住房和城乡建设厅",
            "--full-name",
            "张三",
            "--password",
            STRONG,
        )

        assert out.strip() == "created user zhang (coordinator)"
        user = User.objects.get(username="zhang")
        assert user.role == Role.COORDINATOR
        assert user.organisation == organisation
        assert user.full_name == "张三"
        assert Client().login(username="zhang", password=STRONG)
        entry = AuditEntry.objects.get(target_type="accounts.user", target_id=str(user.pk))
        assert entry.actor is None
        assert entry.action == AuditEntry.Action.CREATE

    def test_an_administrator_needs_no_organisation(self) -> None:
        create_user("root", "--role", "admin", "--password", STRONG)

        user = User.objects.get(username="root")
        assert user.organisation is None
        assert user.is_platform_admin

    def test_without_password_it_asks_for_one(
        self, organisation: Organisation, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("getpass.getpass", lambda prompt="": STRONG)

        create_user("zhang", "--role", "member", "--organisation", organisation.name)

        assert Client().login(username="zhang", password=STRONG)

    def test_an_unknown_organisation_is_refused_and_creates_nothing(self) -> None:
        users, entries = User.objects.count(), AuditEntry.objects.count()

        with pytest.raises(CommandError) as caught:
            create_user(
                "zhang", "--role", "member", "--organisation", "不存在", "--password", STRONG
            )

        assert "不存在" in str(caught.value)
        assert User.objects.count() == users
        assert AuditEntry.objects.count() == entries

    def test_an_unknown_role_is_refused_and_creates_nothing(
        self, organisation: Organisation
    ) -> None:
        users = User.objects.count()

        with pytest.raises(CommandError):
            create_user("zhang", "--role", "boss", "--organisation", organisation.name)

        assert User.objects.count() == users

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--role", "member", "--password", STRONG], "组织"),
            (
                ["--role", "member", "--organisation", "河南省住房和城乡建设厅", "--password", "1"],
                "",
            ),
        ],
        ids=["no-organisation", "weak-password"],
    )
    def test_a_rule_broken_in_the_service_is_a_command_error(
        self, organisation: Organisation, args: list[str], message: str
    ) -> None:
        users, entries = User.objects.count(), AuditEntry.objects.count()

        with pytest.raises(CommandError) as caught:
            create_user("zhang", *args)

        assert message in str(caught.value)
        assert User.objects.count() == users
        assert AuditEntry.objects.count() == entries

    def test_a_taken_username_is_refused_and_the_user_is_unchanged(
        self, organisation: Organisation
    ) -> None:
        existing = UserFactory(username="zhang", role=Role.MEMBER)

        with pytest.raises(CommandError) as caught:
            create_user(
                "zhang", "--role", "coordinator", "--organisation", organisation.name,
                "--password", STRONG,
            )  # fmt: skip

        assert "zhang" in str(caught.value)
        existing.refresh_from_db()
        assert existing.role == Role.MEMBER
        assert existing.organisation != organisation
        assert not Client().login(username="zhang", password=STRONG)


class TestCreateToken:
    def test_it_prints_the_token_once_and_the_token_works(self) -> None:
        user = UserFactory(username="zhang")

        out = create_token("zhang", "--name", "上报脚本")

        secret = out.strip()
        assert secret.startswith("tw_")
        assert out.count(secret) == 1
        assert len(out.splitlines()) == 1
        assert authenticate_token(secret) == user
        assert ApiToken.objects.get(user=user).name == "上报脚本"

    def test_the_default_name_is_cli(self) -> None:
        user = UserFactory(username="zhang")

        create_token("zhang")

        assert ApiToken.objects.get(user=user).name == "cli"

    def test_an_unknown_user_is_refused_and_creates_nothing(self) -> None:
        with pytest.raises(CommandError) as caught:
            create_token("nobody")

        assert "nobody" in str(caught.value)
        assert ApiToken.objects.count() == 0

    def test_a_deactivated_user_is_refused(self) -> None:
        UserFactory(username="zhang", is_active=False)

        with pytest.raises(CommandError):
            create_token("zhang")

        assert ApiToken.objects.count() == 0

    def test_an_empty_name_is_refused(self) -> None:
        UserFactory(username="zhang")

        with pytest.raises(CommandError):
            create_token("zhang", "--name", "  ")

        assert ApiToken.objects.count() == 0

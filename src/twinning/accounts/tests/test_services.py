"""Writing accounts: users, organisations and personal API tokens, each write audited."""

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.utils import timezone

from twinning.accounts.models import ApiToken, Organisation, Role, User
from twinning.accounts.services import (
    LAST_USED_RESOLUTION,
    authenticate_token,
    create_organisation,
    create_token,
    create_user,
    record_password_change,
    revoke_token,
)
from twinning.accounts.tests.factories import OrganisationFactory, UserFactory
from twinning.core.errors import Conflict, Invalid, NotFound
from twinning.core.models import AuditEntry

pytestmark = pytest.mark.django_db

STRONG = "Kompliziert-Passwort-2024"


def every_stored_value() -> list[str]:
    """Every value in every column of every table, as text."""
    values: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            values.extend(str(value) for row in cursor.fetchall() for value in row)
    return values


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(name="河南省住房和城乡建设厅", region_id="410000")


@pytest.fixture
def alice() -> User:
    return UserFactory(username="alice")


@pytest.fixture
def bob() -> User:
    return UserFactory(username="bob")


class TestCreateUser:
    def test_it_creates_a_user_with_a_usable_password(self, organisation: Organisation) -> None:
        user = create_user(
            actor=None,
            username="zhang",
            password=STRONG,
            role=Role.COORDINATOR,
            organisation=organisation,
            full_name="张三",
            email="zhang@example.org",
        )

        user.refresh_from_db()
        assert user.role == Role.COORDINATOR
        assert user.organisation == organisation
        assert user.full_name == "张三"
        assert user.check_password(STRONG)
        assert user.password != STRONG
        assert user.is_staff is False

    def test_an_administrator_needs_no_organisation_and_gets_the_admin_site(self) -> None:
        user = create_user(
            actor=None, username="root", password=STRONG, role=Role.ADMIN, organisation=None
        )

        assert user.organisation is None
        assert user.is_staff is True

    def test_it_records_who_created_whom(self, organisation: Organisation, alice: User) -> None:
        user = create_user(
            actor=alice,
            username="zhang",
            password=STRONG,
            role=Role.MEMBER,
            organisation=organisation,
        )

        entry = AuditEntry.objects.get(target_type="accounts.user", target_id=str(user.pk))
        assert entry.actor == alice
        assert entry.action == AuditEntry.Action.CREATE
        assert entry.changes["username"] == [None, "zhang"]
        assert entry.changes["role"] == [None, "member"]
        assert entry.changes["organisation"] == [None, "河南省住房和城乡建设厅"]
        assert STRONG not in str(entry.changes)

    def test_a_duplicate_username_is_a_conflict_and_changes_nothing(
        self, organisation: Organisation, alice: User
    ) -> None:
        users, entries = User.objects.count(), AuditEntry.objects.count()

        with pytest.raises(Conflict) as caught:
            create_user(
                actor=None,
                username="alice",
                password=STRONG,
                role=Role.MEMBER,
                organisation=organisation,
            )

        assert caught.value.code == "duplicate_user"
        assert "alice" in caught.value.message
        assert User.objects.count() == users
        assert AuditEntry.objects.count() == entries
        alice_again = User.objects.get(username="alice")
        assert alice_again.check_password("pw-for-tests-123")
        assert alice_again.organisation != organisation

    def test_an_unknown_role_is_invalid_and_changes_nothing(
        self, organisation: Organisation
    ) -> None:
        users, entries = User.objects.count(), AuditEntry.objects.count()

        with pytest.raises(Invalid) as caught:
            create_user(
                actor=None,
                username="zhang",
                password=STRONG,
                role="boss",
                organisation=organisation,
            )

        assert "role" in caught.value.fields
        assert "boss" in caught.value.message
        assert User.objects.count() == users
        assert AuditEntry.objects.count() == entries

    @pytest.mark.parametrize("password", ["123", "password", "12345678901234", "zhang-x"])
    def test_a_weak_password_is_invalid_with_the_reason_and_changes_nothing(
        self, organisation: Organisation, password: str
    ) -> None:
        users, entries = User.objects.count(), AuditEntry.objects.count()

        with pytest.raises(Invalid) as caught:
            create_user(
                actor=None,
                username="zhang",
                password=password,
                role=Role.MEMBER,
                organisation=organisation,
            )

        assert caught.value.message
        assert caught.value.fields["password"]
        assert not User.objects.filter(username="zhang").exists()
        assert User.objects.count() == users
        assert AuditEntry.objects.count() == entries

    def test_a_weak_password_may_be_allowed_for_scripts_that_say_so(
        self, organisation: Organisation
    ) -> None:
        user = create_user(
            actor=None,
            username="demo",
            password="demo",
            role=Role.MEMBER,
            organisation=organisation,
            check_password=False,
        )

        assert user.check_password("demo")

    @pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.COORDINATOR, Role.MEMBER, Role.EXPERT])
    def test_everyone_but_an_administrator_needs_an_organisation(self, role: str) -> None:
        users, entries = User.objects.count(), AuditEntry.objects.count()

        with pytest.raises(Invalid) as caught:
            create_user(actor=None, username="zhang", password=STRONG, role=role, organisation=None)

        assert caught.value.code == "organisation_required"
        assert User.objects.count() == users
        assert AuditEntry.objects.count() == entries


class TestCreateOrganisation:
    def test_it_creates_an_organisation_for_a_region_and_records_it(self, alice: User) -> None:
        organisation = create_organisation(
            actor=alice,
            name="许昌市城市管理局",
            kind=Organisation.Kind.DEPARTMENT,
            region_code="411000",
        )

        assert organisation.region_id == "411000"
        entry = AuditEntry.objects.get(
            target_type="accounts.organisation", target_id=str(organisation.pk)
        )
        assert entry.actor == alice
        assert entry.action == AuditEntry.Action.CREATE

    def test_an_existing_name_returns_that_organisation_unchanged(
        self, organisation: Organisation
    ) -> None:
        entries = AuditEntry.objects.count()

        again = create_organisation(
            actor=None,
            name=organisation.name,
            kind=Organisation.Kind.EXPERT_INSTITUTION,
            region_code="120000",
        )

        assert again == organisation
        organisation.refresh_from_db()
        assert organisation.kind == Organisation.Kind.DEPARTMENT
        assert organisation.region_id == "410000"
        assert AuditEntry.objects.count() == entries

    def test_an_unknown_kind_is_invalid_and_changes_nothing(self) -> None:
        organisations, entries = Organisation.objects.count(), AuditEntry.objects.count()

        with pytest.raises(Invalid) as caught:
            create_organisation(actor=None, name="某机构", kind="club")

        assert "kind" in caught.value.fields
        assert Organisation.objects.count() == organisations
        assert AuditEntry.objects.count() == entries


class TestRecordPasswordChange:
    def test_it_notes_the_change_without_the_password(self, alice: User) -> None:
        record_password_change(actor=alice)

        entry = AuditEntry.objects.first()
        assert entry is not None
        assert entry.actor == alice
        assert entry.action == AuditEntry.Action.UPDATE
        assert entry.target_type == "accounts.user"
        assert entry.target_id == str(alice.pk)
        assert entry.note == "修改了密码"
        assert entry.changes == {}


class TestCreateToken:
    def test_the_secret_starts_with_tw_and_belongs_to_the_actor(self, alice: User) -> None:
        issued = create_token(actor=alice, name="  上报脚本  ")

        assert issued.secret.startswith("tw_")
        assert len(issued.secret) > 40
        assert issued.token.user == alice
        assert issued.token.name == "上报脚本"
        assert issued.token.is_active
        assert issued.secret[3:13] == issued.token.prefix

    def test_only_a_sha256_hash_of_the_secret_is_stored(self, alice: User) -> None:
        issued = create_token(actor=alice, name="上报脚本")

        stored = ApiToken.objects.get(pk=issued.token.pk)
        assert stored.secret_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
        assert not any(issued.secret in value for value in every_stored_value())

    def test_each_token_is_different(self, alice: User) -> None:
        first = create_token(actor=alice, name="一")
        second = create_token(actor=alice, name="二")

        assert first.secret != second.secret
        assert first.token.prefix != second.token.prefix

    def test_it_records_the_new_token(self, alice: User) -> None:
        issued = create_token(actor=alice, name="上报脚本")

        entry = AuditEntry.objects.get(target_type="accounts.apitoken")
        assert entry.actor == alice
        assert entry.action == AuditEntry.Action.CREATE
        assert entry.target_id == str(issued.token.pk)

    @pytest.mark.parametrize("name", ["", "   ", "x" * 101])
    def test_a_missing_or_overlong_name_is_invalid_and_creates_nothing(
        self, alice: User, name: str
    ) -> None:
        entries = AuditEntry.objects.count()

        with pytest.raises(Invalid) as caught:
            create_token(actor=alice, name=name)

        assert caught.value.fields["name"]
        assert ApiToken.objects.count() == 0
        assert AuditEntry.objects.count() == entries


class TestAuthenticateToken:
    def test_a_good_token_gives_its_user_and_notes_when_it_was_used(self, alice: User) -> None:
        issued = create_token(actor=alice, name="脚本")

        assert authenticate_token(issued.secret) == alice
        issued.token.refresh_from_db()
        assert issued.token.last_used_at is not None

    def test_a_recent_use_is_not_written_again(self, alice: User) -> None:
        issued = create_token(actor=alice, name="脚本")
        authenticate_token(issued.secret)
        issued.token.refresh_from_db()
        first_use = issued.token.last_used_at

        authenticate_token(issued.secret)

        issued.token.refresh_from_db()
        assert issued.token.last_used_at == first_use

    def test_a_use_after_the_resolution_is_written(self, alice: User) -> None:
        issued = create_token(actor=alice, name="脚本")
        long_ago = timezone.now() - LAST_USED_RESOLUTION - dt.timedelta(seconds=5)
        ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=long_ago)

        authenticate_token(issued.secret)

        issued.token.refresh_from_db()
        assert issued.token.last_used_at is not None
        assert issued.token.last_used_at > long_ago

    def test_a_wrong_secret_with_a_real_prefix_is_refused(self, alice: User) -> None:
        issued = create_token(actor=alice, name="脚本")
        forged = (
            issued.secret[:13] + ("A" if issued.secret[13] != "A" else "B") + issued.secret[14:]
        )

        assert authenticate_token(forged) is None
        issued.token.refresh_from_db()
        assert issued.token.last_used_at is None

    @pytest.mark.parametrize("secret", ["", "tw_", "tw_unknownprefix", "gh_abcdefghijkl", "Bearer"])
    def test_unknown_or_malformed_secrets_are_refused(self, alice: User, secret: str) -> None:
        create_token(actor=alice, name="脚本")

        assert authenticate_token(secret) is None

    def test_a_revoked_token_is_refused(self, alice: User) -> None:
        issued = create_token(actor=alice, name="脚本")
        revoke_token(actor=alice, token_id=issued.token.pk)

        assert authenticate_token(issued.secret) is None

    def test_the_token_of_a_deactivated_user_is_refused(self, alice: User) -> None:
        issued = create_token(actor=alice, name="脚本")
        User.objects.filter(pk=alice.pk).update(is_active=False)

        assert authenticate_token(issued.secret) is None


class TestRevokeToken:
    def test_the_owner_revokes_their_token_and_it_is_recorded(self, alice: User) -> None:
        issued = create_token(actor=alice, name="脚本")

        revoked = revoke_token(actor=alice, token_id=issued.token.pk)

        assert revoked.revoked_at is not None
        issued.token.refresh_from_db()
        assert not issued.token.is_active
        entry = AuditEntry.objects.first()
        assert entry is not None
        assert entry.actor == alice
        assert entry.action == AuditEntry.Action.ARCHIVE
        assert entry.target_type == "accounts.apitoken"
        assert entry.target_id == str(issued.token.pk)

    def test_someone_elses_token_is_not_found_and_stays_active(
        self, alice: User, bob: User
    ) -> None:
        issued = create_token(actor=bob, name="bob 的脚本")
        entries = AuditEntry.objects.count()

        with pytest.raises(NotFound):
            revoke_token(actor=alice, token_id=issued.token.pk)

        issued.token.refresh_from_db()
        assert issued.token.revoked_at is None
        assert authenticate_token(issued.secret) == bob
        assert AuditEntry.objects.count() == entries

    def test_an_administrator_may_revoke_anyones_token(self, bob: User) -> None:
        admin = UserFactory(role=Role.ADMIN, organisation=None)
        issued = create_token(actor=bob, name="bob 的脚本")

        revoke_token(actor=admin, token_id=issued.token.pk)

        assert authenticate_token(issued.secret) is None
        entry = AuditEntry.objects.first()
        assert entry is not None
        assert entry.actor == admin

    def test_an_unknown_token_is_not_found(self, alice: User) -> None:
        with pytest.raises(NotFound):
            revoke_token(actor=alice, token_id=987654)

    def test_revoking_twice_is_a_conflict_and_keeps_the_first_time(self, alice: User) -> None:
        issued = create_token(actor=alice, name="脚本")
        first = revoke_token(actor=alice, token_id=issued.token.pk).revoked_at
        entries = AuditEntry.objects.count()

        with pytest.raises(Conflict) as caught:
            revoke_token(actor=alice, token_id=issued.token.pk)

        assert caught.value.code == "already_revoked"
        issued.token.refresh_from_db()
        assert issued.token.revoked_at == first
        assert AuditEntry.objects.count() == entries

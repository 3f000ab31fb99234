"""The scoping primitive: which regions, and so which records, a user's organisation covers."""

import pytest
from django.contrib.auth.models import AnonymousUser

from twinning.accounts.models import Role, User
from twinning.accounts.tests.factories import OrganisationFactory, UserFactory
from twinning.core.errors import Forbidden
from twinning.core.permissions import covers, is_ministry, region_scope_q, require
from twinning.pairings.models import Pairing
from twinning.pairings.programme import ProgrammeResult
from twinning.regions.models import Region

TIANJIN_HENAN_PAIRS = [
    ("120000", "410000"),
    ("120101", "411500"),
    ("120103", "411300"),
    ("120104", "411000"),
    ("120113", "410400"),
]


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def visible_pairs(user: object) -> list[tuple[str, str]]:
    pairs = Pairing.objects.filter(region_scope_q(user, "leading_region", "partner_region"))
    return sorted(pairs.values_list("leading_region_id", "partner_region_id"))


@pytest.fixture
def regionless(programme: ProgrammeResult) -> User:
    """A coordinator whose organisation stands for no region."""
    return UserFactory(
        role=Role.COORDINATOR, organisation=OrganisationFactory(region=None), username="nowhere"
    )


class TestIsMinistry:
    def test_supervisors_and_administrators_see_the_whole_programme(
        self, supervisor: User, admin_user: User
    ) -> None:
        assert is_ministry(supervisor)
        assert is_ministry(admin_user)

    def test_a_superuser_sees_everything_whatever_their_role(
        self, programme: ProgrammeResult
    ) -> None:
        superuser = UserFactory(role=Role.MEMBER, is_superuser=True)

        assert is_ministry(superuser)

    def test_regional_users_and_experts_do_not(
        self, henan: User, henan_member: User, henan_expert: User
    ) -> None:
        assert not is_ministry(henan)
        assert not is_ministry(henan_member)
        assert not is_ministry(henan_expert)

    def test_an_anonymous_visitor_does_not(self) -> None:
        assert not is_ministry(AnonymousUser())


class TestCovers:
    def test_the_ministry_covers_every_region(self, supervisor: User) -> None:
        assert all(covers(supervisor, r) for r in Region.objects.all())

    def test_a_province_covers_itself_and_everything_inside_it(self, henan: User) -> None:
        assert covers(henan, region("410000"))
        assert covers(henan, region("411000"))  # 许昌市
        assert covers(henan, region("411300"))  # 南阳市

    def test_a_province_does_not_cover_its_partner_or_the_partners_districts(
        self, henan: User
    ) -> None:
        assert not covers(henan, region("120000"))  # 天津, which leads 河南
        assert not covers(henan, region("120103"))  # 河西区, paired with 南阳
        assert not covers(henan, region("120104"))  # 南开区, paired with 许昌

    def test_a_city_covers_itself_but_not_its_province_or_neighbours(self, xuchang: User) -> None:
        assert covers(xuchang, region("411000"))
        assert not covers(xuchang, region("410000"))
        assert not covers(xuchang, region("411300"))

    def test_a_user_whose_organisation_has_no_region_covers_nothing(self, regionless: User) -> None:
        assert not any(covers(regionless, r) for r in Region.objects.all())

    def test_a_user_without_an_organisation_covers_nothing(
        self, programme: ProgrammeResult
    ) -> None:
        loner = UserFactory(role=Role.MEMBER, organisation=None)

        assert not covers(loner, region("410000"))

    def test_an_anonymous_visitor_covers_nothing(self, programme: ProgrammeResult) -> None:
        assert not covers(AnonymousUser(), region("410000"))


class TestRegionScopeQ:
    def test_the_ministry_sees_every_pair(self, supervisor: User) -> None:
        assert len(visible_pairs(supervisor)) == Pairing.objects.count()

    def test_a_partner_province_sees_its_pair_and_the_sub_pairs_inside_it(
        self, henan: User
    ) -> None:
        assert visible_pairs(henan) == TIANJIN_HENAN_PAIRS

    def test_a_leading_province_sees_the_same_pairs_from_its_side(self, tianjin: User) -> None:
        assert visible_pairs(tianjin) == TIANJIN_HENAN_PAIRS

    def test_a_city_sees_only_its_own_pair(self, xuchang: User) -> None:
        assert visible_pairs(xuchang) == [("120104", "411000")]

    def test_an_outsider_does_not_see_tianjin_henan(self, jiangxi: User) -> None:
        assert visible_pairs(jiangxi) == [("310000", "360000")]

    def test_a_user_whose_organisation_has_no_region_sees_nothing(self, regionless: User) -> None:
        assert visible_pairs(regionless) == []

    def test_an_anonymous_visitor_sees_nothing(self, programme: ProgrammeResult) -> None:
        assert visible_pairs(AnonymousUser()) == []


class TestRequire:
    def test_it_passes_when_allowed(self) -> None:
        require(True)

    def test_it_raises_forbidden_with_a_default_message(self) -> None:
        with pytest.raises(Forbidden) as caught:
            require(False)

        assert caught.value.status == 403
        assert caught.value.message

    def test_it_raises_forbidden_with_the_given_message(self) -> None:
        with pytest.raises(Forbidden, match="只有协调员可以"):
            require(False, "只有协调员可以")

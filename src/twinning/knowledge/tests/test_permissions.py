"""Who may write what: the permission functions per role, and the services refusing
(404 for what the actor cannot see, 403 for what the actor sees but may not change)."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from twinning.core.errors import Forbidden, NotFound
from twinning.knowledge import permissions as perms
from twinning.knowledge import services
from twinning.knowledge.models import Document, ModelCase, Visibility
from twinning.knowledge.tests import files
from twinning.knowledge.tests.factories import make_case, make_compilation, make_document, state
from twinning.regions.models import Region

pytestmark = pytest.mark.django_db

PERSONAS = [
    "supervisor",
    "admin_user",
    "henan",
    "henan_member",
    "henan_expert",
    "xuchang",
    "tianjin",
    "jiangxi",
]


def _user(request: pytest.FixtureRequest, name: str) -> Any:
    return request.getfixturevalue(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("supervisor", True),
        ("admin_user", True),
        ("henan", True),
        ("henan_member", True),
        ("henan_expert", False),
        ("xuchang", True),
        ("jiangxi", True),
    ],
)
def test_can_contribute(request: pytest.FixtureRequest, name: str, expected: bool) -> None:
    assert perms.can_contribute(_user(request, name)) is expected


def test_anonymous_contributes_nothing_and_the_platform_everything() -> None:
    assert perms.can_contribute(AnonymousUser()) is False
    assert perms.can_contribute(None) is True


@pytest.mark.parametrize(
    ("name", "region", "expected"),
    [
        ("supervisor", "410000", True),
        ("admin_user", None, True),
        ("henan", "410000", True),
        ("henan", "411000", True),  # a city inside the province
        ("henan_member", "410000", True),
        ("henan_expert", "410000", False),
        ("xuchang", "411000", True),
        ("xuchang", "410000", False),  # the province is not inside the city
        ("tianjin", "410000", False),
        ("jiangxi", "410000", False),
        ("henan", None, False),  # no region: the Ministry only
        ("supervisor", None, True),
    ],
)
def test_can_edit_by_region(
    request: pytest.FixtureRequest, name: str, region: str | None, expected: bool
) -> None:
    record = Document(region=Region.objects.get(code=region) if region else None)
    assert perms.can_edit(_user(request, name), record) is expected


@pytest.mark.parametrize(
    ("name", "status", "expected"),
    [
        ("henan", ModelCase.Status.DRAFT, True),
        ("henan", ModelCase.Status.RETURNED, True),
        ("henan", ModelCase.Status.NOMINATED, False),
        ("henan", ModelCase.Status.PROMOTED, False),
        ("henan_member", ModelCase.Status.DRAFT, False),
        ("henan_expert", ModelCase.Status.DRAFT, False),
        ("jiangxi", ModelCase.Status.DRAFT, False),
        ("supervisor", ModelCase.Status.DRAFT, True),
    ],
)
def test_can_nominate(
    request: pytest.FixtureRequest, name: str, status: str, expected: bool
) -> None:
    case = ModelCase(region=Region.objects.get(code="410000"), status=status)
    assert perms.can_nominate(_user(request, name), case) is expected


@pytest.mark.parametrize("name", PERSONAS)
def test_can_review_is_the_ministry(request: pytest.FixtureRequest, name: str) -> None:
    assert perms.can_review(_user(request, name)) is (name in ("supervisor", "admin_user"))


@pytest.mark.parametrize(
    ("name", "region", "expected"),
    [
        ("jiangxi", "360000", True),
        ("jiangxi", "410000", False),
        ("henan", "411000", True),
        ("henan_expert", "410000", False),
        ("supervisor", "620000", True),
    ],
)
def test_can_adopt(request: pytest.FixtureRequest, name: str, region: str, expected: bool) -> None:
    case = ModelCase(region=Region.objects.get(code="510500"))
    adopter = Region.objects.get(code=region)
    assert perms.can_adopt(_user(request, name), case, adopter) is expected


@pytest.mark.parametrize(
    ("name", "visibility", "with_pair", "expected"),
    [
        ("henan", Visibility.PROGRAMME, False, True),
        ("henan", Visibility.PAIR, True, True),
        ("tianjin", Visibility.PAIR, True, True),
        ("xuchang", Visibility.PAIR, True, False),  # a city is not a side of the provinces' pair
        ("jiangxi", Visibility.PAIR, True, False),
        ("henan", Visibility.PAIR, False, False),
        ("henan", Visibility.MINISTRY, False, False),
        ("supervisor", Visibility.MINISTRY, False, True),
        ("supervisor", Visibility.PAIR, True, True),
        ("henan_expert", Visibility.PROGRAMME, False, False),
        ("henan", "everyone", False, False),
    ],
)
def test_can_set_visibility(
    request: pytest.FixtureRequest,
    tianjin_henan: Any,
    name: str,
    visibility: str,
    with_pair: bool,
    expected: bool,
) -> None:
    pairing = tianjin_henan if with_pair else None
    assert perms.can_set_visibility(_user(request, name), visibility, pairing) is expected


# ---------------------------------------------------------------- services refusing


class TestServicesRefuse:
    def test_expert_is_read_only(self, henan: Any, henan_expert: Any) -> None:
        document = make_document(henan)
        case = make_case(henan)
        before = state()
        with pytest.raises(Forbidden):
            make_document(henan_expert)
        with pytest.raises(Forbidden):
            services.update_document(henan_expert, document, lock_version=1, title="专家改")
        with pytest.raises(Forbidden):
            services.add_version(henan_expert, document, file=files.upload(files.text(), "a.txt"))
        with pytest.raises(Forbidden):
            services.archive_document(henan_expert, document)
        with pytest.raises(Forbidden):
            make_case(henan_expert)
        with pytest.raises(Forbidden):
            services.update_case(henan_expert, case, lock_version=1, title="x")
        with pytest.raises(Forbidden):
            make_compilation(henan_expert, [document])
        assert state() == before

    def test_outsider_gets_not_found_for_a_pair_private_document(
        self, henan: Any, jiangxi: Any, tianjin_henan: Any
    ) -> None:
        document = make_document(henan, visibility=Visibility.PAIR, pairing=tianjin_henan)
        before = state()
        with pytest.raises(NotFound):
            services.update_document(jiangxi, document, lock_version=1, title="x")
        with pytest.raises(NotFound):
            services.add_version(jiangxi, document, file=files.upload(files.text(), "a.txt"))
        with pytest.raises(NotFound):
            services.archive_document(jiangxi, document)
        assert state() == before

    def test_outsider_may_not_edit_a_programme_document_of_another_region(
        self, henan: Any, jiangxi: Any
    ) -> None:
        document = make_document(henan)
        case = make_case(henan)
        compilation = make_compilation(henan, [document])
        before = state()
        with pytest.raises(Forbidden):
            services.update_document(jiangxi, document, lock_version=1, title="x")
        with pytest.raises(Forbidden):
            services.add_version(jiangxi, document, file=files.upload(files.text(), "a.txt"))
        with pytest.raises(Forbidden):
            services.archive_document(jiangxi, document)
        with pytest.raises(Forbidden):
            services.update_case(jiangxi, case, lock_version=1, title="x")
        with pytest.raises(Forbidden):
            services.archive_case(jiangxi, case)
        with pytest.raises(Forbidden):
            services.set_compilation_documents(
                jiangxi, compilation, document_ids=[], lock_version=1
            )
        assert state() == before

    def test_other_side_of_the_pair_reads_but_does_not_edit(
        self, henan: Any, tianjin: Any, tianjin_henan: Any
    ) -> None:
        document = make_document(henan, visibility=Visibility.PAIR, pairing=tianjin_henan)
        with pytest.raises(Forbidden):
            services.update_document(tianjin, document, lock_version=1, title="x")

    def test_member_and_ministry_edit(self, henan: Any, henan_member: Any, supervisor: Any) -> None:
        document = make_document(henan)
        document = services.update_document(henan_member, document, lock_version=1, title="成员")
        document = services.update_document(supervisor, document, lock_version=2, title="部里")
        assert document.title == "部里"

    def test_writing_for_another_region_is_forbidden(self, henan: Any, xuchang: Any) -> None:
        before = state()
        with pytest.raises(Forbidden):
            make_document(xuchang, region="410000")
        with pytest.raises(Forbidden):
            make_case(henan, region="360000")
        assert state() == before

    def test_visibility_limits(self, henan: Any, jiangxi: Any, tianjin_henan: Any) -> None:
        before = state()
        with pytest.raises(Forbidden):
            make_document(henan, visibility=Visibility.MINISTRY)
        with pytest.raises(Forbidden):
            make_document(jiangxi, visibility=Visibility.PAIR, pairing=tianjin_henan)
        assert state() == before

    def test_region_less_document_is_the_ministrys(self, supervisor: Any, henan: Any) -> None:
        document = make_document(supervisor)
        assert document.region is None
        with pytest.raises(Forbidden):
            services.update_document(henan, document, lock_version=1, title="x")
        assert (
            services.update_document(supervisor, document, lock_version=1, title="y").title == "y"
        )

"""Shared fixtures: the programme's starting record, named personas, and the browser tests'
fixtures (twinning.core.tests.browser).

Personas follow the programme's own examples: 天津 leads 河南 with four district–city sub-pairs
(南开区–许昌市 among them); 江西 is paired with 上海 only, so it is an outsider to 天津–河南.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from twinning.accounts.models import Organisation, Role, User
from twinning.accounts.services import create_token
from twinning.accounts.tests.factories import TEST_PASSWORD, make_user
from twinning.core.tests.browser import (  # noqa: F401 - fixtures for every app's browser tests
    browser,
    browser_context_options,
    open_browser,
    page,
    page_errors,
)
from twinning.indicators.catalogue import load_catalogue
from twinning.pairings.models import Pairing
from twinning.pairings.programme import ProgrammeResult, load_programme
from twinning.plans.programme import load_plans
from twinning.regions.models import Region
from twinning.search.vocabulary import load_vocabulary

__all__ = ["TEST_PASSWORD"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """Load the starting record and the indicator catalogue once; each test then runs in a
    transaction rolled back after it."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        load_programme()
        load_plans()
        load_catalogue()
        load_vocabulary()


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts and ends in the default language: a request or command in English must
    not leave English active for the next test's messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def programme(db: None) -> ProgrammeResult:
    """The programme's record; reloaded when a transactional test has emptied the tables."""
    if Pairing.objects.exists():
        return ProgrammeResult(
            regions_created=Region.objects.count(), pairs_created=Pairing.objects.count()
        )
    result = load_programme()
    load_plans()
    load_catalogue()
    return result


@pytest.fixture
def pair(programme: ProgrammeResult) -> Callable[[str, str], Pairing]:
    """Look a pair up by its two region codes, e.g. pair("120000", "410000")."""

    def find(leading: str, partner: str) -> Pairing:
        return Pairing.objects.get(leading_region_id=leading, partner_region_id=partner)

    return find


@pytest.fixture
def tianjin_henan(pair: Callable[[str, str], Pairing]) -> Pairing:
    return pair("120000", "410000")


@pytest.fixture
def nankai_xuchang(pair: Callable[[str, str], Pairing]) -> Pairing:
    return pair("120104", "411000")


def _persona(role: str, region: str | None, username: str, kind: str = "department") -> Any:
    """A fixture giving a user of `role` in an organisation standing for `region`."""

    @pytest.fixture
    def persona(programme: ProgrammeResult) -> User:
        return make_user(role, region, kind=kind, username=username)

    return persona


supervisor = _persona(Role.SUPERVISOR, None, "ministry")
admin_user = _persona(Role.ADMIN, None, "admin")
tianjin = _persona(Role.COORDINATOR, "120000", "tianjin")
henan = _persona(Role.COORDINATOR, "410000", "henan")
henan_member = _persona(Role.MEMBER, "410000", "henan_member")
# Read-only in 河南's scope: experts answer consultations, they do not edit pairs.
henan_expert = _persona(
    Role.EXPERT, "410000", "henan_expert", kind=Organisation.Kind.EXPERT_INSTITUTION
)
xuchang = _persona(Role.COORDINATOR, "411000", "xuchang")
jiangxi = _persona(Role.COORDINATOR, "360000", "jiangxi")
ningbo = _persona(Role.COORDINATOR, "330200", "ningbo")
gansu = _persona(Role.COORDINATOR, "620000", "gansu")


@pytest.fixture
def login() -> Callable[[User], Client]:
    """A web client signed in as the given user."""

    def signed_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def api() -> Callable[[User], Client]:
    """An API client sending the user's bearer token with every request."""

    def with_token(user: User) -> Client:
        secret = create_token(actor=user, name="tests").secret
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return with_token

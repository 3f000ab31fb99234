"""The search scope (visibility copied into the index) is the same rule as each kind's own.

Every entry an actor's search may reach must be a record the kind's `visible(actor)` returns, and
the other way round, for every persona and every kind, pair-private and Ministry-only included.
"""

from typing import Any

import pytest

from twinning.consultations.models import Assignment
from twinning.knowledge.models import Visibility
from twinning.pairings.models import Pairing
from twinning.search.models import SearchEntry
from twinning.search.queries import scoped_entries
from twinning.search.sources import SOURCES
from twinning.search.tests.conftest import make_case, make_document, make_exchange, make_problem

pytestmark = pytest.mark.django_db

PERSONAS = ["supervisor", "tianjin", "henan", "henan_expert", "xuchang", "jiangxi", "gansu"]


@pytest.fixture
def corpus(
    tianjin_henan: Pairing,
    nankai_xuchang: Pairing,
    pair: Any,
    henan_expert: Any,
) -> None:
    shanghai_jiangxi = pair("310000", "360000")
    make_document("全体可见", "文本")
    make_document("天津河南内部", "文本", visibility=Visibility.PAIR, pairing=tianjin_henan)
    make_document("南开许昌内部", "文本", visibility=Visibility.PAIR, pairing=nankai_xuchang)
    make_document("仅部里", "文本", visibility=Visibility.MINISTRY)
    make_case("案例全体", region="410000")
    make_case("案例结对", region="410000", visibility=Visibility.PAIR, pairing=tianjin_henan)
    make_problem(tianjin_henan, "天津河南难题", "描述")
    make_problem(shanghai_jiangxi, "上海江西难题", "描述")
    # Outside the expert's region: seen only because it is assigned to them.
    assigned = make_problem(shanghai_jiangxi, "指派给专家的难题", "描述")
    Assignment.objects.create(problem=assigned, expert=henan_expert)
    make_exchange(tianjin_henan, "天津河南交流", "纪要")
    make_exchange(nankai_xuchang, "南开许昌交流", "纪要")


def _by_rule(actor: Any) -> set[tuple[str, int]]:
    indexed = set(SearchEntry.objects.values_list("kind", "object_id"))
    seen = set()
    for kind, source in SOURCES.items():
        for pk in source.visible(actor).values_list("pk", flat=True):
            seen.add((str(kind), pk))
    return seen & indexed


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_index_scope_is_each_kinds_own_rule(
    corpus: None, persona: str, request: pytest.FixtureRequest
) -> None:
    actor = request.getfixturevalue(persona)
    scoped = set(scoped_entries(actor).values_list("kind", "object_id"))
    assert scoped == _by_rule(actor)
    assert scoped  # everyone sees at least the programme-wide records


def test_the_corpus_tells_the_personas_apart(
    corpus: None, supervisor: Any, jiangxi: Any, henan: Any
) -> None:
    everything = set(scoped_entries(supervisor).values_list("kind", "object_id"))
    assert len(scoped_entries(jiangxi)) < len(scoped_entries(henan)) < len(everything)


def test_an_assigned_expert_sees_a_problem_beyond_their_pairs(
    corpus: None, henan_expert: Any, henan: Any
) -> None:
    def titles(actor: Any) -> set[str]:
        return set(scoped_entries(actor, ("problem",)).values_list("title", flat=True))

    assert "指派给专家的难题" in titles(henan_expert)
    assert "指派给专家的难题" not in titles(henan)
    assert "上海江西难题" not in titles(henan_expert)

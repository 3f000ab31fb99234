"""Scoping: what a user may not see never shows in results, counts, facets or suggestions."""

from typing import Any

import pytest
from django.utils import timezone

from twinning.knowledge.models import Visibility
from twinning.search import index, queries
from twinning.search.queries import SearchFilters
from twinning.search.tests.conftest import make_case, make_document, make_exchange, make_problem

pytestmark = pytest.mark.django_db

WORD = "渗滤液"


@pytest.fixture
def records(tianjin_henan: Any) -> dict[str, Any]:
    return {
        "programme": make_document(
            "全国渗滤液处理指南", f"{WORD}处理的通用做法。", region="360000"
        ),
        "pair": make_document(
            "天津河南渗滤液协作方案",
            f"两地共同研究{WORD}处理，内部资料。",
            region="410000",
            kind="work_plan",
            visibility=Visibility.PAIR,
            pairing=tianjin_henan,
        ),
        "ministry": make_document(
            "渗滤液督查通报",
            f"部里掌握的{WORD}问题清单。",
            region="120000",
            kind="report",
            visibility=Visibility.MINISTRY,
        ),
        "pair_case": make_case(
            "河南渗滤液典型案例",
            region="410000",
            problem=f"{WORD}超标",
            visibility=Visibility.PAIR,
            pairing=tianjin_henan,
        ),
    }


def _seen(actor: Any, q: str = WORD, **filters: Any) -> tuple[set[str], int, dict[str, Any]]:
    page = queries.search(actor, q, SearchFilters(**filters))
    facets = {name: {f.value: f.count for f in values} for name, values in page.facets.items()}
    return {h.title for h in page.hits}, page.total, facets


def test_an_outsider_never_sees_a_pair_private_document(records: Any, jiangxi: Any) -> None:
    titles, total, facets = _seen(jiangxi)
    assert titles == {"全国渗滤液处理指南"}
    assert total == 1
    assert facets["kind"] == {"document": 1}
    assert facets["subkind"] == {"policy": 1}
    assert facets["region"] == {"360000": 1}
    # Asking for the hidden record's facets directly shows nothing either.
    titles, total, facets = _seen(jiangxi, region="410000")
    assert titles == set() and total == 0
    assert facets["region"] == {"360000": 1, "410000": 0}
    titles, total, _ = _seen(jiangxi, subkind="work_plan")
    assert titles == set() and total == 0
    # Its own words find nothing, not even through the relaxed query.
    titles, total, _ = _seen(jiangxi, "天津河南 协作方案 内部资料")
    assert titles == set() and total == 0
    assert queries.suggest(jiangxi, "渗滤液处理怎么做", kinds=("document", "case")) != []
    suggested = {h.title for h in queries.suggest(jiangxi, "渗滤液处理内部资料协作", limit=10)}
    assert suggested == {"全国渗滤液处理指南"}


@pytest.mark.parametrize("persona", ["henan", "tianjin"])
def test_the_two_sides_see_their_pair_document(
    records: Any, persona: str, request: pytest.FixtureRequest
) -> None:
    actor = request.getfixturevalue(persona)
    titles, total, facets = _seen(actor)
    assert titles == {"全国渗滤液处理指南", "天津河南渗滤液协作方案", "河南渗滤液典型案例"}
    assert total == 3
    assert facets["kind"] == {"document": 2, "case": 1}
    assert facets["region"] == {"360000": 1, "410000": 2}
    suggested = {h.title for h in queries.suggest(actor, "渗滤液处理内部资料协作", limit=10)}
    assert "天津河南渗滤液协作方案" in suggested
    assert "渗滤液督查通报" not in suggested


def test_the_ministry_sees_everything(records: Any, supervisor: Any, admin_user: Any) -> None:
    for actor in (supervisor, admin_user):
        titles, total, facets = _seen(actor)
        assert total == 4
        assert "渗滤液督查通报" in titles
        assert facets["subkind"] == {"policy": 1, "work_plan": 1, "report": 1}


def test_ministry_only_documents_stay_with_the_ministry(
    records: Any, henan: Any, tianjin: Any, jiangxi: Any, henan_expert: Any
) -> None:
    for actor in (henan, tianjin, jiangxi, henan_expert):
        titles, _, facets = _seen(actor, "督查通报")
        assert "渗滤液督查通报" not in titles
        assert "report" not in facets["subkind"]
        assert "120000" not in facets["region"]


def test_archived_records_vanish(records: Any, supervisor: Any) -> None:
    document = records["programme"]
    document.archived_at = timezone.now()
    document.save()
    index.index_object("document", document.pk)
    titles, total, facets = _seen(supervisor)
    assert "全国渗滤液处理指南" not in titles
    assert total == 3
    assert "360000" not in facets["region"]


def test_problems_and_exchanges_follow_their_own_visibility(
    tianjin_henan: Any, henan: Any, tianjin: Any, jiangxi: Any, supervisor: Any
) -> None:
    make_problem(
        tianjin_henan,
        "小区渗滤液外溢怎么办",
        "中转站渗滤液外溢。",
        answers=("建议设置导流槽。",),
    )
    make_exchange(tianjin_henan, "赴天津学习渗滤液处理", "参观渗滤液处理站。")
    for actor in (henan, tianjin, supervisor):
        titles, total, facets = _seen(actor)
        assert titles == {"小区渗滤液外溢怎么办", "赴天津学习渗滤液处理"}
        assert facets["kind"] == {"problem": 1, "exchange": 1}
    titles, total, facets = _seen(jiangxi)
    assert titles == set() and total == 0 and facets["kind"] == {}
    # An answer's words find the problem.
    assert _seen(henan, "导流槽")[0] == {"小区渗滤液外溢怎么办"}
    assert _seen(jiangxi, "导流槽")[1] == 0
    assert queries.suggest(jiangxi, "渗滤液导流槽", kinds=("problem", "exchange")) == []
    assert queries.suggest(henan, "渗滤液导流槽", kinds=("problem",))[0].kind == "problem"

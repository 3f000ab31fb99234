"""Reading the knowledge base: visibility, filters, sorting, detail getters and history."""

import datetime as dt
from typing import Any

import pytest

from twinning.core.errors import NotFound
from twinning.knowledge import queries, services
from twinning.knowledge.models import DocumentKind, ModelCase, Visibility
from twinning.knowledge.queries import CaseFilters, CompilationFilters, DocumentFilters
from twinning.knowledge.tests import files
from twinning.knowledge.tests.factories import make_case, make_compilation, make_document

pytestmark = pytest.mark.django_db


def _ids(rows: Any) -> set[int]:
    return {row.pk for row in rows}


@pytest.fixture
def documents(henan: Any, supervisor: Any, tianjin_henan: Any, nankai_xuchang: Any) -> dict:
    """One document of each visibility (and a sub-pair's) by 河南 and the Ministry."""
    return {
        "programme": make_document(henan, title="公开文件"),
        "pair": make_document(
            henan, title="结对内部文件", visibility=Visibility.PAIR, pairing=tianjin_henan
        ),
        "subpair": make_document(
            supervisor,
            title="区市结对文件",
            region="411000",
            visibility=Visibility.PAIR,
            pairing=nankai_xuchang,
        ),
        "ministry": make_document(supervisor, title="部内文件", visibility=Visibility.MINISTRY),
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("supervisor", {"programme", "pair", "subpair", "ministry"}),
        ("admin_user", {"programme", "pair", "subpair", "ministry"}),
        ("henan", {"programme", "pair", "subpair"}),  # the province contains 许昌
        ("henan_member", {"programme", "pair", "subpair"}),
        ("henan_expert", {"programme", "pair", "subpair"}),
        ("tianjin", {"programme", "pair", "subpair"}),  # 天津 contains 南开区
        ("xuchang", {"programme", "subpair"}),
        ("jiangxi", {"programme"}),
        ("gansu", {"programme"}),
    ],
)
def test_visibility(
    request: pytest.FixtureRequest, documents: dict, name: str, expected: set[str]
) -> None:
    user = request.getfixturevalue(name)
    mine = {d.pk for d in documents.values()}
    visible = _ids(queries.documents_for(user)) & mine
    assert visible == {documents[k].pk for k in expected}
    for key, document in documents.items():
        if key in expected:
            assert queries.get_document(user, document.pk) == document
        else:
            with pytest.raises(NotFound):
                queries.get_document(user, document.pk)
            with pytest.raises(NotFound):
                queries.get_version(user, document.pk)
            with pytest.raises(NotFound):
                queries.get_version_by_id(user, document.versions.get().pk)


def test_anonymous_sees_nothing(documents: dict) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not queries.documents_for(AnonymousUser()).filter(
        pk__in=[d.pk for d in documents.values()]
    )


class TestDocumentFilters:
    @pytest.fixture
    def three(self, henan: Any, xuchang: Any) -> list:
        return [
            make_document(
                henan,
                title="河南省生活垃圾分类条例",
                kind=DocumentKind.REGULATION,
                issued_on=dt.date(2020, 6, 1),
                topics=["laws_standards"],
                number="豫人〔2020〕3号",
            ),
            make_document(
                xuchang,
                title="许昌市撤桶并点方案",
                kind=DocumentKind.WORK_PLAN,
                issued_on=dt.date(2021, 3, 1),
                topics=["sorted_disposal"],
            ),
            make_document(henan, title="培训讲义", kind=DocumentKind.COURSE),
        ]

    def _titles(self, user: Any, three: list, **filters: Any) -> list[str]:
        rows = queries.documents_for(user, DocumentFilters(**filters))
        mine = {d.pk for d in three}
        return [d.title for d in rows if d.pk in mine]

    def test_default_order_newest_issue_first(self, henan: Any, three: list) -> None:
        titles = self._titles(henan, three)
        # Documents without a date come first in descending order on SQLite, last on PG:
        # only the dated ones' order is asserted.
        dated = [t for t in titles if t != "培训讲义"]
        assert dated == ["许昌市撤桶并点方案", "河南省生活垃圾分类条例"]

    def test_each_filter(self, henan: Any, three: list) -> None:
        assert self._titles(henan, three, q="撤桶") == ["许昌市撤桶并点方案"]
        assert self._titles(henan, three, q="豫人〔2020〕") == ["河南省生活垃圾分类条例"]
        assert self._titles(henan, three, kind=DocumentKind.COURSE) == ["培训讲义"]
        assert self._titles(henan, three, topic="laws_standards") == ["河南省生活垃圾分类条例"]
        assert self._titles(henan, three, region="411000") == ["许昌市撤桶并点方案"]
        assert len(self._titles(henan, three, region="410000")) == 3  # the province and inside
        assert self._titles(henan, three, region="999999") == []
        assert self._titles(henan, three, year=2021) == ["许昌市撤桶并点方案"]
        assert self._titles(henan, three, visibility=Visibility.PAIR) == []
        assert self._titles(henan, three, text_status="done") != []

    def test_sort_by_title_both_ways(self, henan: Any, three: list) -> None:
        ascending = self._titles(henan, three, sort="title")
        assert ascending == sorted(ascending)
        assert self._titles(henan, three, sort="-title") == list(reversed(ascending))
        # An unknown sort falls back to the default instead of failing.
        assert set(self._titles(henan, three, sort="bogus")) == set(ascending)

    def test_archived_only_on_request(self, henan: Any, three: list) -> None:
        services.archive_document(henan, three[2])
        assert "培训讲义" not in self._titles(henan, three)
        assert self._titles(henan, three, archived=True) == ["培训讲义"]

    def test_years(self, henan: Any, three: list) -> None:
        assert {2020, 2021} <= set(queries.years_of_documents(henan))


class TestDetail:
    def test_versions_and_version_lookup(self, henan: Any) -> None:
        document = make_document(henan)
        services.add_version(henan, document, file=files.upload(files.text("二"), "2.txt"))
        assert queries.get_version(henan, document.pk).number == 2
        assert queries.get_version(henan, document.pk, 1).number == 1
        with pytest.raises(NotFound):
            queries.get_version(henan, document.pk, 3)
        with pytest.raises(NotFound):
            queries.get_document(henan, 987654)

    def test_history_of_a_document_with_its_versions(self, henan: Any) -> None:
        document = make_document(henan)
        services.add_version(henan, document, file=files.upload(files.text("二"), "2.txt"))
        services.update_document(henan, document, lock_version=2, title="改名")
        history = queries.history_of(henan, document)
        assert [e.target_type for e in history].count("knowledge.documentversion") == 2
        assert history[0].action == "update"  # newest first

    def test_history_of_case_and_compilation(self, henan: Any, jiangxi: Any) -> None:
        case = make_case(henan)
        services.record_adoption(jiangxi, case, region="360000")
        assert {e.target_type for e in queries.history_of(henan, case)} == {
            "knowledge.modelcase",
            "knowledge.caseadoption",
        }
        compilation = make_compilation(henan, [make_document(henan)])
        assert len(queries.history_of(henan, compilation)) == 1


class TestCases:
    def test_scoped_filtered(self, henan: Any, jiangxi: Any, tianjin_henan: Any) -> None:
        public = make_case(henan, title="公开案例", topic="sorted_disposal")
        private = make_case(
            henan, title="结对案例", visibility=Visibility.PAIR, pairing=tianjin_henan
        )
        mine = {public.pk, private.pk}
        assert _ids(queries.cases_for(henan)) & mine == mine
        assert _ids(queries.cases_for(jiangxi)) & mine == {public.pk}
        with pytest.raises(NotFound):
            queries.get_case(jiangxi, private.pk)
        services.nominate_case(henan, public)
        nominated = queries.cases_for(henan, CaseFilters(status=ModelCase.Status.NOMINATED))
        assert _ids(nominated) & mine == {public.pk}
        by_topic = queries.cases_for(henan, CaseFilters(topic="sorted_disposal"))
        assert _ids(by_topic) & mine == {public.pk}
        assert _ids(queries.cases_for(henan, CaseFilters(q="结对"))) & mine == {private.pk}

    def test_case_detail_hides_invisible_documents(
        self, henan: Any, tianjin: Any, jiangxi: Any, tianjin_henan: Any
    ) -> None:
        private = make_document(henan, visibility=Visibility.PAIR, pairing=tianjin_henan)
        public = make_document(henan)
        case = make_case(henan, documents=[private.pk, public.pk])
        assert list(queries.get_case(jiangxi, case.pk).documents.all()) == [public]
        assert len(queries.get_case(tianjin, case.pk).documents.all()) == 2

    def test_featured_cases(
        self, henan: Any, supervisor: Any, jiangxi: Any, tianjin_henan: Any
    ) -> None:
        promoted = []
        for number in range(3):
            case = make_case(henan, title=f"示范{number}")
            services.nominate_case(henan, case)
            promoted.append(services.promote_case(supervisor, case))
        private = make_case(henan, visibility=Visibility.PAIR, pairing=tianjin_henan)
        services.nominate_case(henan, private)
        services.promote_case(supervisor, private)
        draft = make_case(henan)
        featured = queries.featured_cases(henan, limit=50)
        assert featured[0] == private  # most recently promoted first
        assert draft not in featured
        assert [c for c in featured if c in promoted] == list(reversed(promoted))
        outsider = queries.featured_cases(jiangxi, limit=50)
        assert private not in outsider and promoted[0] in outsider
        assert len(queries.featured_cases(henan, limit=2)) == 2
        services.archive_case(henan, promoted[2])
        assert promoted[2] not in queries.featured_cases(henan, limit=50)


class TestCompilations:
    def test_scoped_and_items_in_order(
        self, henan: Any, jiangxi: Any, tianjin: Any, tianjin_henan: Any
    ) -> None:
        a, b = make_document(henan, title="甲"), make_document(henan, title="乙")
        private_doc = make_document(henan, visibility=Visibility.PAIR, pairing=tianjin_henan)
        public = make_compilation(henan, [b, a], title="公开汇编")
        private = make_compilation(
            henan, [a, private_doc], visibility=Visibility.PAIR, pairing=tianjin_henan
        )
        mine = {public.pk, private.pk}
        assert _ids(queries.compilations_for(jiangxi)) & mine == {public.pk}
        assert _ids(queries.compilations_for(tianjin)) & mine == mine
        with pytest.raises(NotFound):
            queries.get_compilation(jiangxi, private.pk)
        assert [d.title for d in queries.documents_of(public, jiangxi)] == ["乙", "甲"]
        found = queries.compilations_for(henan, CompilationFilters(q="公开"))
        assert _ids(found) & mine == {public.pk}

    def test_items_leave_out_documents_narrowed_later(
        self, henan: Any, jiangxi: Any, tianjin_henan: Any
    ) -> None:
        a, b = make_document(henan, title="甲"), make_document(henan, title="乙")
        compilation = make_compilation(henan, [a, b])
        services.update_document(
            henan, b, lock_version=1, visibility=Visibility.PAIR, pairing=tianjin_henan
        )
        assert [d.title for d in queries.documents_of(compilation, jiangxi)] == ["甲"]
        assert [d.title for d in queries.documents_of(compilation, henan)] == ["甲", "乙"]

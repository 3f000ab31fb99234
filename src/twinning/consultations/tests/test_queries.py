"""Who sees which problem (one rule everywhere), the list's filters, and similar problems."""

import datetime as dt

import pytest
from django.utils import timezone

from twinning.consultations import queries, services
from twinning.consultations.models import ExpertTopic
from twinning.consultations.similar import jaccard, shingles, similar_problems
from twinning.core.errors import NotFound


class TestVisibility:
    def test_the_pair_the_ministry_and_nobody_else(
        self, ask, tianjin, henan, xuchang, supervisor, admin_user, jiangxi, gansu_expert
    ):
        problem = ask()
        for viewer in (tianjin, henan, supervisor, admin_user):
            assert queries.get_problem_for(viewer, problem.pk) == problem
        # 许昌 is inside 河南 but 天津–河南 is a province-level pair: outside 许昌's scope.
        for outsider in (jiangxi, gansu_expert, xuchang):
            with pytest.raises(NotFound):
                queries.get_problem_for(outsider, problem.pk)
            assert not queries.list_problems_for(outsider).filter(pk=problem.pk).exists()

    def test_pool_experts_see_their_topics_problems_outside_their_region(
        self, ask, pool_expert, laws_topic
    ):
        on_topic, off_topic = ask(), ask(topic="laws_standards")
        assert queries.get_problem_for(pool_expert, on_topic.pk) == on_topic
        with pytest.raises(NotFound):
            queries.get_problem_for(pool_expert, off_topic.pk)
        ExpertTopic.objects.filter(user=pool_expert).update(active=False)
        with pytest.raises(NotFound):
            queries.get_problem_for(pool_expert, on_topic.pk)

    def test_an_assigned_expert_sees_the_problem_wherever_they_are(
        self, ask, tianjin, pool_expert, sorting_topic
    ):
        problem = ask()
        services.assign_expert(actor=tianjin, problem_id=problem.pk, expert=pool_expert)
        ExpertTopic.objects.filter(user=pool_expert).update(active=False)  # left the pool
        assert queries.get_problem_for(pool_expert, problem.pk) == problem
        assert list(queries.list_problems_for(pool_expert)) == [problem]

    def test_attachments_and_answers_follow_their_problem(self, ask, tianjin, jiangxi):
        from twinning.consultations.tests.conftest import pdf

        problem = ask(files=[pdf()])
        answer = services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")
        attachment = problem.attachments.get()
        assert queries.get_attachment_for(tianjin, attachment.pk) == attachment
        with pytest.raises(NotFound):
            queries.get_attachment_for(jiangxi, attachment.pk)
        with pytest.raises(NotFound):
            queries.get_answer_for(jiangxi, answer.pk)


class TestList:
    def test_filters_and_sorting(self, ask, henan, henan_member, tianjin, leading_expert):
        mine = ask(urgency="critical")
        other = ask(actor=henan_member, topic="laws_standards", title="垃圾分类条例怎么起草")
        services.assign_expert(actor=tianjin, problem_id=other.pk, expert=leading_expert)

        def ids(actor, **filters):
            return [
                p.pk for p in queries.list_problems_for(actor, queries.ProblemFilters(**filters))
            ]

        assert ids(henan, mine="asked") == [mine.pk]
        assert ids(leading_expert, mine="assigned") == [other.pk]
        assert ids(henan, topic="laws_standards") == [other.pk]
        assert ids(henan, urgency="critical") == [mine.pk]
        assert ids(henan, status="assigned") == [other.pk]
        assert ids(henan, q="条例") == [other.pk]
        assert ids(henan, sort="urgency")[0] == mine.pk
        assert ids(henan, overdue=True) == []
        mine.response_due = timezone.now() - dt.timedelta(hours=1)
        mine.save(update_fields=["response_due"])
        assert ids(henan, overdue=True) == [mine.pk]
        services.archive_problem(actor=henan, problem_id=mine.pk)
        assert ids(henan) == [other.pk]
        assert ids(henan, archived=True) == [mine.pk]
        answer_counts = {p.pk: p.answer_count for p in queries.list_problems_for(henan)}
        assert answer_counts == {other.pk: 0}


class TestSimilar:
    def test_bigrams_and_jaccard(self):
        assert shingles("厨余垃圾") == {"厨余", "余垃", "垃圾"}
        assert shingles("PPT 模板 v2") == {"ppt", "模板", "v2"}
        assert jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
        assert jaccard(set(), {"a"}) == 0

    def test_the_most_similar_visible_problems_come_first(
        self, ask, henan, jiangxi, pair, programme
    ):
        close = ask(title="如何提高厨余垃圾分出率", description="居民参与度低，分出率不高。")
        ask(title="垃圾分类立法进展", description="地方条例的起草与审议。", topic="laws_standards")
        unrelated = ask(title="转运车辆采购", description="车辆招标流程")
        matches = similar_problems(henan, "厨余垃圾分出率怎么提高")
        assert matches and matches[0].id == close.pk
        assert unrelated.pk not in [m.id for m in matches]
        assert similar_problems(jiangxi, "厨余垃圾分出率怎么提高") == []  # sees none of them
        assert similar_problems(henan, "厨") == []  # too short to compare

    def test_a_matching_topic_lifts_a_problem_and_at_most_five_come_back(
        self, ask, henan, sorting_topic, laws_topic
    ):
        for n in range(7):
            ask(title=f"厨余垃圾分出率问题{n}", topic="laws_standards")
        boosted = ask(title="厨余垃圾分出率问题", topic="sorted_disposal")
        matches = similar_problems(henan, "厨余垃圾分出率", topic_id=sorting_topic.pk)
        assert len(matches) == 5
        assert matches[0].id == boosted.pk

"""The consultations' starting data (problems built on the 2021 article) and the demo problem."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from twinning.accounts.models import Role, User
from twinning.accounts.tests.factories import make_user
from twinning.consultations import programme as consultations_programme
from twinning.consultations import queries, services
from twinning.consultations.demo import DEMO_TITLE, load_consultation_demo
from twinning.consultations.models import Answer, Problem
from twinning.consultations.programme import load_consultations
from twinning.consultations.programme_data import PROBLEMS
from twinning.consultations.reminders import send_reminders
from twinning.core.models import AuditEntry
from twinning.notifications.models import Notification
from twinning.pairings.demo import load_demo
from twinning.pairings.programme_data import SOURCE

Status = Problem.Status
BEIJING = ZoneInfo("Asia/Shanghai")
ARTICLE_MONTHS = (dt.datetime(2021, 2, 7, tzinfo=BEIJING), dt.datetime(2021, 9, 1, tzinfo=BEIJING))


@pytest.fixture
def loaded(programme):
    result = load_consultations()
    assert result.pairs_missing == []
    return result


def problem_titled(start: str) -> Problem:
    return Problem.objects.get(title__startswith=start)


def counts() -> dict[str, int]:
    return {
        "problems": Problem.objects.count(),
        "answers": Answer.objects.count(),
        "users": User.objects.count(),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
    }


# ---------------------------------------------------------------- what is loaded


def test_the_problems_are_created_with_their_answers_and_marked_with_the_source(loaded):
    assert (loaded.problems_created, loaded.answers_created) == (len(PROBLEMS), len(PROBLEMS))
    assert len(PROBLEMS) == 4
    assert loaded.problems_existing == 0
    for problem in Problem.objects.all():
        assert SOURCE in problem.source
        assert "演示" in problem.source
        assert problem.topic is not None
        assert ARTICLE_MONTHS[0] <= problem.asked_at < ARTICLE_MONTHS[1]
        assert problem.response_due == problem.asked_at + dt.timedelta(days=7)
        answers = list(problem.answers.all())
        assert answers and problem.first_answered_at == answers[0].created_at
        # Answered within the deadline: the record does not show up as overdue.
        assert problem.first_answered_at <= problem.response_due
        assert problem.reminded_at is None and problem.escalated_at is None


def test_the_problems_sit_on_the_partner_sides_of_the_reported_pairs(loaded):
    pairs = set(Problem.objects.values_list("pairing__leading_region", "pairing__partner_region"))
    assert pairs == {("440300", "510000"), ("330200", "222401"), ("110000", "630000")}
    luzhou = problem_titled("泸州市厨余垃圾预处理")
    assert luzhou.topic.code == "treatment_capacity"
    assert problem_titled("内江市").topic.code == "mobilisation"
    assert problem_titled("分类收运车辆").topic.code == "collection_transport"
    assert "政策文件汇编" in problem_titled("修订生活垃圾管理法规").description


def test_accepted_answers_resolve_their_problems_and_the_others_stay_answered(loaded):
    assert dict(Problem.objects.values_list("title", "status")) == {
        row["title"]: row["status"] for row in PROBLEMS
    }
    assert Problem.objects.filter(status=Status.RESOLVED).count() == 3
    for problem in Problem.objects.filter(status=Status.RESOLVED):
        answer = problem.answers.get()
        assert answer.is_accepted and answer.accepted_at > answer.created_at
    open_answer = problem_titled("分类收运车辆").answers.get()
    assert not open_answer.is_accepted and open_answer.accepted_by is None


def test_loaded_problems_and_answers_name_nobody_and_cite_their_source(loaded):
    assert set(Problem.objects.values_list("asked_by", flat=True)) == {None}
    assert set(Answer.objects.values_list("author", flat=True)) == {None}
    assert all(SOURCE in p.source for p in Problem.objects.all())


def test_each_side_sees_only_its_own_loaded_problems(loaded, supervisor, henan, ningbo):
    assert queries.visible_problems(supervisor).count() == len(PROBLEMS)
    assert not queries.visible_problems(henan).exists()
    assert [p.title for p in queries.visible_problems(ningbo)] == [
        problem_titled("分类收运车辆").title
    ]
    sichuan = make_user(Role.COORDINATOR, "510000")
    assert queries.visible_problems(sichuan).count() == 2


def test_the_sides_carry_on_with_a_loaded_problem_through_the_services(loaded, ningbo):
    problem = problem_titled("分类收运车辆")
    yanji = make_user(Role.COORDINATOR, "222401")

    services.add_answer(actor=ningbo, problem_id=problem.pk, body="补充：可先租用车辆试运行。")
    services.accept_answer(actor=yanji, answer_id=problem.answers.earliest("created_at").pk)

    problem.refresh_from_db()
    assert problem.status == Status.RESOLVED
    assert problem.answers.count() == 2
    assert Notification.objects.filter(recipient=yanji).exists()


def test_the_loaded_history_is_the_systems_and_nobody_is_notified(programme):
    notifications = Notification.objects.count()

    load_consultations()

    entries = AuditEntry.objects.filter(target_type__startswith="consultations.")
    assert set(entries.values_list("actor", flat=True)) == {None}
    luzhou = problem_titled("泸州市厨余垃圾预处理")
    problem_entries = entries.filter(target_type="consultations.problem", target_id=luzhou.pk)
    assert list(problem_entries.order_by("pk").values_list("action", flat=True)) == [
        "create",
        "transition",
    ]
    assert problem_entries.order_by("pk").last().changes == {
        "status": [Status.OPEN, Status.RESOLVED]
    }
    assert entries.filter(target_type="consultations.answer").count() == len(PROBLEMS)
    assert Notification.objects.count() == notifications


def test_reminders_leave_the_loaded_problems_alone(loaded, supervisor):
    send_reminders()

    assert queries.overdue_count(supervisor) == 0
    assert not Problem.objects.exclude(reminded_at=None).exists()


# ---------------------------------------------------------------- loading again


def test_a_second_load_creates_and_changes_nothing(loaded):
    before = counts()

    result = load_consultations()

    assert (result.problems_created, result.answers_created) == (0, 0)
    assert result.problems_existing == len(PROBLEMS)
    assert counts() == before


def test_an_edited_or_archived_problem_is_left_alone(loaded):
    edited, archived = problem_titled("内江市"), problem_titled("修订生活垃圾管理法规")
    Problem.objects.filter(pk=edited.pk).update(status=Status.CLOSED, closed_reason="已解决")
    Problem.objects.filter(pk=archived.pk).update(archived_at=timezone.now())

    result = load_consultations()

    assert result.problems_created == 0
    assert Problem.objects.get(pk=edited.pk).status == Status.CLOSED
    assert Problem.objects.get(pk=archived.pk).is_archived
    assert Problem.objects.count() == len(PROBLEMS)


def test_a_pair_missing_from_the_registry_is_reported_not_created(programme, monkeypatch):
    row = {**PROBLEMS[0], "leading": "990000", "partner": "980000"}
    monkeypatch.setattr(consultations_programme, "PROBLEMS", [row, row])

    result = load_consultations()

    assert result.pairs_missing == ["990000–980000"]
    assert result.problems_created == 0
    assert not Problem.objects.exists()


@pytest.mark.parametrize(
    "change",
    [{"topic": "no_such_topic"}, {"status": Status.ANSWERED}],
    ids=["unknown topic", "status the answers contradict"],
)
def test_inconsistent_data_stops_the_loading(programme, monkeypatch, change):
    monkeypatch.setattr(consultations_programme, "PROBLEMS", [{**PROBLEMS[0], **change}])

    with pytest.raises(ValueError, match=PROBLEMS[0]["title"][:6]):
        load_consultations()


def test_the_command_reports_the_problems(programme):
    out = StringIO()

    call_command("load_programme", stdout=out)
    call_command("load_programme", stdout=out)

    n = len(PROBLEMS)
    assert f"problems: {n} created ({n} answers), 0 already there" in out.getvalue()
    assert f"problems: 0 created (0 answers), {n} already there" in out.getvalue()
    assert Problem.objects.count() == n


# ---------------------------------------------------------------- the demo problem


def demo_users() -> tuple[User, User]:
    return User.objects.get(username="demo-henan"), User.objects.get(username="demo-tianjin")


def test_the_demo_problem_waits_for_tianjin_and_can_be_answered_and_accepted(programme):
    load_demo()
    before = timezone.now()

    assert load_consultation_demo() is True

    henan, tianjin = demo_users()
    problem = Problem.objects.get(title=DEMO_TITLE)
    assert (problem.pairing.leading_region_id, problem.pairing.partner_region_id) == (
        "120000",
        "410000",
    )
    assert problem.status == Status.OPEN and problem.asked_by == henan
    assert "撤桶并点" in problem.title and "老旧小区" in problem.description
    assert problem.topic.code == "sorted_disposal"
    days = (problem.response_due - before).total_seconds() / 86400
    assert 7 <= days < 7.01
    assert Notification.objects.filter(recipient=tianjin, url__contains=str(problem.pk)).exists()

    answer = services.add_answer(
        actor=tianjin, problem_id=problem.pk, body="先征求意见，再分批撤桶。"
    )
    services.accept_answer(actor=henan, answer_id=answer.pk)

    problem.refresh_from_db()
    assert problem.status == Status.RESOLVED


def test_the_demo_problem_is_created_once(programme):
    load_demo()
    load_consultation_demo()
    before = counts()

    assert load_consultation_demo() is False
    assert counts() == before


def test_without_the_demo_accounts_there_is_no_demo_problem(programme):
    assert load_consultation_demo() is False
    assert not Problem.objects.exists()


def test_the_demo_command_creates_the_demo_problem(programme):
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())

    assert Problem.objects.filter(title=DEMO_TITLE).count() == 1


def test_a_loaded_problem_shows_its_source_and_answer_on_its_page(loaded, login, supervisor):
    problem = problem_titled("泸州市厨余垃圾预处理")

    response = login(supervisor).get(reverse("consultations:detail", args=[problem.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert SOURCE in page
    assert "（载入数据）" in page
    assert "沼渣" in page

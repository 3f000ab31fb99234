"""Who is told about what: the right people, and never someone who cannot see the problem."""

import pytest

from twinning.accounts.models import Role
from twinning.accounts.tests.factories import make_user
from twinning.consultations import queries, services
from twinning.consultations.models import Problem
from twinning.notifications.events import Event
from twinning.notifications.models import Notification


def told(event: str, problem: Problem) -> set[str]:
    return set(
        Notification.objects.filter(event=event, url=f"/consultations/{problem.pk}/").values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture
def tianjin_member(programme):
    return make_user(Role.MEMBER, "120000", username="tianjin_member")


def test_a_new_problem_tells_the_leading_sides_coordinators_and_experts_and_the_pool(
    ask, tianjin, tianjin_member, leading_expert, pool_expert, gansu_expert, supervisor, henan
):
    problem = ask()
    assert told(Event.PROBLEM_NEW, problem) == {"tianjin", "tj_expert", "pool_expert"}
    notification = Notification.objects.get(recipient=tianjin, event=Event.PROBLEM_NEW)
    assert notification.pairing == problem.pairing and problem.title in notification.title


def test_a_problem_without_topic_is_not_sent_to_the_pool(ask, tianjin, pool_expert):
    problem = ask(topic=None)
    assert told(Event.PROBLEM_NEW, problem) == {"tianjin"}


def test_assignment_answer_and_acceptance(
    ask, henan, henan_member, tianjin, leading_expert, pool_expert
):
    problem = ask(actor=henan_member)
    services.assign_expert(actor=tianjin, problem_id=problem.pk, expert=leading_expert)
    assert told(Event.PROBLEM_ASSIGNED, problem) == {"tj_expert"}
    answer = services.add_answer(actor=leading_expert, problem_id=problem.pk, body="答复")
    assert told(Event.ANSWER_NEW, problem) == {"henan_member", "henan"}
    services.accept_answer(actor=henan, answer_id=answer.pk)
    assert told(Event.ANSWER_ACCEPTED, problem) == {"tj_expert"}


def test_the_actor_is_never_told_of_their_own_action(ask, henan, tianjin):
    problem = ask()
    answer = services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")
    services.accept_answer(actor=henan, answer_id=answer.pk)
    # 天津 answered; 河南 (asker and accepting coordinator) is not told of the acceptance it made.
    assert "henan" not in told(Event.ANSWER_ACCEPTED, problem)
    assert told(Event.ANSWER_ACCEPTED, problem) == {"tianjin"}


def test_nobody_is_told_about_a_problem_they_cannot_see(
    ask, henan, tianjin, leading_expert, pool_expert, jiangxi
):
    problem = ask()
    services.assign_expert(actor=tianjin, problem_id=problem.pk, expert=leading_expert)
    answer = services.add_answer(actor=leading_expert, problem_id=problem.pk, body="答复")
    services.accept_answer(actor=henan, answer_id=answer.pk)
    # And directly: recipients handed in who may not see the problem are dropped.
    services._tell(problem, Event.ANSWER_NEW, [jiangxi, tianjin], "标题")
    notifications = Notification.objects.select_related("recipient")
    assert notifications.exists()
    for notification in notifications:
        assert queries.can_see(notification.recipient, problem.pk), notification.recipient
    assert not Notification.objects.filter(recipient=jiangxi).exists()

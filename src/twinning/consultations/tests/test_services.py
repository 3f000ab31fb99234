"""Asking, assigning, answering and deciding: the status machine and every refusal."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from twinning.accounts.models import Role
from twinning.accounts.tests.factories import make_user
from twinning.consultations import services
from twinning.consultations.models import Attachment, Problem
from twinning.consultations.tests.conftest import EXE, pdf
from twinning.core.errors import Conflict, Forbidden, Invalid, NotFound
from twinning.core.models import AuditEntry

Status = Problem.Status


def _stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


class TestAsking:
    def test_partner_side_asks_with_a_default_deadline_files_and_an_audit_entry(
        self, ask, henan, sorting_topic
    ):
        before = timezone.now()
        problem = ask(urgency="urgent", files=[pdf()])
        assert problem.status == Status.OPEN
        assert problem.asked_by == henan and problem.topic == sorting_topic
        assert problem.urgency == "urgent"
        expected = problem.asked_at + dt.timedelta(days=settings.TWINNING_RESPONSE_DAYS)
        assert problem.response_due == expected and problem.asked_at >= before
        attachment = problem.attachments.get()
        assert attachment.original_name == "现场照片.pdf"
        assert attachment.content_type == "application/pdf"
        assert "现场照片" not in attachment.file.name  # random storage name
        assert AuditEntry.objects.filter(
            target_type="consultations.problem", target_id=str(problem.pk), action="create"
        ).exists()

    def test_members_of_the_partner_side_may_ask_too(self, ask, henan_member):
        assert ask(actor=henan_member).asked_by == henan_member

    @pytest.mark.parametrize("days", [1, 60])
    def test_the_response_time_is_configurable_within_1_to_60_days(self, ask, days):
        problem = ask(response_days=days)
        assert problem.response_due - problem.asked_at == dt.timedelta(days=days)

    @pytest.mark.parametrize("days", [0, 61, -3])
    def test_response_days_outside_1_to_60_are_refused(self, ask, db_state, days):
        state = db_state()
        with pytest.raises(Invalid) as refused:
            ask(response_days=days)
        assert refused.value.code == "invalid_response_days"
        assert "response_days" in refused.value.fields
        assert db_state() == state

    def test_an_unknown_pair_is_invalid(self, henan, db_state):
        state = db_state()
        with pytest.raises(Invalid) as refused:
            services.create_problem(actor=henan, pairing_id=999999, title="t", description="d")
        assert refused.value.code == "unknown_pairing"
        assert db_state() == state

    def test_a_pair_the_actor_cannot_see_is_as_unknown_as_a_missing_one(
        self, jiangxi, tianjin_henan, db_state
    ):
        state = db_state()
        with pytest.raises(Invalid) as refused:
            services.create_problem(
                actor=jiangxi, pairing_id=tianjin_henan.pk, title="t", description="d"
            )
        assert refused.value.code == "unknown_pairing"
        assert db_state() == state

    def test_an_unknown_topic_is_invalid(self, ask, db_state):
        state = db_state()
        with pytest.raises(Invalid) as refused:
            ask(topic="no_such_topic")
        assert refused.value.code == "unknown_topic" and "topic" in refused.value.fields
        assert db_state() == state

    def test_empty_title_and_bad_urgency_are_invalid(self, ask, db_state):
        state = db_state()
        with pytest.raises(Invalid) as refused:
            ask(title="  ", urgency="whenever")
        assert {"title", "urgency"} <= refused.value.fields.keys()
        assert db_state() == state

    @pytest.mark.parametrize("who", ["tianjin", "henan_expert", "supervisor"])
    def test_only_partner_side_coordinators_and_members_may_ask(self, request, ask, db_state, who):
        state = db_state()
        with pytest.raises(Forbidden):
            ask(actor=request.getfixturevalue(who))
        assert db_state() == state

    def test_a_disguised_file_refuses_the_whole_problem_and_stores_nothing(self, ask, db_state):
        state, files = db_state(), _stored_files()
        with pytest.raises(Invalid) as refused:
            ask(files=[pdf(), (io.BytesIO(EXE), "报告.pdf")])
        assert refused.value.code == "unsupported_file_type"
        assert "files" in refused.value.fields
        assert db_state() == state and _stored_files() == files

    @override_settings(TWINNING_MAX_UPLOAD_BYTES=1024)
    def test_an_oversize_file_is_refused(self, ask, db_state):
        state = db_state()
        with pytest.raises(Invalid) as refused:
            ask(files=[(io.BytesIO(b"x" * 2048), "说明.txt")])
        assert refused.value.code == "file_too_large"
        assert db_state() == state


class TestStatusMachine:
    def test_open_assigned_answered_resolved_closed_and_reopened(
        self, ask, henan, tianjin, leading_expert
    ):
        problem = ask()
        services.assign_expert(actor=tianjin, problem_id=problem.pk, expert=leading_expert)
        problem.refresh_from_db()
        assert problem.status == Status.ASSIGNED

        answer = services.add_answer(
            actor=leading_expert, problem_id=problem.pk, body="建议先抓示范小区，配督导员。"
        )
        problem.refresh_from_db()
        assert problem.status == Status.ANSWERED
        assert problem.first_answered_at == answer.created_at

        second = services.add_answer(actor=tianjin, problem_id=problem.pk, body="可参考天津做法。")
        problem.refresh_from_db()
        assert problem.first_answered_at == answer.created_at  # the first one counts

        services.accept_answer(actor=henan, answer_id=answer.pk)
        services.accept_answer(actor=henan, answer_id=second.pk)  # one or more
        problem.refresh_from_db()
        assert problem.status == Status.RESOLVED
        assert problem.answers.filter(accepted_by=henan).count() == 2

        services.rate_problem(actor=henan, problem_id=problem.pk, rating=5, comment="很有帮助")
        services.mark_solved_in_practice(actor=henan, problem_id=problem.pk)
        services.close_problem(actor=henan, problem_id=problem.pk, reason="已在试点小区推广")
        problem.refresh_from_db()
        assert (problem.status, problem.rating, problem.closed_reason) == (
            Status.CLOSED,
            5,
            "已在试点小区推广",
        )
        assert problem.solved_in_practice_at is not None

        services.reopen_problem(actor=henan, problem_id=problem.pk, note="反弹了")
        problem.refresh_from_db()
        assert (problem.status, problem.closed_reason) == (Status.ANSWERED, "")
        transitions = AuditEntry.objects.filter(
            target_type="consultations.problem", target_id=str(problem.pk), action="transition"
        )
        assert transitions.count() == 5

    def test_a_first_answer_without_assignment_goes_straight_to_answered(self, ask, tianjin):
        problem = ask()
        services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")
        problem.refresh_from_db()
        assert problem.status == Status.ANSWERED

    def test_reopening_an_unanswered_closed_problem_goes_back_to_open_or_assigned(
        self, ask, henan, tianjin, leading_expert
    ):
        problem = ask()
        services.close_problem(actor=henan, problem_id=problem.pk, reason="重复提问")
        assert services.reopen_problem(actor=henan, problem_id=problem.pk).status == Status.OPEN
        services.assign_expert(actor=tianjin, problem_id=problem.pk, expert=leading_expert)
        services.close_problem(actor=henan, problem_id=problem.pk, reason="重复提问")
        reopened = services.reopen_problem(actor=henan, problem_id=problem.pk)
        assert reopened.status == Status.ASSIGNED

    @pytest.mark.parametrize("finish", ["close", "resolve"])
    def test_an_answer_to_a_closed_or_resolved_problem_is_refused(
        self, ask, henan, tianjin, db_state, finish
    ):
        problem = ask()
        answer = services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")
        if finish == "close":
            services.close_problem(actor=henan, problem_id=problem.pk, reason="已解决")
        else:
            services.accept_answer(actor=henan, answer_id=answer.pk)
        state = db_state()
        with pytest.raises(Conflict) as refused:
            services.add_answer(actor=tianjin, problem_id=problem.pk, body="再答一次")
        assert refused.value.code == "problem_closed"
        with pytest.raises(Conflict):
            services.assign_expert(actor=tianjin, problem_id=problem.pk, expert="tj_expert")
        assert db_state() == state

    def test_refusals_leave_the_database_unchanged(self, ask, henan, tianjin, db_state):
        problem = ask()
        state = db_state()
        with pytest.raises(Conflict) as refused:
            services.rate_problem(actor=henan, problem_id=problem.pk, rating=4)
        assert refused.value.code == "nothing_to_rate"
        with pytest.raises(Conflict) as refused:
            services.mark_solved_in_practice(actor=henan, problem_id=problem.pk)
        assert refused.value.code == "no_accepted_answer"
        with pytest.raises(Invalid) as refused:
            services.close_problem(actor=henan, problem_id=problem.pk, reason="  ")
        assert refused.value.code == "reason_required"
        with pytest.raises(Conflict) as refused:
            services.reopen_problem(actor=henan, problem_id=problem.pk)
        assert refused.value.code == "not_finished"
        services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")
        state = db_state()
        for rating in (0, 6):
            with pytest.raises(Invalid):
                services.rate_problem(actor=henan, problem_id=problem.pk, rating=rating)
        assert db_state() == state


class TestPermissions:
    def test_outsiders_get_not_found_for_everything(self, ask, jiangxi, db_state):
        problem = ask()
        answer = services.add_answer(
            actor=make_user(Role.COORDINATOR, "120000"), problem_id=problem.pk, body="答复"
        )
        state = db_state()
        calls = [
            lambda: services.assign_expert(actor=jiangxi, problem_id=problem.pk, expert="x"),
            lambda: services.add_answer(actor=jiangxi, problem_id=problem.pk, body="x"),
            lambda: services.accept_answer(actor=jiangxi, answer_id=answer.pk),
            lambda: services.add_comment(actor=jiangxi, problem_id=problem.pk, body="x"),
            lambda: services.close_problem(actor=jiangxi, problem_id=problem.pk, reason="x"),
            lambda: services.update_problem(
                actor=jiangxi, problem_id=problem.pk, values={"title": "x"}
            ),
        ]
        for call in calls:
            with pytest.raises(NotFound):
                call()
        assert db_state() == state

    def test_only_the_leading_side_and_the_ministry_assign(
        self, ask, henan, supervisor, leading_expert, db_state
    ):
        problem = ask()
        state = db_state()
        with pytest.raises(Forbidden):
            services.assign_expert(actor=henan, problem_id=problem.pk, expert=leading_expert)
        assert db_state() == state
        services.assign_expert(actor=supervisor, problem_id=problem.pk, expert="tj_expert")

    def test_only_leading_side_experts_or_the_topic_pool_can_be_assigned(
        self, ask, tianjin, henan_expert, gansu_expert, pool_expert, leading_expert, db_state
    ):
        problem = ask()
        state = db_state()
        for outsider in (henan_expert, gansu_expert, tianjin):
            with pytest.raises(Invalid) as refused:
                services.assign_expert(actor=tianjin, problem_id=problem.pk, expert=outsider)
            assert refused.value.code == "not_an_expert"
        assert db_state() == state
        services.assign_expert(actor=tianjin, problem_id=problem.pk, expert=pool_expert.pk)
        services.assign_expert(actor=tianjin, problem_id=problem.pk, expert=leading_expert)
        with pytest.raises(Conflict) as refused:
            services.assign_expert(actor=tianjin, problem_id=problem.pk, expert=leading_expert)
        assert refused.value.code == "already_assigned"

    def test_who_may_answer(
        self, ask, tianjin, henan, henan_expert, pool_expert, gansu_expert, supervisor
    ):
        problem = ask()
        tianjin_member = make_user(Role.MEMBER, "120000")
        for allowed in (tianjin, tianjin_member, pool_expert):
            services.add_answer(actor=allowed, problem_id=problem.pk, body="答复")
        for refused in (henan, henan_expert, supervisor):
            with pytest.raises(Forbidden):
                services.add_answer(actor=refused, problem_id=problem.pk, body="答复")
        with pytest.raises(NotFound):
            services.add_answer(actor=gansu_expert, problem_id=problem.pk, body="答复")
        services.assign_expert(actor=tianjin, problem_id=problem.pk, expert=pool_expert)

    def test_only_the_asker_and_partner_coordinators_decide(
        self, ask, henan, henan_member, tianjin, xuchang, db_state
    ):
        problem = ask(actor=henan_member)
        answer = services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")
        state = db_state()
        # 许昌 lies inside 河南 but is not the partner side of 天津–河南 itself.
        for refused in (tianjin, xuchang):
            with pytest.raises((Forbidden, NotFound)):
                services.accept_answer(actor=refused, answer_id=answer.pk)
            with pytest.raises((Forbidden, NotFound)):
                services.close_problem(actor=refused, problem_id=problem.pk, reason="x")
        assert db_state() == state
        services.accept_answer(actor=henan, answer_id=answer.pk)  # the partner's coordinator
        services.rate_problem(actor=henan_member, problem_id=problem.pk, rating=3)  # the asker

    def test_anyone_who_sees_it_may_comment_on_the_problem_or_an_answer(
        self, ask, tianjin, supervisor, henan_expert
    ):
        problem = ask()
        answer = services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")
        on_problem = services.add_comment(actor=supervisor, problem_id=problem.pk, body="请抓紧")
        on_answer = services.add_comment(
            actor=henan_expert, problem_id=problem.pk, body="补充一点", answer_id=answer.pk
        )
        assert (on_problem.problem_id, on_problem.answer_id) == (problem.pk, None)
        assert (on_answer.problem_id, on_answer.answer_id) == (None, answer.pk)

    def test_a_comment_on_another_problems_answer_is_invalid(self, ask, tianjin, db_state):
        first, second = ask(), ask(title="另一个难题")
        answer = services.add_answer(actor=tianjin, problem_id=first.pk, body="答复")
        state = db_state()
        with pytest.raises(Invalid) as refused:
            services.add_comment(actor=tianjin, problem_id=second.pk, body="x", answer_id=answer.pk)
        assert refused.value.code == "unknown_answer"
        assert db_state() == state


class TestEditing:
    def test_the_asker_edits_while_unanswered_with_optimistic_locking(
        self, ask, henan, tianjin, db_state
    ):
        problem = ask()
        edited = services.update_problem(
            actor=henan,
            problem_id=problem.pk,
            values={"title": "新标题", "topic": "laws_standards", "urgency": "critical"},
            expected_version=problem.lock_version,
        )
        assert (edited.title, edited.topic.code, edited.urgency) == (
            "新标题",
            "laws_standards",
            "critical",
        )
        state = db_state()
        with pytest.raises(Conflict) as refused:
            services.update_problem(
                actor=henan,
                problem_id=problem.pk,
                values={"title": "过时的修改"},
                expected_version=problem.lock_version,
            )
        assert refused.value.code == "stale_version"
        with pytest.raises(Forbidden):
            services.update_problem(actor=tianjin, problem_id=problem.pk, values={"title": "x"})
        assert db_state() == state
        services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")
        with pytest.raises(Conflict) as refused:
            services.update_problem(actor=henan, problem_id=problem.pk, values={"title": "x"})
        assert refused.value.code == "not_editable"

    def test_archived_problems_take_no_answers_until_restored(self, ask, henan, tianjin):
        problem = ask()
        services.archive_problem(actor=henan, problem_id=problem.pk)
        with pytest.raises(Conflict) as refused:
            services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")
        assert refused.value.code == "problem_archived"
        with pytest.raises(Forbidden):
            services.archive_problem(actor=tianjin, problem_id=problem.pk, archived=False)
        services.archive_problem(actor=henan, problem_id=problem.pk, archived=False)
        services.add_answer(actor=tianjin, problem_id=problem.pk, body="答复")


class TestAttachments:
    def test_answer_authors_attach_to_their_answers_and_askers_to_the_problem(
        self, ask, henan, tianjin, leading_expert, db_state
    ):
        problem = ask()
        answer = services.add_answer(
            actor=tianjin, problem_id=problem.pk, body="见附件", files=[pdf("方案.pdf")]
        )
        assert answer.attachments.get().original_name == "方案.pdf"
        services.add_attachments(actor=henan, problem_id=problem.pk, files=[pdf("补充.pdf")])
        state = db_state()
        with pytest.raises(Forbidden):
            services.add_attachments(
                actor=leading_expert, problem_id=problem.pk, files=[pdf()], answer_id=answer.pk
            )
        with pytest.raises(Forbidden):
            services.add_attachments(actor=tianjin, problem_id=problem.pk, files=[pdf()])
        with pytest.raises(Invalid) as refused:
            services.add_attachments(actor=henan, problem_id=problem.pk, files=[])
        assert refused.value.code == "no_file"
        assert db_state() == state
        assert Attachment.objects.filter(problem=problem).count() == 1


class TestExpertPool:
    def test_admins_add_remove_and_re_add_pool_experts(
        self, admin_user, gansu_expert, laws_topic, tianjin, db_state
    ):
        row = services.add_pool_expert(actor=admin_user, user="gs_expert", topic="laws_standards")
        assert row.active and row.topic == laws_topic
        with pytest.raises(Conflict):
            services.add_pool_expert(actor=admin_user, user=gansu_expert, topic=laws_topic)
        services.remove_pool_expert(actor=admin_user, expert_topic_id=row.pk)
        row.refresh_from_db()
        assert not row.active
        again = services.add_pool_expert(actor=admin_user, user=gansu_expert, topic=laws_topic)
        assert again.pk == row.pk and again.active
        state = db_state()
        with pytest.raises(Forbidden):
            services.add_pool_expert(actor=tianjin, user=gansu_expert, topic=laws_topic)
        with pytest.raises(Invalid) as refused:
            services.add_pool_expert(actor=admin_user, user=tianjin, topic=laws_topic)
        assert refused.value.code == "not_an_expert"
        assert db_state() == state

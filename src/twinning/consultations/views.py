"""HTML pages of consultations: thin views over queries and services."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from twinning.consultations import permissions as perms
from twinning.consultations import queries, services
from twinning.consultations.export import problems_workbook_response
from twinning.consultations.forms import (
    AnswerForm,
    AssignForm,
    AttachForm,
    CommentForm,
    EditProblemForm,
    NewProblemForm,
    PoolForm,
    RateForm,
    ReasonForm,
)
from twinning.consultations.models import Problem, Urgency
from twinning.consultations.similar import similar_problems
from twinning.core.errors import Conflict, Invalid
from twinning.core.forms import keep_typed_values, submit
from twinning.core.pagination import page_of, query_without
from twinning.core.permissions import require
from twinning.pairings.queries import get_pairing_for
from twinning.plans.models import Topic
from twinning.search import queries as search_queries

PAGE_SIZE = 50
EXPORT_LIMIT = 10000


def _actor(request: HttpRequest) -> Any:
    return request.user


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _files(request: HttpRequest) -> list[tuple[Any, str]]:
    return [(f, f.name or "file") for f in request.FILES.getlist("attachments")]


# ---------------------------------------------------------------- the list


def _filters(request: HttpRequest) -> queries.ProblemFilters:
    get = request.GET
    return queries.ProblemFilters(
        status=get.get("status") or None,
        pairing=_int(get.get("pairing")),
        topic=get.get("topic") or None,
        urgency=get.get("urgency") or None,
        overdue=get.get("overdue") == "1",
        mine=get.get("mine") or None,
        q=get.get("q") or None,
        archived=get.get("archived") == "1",
        sort=get.get("sort") or "asked",
    )


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = _filters(request)
    problems = queries.list_problems_for(actor, filters)
    if request.GET.get("export") == "xlsx":
        return problems_workbook_response(problems[:EXPORT_LIMIT])
    counts = queries.problems_by_status(actor)
    context = {
        "page": page_of(problems, request.GET.get("page"), PAGE_SIZE),
        "filters": filters,
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "sort", "page"),
        "export_query": query_without(request, "page", "export"),
        "statuses": Problem.Status.choices,
        "status_rows": [(s.value, s.label, counts.get(s.value, 0)) for s in Problem.Status],
        "overdue_total": queries.overdue_count(actor),
        "urgencies": Urgency.choices,
        "topics": Topic.objects.filter(archived_at__isnull=True),
        "can_ask": bool(queries.askable_pairs(actor)),
        "can_manage_pool": perms.can_manage_pool(actor),
    }
    template = (
        "consultations/_results.html"
        if request.htmx  # type: ignore[attr-defined]
        else "consultations/list.html"
    )
    return render(request, template, context)


# ---------------------------------------------------------------- asking


@login_required
def problem_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    pairing_id = _int(request.GET.get("pairing") or request.POST.get("pairing"))
    pairs = queries.askable_pairs(actor)
    if pairing_id is None:
        if len(pairs) == 1 and request.method == "GET":
            return redirect(reverse("consultations:new") + f"?pairing={pairs[0].pk}")
        return render(request, "consultations/choose_pair.html", {"pairs": pairs})
    pairing = next((p for p in pairs if p.pk == pairing_id), None)
    if pairing is None:
        # Not found for outsiders, forbidden for everyone else who sees the pair.
        get_pairing_for(actor, pairing_id)
        require(False, _("只有结对方（受援方）的协调员和成员可以提出难题。"))
    form = NewProblemForm(request.POST or None, request.FILES or None)
    problem = submit(
        request,
        form,
        lambda d: services.create_problem(
            actor=actor,
            pairing_id=pairing.pk,  # type: ignore[union-attr]
            title=d["title"],
            description=d["description"],
            topic=d["topic"],
            urgency=d["urgency"],
            response_days=d["response_days"],
            files=_files(request),
        ),
    )
    if problem is not None:
        messages.success(request, _("难题已提出，先行方和相关专家会收到通知。"))
        return redirect("consultations:detail", problem_id=problem.pk)
    return render(request, "consultations/new.html", {"form": form, "pairing": pairing})


@login_required
def similar(request: HttpRequest) -> HttpResponse:
    """The htmx partial under the new-problem form: problems like what is being typed, and the
    model cases and documents that may already answer it."""
    get = request.GET
    text = get.get("q") or f"{get.get('title', '')} {get.get('description', '')}"
    matches = similar_problems(
        _actor(request), text, topic_id=_int(get.get("topic")), exclude_id=_int(get.get("exclude"))
    )
    # Answers before asking: model cases and documents about the same thing.
    knowledge = search_queries.suggest(_actor(request), text)
    return render(
        request, "consultations/_similar.html", {"matches": matches, "knowledge": knowledge}
    )


# ---------------------------------------------------------------- one problem


@login_required
def problem_detail(request: HttpRequest, problem_id: int) -> HttpResponse:
    actor = _actor(request)
    problem = queries.detail_of(queries.get_problem_for(actor, problem_id))
    can_assign = perms.can_assign(actor, problem) and not problem.is_finished
    context = {
        "problem": problem,
        "history": queries.history_of(actor, problem),
        "can_assign": can_assign and not problem.is_archived,
        "can_answer": perms.can_answer(actor, problem)
        and not problem.is_finished
        and not problem.is_archived,
        "can_decide": perms.can_decide(actor, problem) and not problem.is_archived,
        "can_edit": perms.can_edit(actor, problem) and problem.is_awaiting,
        "can_archive": perms.can_archive(actor, problem),
        "can_attach": perms.can_attach_to_problem(actor, problem) and not problem.is_archived,
        "has_accepted": any(a.is_accepted for a in problem.answer_rows),  # type: ignore[attr-defined]
        "assign_form": AssignForm(experts=queries.expert_candidates(problem))
        if can_assign
        else None,
        "answer_form": AnswerForm(),
        "comment_form": CommentForm(),
        "rate_form": RateForm(
            initial={"rating": problem.rating or 5, "comment": problem.rating_comment}
        ),
        "reason_form": ReasonForm(),
    }
    return render(request, "consultations/detail.html", context)


@login_required
def problem_edit(request: HttpRequest, problem_id: int) -> HttpResponse:
    actor = _actor(request)
    problem = queries.get_problem_for(actor, problem_id)
    require(perms.can_edit(actor, problem), _("只有提问人可以修改难题。"))
    initial = {
        "title": problem.title,
        "description": problem.description,
        "topic": problem.topic,
        "urgency": problem.urgency,
        "lock_version": problem.lock_version,
    }
    form = EditProblemForm(request.POST or None, initial=initial)
    done = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            done = services.update_problem(
                actor=actor,
                problem_id=problem.pk,
                expected_version=d["lock_version"],
                values={k: d[k] for k in services.PROBLEM_FIELDS},
            )
        except (Invalid, Conflict) as exc:
            keep_typed_values(form, exc, problem.lock_version)
    if done is not None:
        messages.success(request, _("已保存。"))
        return redirect("consultations:detail", problem_id=problem.pk)
    return render(request, "consultations/edit.html", {"form": form, "problem": problem})


def _after(
    request: HttpRequest, problem_id: int, action: Callable[[], Any], done: str, anchor: str = ""
) -> HttpResponse:
    """Run a button's service; its refusal becomes a message on the problem's page."""
    try:
        action()
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _(done))
    return redirect(reverse("consultations:detail", args=[problem_id]) + anchor)


@login_required
@require_POST
def assign(request: HttpRequest, problem_id: int) -> HttpResponse:
    actor = _actor(request)
    problem = queries.get_problem_for(actor, problem_id)
    form = AssignForm(request.POST, experts=queries.expert_candidates(problem))
    if not form.is_valid():
        messages.error(request, _("请选择要指派的专家。"))
        return redirect("consultations:detail", problem_id=problem.pk)
    return _after(
        request,
        problem.pk,
        lambda: services.assign_expert(
            actor=actor, problem_id=problem.pk, expert=form.cleaned_data["expert"]
        ),
        gettext_noop("已指派，专家会收到通知。"),
        "#assignments",
    )


@login_required
@require_POST
def answer(request: HttpRequest, problem_id: int) -> HttpResponse:
    actor = _actor(request)
    problem = queries.get_problem_for(actor, problem_id)
    form = AnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请填写解答内容。"))
        return redirect("consultations:detail", problem_id=problem.pk)
    return _after(
        request,
        problem.pk,
        lambda: services.add_answer(
            actor=actor,
            problem_id=problem.pk,
            body=form.cleaned_data["body"],
            files=_files(request),
        ),
        gettext_noop("解答已发布。"),
        "#answers",
    )


@login_required
@require_POST
def accept(request: HttpRequest, answer_id: int) -> HttpResponse:
    actor = _actor(request)
    found = queries.get_answer_for(actor, answer_id)
    return _after(
        request,
        found.problem_id,
        lambda: services.accept_answer(actor=actor, answer_id=found.pk),
        gettext_noop("已采纳该解答。"),
        f"#answer-{found.pk}",
    )


@login_required
@require_POST
def rate(request: HttpRequest, problem_id: int) -> HttpResponse:
    actor = _actor(request)
    problem = queries.get_problem_for(actor, problem_id)
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("评分须为 1 至 5 分。"))
        return redirect("consultations:detail", problem_id=problem.pk)
    return _after(
        request,
        problem.pk,
        lambda: services.rate_problem(
            actor=actor,
            problem_id=problem.pk,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        ),
        gettext_noop("感谢评价。"),
    )


ACTIONS: dict[str, tuple[Callable[..., Problem], str]] = {
    "solved": (services.mark_solved_in_practice, gettext_noop("已确认实践见效。")),
    "close": (services.close_problem, gettext_noop("难题已关闭。")),
    "reopen": (services.reopen_problem, gettext_noop("难题已重新打开。")),
    "archive": (services.archive_problem, gettext_noop("难题已归档，可随时恢复。")),
    "restore": (services.archive_problem, gettext_noop("难题已恢复。")),
}


@login_required
@require_POST
def problem_action(request: HttpRequest, problem_id: int, action: str) -> HttpResponse:
    actor = _actor(request)
    problem = queries.get_problem_for(actor, problem_id)
    if action not in ACTIONS:
        messages.error(request, _("未知的操作。"))
        return redirect("consultations:detail", problem_id=problem.pk)
    service, done = ACTIONS[action]
    reason = request.POST.get("reason", "")
    arguments: dict[str, Any] = {"actor": actor, "problem_id": problem.pk}
    if action == "close":
        arguments["reason"] = reason
    elif action == "reopen":
        arguments["note"] = reason
    elif action == "restore":
        arguments["archived"] = False
    return _after(request, problem.pk, lambda: service(**arguments), done)


@login_required
@require_POST
def comment(request: HttpRequest, problem_id: int) -> HttpResponse:
    actor = _actor(request)
    problem = queries.get_problem_for(actor, problem_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写评论内容。"))
        return redirect("consultations:detail", problem_id=problem.pk)
    answer_id = form.cleaned_data["answer"]
    return _after(
        request,
        problem.pk,
        lambda: services.add_comment(
            actor=actor, problem_id=problem.pk, body=form.cleaned_data["body"], answer_id=answer_id
        ),
        gettext_noop("评论已发布。"),
        f"#answer-{answer_id}" if answer_id else "#comments",
    )


@login_required
@require_POST
def attach(request: HttpRequest, problem_id: int) -> HttpResponse:
    actor = _actor(request)
    problem = queries.get_problem_for(actor, problem_id)
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
        return redirect("consultations:detail", problem_id=problem.pk)
    answer_id = form.cleaned_data["answer"]
    return _after(
        request,
        problem.pk,
        lambda: services.add_attachments(
            actor=actor, problem_id=problem.pk, files=_files(request), answer_id=answer_id
        ),
        gettext_noop("附件已上传。"),
        f"#answer-{answer_id}" if answer_id else "#attachments",
    )


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = queries.get_attachment_for(_actor(request), attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# ---------------------------------------------------------------- the national expert pool


@login_required
def expert_pool(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(perms.can_manage_pool(actor), _("只有平台管理员可以维护专家库。"))
    form = PoolForm(request.POST or None)
    row = submit(
        request,
        form,
        lambda d: services.add_pool_expert(actor=actor, user=d["user"], topic=d["topic"]),
    )
    if row is not None:
        messages.success(request, _("已加入专家库。"))
        return redirect("consultations:experts")
    context = {
        "form": form,
        "rows": queries.list_pool(),
        "former": queries.list_pool(archived=True),
    }
    return render(request, "consultations/experts.html", context)


@login_required
@require_POST
def expert_remove(request: HttpRequest, expert_topic_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        services.remove_pool_expert(actor=actor, expert_topic_id=expert_topic_id)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已移出专家库。"))
    return redirect("consultations:experts")

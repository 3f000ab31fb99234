"""HTML pages of work plans: thin views over queries and services."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from twinning.core.errors import Conflict, Invalid
from twinning.core.forms import keep_typed_values, submit, submit_import
from twinning.core.models import AuditEntry
from twinning.core.pagination import page_of, query_without
from twinning.core.permissions import is_ministry, require
from twinning.pairings import permissions as pair_perms
from twinning.pairings.models import Pairing
from twinning.pairings.queries import get_pairing_for, readable_history
from twinning.plans import excel, queries, services, tasks, word
from twinning.plans import permissions as perms
from twinning.plans.compare import compare
from twinning.plans.forms import (
    BulkStatusForm,
    CommentForm,
    GoalForm,
    ImportForm,
    NewPlanForm,
    PhaseForm,
    PlanForm,
    StatusForm,
    TaskForm,
    TemplateForm,
    TopicForm,
    UploadForm,
)
from twinning.plans.models import Plan, PlanTemplate, ResponsibleSide, Task, Topic

PAGE_SIZE = 50
TASK_PAGE_SIZE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _actor(request: HttpRequest) -> Any:
    return request.user


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# ---------------------------------------------------------------- lists


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    get = request.GET
    filters = queries.PlanFilters(
        status=get.get("status") or None,
        pairing=_int(get.get("pairing")),
        q=get.get("q") or None,
        archived=get.get("archived") == "1",
        all_versions=get.get("versions") == "all",
        sort=get.get("sort") or "pair",
    )
    plans = queries.list_plans_for(actor, filters)
    counts = queries.plans_by_status(actor)
    context = {
        "page": page_of(plans, get.get("page"), PAGE_SIZE),
        "filters": filters,
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "sort", "page"),
        "statuses": Plan.Status.choices,
        "status_rows": [(s.value, s.label, counts.get(s.value, 0)) for s in Plan.Status],
        "overdue_pairs": queries.overdue_by_pairing(actor)[:20],
        "writable_pairs": _writable_pairs(actor),
        "is_ministry": is_ministry(actor),
    }
    template = "plans/_plan_results.html" if request.htmx else "plans/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _writable_pairs(actor: Any) -> list[Pairing]:
    pairs = (
        Pairing.objects.visible_to(actor).live().select_related("leading_region", "partner_region")
    )
    return [p for p in pairs if perms.can_write_plans(actor, p)]


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status") or None
    overdue = request.GET.get("overdue") == "1"
    rows = queries.my_tasks_for(actor, status=status, overdue=overdue)
    context = {
        "page": page_of(rows, request.GET.get("page"), PAGE_SIZE),
        "query": query_without(request, "page"),
        "status": status,
        "overdue": overdue,
        "statuses": Task.Status.choices,
        "today": timezone.localdate(),
    }
    return render(request, "plans/my_tasks.html", context)


# ---------------------------------------------------------------- plan pages


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    pairing_id = _int(request.GET.get("pairing") or request.POST.get("pairing"))
    pairs = _writable_pairs(actor)
    if pairing_id is None:
        return render(request, "plans/choose_pair.html", {"pairs": pairs})
    pairing = next((p for p in pairs if p.pk == pairing_id), None)
    if pairing is None:
        # Not found for outsiders, forbidden for read-only users in scope (the usual answers).
        pairing = get_pairing_for(actor, pairing_id)
        require(False, _("只有结对双方的协调员和成员可以编写方案。"))
    today = timezone.localdate()
    initial = {
        "title": _("%(pair)s生活垃圾分类“1对1”交流协作工作方案") % {"pair": f"{pairing}"},
        "period_start": today,
        "period_end": today.replace(year=today.year + 3, month=12, day=31),
    }
    form = NewPlanForm(request.POST or None, initial=initial)
    plan = submit(
        request,
        form,
        lambda d: services.create_plan(
            actor=actor,
            pairing_id=pairing.pk,
            title=d["title"],
            period_start=d["period_start"],
            period_end=d["period_end"],
            principles=d["principles"],
            background=d["background"],
            methods=d["methods"],
            topic_codes=[t.code for t in d["topics"]],
            template_id=d["template"].pk if d["template"] else None,
        ),
    )
    if plan is not None:
        messages.success(request, _("方案已创建（草稿）。"))
        return redirect("plans:detail", plan_id=plan.pk)
    return render(request, "plans/new.html", {"form": form, "pairing": pairing})


def _task_filters(request: HttpRequest) -> queries.TaskFilters:
    get = request.GET
    return queries.TaskFilters(
        side=get.get("side") or None,
        phase=_int(get.get("phase")),
        status=get.get("status") or None,
        owner=_int(get.get("owner")),
        overdue=get.get("overdue") == "1",
        q=get.get("q") or None,
        archived=get.get("archived") == "1",
        sort=get.get("sort") or "number",
    )


def _table_context(request: HttpRequest, plan: Plan) -> dict[str, Any]:
    actor = _actor(request)
    filters = _task_filters(request)
    page = page_of(queries.tasks_of(plan, filters), request.GET.get("page"), TASK_PAGE_SIZE)
    return {
        "plan": plan,
        "task_page": page,
        "task_filters": filters,
        "task_query": query_without(request, "page"),
        "task_sort_query": query_without(request, "sort", "page"),
        "sides": ResponsibleSide.choices,
        "task_statuses": Task.Status.choices,
        "today": timezone.localdate(),
        "task_url": reverse("plans:task", args=[0]).removesuffix("0/"),
        "can_write": perms.can_write_plans(actor, plan.pairing) and plan.is_editable,
        # Row check-boxes for everyone who may report progress on some of the rows; the service
        # refuses the rows a user is not responsible for.
        "can_track": tasks.accepts_progress(plan)
        and (perms.can_write_plans(actor, plan.pairing) or pair_perms.is_admin(actor)),
    }


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = _actor(request)
    plan = queries.get_plan_for(actor, plan_id)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "plans/_task_table.html", _table_context(request, plan))
    overview = queries.overview_of(plan)
    phases = [(p, overview.by_phase.get(p.pk)) for p in overview.phases]
    unphased = overview.by_phase.get(None)
    waiting = {s for s in ("leading", "partner") if plan.signed_at(s) is None}
    labels = dict(Plan.Status.choices)
    timeline = queries.timeline_of(plan, overview.phases)
    context = {
        **_table_context(request, plan),
        "overview": overview,
        "phase_rows": phases,
        "unphased": unphased,
        "timeline": timeline,
        "versions": [
            {**v, "label": labels.get(v["status"], v["status"])}
            for v in queries.versions_of(plan).values("id", "version", "status")
        ],
        "timeline_height": 80 + 22 * (len(timeline["tasks"]) + len(timeline["phases"])),
        "can_coordinate": perms.can_coordinate(actor, plan.pairing),
        "can_sign": plan.status == Plan.Status.SUBMITTED
        and bool(perms.signable_sides(actor, plan) & waiting),
        "can_file": perms.can_file(actor) and plan.status == Plan.Status.AGREED,
        "comment_form": CommentForm(),
        "users": tasks.plan_users(plan).order_by("full_name", "username"),
        "phases_for_filter": overview.phases,
    }
    return render(request, "plans/detail.html", context)


@login_required
def plan_history(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = _actor(request)
    plan = queries.get_plan_for(actor, plan_id)
    return render(
        request, "plans/history.html", {"plan": plan, "history": queries.history_of(actor, plan)}
    )


@login_required
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = _actor(request)
    plan = queries.get_plan_for(actor, plan_id)
    require(
        perms.can_write_plans(actor, plan.pairing), _("只有结对双方的协调员和成员可以编写方案。")
    )
    initial = {
        "title": plan.title,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "background": plan.background,
        "principles": plan.principles,
        "methods": plan.methods,
        "topics": list(plan.topics.all()),
        "lock_version": plan.lock_version,
    }
    form = PlanForm(request.POST or None, initial=initial)
    done = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            done = services.update_plan(
                actor=actor,
                plan_id=plan.pk,
                expected_version=d["lock_version"],
                values={
                    "title": d["title"],
                    "period_start": d["period_start"],
                    "period_end": d["period_end"],
                    "background": d["background"],
                    "principles": d["principles"],
                    "methods": d["methods"],
                    "topics": [t.code for t in d["topics"]],
                },
            )
        except (Invalid, Conflict) as exc:
            keep_typed_values(form, exc, plan.lock_version)
    if done is not None:
        messages.success(request, _("已保存。"))
        return redirect("plans:detail", plan_id=plan.pk)
    return render(request, "plans/form.html", {"form": form, "plan": plan, "title": _("修改方案")})


LIFECYCLE: dict[str, tuple[Callable[..., Plan], str, bool]] = {
    # action: (service, message, takes a required comment)
    "submit": (services.submit_plan, gettext_noop("已提交，等待双方协调员确认。"), False),
    "sign": (services.sign_plan, gettext_noop("已确认。"), False),
    "request-changes": (services.request_changes, gettext_noop("已退回修改。"), True),
    "file": (services.file_plan, gettext_noop("已备案。"), False),
    "return": (services.return_plan, gettext_noop("已退回结对双方修改。"), True),
    "in-force": (services.put_in_force, gettext_noop("方案已生效。"), False),
    "archive": (services.archive_plan, gettext_noop("方案已归档，可随时恢复。"), False),
    "restore": (services.restore_plan, gettext_noop("方案已恢复。"), False),
}


@login_required
@require_POST
def plan_action(request: HttpRequest, plan_id: int, action: str) -> HttpResponse:
    actor = _actor(request)
    if action == "revise":
        try:
            new = services.start_revision(actor=actor, plan_id=plan_id)
        except (Conflict, Invalid) as exc:
            messages.error(request, exc.message)
            return redirect("plans:detail", plan_id=plan_id)
        messages.success(request, _("已生成新版本（草稿），修改后请重新提交。"))
        return redirect("plans:detail", plan_id=new.pk)
    if action not in LIFECYCLE:
        queries.get_plan_for(actor, plan_id)
        messages.error(request, _("未知的操作。"))
        return redirect("plans:detail", plan_id=plan_id)
    service, done, needs_comment = LIFECYCLE[action]
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        if needs_comment:
            service(actor=actor, plan_id=plan_id, comment=comment)
        elif action in {"archive", "restore"}:
            service(actor=actor, plan_id=plan_id)
        else:
            service(actor=actor, plan_id=plan_id, note=comment)
    except (Conflict, Invalid) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _(done))
    return redirect("plans:detail", plan_id=plan_id)


@login_required
def plan_compare(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = _actor(request)
    plan = queries.get_plan_for(actor, plan_id)
    versions = list(queries.versions_of(plan))
    other_id = _int(request.GET.get("with"))
    other = next((v for v in versions if v.pk == other_id), None)
    if other is None:
        other = next((v for v in versions if v.version < plan.version), None)
    comparison = compare(other, plan) if other is not None else None
    context = {"plan": plan, "versions": versions, "other": other, "comparison": comparison}
    return render(request, "plans/compare.html", context)


@login_required
def plan_export(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    plan = queries.get_plan_for(_actor(request), plan_id)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        data, content_type = excel.tasks_workbook(plan), XLSX
    else:
        data, content_type = word.plan_document(plan), DOCX
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="plan-{plan.pk}-v{plan.version}-{stamp}.{fmt}"'
    )
    return response


@login_required
def plan_import(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = _actor(request)
    plan = queries.get_plan_for(actor, plan_id)
    require(
        perms.can_write_plans(actor, plan.pairing), _("只有结对双方的协调员和成员可以导入任务。")
    )
    form = ImportForm(request.POST or None, request.FILES or None)
    result, cells = submit_import(
        request,
        form,
        lambda upload: excel.import_tasks(actor=actor, plan_id=plan.pk, stream=upload),
    )
    if result is not None:
        messages.success(
            request,
            _("导入完成：新增 %(created)s 项，更新 %(updated)s 项。")
            % {"created": result.created, "updated": result.updated},
        )
        return redirect("plans:detail", plan_id=plan.pk)
    return render(request, "plans/import.html", {"form": form, "plan": plan, "cells": cells})


# ---------------------------------------------------------------- goals and phases


def _part_form(
    request: HttpRequest,
    plan: Plan,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    title: str,
) -> HttpResponse:
    if submit(request, form, save) is not None:
        messages.success(request, _("已保存。"))
        return redirect("plans:detail", plan_id=plan.pk)
    return render(request, "plans/form.html", {"form": form, "plan": plan, "title": title})


@login_required
def goal_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = _actor(request)
    plan = queries.get_plan_for(actor, plan_id)
    require(
        perms.can_write_plans(actor, plan.pairing), _("只有结对双方的协调员和成员可以编写方案。")
    )
    form = GoalForm(request.POST or None)
    return _part_form(
        request,
        plan,
        form,
        lambda d: services.add_goal(actor=actor, plan_id=plan.pk, values=d),
        _("添加目标"),
    )


@login_required
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    actor = _actor(request)
    goal = queries.get_goal_for(actor, goal_id)
    require(
        perms.can_write_plans(actor, goal.plan.pairing),
        _("只有结对双方的协调员和成员可以编写方案。"),
    )
    fields = ["text", "indicator", "unit", "target_value", "due_date"]
    form = GoalForm(request.POST or None, initial={f: getattr(goal, f) for f in fields})
    return _part_form(
        request,
        goal.plan,
        form,
        lambda d: services.update_goal(actor=actor, goal_id=goal.pk, values=d),
        _("修改目标"),
    )


@login_required
def phase_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = _actor(request)
    plan = queries.get_plan_for(actor, plan_id)
    require(
        perms.can_write_plans(actor, plan.pairing), _("只有结对双方的协调员和成员可以编写方案。")
    )
    form = PhaseForm(
        request.POST or None, initial={"start_date": plan.period_start, "end_date": plan.period_end}
    )
    return _part_form(
        request,
        plan,
        form,
        lambda d: services.add_phase(actor=actor, plan_id=plan.pk, values=d),
        _("添加阶段"),
    )


@login_required
def phase_edit(request: HttpRequest, phase_id: int) -> HttpResponse:
    actor = _actor(request)
    phase = queries.get_phase_for(actor, phase_id)
    require(
        perms.can_write_plans(actor, phase.plan.pairing),
        _("只有结对双方的协调员和成员可以编写方案。"),
    )
    fields = ["name", "start_date", "end_date", "description"]
    form = PhaseForm(request.POST or None, initial={f: getattr(phase, f) for f in fields})
    return _part_form(
        request,
        phase.plan,
        form,
        lambda d: services.update_phase(actor=actor, phase_id=phase.pk, values=d),
        _("修改阶段"),
    )


def _one_click(
    request: HttpRequest, plan_id: int, change: Callable[[], Any], done: str
) -> HttpResponse:
    try:
        change()
    except (Conflict, Invalid) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("plans:detail", plan_id=plan_id)


@login_required
@require_POST
def goal_archive(request: HttpRequest, goal_id: int) -> HttpResponse:
    actor = _actor(request)
    goal = queries.get_goal_for(actor, goal_id)
    archived = request.POST.get("restore") != "1"
    return _one_click(
        request,
        goal.plan_id,
        lambda: services.archive_goal(actor=actor, goal_id=goal.pk, archived=archived),
        _("已归档。") if archived else _("已恢复。"),
    )


@login_required
@require_POST
def phase_archive(request: HttpRequest, phase_id: int) -> HttpResponse:
    actor = _actor(request)
    phase = queries.get_phase_for(actor, phase_id)
    archived = request.POST.get("restore") != "1"
    return _one_click(
        request,
        phase.plan_id,
        lambda: services.archive_phase(actor=actor, phase_id=phase.pk, archived=archived),
        _("已归档。") if archived else _("已恢复。"),
    )


# ---------------------------------------------------------------- tasks


@login_required
def task_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = _actor(request)
    plan = queries.get_plan_for(actor, plan_id)
    require(
        perms.can_write_plans(actor, plan.pairing), _("只有结对双方的协调员和成员可以编写方案。")
    )
    form = TaskForm(
        request.POST or None,
        plan=plan,
        users=tasks.plan_users(plan),
        initial={"side": "joint", "weight": 1},
    )
    task = submit(
        request,
        form,
        lambda d: tasks.add_task(
            actor=actor,
            plan_id=plan.pk,
            values={k: v for k, v in d.items() if k in tasks.TASK_FIELDS},
        ),
    )
    if task is not None:
        messages.success(request, _("任务已添加。"))
        return redirect("plans:detail", plan_id=plan.pk)
    return render(request, "plans/form.html", {"form": form, "plan": plan, "title": _("添加任务")})


TASK_INITIAL = [
    "title",
    "topic",
    "phase",
    "side",
    "body",
    "parent",
    "owner",
    "start_date",
    "due_date",
    "weight",
    "deliverable",
    "evidence_required",
    "status",
    "completed_on",
    "notes",
    "lock_version",
]


@login_required
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    """The task's page: its fields (editable as far as the plan allows), evidence, history."""
    actor = _actor(request)
    task = queries.get_task_for(actor, task_id)
    plan = task.plan
    initial = {name: getattr(task, name) for name in TASK_INITIAL}
    initial["co_owners"] = list(task.co_owners.all())
    can_edit = perms.can_write_plans(actor, plan.pairing) or perms.can_track(actor, task)
    form = TaskForm(
        request.POST or None, plan=plan, users=tasks.plan_users(plan), task=task, initial=initial
    )
    if request.method == "POST":
        require(can_edit, _("只有任务负责人、协同人和责任方可以更新该任务。"))
        if form.is_valid():
            try:
                tasks.update_task(
                    actor=actor,
                    task_id=task.pk,
                    values=form.changed_values(),
                    expected_version=form.cleaned_data.get("lock_version"),
                )
            except (Invalid, Conflict) as exc:
                keep_typed_values(form, exc, Task.objects.get(pk=task.pk).lock_version)
            else:
                messages.success(request, _("已保存。"))
                return redirect("plans:task", task_id=task.pk)
    evidence = list(task.evidence.select_related("uploaded_by"))
    history = readable_history(
        actor,
        AuditEntry.objects.filter(
            Q(target_type="plans.task", target_id=str(task.pk))
            | Q(target_type="plans.evidence", target_id__in=[str(e.pk) for e in evidence])
        ).select_related("actor")[:100],
    )
    context = {
        "task": task,
        "plan": plan,
        "form": form,
        "can_edit": can_edit,
        "evidence": evidence,
        "upload_form": UploadForm(),
        "subtasks": task.subtasks.filter(archived_at__isnull=True).select_related("owner"),
        "history": history,
        "can_archive": perms.can_write_plans(actor, plan.pairing) and plan.is_editable,
        "today": timezone.localdate(),
    }
    return render(request, "plans/task.html", context)


@login_required
@require_POST
def task_status(request: HttpRequest, task_id: int) -> HttpResponse:
    """One-click status change from the table (with the row's version, so stale clicks fail)."""
    actor = _actor(request)
    task = queries.get_task_for(actor, task_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择有效的状态。"))
    else:
        try:
            tasks.set_status(
                actor=actor,
                task_id=task.pk,
                status=form.cleaned_data["status"],
                expected_version=form.cleaned_data.get("lock_version"),
            )
        except (Invalid, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("任务状态已更新。"))
    return redirect(request.POST.get("next") or reverse("plans:task", args=[task.pk]))


@login_required
@require_POST
def task_archive(request: HttpRequest, task_id: int) -> HttpResponse:
    actor = _actor(request)
    task = queries.get_task_for(actor, task_id)
    archived = request.POST.get("restore") != "1"
    return _one_click(
        request,
        task.plan_id,
        lambda: tasks.archive_task(actor=actor, task_id=task.pk, archived=archived),
        _("任务已归档。") if archived else _("任务已恢复。"),
    )


@login_required
@require_POST
def bulk_status(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = _actor(request)
    plan = queries.get_plan_for(actor, plan_id)
    ids = list(plan.tasks.values_list("pk", flat=True))
    form = BulkStatusForm(request.POST, task_ids=ids)
    if not form.is_valid():
        messages.error(request, _("请选择任务和有效的状态。"))
    else:
        try:
            changed = tasks.bulk_set_status(
                actor=actor,
                plan_id=plan.pk,
                task_ids=form.cleaned_data["tasks"],
                status=form.cleaned_data["status"],
            )
        except (Invalid, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                ngettext("已更新 %(n)s 项任务的状态。", "已更新 %(n)s 项任务的状态。", len(changed))
                % {"n": len(changed)},
            )
    return redirect(reverse("plans:detail", args=[plan.pk]) + "#tasks")


@login_required
@require_POST
def evidence_upload(request: HttpRequest, task_id: int) -> HttpResponse:
    actor = _actor(request)
    task = queries.get_task_for(actor, task_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
    else:
        upload = form.cleaned_data["file"]
        try:
            tasks.add_evidence(
                actor=actor,
                task_id=task.pk,
                stream=upload,
                filename=upload.name,
                description=form.cleaned_data["description"],
            )
        except (Invalid, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("佐证材料已上传。"))
    return redirect("plans:task", task_id=task.pk)


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = queries.get_evidence_for(_actor(request), evidence_id)
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@login_required
@require_POST
def evidence_archive(request: HttpRequest, evidence_id: int) -> HttpResponse:
    actor = _actor(request)
    evidence = queries.get_evidence_for(actor, evidence_id)
    archived = request.POST.get("restore") != "1"
    try:
        tasks.archive_evidence(actor=actor, evidence_id=evidence.pk, archived=archived)
    except (Conflict, Invalid) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已归档。") if archived else _("已恢复。"))
    return redirect("plans:task", task_id=evidence.task_id)


# ---------------------------------------------------------------- templates and topics (admins)


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    context = {
        "templates": queries.list_templates(),
        "archived_templates": queries.list_templates(archived=True),
        "topics": Topic.objects.all(),
        "can_manage": perms.can_manage_templates(actor),
    }
    return render(request, "plans/templates.html", context)


@login_required
def template_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    actor = _actor(request)
    require(perms.can_manage_templates(actor), _("只有平台管理员可以管理模板和协作内容。"))
    template = queries.get_template(template_id) if template_id else None
    initial = TemplateForm.initial_for(template) if template else {}
    form = TemplateForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda d: services.save_template(actor=actor, values=d, template_id=template_id),
    )
    if saved is not None:
        messages.success(request, _("模板已保存。"))
        return redirect("plans:templates")
    title = _("修改模板") if template else _("新建模板")
    return render(
        request,
        "plans/form.html",
        {"form": form, "title": title, "back": reverse("plans:templates")},
    )


@login_required
def topic_edit(request: HttpRequest, topic_id: int | None = None) -> HttpResponse:
    actor = _actor(request)
    require(perms.can_manage_templates(actor), _("只有平台管理员可以管理模板和协作内容。"))
    topic = Topic.objects.filter(pk=topic_id).first() if topic_id else None
    initial = {"code": topic.code, "name": topic.name, "position": topic.position} if topic else {}
    form = TopicForm(request.POST or None, initial=initial)
    saved = submit(
        request, form, lambda d: services.save_topic(actor=actor, values=d, topic_id=topic_id)
    )
    if saved is not None:
        messages.success(request, _("已保存。"))
        return redirect("plans:templates")
    title = _("修改协作内容") if topic else _("新建协作内容")
    return render(
        request,
        "plans/form.html",
        {"form": form, "title": title, "back": reverse("plans:templates")},
    )


@login_required
@require_POST
def admin_archive(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    actor = _actor(request)
    require(perms.can_manage_templates(actor), _("只有平台管理员可以管理模板和协作内容。"))
    model = PlanTemplate if kind == "template" else Topic
    record = model.objects.filter(pk=record_id).first()
    if record is None:
        messages.error(request, _("记录不存在。"))
        return redirect("plans:templates")
    archived = request.POST.get("restore") != "1"
    try:
        services.archive_admin_record(actor=actor, obj=record, archived=archived)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已归档。") if archived else _("已恢复。"))
    return redirect("plans:templates")

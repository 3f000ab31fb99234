"""HTML pages of 阶段评估: rounds, rubrics, a side's assessment, appeals and rankings.

Thin views over `queries` (what the user may see: NotFound → 404) and `services` (what the
user may change: Forbidden → 403; Invalid and Conflict shown beside the fields or as a
message). Inputs and buttons are shown only to who may use them; the services check again.
"""

import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from twinning.core.errors import Conflict, Invalid
from twinning.core.forms import keep_typed_values, submit
from twinning.core.pagination import page_of, query_without
from twinning.core.permissions import is_ministry, require
from twinning.core.spreadsheets import put_cell, write_header
from twinning.evaluation import permissions as perms
from twinning.evaluation import queries, services
from twinning.evaluation.forms import (
    AppealForm,
    DecisionForm,
    EvidenceForm,
    ItemsForm,
    RoundForm,
    RubricForm,
    dimension_rows,
)
from twinning.evaluation.models import Appeal, Assessment, EvaluationRound, Rubric
from twinning.knowledge.views import content_disposition
from twinning.pairings.permissions import sides_of

PAGE_SIZE = 30
RoundStatus = EvaluationRound.Status
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Blank dimension rows offered on the rubric form beyond the existing ones.
SPARE_ROWS = 3


# ---------------------------------------------------------------- rounds


@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    actor = request.user
    status = request.GET.get("status") or None
    archived = request.GET.get("archived") == "1"
    rows = queries.rounds_for(actor, archived=archived, status=status).order_by(
        "-period_start", "-pk"
    )
    mine = {
        a.round_id: a
        for a in Assessment.objects.filter(round__in=rows)
        .select_related("pairing__leading_region", "pairing__partner_region")
        .order_by("pk")
        if a.side in sides_of(actor, a.pairing)
    } if not is_ministry(actor) else {}  # fmt: skip
    context = {
        "page": page_of(rows, request.GET.get("page"), PAGE_SIZE),
        "query": query_without(request, "page"),
        "statuses": RoundStatus.choices,
        "status": status or "",
        "archived": archived,
        "mine": mine,
        "rubrics": queries.active_rubrics(),
        "can_manage": perms.can_manage(actor),
        "latest": queries.latest_published_round(actor),
    }
    return render(request, "evaluation/rounds.html", context)


@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(perms.can_manage(actor), _("只有住建部可以发起评估。"))
    form = RoundForm(request.POST or None)
    created = submit(request, form, lambda d: services.create_round(actor=actor, **form.values()))
    if created is not None:
        messages.success(request, _("评估轮次已创建（草稿）。确认后点击“开始自评”。"))
        return redirect("evaluation:round", round_id=created.pk)
    return render(request, "evaluation/round_form.html", {"form": form})


def _progress(actor: Any, evaluation_round: EvaluationRound) -> list[dict[str, Any]]:
    """The round's assessments the user may open, with what the user may see of each."""
    rows = []
    appeals = {a.assessment_id: a for a in queries.appeals_for(actor, evaluation_round)}
    for assessment in queries.assessments_for(actor, evaluation_round):
        rows.append(
            {
                "assessment": assessment,
                "own": assessment.side in sides_of(actor, assessment.pairing),
                "sees_self": perms.can_see_self_assessment(actor, assessment),
                "sees_score": perms.can_see_scores(actor, assessment),
                "appeal": appeals.get(assessment.pk),
            }
        )
    return rows


def _top_pair(actor: Any, evaluation_round: EvaluationRound) -> Any:
    """The best pair of a published round and the assessment to propose as a case (its
    better-scored side), when the user may propose it."""
    if not evaluation_round.is_published:
        return None
    ranking = queries.pair_ranking(actor, evaluation_round.pk)
    if not ranking:
        return None
    top = ranking[0]
    pairing = top.pairing
    may_propose = is_ministry(actor) or (
        perms.is_coordinator(actor) and pairing is not None and bool(sides_of(actor, pairing))
    )
    leading, partner = top.assessment_ids
    best = leading if (top.leading_score or 0) >= (top.partner_score or 0) else partner
    return {"row": top, "assessment_id": best, "may_propose": may_propose}


@login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    actor = request.user
    evaluation_round = queries.round_for(actor, round_id)
    progress = _progress(actor, evaluation_round)
    context = {
        "round": evaluation_round,
        "rubric": evaluation_round.rubric,
        "dimensions": list(evaluation_round.rubric.dimensions.all()),
        "progress": progress,
        "mine": [r["assessment"] for r in progress if r["own"]],
        "pairings": queries.round_pairings(evaluation_round),
        "can_manage": perms.can_manage(actor),
        "counts": {
            "total": len(progress),
            "submitted": sum(1 for r in progress if r["assessment"].submitted_at),
            "commented": sum(1 for r in progress if r["assessment"].peer_comment_at),
            "scored": sum(1 for r in progress if r["assessment"].ministry_total is not None),
        },
        "top": _top_pair(actor, evaluation_round),
        "show_ranking": evaluation_round.is_published or is_ministry(actor),
        "history": queries.history_of(evaluation_round)[:50] if is_ministry(actor) else [],
    }
    return render(request, "evaluation/round_detail.html", context)


ROUND_ACTIONS = {
    "open": (services.open_round, gettext_lazy("已开始自评，已通知各结对双方协调员。")),
    "close_self": (services.close_self_assessment, gettext_lazy("自评互评已截止，进入评分。")),
    "publish": (services.publish_round, gettext_lazy("评估结果已发布，评分已冻结。")),
    "close": (services.close_round, gettext_lazy("本轮评估已结束。")),
}


@login_required
@require_POST
def round_action(request: HttpRequest, round_id: int) -> HttpResponse:
    actor = request.user
    evaluation_round = queries.round_for(actor, round_id)
    action = request.POST.get("action", "")
    done: str = ""
    try:
        if action in ROUND_ACTIONS:
            run, message = ROUND_ACTIONS[action]
            done = str(message)
            run(actor=actor, round_id=evaluation_round.pk, lock_version=_int(request.POST))
        elif action in ("archive", "restore"):
            services.archive_round(
                actor=actor, round_id=evaluation_round.pk, restore=action == "restore"
            )
            done = _("已恢复。") if action == "restore" else _("已归档。")
        else:
            raise Invalid(_("未知的操作。"))
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    return redirect("evaluation:round", round_id=evaluation_round.pk)


def _int(post: Any, name: str = "lock_version") -> int | None:
    value = post.get(name)
    return int(value) if value and str(value).isdigit() else None


# ---------------------------------------------------------------- assessments


def _mode(actor: Any, assessment: Assessment) -> str | None:
    """Which inputs the user gets on the assessment page, if any."""
    status = assessment.round.status
    if status == RoundStatus.OPEN and perms.can_act_for(actor, assessment):
        return "self"
    if (
        status == RoundStatus.OPEN
        and perms.can_comment(actor, assessment)
        and assessment.submitted_at is not None
    ):
        return "comment"
    if status == RoundStatus.SCORING and perms.can_manage(actor):
        return "score"
    return None


MODE_ACTIONS: dict[str, tuple[Any, str, Any]] = {
    "self": (services.submit_self_assessment, "items", gettext_lazy("自评已提交。")),
    "comment": (services.comment_on_peer, "comments", gettext_lazy("互评意见已提交。")),
    "score": (services.score_assessment, "items", gettext_lazy("评分已保存。")),
}


def _assessment_context(
    request: HttpRequest, assessment: Assessment, form: ItemsForm | None, **extra: Any
) -> dict[str, Any]:
    actor = request.user
    items = queries.items_of(assessment)
    appeal = Appeal.objects.filter(assessment=assessment).first()
    evaluation_round = assessment.round
    today = timezone.localdate()
    deadline = evaluation_round.appeal_deadline
    may_appeal = (
        evaluation_round.status == RoundStatus.PUBLISHED
        and perms.can_act_for(actor, assessment)
        and appeal is None
        and deadline is not None
        and today <= deadline
    )
    rows = [
        {
            "item": item,
            "files": queries.live_files(item),
            "score": form.cell("score", item.dimension.code) if form else None,
            "text": (
                form.cell({"self": "evidence", "comment": "comment", "score": "ministry_comment"}[
                    form.mode], item.dimension.code)
                if form
                else None
            ),
        }
        for item in items
    ]  # fmt: skip
    context = {
        "assessment": assessment,
        "round": evaluation_round,
        "rows": rows,
        "form": form,
        "mode": form.mode if form else None,
        "sees_self": perms.can_see_self_assessment(actor, assessment),
        "sees_score": perms.can_see_scores(actor, assessment),
        "own": perms.is_own_side(actor, assessment),
        "evidence_form": EvidenceForm(items) if form and form.mode == "self" else None,
        "appeal": appeal,
        "may_appeal": may_appeal,
        "appeal_form": AppealForm() if may_appeal else None,
        "decision_form": (
            DecisionForm(items, initial={"lock_version": appeal.lock_version})
            if appeal is not None and not appeal.is_decided and perms.can_manage(actor)
            else None
        ),
        "appeal_deadline": deadline,
        "history": queries.history_of(assessment)[:50]
        if perms.can_see_scores(actor, assessment)
        else [],
    }
    context.update(extra)
    return context


@login_required
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    actor = request.user
    assessment = queries.assessment_for(actor, assessment_id)
    mode = _mode(actor, assessment)
    if request.method == "POST":
        require(mode is not None, _("您不能修改这份评估表。"))
    items = queries.items_of(assessment)
    form = (
        ItemsForm(
            items, mode, request.POST or None, initial={"lock_version": assessment.lock_version}
        )
        if mode
        else None
    )
    if form is not None and request.method == "POST" and form.is_valid():
        run, argument, done = MODE_ACTIONS[form.mode]
        try:
            run(
                actor=actor,
                assessment_id=assessment.pk,
                lock_version=form.cleaned_data.get("lock_version"),
                **{argument: form.rows()},
            )
        except (Invalid, Conflict) as exc:
            current = Assessment.objects.values_list("lock_version", flat=True).get(
                pk=assessment.pk
            )
            keep_typed_values(form, exc, current)
        else:
            messages.success(request, str(done))
            return redirect("evaluation:assessment", assessment_id=assessment.pk)
    status = 422 if form is not None and form.errors else 200
    return render(
        request,
        "evaluation/assessment.html",
        _assessment_context(request, assessment, form),
        status=status,
    )


@login_required
@require_POST
def evidence_upload(request: HttpRequest, assessment_id: int) -> HttpResponse:
    actor = request.user
    assessment = queries.assessment_for(actor, assessment_id)
    require(perms.can_act_for(actor, assessment), _("只有本方协调员可以上传佐证材料。"))
    items = queries.items_of(assessment)
    form = EvidenceForm(items, request.POST, request.FILES)
    stored = submit(
        request,
        form,
        lambda d: services.add_evidence(
            actor=actor,
            assessment_id=assessment.pk,
            dimension_code=d["dimension"],
            file=d["file"],
            name=d["file"].name or "file",
        ),
    )
    if stored is not None:
        messages.success(request, _("佐证材料已上传：%(name)s") % {"name": stored.original_name})
    else:
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors or _("上传失败。"))
    return redirect(reverse("evaluation:assessment", args=[assessment.pk]) + "#evidence")


@login_required
def evidence_file(request: HttpRequest, file_id: int) -> FileResponse:
    found = queries.evidence_file_for(request.user, file_id)
    response = FileResponse(found.file.open("rb"))
    response["Content-Type"] = found.content_type
    response["Content-Disposition"] = content_disposition(found.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def evidence_archive(request: HttpRequest, file_id: int) -> HttpResponse:
    found = queries.evidence_file_for(request.user, file_id)
    assessment_id = found.item.assessment_id
    try:
        services.archive_evidence(actor=request.user, file_id=found.pk)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("佐证材料已删除（已归档）。"))
    return redirect(reverse("evaluation:assessment", args=[assessment_id]) + "#evidence")


# ---------------------------------------------------------------- appeals


@login_required
@require_POST
def appeal_new(request: HttpRequest, assessment_id: int) -> HttpResponse:
    actor = request.user
    assessment = queries.assessment_for(actor, assessment_id)
    require(perms.can_act_for(actor, assessment), _("只有本方协调员可以申诉。"))
    form = AppealForm(request.POST)
    appeal = submit(
        request,
        form,
        lambda d: services.file_appeal(
            actor=actor, assessment_id=assessment.pk, reasons=d.get("reasons") or ""
        ),
    )
    if appeal is not None:
        messages.success(request, _("申诉已提交，住建部将作出决定。"))
        return redirect(reverse("evaluation:assessment", args=[assessment.pk]) + "#appeal")
    context = _assessment_context(request, assessment, None, appeal_form=form, may_appeal=True)
    return render(request, "evaluation/assessment.html", context, status=422)


@login_required
@require_POST
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    actor = request.user
    appeal = queries.appeal_for(actor, appeal_id)
    require(perms.can_manage(actor), _("只有住建部可以对申诉作出决定。"))
    assessment = queries.assessment_for(actor, appeal.assessment_id)
    form = DecisionForm(queries.items_of(assessment), request.POST)
    decided = submit(
        request,
        form,
        lambda d: services.decide_appeal(
            actor=actor,
            appeal_id=appeal.pk,
            decision=d["decision"],
            note=d.get("note") or "",
            scores=form.scores(),
            lock_version=d.get("lock_version"),
        ),
    )
    if decided is not None:
        messages.success(request, _("申诉决定已记录，排名已随之更新。"))
        return redirect(reverse("evaluation:assessment", args=[assessment.pk]) + "#appeal")
    context = _assessment_context(request, assessment, None, decision_form=form)
    return render(request, "evaluation/assessment.html", context, status=422)


# ---------------------------------------------------------------- rankings


@login_required
def rankings(request: HttpRequest, round_id: int) -> HttpResponse:
    actor = request.user
    evaluation_round = queries.round_for(actor, round_id)
    pairs = queries.pair_ranking(actor, evaluation_round.pk)
    partners = queries.partner_ranking(actor, evaluation_round.pk)
    previous = queries.previous_round(evaluation_round)
    if request.GET.get("format") == "xlsx":
        return _rankings_xlsx(evaluation_round, pairs, partners)
    context = {
        "round": evaluation_round,
        "pairs": pairs,
        "partners": partners,
        "previous": previous,
        "top": _top_pair(actor, evaluation_round),
    }
    return render(request, "evaluation/rankings.html", context)


def _change_text(row: queries.RankRow) -> str:
    if row.is_new:
        return _("新")
    change = row.rank_change or 0
    return f"▲{change}" if change > 0 else (f"▼{-change}" if change < 0 else "—")


def _rankings_xlsx(
    evaluation_round: EvaluationRound,
    pairs: list[queries.RankRow],
    partners: list[queries.RankRow],
) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    sheet.title = _("结对排名")
    write_header(
        sheet,
        [(_("名次"), 8, True), (_("结对"), 28, True), (_("得分"), 10, True),
         (_("先行方得分"), 12, True), (_("结对方得分"), 12, True), (_("上轮名次"), 10, True),
         (_("名次变化"), 10, True), (_("得分变化"), 10, True)],
    )  # fmt: skip
    for index, row in enumerate(pairs, start=2):
        values = [row.rank, row.name, row.score, row.leading_score, row.partner_score,
                  row.previous_rank, _change_text(row), row.score_change]  # fmt: skip
        for column, value in enumerate(values, start=1):
            put_cell(sheet, index, column, _cell_value(value))
    regions = book.create_sheet(_("结对方排名"))
    write_header(
        regions,
        [(_("名次"), 8, True), (_("结对方"), 20, True), (_("得分"), 10, True),
         (_("参评结对数"), 12, True), (_("上轮名次"), 10, True), (_("名次变化"), 10, True),
         (_("得分变化"), 10, True)],
    )  # fmt: skip
    for index, row in enumerate(partners, start=2):
        values = [row.rank, row.name, row.score, row.pair_count, row.previous_rank,
                  _change_text(row), row.score_change]  # fmt: skip
        for column, value in enumerate(values, start=1):
            put_cell(regions, index, column, _cell_value(value))
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = _("%(name)s排名.xlsx") % {"name": evaluation_round.name}
    response["Content-Disposition"] = content_disposition(name)
    return response


def _cell_value(value: Any) -> Any:
    """Scores go into the workbook as numbers, not text."""
    return float(value) if isinstance(value, Decimal) else value


# ---------------------------------------------------------------- rubrics


@login_required
def rubric_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    archived = request.GET.get("archived") == "1"
    context = {
        "rubrics": queries.rubrics_for(actor, archived=archived),
        "archived": archived,
        "can_manage": perms.can_manage(actor),
    }
    return render(request, "evaluation/rubric_list.html", context)


@login_required
def rubric_detail(request: HttpRequest, rubric_id: int) -> HttpResponse:
    actor = request.user
    rubric = queries.rubric_for(actor, rubric_id)
    dimensions = list(rubric.dimensions.all())
    context = {
        "rubric": rubric,
        "dimensions": dimensions,
        "weight_total": sum(d.weight for d in dimensions),
        "points_total": sum(d.max_points for d in dimensions),
        "versions": queries.versions_of(rubric, actor),
        "rounds": rubric.rounds.filter(archived_at__isnull=True).order_by("-period_start"),
        "can_manage": perms.can_manage(actor),
        "history": queries.history_of(rubric)[:50],
    }
    return render(request, "evaluation/rubric_detail.html", context)


def _rubric_form_page(
    request: HttpRequest, form: RubricForm, rows: list[dict[str, Any]], rubric: Rubric | None
) -> HttpResponse:
    padded = rows + [{} for _i in range(SPARE_ROWS)]
    status = 422 if form.errors else 200
    return render(
        request,
        "evaluation/rubric_form.html",
        {"form": form, "rows": padded, "rubric": rubric},
        status=status,
    )


@login_required
def rubric_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(perms.can_manage(actor), _("只有住建部可以制定评估细则。"))
    form = RubricForm(request.POST or None)
    rows = dimension_rows(request.POST) if request.method == "POST" else []
    created = submit(
        request,
        form,
        lambda d: services.create_rubric(
            actor=actor, name=d["name"], description=d["description"], dimensions=rows
        ),
    )
    if created is not None:
        messages.success(request, _("评估细则已保存为草稿。"))
        return redirect("evaluation:rubric", rubric_id=created.pk)
    return _rubric_form_page(request, form, rows, None)


@login_required
def rubric_edit(request: HttpRequest, rubric_id: int) -> HttpResponse:
    actor = request.user
    rubric = queries.rubric_for(actor, rubric_id)
    require(perms.can_manage(actor), _("只有住建部可以修改评估细则。"))
    initial = {
        "name": rubric.name,
        "description": rubric.description,
        "lock_version": rubric.lock_version,
    }
    form = RubricForm(request.POST or None, initial=initial)
    rows: list[dict[str, Any]]
    if request.method == "POST":
        rows = list(dimension_rows(request.POST))
    else:
        rows = [
            {"code": d.code, "name": d.name, "weight": d.weight, "max_points": d.max_points,
             "evidence_required": d.evidence_required}
            for d in rubric.dimensions.all()
        ]  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.update_rubric(
                actor=actor,
                rubric_id=rubric.pk,
                lock_version=form.cleaned_data.get("lock_version"),
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                dimensions=rows,
            )
        except (Invalid, Conflict) as exc:
            current = Rubric.objects.values_list("lock_version", flat=True).get(pk=rubric.pk)
            keep_typed_values(form, exc, current)
        else:
            messages.success(request, _("已保存。"))
            return redirect("evaluation:rubric", rubric_id=rubric.pk)
    return _rubric_form_page(request, form, rows, rubric)


@login_required
@require_POST
def rubric_action(request: HttpRequest, rubric_id: int) -> HttpResponse:
    actor = request.user
    rubric = queries.rubric_for(actor, rubric_id)
    action = request.POST.get("action", "")
    target = rubric.pk
    try:
        if action == "new_version":
            target = services.new_rubric_version(actor=actor, rubric_id=rubric.pk).pk
            done = _("已复制为新版本草稿，请修改后启用。")
        elif action == "activate":
            services.activate_rubric(
                actor=actor, rubric_id=rubric.pk, lock_version=_int(request.POST)
            )
            done = _("已启用；该细则的上一版本已停用。")
        elif action in ("archive", "restore"):
            services.archive_rubric(actor=actor, rubric_id=rubric.pk, restore=action == "restore")
            done = _("已恢复。") if action == "restore" else _("已归档。")
        else:
            raise Invalid(_("未知的操作。"))
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("evaluation:rubric", rubric_id=target)

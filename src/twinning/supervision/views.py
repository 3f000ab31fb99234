"""HTML pages of notices (督办): the list, issuing a notice from a pair's health, and one notice
with its timeline and the actions the viewer may take.

Thin views over `queries` (NotFound → 404) and `services` (Forbidden → 403; Invalid/Conflict shown
on the form or as a message). Buttons are shown only to those who may use them; the services
check again.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from twinning.accounts.models import User
from twinning.core.errors import Conflict, Invalid
from twinning.core.forms import apply_domain_error, submit
from twinning.core.pagination import page_of, query_without
from twinning.core.permissions import require
from twinning.health.engine import reason_text
from twinning.pairings.queries import get_pairing_for
from twinning.regions.queries import province_choices
from twinning.supervision import permissions as perms
from twinning.supervision import queries, services
from twinning.supervision.export import notices_workbook_response
from twinning.supervision.forms import NoteForm, NoticeForm, ProgressForm, RectificationForm
from twinning.supervision.models import Notice

PAGE_SIZE = 30
EXPORT_LIMIT = 10_000
DEFAULT_DEADLINE_DAYS = 30


def _actor(request: HttpRequest) -> User:
    """Views are behind login_required: the user is a signed-in User."""
    return request.user  # type: ignore[return-value]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def list_filters(get: Any) -> dict[str, Any]:
    return {
        "status": get.get("status") or None,
        "overdue": get.get("overdue") == "1",
        "escalated": get.get("escalated") == "1",
        "pairing": _int(get.get("pairing")),
        "province": get.get("province") or None,
        "q": get.get("q") or None,
        "archived": get.get("archived") == "1",
        "sort": get.get("sort") or queries.DEFAULT_SORT,
    }


# ---------------------------------------------------------------- list and export


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = list_filters(request.GET)
    rows = queries.notices_for(actor, **filters)
    context = {
        "page": page_of(rows, request.GET.get("page"), PAGE_SIZE),
        "filters": filters,
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "sort", "page"),
        "export_query": query_without(request, "page"),
        "counts": queries.open_counts(actor),
        "by_status": queries.status_counts(actor),
        "statuses": Notice.Status.choices,
        "provinces": province_choices(),
        "can_issue": perms.can_issue(actor),
    }
    template = "supervision/_results.html" if request.htmx else "supervision/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def notice_export(request: HttpRequest) -> HttpResponse:
    rows = queries.notices_for(request.user, **list_filters(request.GET))
    return notices_workbook_response(rows[:EXPORT_LIMIT].iterator(chunk_size=1000))


# ---------------------------------------------------------------- issue


@login_required
def notice_issue(request: HttpRequest, pairing_id: int) -> HttpResponse:
    actor = _actor(request)
    pairing = get_pairing_for(actor, pairing_id)
    require(perms.can_issue(actor), _("只有住建部督导人员可以下发督办通知。"))
    today = timezone.localdate()
    level, reasons = services.health_snapshot(actor, pairing.pk)
    initial = {
        "number": services.suggest_number(today),
        "title": services.default_title(pairing),
        "reasons": services.reasons_text(reasons),
        "deadline": today + dt.timedelta(days=DEFAULT_DEADLINE_DAYS),
        "guidance": "none",
    }
    form = NoticeForm(request.POST or None, initial=initial)
    notice = submit(
        request,
        form,
        lambda d: services.issue_notice(actor=actor, pairing_id=pairing.pk, values=d),
    )
    if notice is not None:
        messages.success(
            request, _("督办通知 %(number)s 已下发，已通知结对双方。") % {"number": notice.number}
        )
        return redirect("supervision:detail", notice_id=notice.pk)
    context = {
        "form": form,
        "pairing": pairing,
        "level": level,
        "reasons": [(r, reason_text(r)) for r in reasons],
        "open_notices": queries.notices_for(actor, pairing=pairing.pk, status="open"),
    }
    return render(request, "supervision/issue.html", context)


# ---------------------------------------------------------------- one notice


def _detail_context(request: HttpRequest, notice: Notice, **forms: Any) -> dict[str, Any]:
    actor = _actor(request)
    can_answer = perms.can_answer(actor, notice.pairing) and not notice.is_archived
    can_supervise = perms.is_supervisor(actor) and not notice.is_archived
    rectification = forms.get("rectification") or RectificationForm(
        initial={"lock_version": notice.lock_version}
    )
    return {
        "notice": notice,
        "steps": queries.steps_of(notice),
        "tasks": queries.tasks_of(notice),
        "today": timezone.localdate(),
        "history": queries.history_of(actor, notice),
        "can_answer": can_answer,
        "can_supervise": can_supervise,
        "can_archive": perms.is_supervisor(actor),
        "health_at_issue": [(r, reason_text(r)) for r in notice.health_reasons or []],
        "can_propose": notice.status == Notice.Status.CLOSED
        and not notice.is_archived
        and perms.can_propose_case(actor, notice.pairing),
        "rectification_form": rectification,
        "progress_form": forms.get("progress")
        or ProgressForm(initial={"lock_version": notice.lock_version}),
        "note_form": NoteForm(initial={"lock_version": notice.lock_version}),
    }


@login_required
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = queries.notice_for(request.user, notice_id)
    return render(request, "supervision/detail.html", _detail_context(request, notice))


def _act(
    request: HttpRequest, notice: Notice, action: Callable[[dict[str, Any]], Any], done: str
) -> HttpResponse:
    """Run a simple action (a note at most); refusals become a message on the notice's page."""
    form = NoteForm(request.POST)
    form.is_valid()
    data = {"note": form.cleaned_data.get("note") or "", **_lock(form)}
    try:
        action(data)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("supervision:detail", notice_id=notice.pk)


def _lock(form: Any) -> dict[str, Any]:
    version = form.cleaned_data.get("lock_version") if hasattr(form, "cleaned_data") else None
    return {"lock_version": version}


def _notice_action(
    service: Callable[..., Any], done: Promise
) -> Callable[[HttpRequest, int], HttpResponse]:
    """The page of a simple action on a notice (acknowledge, close, return, escalate): the
    service gets the actor, the notice and the note and lock version typed on the page."""

    @login_required
    @require_POST
    def view(request: HttpRequest, notice_id: int) -> HttpResponse:
        actor = _actor(request)
        notice = queries.notice_for(actor, notice_id)
        return _act(
            request,
            notice,
            lambda d: service(actor=actor, notice_id=notice.pk, **d),
            str(done),
        )

    return view


notice_acknowledge = _notice_action(
    services.acknowledge, gettext_lazy("已签收督办通知。请报送整改方案。")
)
notice_close = _notice_action(services.verify_and_close, gettext_lazy("已核验并办结该督办通知。"))
notice_return = _notice_action(
    services.return_for_more, gettext_lazy("已退回，结对双方将继续整改。")
)
notice_escalate = _notice_action(
    services.escalate, gettext_lazy("已升级督办，已通知部里和相关省级协调员。")
)


@login_required
@require_POST
def notice_archive(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = _actor(request)
    notice = queries.notice_for(actor, notice_id)
    restore = request.POST.get("restore") == "1"
    return _act(
        request,
        notice,
        lambda d: services.archive_notice(actor=actor, notice_id=notice.pk, archived=not restore),
        _("已恢复该督办通知。") if restore else _("已归档该督办通知。"),
    )


def _form_action(
    request: HttpRequest,
    notice: Notice,
    form: Any,
    action: Callable[[dict[str, Any]], Any],
    done: str,
    name: str,
) -> HttpResponse:
    """Run an action with a form; a refusal shows the page again with the typed values."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except (Invalid, Conflict) as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("supervision:detail", notice_id=notice.pk)
    context = _detail_context(request, notice, **{name: form})
    return render(request, "supervision/detail.html", context, status=422)


def _answering(request: HttpRequest, notice_id: int) -> tuple[User, Notice]:
    """The actor and the notice, for the pair's coordinators only (403 for anyone else who
    may see it)."""
    actor = _actor(request)
    notice = queries.notice_for(actor, notice_id)
    require(perms.can_answer(actor, notice.pairing), _("只有结对双方的协调员可以办理督办通知。"))
    return actor, notice


@login_required
@require_POST
def notice_rectification(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor, notice = _answering(request, notice_id)
    form = RectificationForm(request.POST)
    return _form_action(
        request,
        notice,
        form,
        lambda d: services.submit_rectification(
            actor=actor,
            notice_id=notice.pk,
            text=d["text"],
            tasks=form.tasks(),
            lock_version=d.get("lock_version"),
        ),
        _("整改方案已报送，整改任务已加入结对的工作方案。"),
        "rectification",
    )


@login_required
@require_POST
def notice_progress(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor, notice = _answering(request, notice_id)
    form = ProgressForm(request.POST)
    uploads = [
        services.Upload(stream=f, filename=f.name or "file") for f in request.FILES.getlist("files")
    ]
    return _form_action(
        request,
        notice,
        form,
        lambda d: services.report_progress(
            actor=actor,
            notice_id=notice.pk,
            text=d["text"],
            files=uploads,
            lock_version=d.get("lock_version"),
        ),
        _("整改进展已报送，等待住建部核验。"),
        "progress",
    )


@login_required
def notice_file(request: HttpRequest, notice_id: int, file_id: int) -> FileResponse:
    found = queries.file_for(request.user, notice_id, file_id)
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type or "application/octet-stream",
    )

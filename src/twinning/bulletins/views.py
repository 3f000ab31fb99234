"""HTML pages of 工作简报 (bulletins): the list with the drafting form, a bulletin as a page
(numbers linking to their records, charts, editable sections of a draft), and the trace of one
number.

Thin views over `queries` (what the user may see: NotFound → 404) and `services` (what the user
may change: Forbidden → 403, Invalid/Conflict shown on the page). Buttons are shown only to
those who may use them; the services check again.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from twinning.bulletins import builder, charts, export, queries, services, trace
from twinning.bulletins import permissions as perms
from twinning.bulletins.forms import DraftForm, SectionsForm
from twinning.bulletins.models import Bulletin, Scope
from twinning.core.documents import soffice_path
from twinning.core.errors import Conflict, Invalid
from twinning.core.forms import keep_typed_values, submit
from twinning.core.pagination import page_of, query_without
from twinning.knowledge.views import content_disposition

PAGE_SIZE = 30


def _filters(get: Any) -> queries.BulletinFilters:
    return queries.BulletinFilters(
        scope=get.get("scope") or None,
        status=get.get("status") or None,
        period=get.get("period") or None,
        q=get.get("q") or None,
        archived=get.get("archived") == "1",
        sort=get.get("sort") or queries.DEFAULT_SORT,
    )


def _list_context(request: HttpRequest, form: DraftForm) -> dict[str, Any]:
    filters = _filters(request.GET)
    rows = queries.list_bulletins(request.user, filters)
    return {
        "page": page_of(rows, request.GET.get("page"), PAGE_SIZE),
        "filters": filters,
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "sort", "page"),
        "scopes": Scope.choices,
        "statuses": Bulletin.Status.choices,
        "form": form,
        "can_draft": perms.can_draft_any(request.user),
    }


@login_required
def bulletin_list(request: HttpRequest) -> HttpResponse:
    form = DraftForm(user=request.user, initial={"scope": Scope.NATIONAL})
    context = _list_context(request, form)
    template = "bulletins/_results.html" if request.htmx else "bulletins/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_POST
def bulletin_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    form = DraftForm(request.POST, user=actor)

    def draft(values: dict[str, Any]) -> Bulletin:
        return services.draft(
            actor=actor,
            scope=values["scope"],
            region=values.get("region") or None,
            pairing=values.get("pairing"),
            period_code=values["period"],
            number=values.get("number") or None,
        )

    bulletin = submit(request, form, draft)
    if bulletin is None:
        return render(request, "bulletins/list.html", _list_context(request, form), status=422)
    messages.success(request, _("简报已起草，请核对数据并修改正文。"))
    return redirect("bulletins:detail", bulletin_id=bulletin.pk)


def _figure_links(bulletin: Bulletin) -> dict[str, dict[str, Any]]:
    """Every figure with its label and value, keyed as the template asks for it."""
    return {
        key: {"key": key, "label": builder.figure_label(key), "value": item["value"]}
        for key, item in bulletin.figures.get("numbers", {}).items()
    }


def _chart_data(bulletin: Bulletin) -> dict[str, Any]:
    """The tables as label/value lists for the page's ECharts."""
    figures = bulletin.figures
    numbers = figures.get("numbers", {})
    tables = figures.get("tables", {})

    def series(table: str, family: str) -> dict[str, list[Any]]:
        rows = tables.get(table, [])
        return {
            "labels": [builder.member_label(family, r["member"]) for r in rows],
            "values": [numbers[r["figure"]]["value"] for r in rows],
            "keys": [r["figure"] for r in rows],
        }

    return {
        "kinds": {
            **series("exchanges_by_kind", "exchanges.kind"),
            "title": _("交流活动按方式统计"),
        },
        "months": {
            **series("exchanges_by_month", "exchanges.month"),
            "title": _("交流活动按月份统计"),
        },
        "reporting": {
            "labels": [builder.figure_label(r["figure"]) for r in tables.get("reporting", [])],
            "values": [numbers[r["figure"]]["value"] for r in tables.get("reporting", [])],
            "keys": [r["figure"] for r in tables.get("reporting", [])],
            "title": _("指标数据报送情况"),
        },
        "targets": {
            **series("targets_by_status", "targets.status"),
            "title": _("结对方指标目标进展情况"),
        },
    }


def _attention_rows(bulletin: Bulletin) -> list[dict[str, Any]]:
    from twinning.health.engine import reason_text

    names = bulletin.figures.get("pair_names", {})
    return [
        {
            "pairing": row["pairing"],
            "name": names.get(str(row["pairing"]), ""),
            "level": row["level"],
            "reasons": [reason_text(r) for r in row["reasons"]],
            "notices": row["notices"],
        }
        for row in bulletin.figures.get("attention", [])
    ]


def _attention_as_of(bulletin: Bulletin) -> str:
    """The period's end when the attention list judged the pairs then ("" = at counting)."""
    figures = bulletin.figures
    day = figures.get("attention_as_of", "")
    return day if day and day == figures.get("period", {}).get("end") else ""


def _detail_context(request: HttpRequest, bulletin: Bulletin, form: SectionsForm) -> dict[str, Any]:
    from django.utils.translation import gettext

    names = bulletin.figures.get("pair_names", {})
    return {
        "bulletin": bulletin,
        "form": form,
        "figures": _figure_links(bulletin),
        "sections": [{**s, "heading": gettext(s["heading"])} for s in bulletin.sections],
        "chart_data": _chart_data(bulletin),
        "highlights": bulletin.figures.get("highlights", {}),
        "pair_names": names,
        "attention": _attention_rows(bulletin),
        "attention_as_of": _attention_as_of(bulletin),
        "reporting_periods": bulletin.figures.get("tables", {}).get("reporting_periods", []),
        "can_write": perms.can_write(request.user, bulletin),
        "pdf_available": soffice_path() is not None,
        "history": queries.history_of(request.user, bulletin)[:20],
    }


@login_required
def bulletin_detail(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    actor = request.user
    bulletin = queries.get_bulletin(actor, bulletin_id)
    form = SectionsForm(request.POST or None, bulletin=bulletin)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_sections(
                actor=actor,
                bulletin=bulletin,
                sections=form.section_texts(),
                number=form.cleaned_data["number"],
                title=form.cleaned_data["title"],
                lock_version=form.cleaned_data["lock_version"],
            )
        except (Invalid, Conflict) as exc:
            current = Bulletin.objects.values_list("lock_version", flat=True).get(pk=bulletin.pk)
            keep_typed_values(form, exc, current)
        else:
            messages.success(request, _("已保存。"))
            return redirect("bulletins:detail", bulletin_id=bulletin.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "bulletins/detail.html", _detail_context(request, bulletin, form), status=status
    )


ACTIONS = {
    "refresh": (services.refresh_figures, gettext_lazy("数据已按最新记录重新统计。")),
    "release": (services.release, gettext_lazy("简报已印发。")),
    "archive": (services.archive, gettext_lazy("简报已归档。")),
    "restore": (services.restore, gettext_lazy("简报已恢复。")),
}


@login_required
@require_POST
def bulletin_action(request: HttpRequest, bulletin_id: int, action: str) -> HttpResponse:
    actor = request.user
    bulletin = queries.get_bulletin(actor, bulletin_id)
    if action not in ACTIONS:
        raise Http404(_("不支持该操作。"))
    service, done = ACTIONS[action]
    options: dict[str, Any] = {}
    if action in ("refresh", "release") and request.POST.get("lock_version", "").isdigit():
        options["lock_version"] = int(request.POST["lock_version"])
    if action == "refresh":
        options["redraft"] = request.POST.get("redraft") == "1"
    try:
        service(actor=actor, bulletin=bulletin, **options)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    return redirect("bulletins:detail", bulletin_id=bulletin.pk)


@login_required
def bulletin_export(request: HttpRequest, bulletin_id: int, fmt: str) -> HttpResponse:
    bulletin = queries.get_bulletin(request.user, bulletin_id)
    if fmt not in export.CONTENT_TYPES:
        raise Http404(_("不支持该导出格式。"))
    try:
        data = export.export(bulletin, fmt)
    except charts.NoCjkFont as exc:
        messages.error(request, str(exc))
        return redirect("bulletins:detail", bulletin_id=bulletin.pk)
    if data is None:
        messages.error(request, _("服务器未安装 PDF 转换工具，请导出 Word 文件。"))
        return redirect("bulletins:detail", bulletin_id=bulletin.pk)
    response = HttpResponse(data, content_type=export.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(export.filename(bulletin, fmt))
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def bulletin_trace(request: HttpRequest, bulletin_id: int, key: str) -> HttpResponse:
    """The records one number counts."""
    bulletin = queries.get_bulletin(request.user, bulletin_id)
    figure = bulletin.figures.get("numbers", {}).get(key)
    if figure is None:
        raise Http404(_("简报中没有这项数据。"))
    rows = trace.rows_of(figure)
    return render(
        request,
        "bulletins/trace.html",
        {
            "bulletin": bulletin,
            "key": key,
            "label": builder.figure_label(key),
            "figure": figure,
            "kind_label": builder.KIND_LABELS.get(figure["kind"], figure["kind"]),
            "rows": rows,
            "is_sum": figure["value"] != len(figure["ids"]),
        },
    )

"""HTML pages of exchanges: thin views over queries and services."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from twinning.core.errors import Conflict, Invalid
from twinning.core.forms import keep_typed_values, submit
from twinning.core.pagination import page_of, query_without
from twinning.core.permissions import require
from twinning.exchanges import ical, queries, services
from twinning.exchanges.export import exchanges_workbook_response
from twinning.exchanges.forms import (
    ExchangeForm,
    FollowUpForm,
    NewExchangeForm,
    UploadForm,
    delegates_text,
    parse_date,
)
from twinning.exchanges.models import Direction, Exchange
from twinning.exchanges.permissions import can_record
from twinning.exchanges.stats import stats_for
from twinning.pairings.queries import get_pairing_for
from twinning.plans.models import Method, Topic
from twinning.plans.queries import working_plan_of
from twinning.regions.queries import province_choices

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


def _actor(request: HttpRequest) -> Any:
    return request.user


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def filters_from(get: Any) -> queries.ExchangeFilters:
    return queries.ExchangeFilters(
        pairing=_int(get.get("pairing")),
        province=get.get("province") or None,
        kind=get.get("kind") or None,
        direction=get.get("direction") or None,
        status=get.get("status") or None,
        date_from=parse_date(get.get("from") or ""),
        date_to=parse_date(get.get("to") or ""),
        topic=get.get("topic") or None,
        q=get.get("q") or None,
        archived=get.get("archived") == "1",
        sort=get.get("sort") or queries.DEFAULT_SORT,
    )


def _choices() -> dict[str, Any]:
    return {
        "kinds": Method.choices,
        "directions": Direction.choices,
        "statuses": Exchange.Status.choices,
        "topics": Topic.objects.filter(archived_at__isnull=True).values_list("code", "name"),
        "provinces": province_choices(),
    }


# ---------------------------------------------------------------- list and export


@login_required
def exchange_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = filters_from(request.GET)
    rows = queries.list_exchanges_for(actor, filters)
    context = {
        "page": page_of(rows, request.GET.get("page"), PAGE_SIZE),
        "filters": filters,
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "sort", "page"),
        "export_query": query_without(request, "page"),
        "date_from": request.GET.get("from", ""),
        "date_to": request.GET.get("to", ""),
        "can_create": bool(queries.recordable_pairs(actor)),
        **_choices(),
    }
    template = "exchanges/_results.html" if request.htmx else "exchanges/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def exchange_export(request: HttpRequest) -> HttpResponse:
    rows = queries.list_exchanges_for(_actor(request), filters_from(request.GET))
    return exchanges_workbook_response(rows[:EXPORT_LIMIT].iterator(chunk_size=2000))


# ---------------------------------------------------------------- one exchange


@login_required
def exchange_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    pairs = queries.recordable_pairs(actor)
    pairing_id = _int(request.GET.get("pairing") or request.POST.get("pairing"))
    if pairing_id is None:
        return render(request, "exchanges/choose_pair.html", {"pairs": pairs})
    pairing = next((p for p in pairs if p.pk == pairing_id), None)
    if pairing is None:
        # Not found for outsiders, forbidden for read-only users in scope.
        pairing = get_pairing_for(actor, pairing_id)
        require(False, _(services.RECORDER_MESSAGE))
    initial = {"start_date": timezone.localdate(), "end_date": timezone.localdate()}
    form = NewExchangeForm(
        request.POST or None, request.FILES or None, pairing=pairing, initial=initial
    )
    exchange = submit(
        request,
        form,
        lambda d: services.create_exchange(
            actor=actor,
            pairing_id=pairing.pk,
            values=form.values(),
            files=[services.Upload(f, f.name or "file") for f in d["attachments"]],
            follow_ups=d["follow_ups"],
        ),
    )
    if exchange is not None:
        messages.success(request, _("交流活动已记录。"))
        return redirect("exchanges:detail", exchange_id=exchange.pk)
    context = {
        "form": form,
        "pairing": pairing,
        "has_working_plan": working_plan_of(pairing.pk) is not None,
    }
    return render(request, "exchanges/new.html", context)


@login_required
def exchange_detail(request: HttpRequest, exchange_id: int) -> HttpResponse:
    actor = _actor(request)
    exchange = queries.get_exchange_detail_for(actor, exchange_id)
    files = list(exchange.files.all())
    context = {
        "exchange": exchange,
        "photos": [f for f in files if f.is_photo and not f.is_archived],
        "files": files,
        "follow_ups": queries.follow_ups_of(exchange),
        "history": queries.history_of(actor, exchange),
        "can_record": can_record(actor, exchange.pairing),
        "upload_form": UploadForm(),
        "follow_up_form": FollowUpForm(pairing=exchange.pairing),
        "has_working_plan": working_plan_of(exchange.pairing_id) is not None,
    }
    return render(request, "exchanges/detail.html", context)


INITIAL_FIELDS = [
    "title",
    "kind",
    "direction",
    "status",
    "start_date",
    "end_date",
    "online",
    "place",
    "participant_count",
    "summary",
    "agreements",
    "materials",
    "source",
    "lock_version",
]


@login_required
def exchange_edit(request: HttpRequest, exchange_id: int) -> HttpResponse:
    actor = _actor(request)
    exchange = queries.get_exchange_detail_for(actor, exchange_id)
    require(can_record(actor, exchange.pairing), _(services.RECORDER_MESSAGE))
    initial = {name: getattr(exchange, name) for name in INITIAL_FIELDS}
    initial["topics"] = list(exchange.topics.all())
    initial["delegates"] = delegates_text(exchange)
    form = ExchangeForm(request.POST or None, pairing=exchange.pairing, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        if form.cleaned_data.get("participant_count") is None:
            values["participant_count"] = len(values["delegates"])
        try:
            services.update_exchange(
                actor=actor,
                exchange_id=exchange.pk,
                values=values,
                expected_version=form.cleaned_data.get("lock_version"),
            )
        except (Invalid, Conflict) as exc:
            current = Exchange.objects.values_list("lock_version", flat=True).get(pk=exchange.pk)
            keep_typed_values(form, exc, current)
        else:
            messages.success(request, _("已保存。"))
            return redirect("exchanges:detail", exchange_id=exchange.pk)
    return render(request, "exchanges/edit.html", {"form": form, "exchange": exchange})


@login_required
@require_POST
def exchange_archive(request: HttpRequest, exchange_id: int) -> HttpResponse:
    actor = _actor(request)
    exchange = queries.get_exchange_for(actor, exchange_id)
    archived = request.POST.get("restore") != "1"
    try:
        services.archive_exchange(actor=actor, exchange_id=exchange.pk, archived=archived)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("交流活动已归档。") if archived else _("交流活动已恢复。"))
    return redirect("exchanges:detail", exchange_id=exchange.pk)


@login_required
@require_POST
def exchange_upload(request: HttpRequest, exchange_id: int) -> HttpResponse:
    actor = _actor(request)
    exchange = queries.get_exchange_for(actor, exchange_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            stored = services.add_files(
                actor=actor,
                exchange_id=exchange.pk,
                files=[
                    services.Upload(f, f.name or "file") for f in form.cleaned_data["attachments"]
                ],
            )
        except (Invalid, Conflict) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                ngettext("已上传 %(n)s 个文件。", "已上传 %(n)s 个文件。", len(stored))
                % {"n": len(stored)},
            )
    return redirect(reverse("exchanges:detail", args=[exchange.pk]) + "#files")


@login_required
@require_POST
def exchange_follow_ups(request: HttpRequest, exchange_id: int) -> HttpResponse:
    actor = _actor(request)
    exchange = queries.get_exchange_detail_for(actor, exchange_id)
    form = FollowUpForm(request.POST, pairing=exchange.pairing)
    created = submit(
        request,
        form,
        lambda d: services.add_follow_up_tasks(
            actor=actor, exchange_id=exchange.pk, tasks=d["follow_ups"]
        ),
    )
    if created is not None:
        messages.success(
            request,
            ngettext(
                "已在工作方案中添加 %(n)s 项后续任务。",
                "已在工作方案中添加 %(n)s 项后续任务。",
                len(created),
            )
            % {"n": len(created)},
        )
        return redirect(reverse("exchanges:detail", args=[exchange.pk]) + "#follow-ups")
    for error in [*form.errors.get("follow_ups", []), *form.non_field_errors()]:
        messages.error(request, str(error))
    return redirect(reverse("exchanges:detail", args=[exchange.pk]) + "#follow-ups")


@login_required
def file_download(request: HttpRequest, file_id: int) -> FileResponse:
    record = queries.get_file_for(_actor(request), file_id)
    return FileResponse(
        record.file.open("rb"),
        as_attachment=not record.is_photo or request.GET.get("download") == "1",
        filename=record.original_name,
        content_type=record.content_type,
    )


@login_required
@require_POST
def file_archive(request: HttpRequest, file_id: int) -> HttpResponse:
    actor = _actor(request)
    record = queries.get_file_for(actor, file_id)
    archived = request.POST.get("restore") != "1"
    try:
        services.archive_file(actor=actor, file_id=record.pk, archived=archived)
    except (Invalid, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("文件已归档。") if archived else _("文件已恢复。"))
    return redirect(reverse("exchanges:detail", args=[record.exchange_id]) + "#files")


# ---------------------------------------------------------------- calendar and statistics


@login_required
def calendar_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    first = queries.parse_month(request.GET.get("month"))
    month = queries.calendar_month(actor, first)
    context = {
        "month": month,
        "as_list": request.GET.get("view") == "list",
        "today": timezone.localdate(),
        "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
    }
    return render(request, "exchanges/calendar.html", context)


@login_required
def feed_page(request: HttpRequest) -> HttpResponse:
    """Create (shown once) or revoke the personal calendar feed URL."""
    actor = _actor(request)
    issued_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            try:
                services.revoke_calendar_feed(actor=actor)
            except Conflict as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("日历订阅已吊销，原订阅地址不再可用。"))
            return redirect("exchanges:feed_page")
        issued = services.create_calendar_feed(actor=actor)
        issued_url = request.build_absolute_uri(
            reverse("exchanges:feed", kwargs={"token": issued.token})
        )
    context = {"feed": queries.active_feed_of(actor), "issued_url": issued_url}
    return render(request, "exchanges/feed.html", context)


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics feed: no login, the secret token in the URL says whose scope applies."""
    feed = queries.feed_by_token(token)
    body = ical.feed_for(feed.user, request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="exchanges.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def stats_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = filters_from(request.GET)
    stats = stats_for(actor, filters)
    context = {
        "stats": stats,
        "chart": stats.chart_data(),
        "filters": filters,
        "date_from": request.GET.get("from", ""),
        "date_to": request.GET.get("to", ""),
        "top_pairs": sorted(stats.by_pair, key=lambda r: (-r["count"], r["label"]))[:30],
        "today": timezone.localdate(),
        "six_months_ago": stats.recent_since or timezone.localdate() - dt.timedelta(days=183),
        **_choices(),
    }
    return render(request, "exchanges/stats.html", context)

"""HTML pages of the health signal (健康度): the risk list and one pair's health.

Thin views over `queries` (what the reader may see: NotFound → 404) and `services` (the
Ministry's recompute: Forbidden → 403). The recompute button is shown only to the Ministry.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from twinning.core.pagination import page_of, query_without
from twinning.core.permissions import is_ministry, require
from twinning.health import permissions as perms
from twinning.health import queries, services
from twinning.health.export import health_workbook_response
from twinning.health.models import HealthChange, Level, PairHealth
from twinning.pairings.models import Pairing
from twinning.pairings.queries import get_pairing_for
from twinning.regions.queries import province_choices

RECOMPUTE_MESSAGE = gettext_noop("只有住房和城乡建设部可以重新计算健康度。")
PAGE_SIZE = 30
HISTORY_SIZE = 50
# The export holds at most this many pairs (the whole national programme fits many times over).
EXPORT_LIMIT = 5000


def filters_from(get: Any) -> queries.HealthFilters:
    level = get.get("level") or None
    return queries.HealthFilters(
        level=level if level in Level.values else None,
        province=get.get("province") or None,
        pairing_level=get.get("pairing_level") or None,
        q=(get.get("q") or "").strip() or None,
        sort=get.get("sort") or queries.DEFAULT_SORT,
    )


@login_required
def risk_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    filters = filters_from(request.GET)
    rows = queries.filtered(actor, filters)
    if request.GET.get("format") == "xlsx":
        return health_workbook_response(rows[:EXPORT_LIMIT])
    counts = queries.level_counts(actor)
    context = {
        "page": page_of(rows, request.GET.get("page"), PAGE_SIZE),
        "filters": filters,
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "sort", "page"),
        "export_query": query_without(request, "page", "format"),
        "counts": [(level, label, counts[level]) for level, label in Level.choices][::-1],
        "total": sum(counts.values()),
        "levels": Level.choices,
        "pairing_levels": Pairing.Level.choices,
        "provinces": province_choices(),
        "last_computed": queries.last_computed(actor),
        "can_recompute": perms.can_recompute(actor),
        "is_ministry": is_ministry(actor),
    }
    template = "health/_results.html" if request.htmx else "health/risk_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    actor = request.user
    pairing_id = request.POST.get("pairing") or ""
    if pairing_id.isdigit():
        pairing = get_pairing_for(actor, int(pairing_id))  # 404 before 403, as everywhere
        require(perms.can_recompute(actor), _(RECOMPUTE_MESSAGE))
        services.recompute(pairing_ids=[pairing.pk])
        messages.success(request, _("已重新计算该结对的健康度。"))
        return redirect("health:pair", pairing_id=pairing.pk)
    require(perms.can_recompute(actor), _(RECOMPUTE_MESSAGE))
    rows = services.recompute()
    red = sum(1 for h in rows if h.level == Level.RED)
    messages.success(
        request,
        ngettext(
            "已重新计算 %(count)d 个结对的健康度，其中 %(red)d 个预警。",
            "已重新计算 %(count)d 个结对的健康度，其中 %(red)d 个预警。",
            len(rows),
        )
        % {"count": len(rows), "red": red},
    )
    return redirect("health:risk")


@login_required
def pair_health(request: HttpRequest, pairing_id: int) -> HttpResponse:
    actor = request.user
    pairing = get_pairing_for(actor, pairing_id)  # 404 outside the reader's pairs
    health: PairHealth | None = PairHealth.objects.filter(pairing=pairing).first()
    history: list[HealthChange] = list(
        HealthChange.objects.filter(pairing=pairing).order_by("-at", "-id")[:HISTORY_SIZE]
    )
    context = {
        "pairing": pairing,
        "health": health,
        "is_tracked": pairing.status == Pairing.Status.ACTIVE and not pairing.is_archived,
        "history": history,
        "can_recompute": perms.can_recompute(actor),
        "can_issue_notice": perms.can_issue_notice(actor),
    }
    return render(request, "health/pair.html", context)

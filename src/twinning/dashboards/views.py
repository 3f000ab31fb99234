"""HTML pages of the dashboards (工作台): thin views over `queries` (NotFound → 404) and, for a
proposal, `knowledge.services.propose_case` (Forbidden → 403; Invalid shown on the form)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.core.errors import Invalid
from twinning.core.forms import submit
from twinning.core.permissions import is_ministry, require
from twinning.dashboards import queries, sources
from twinning.health.models import Level
from twinning.knowledge import services as knowledge_services
from twinning.knowledge.forms import CaseForm
from twinning.knowledge.models import CaseOrigin, ModelCase, Visibility
from twinning.pairings.models import Pairing


def _actor(request: HttpRequest) -> Any:
    return request.user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The Ministry to the national dashboard; everyone else to their own work."""
    if is_ministry(_actor(request)):
        return redirect("dashboards:ministry")
    return redirect("dashboards:me")


def _levels() -> list[tuple[str, str]]:
    return [(level.value, str(level.label)) for level in Level]


@login_required
def ministry(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(is_ministry(actor), _("全国工作台仅供住房和城乡建设部使用。"))
    data = queries.ministry_dashboard(actor)
    context = {
        "d": data,
        "levels": [(v, label, data.health_counts.get(v, 0)) for v, label in _levels()],
        "status_rows": [(s.label, data.overview.by_status.get(s.value, 0)) for s in Pairing.Status],
        "map_lines": data.overview.map_lines,
        "chart": data.exchanges_chart,
        "candidate_rows": [(c, queries.may_propose(actor, c)) for c in data.candidates],
    }
    return render(request, "dashboards/ministry.html", context)


@login_required
def pair(request: HttpRequest, pairing_id: int) -> HttpResponse:
    actor = _actor(request)
    data = queries.pair_dashboard(actor, pairing_id)
    return render(request, "dashboards/pair.html", {"d": data})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    data = queries.my_dashboard(actor)
    context = {"d": data, "is_ministry": is_ministry(actor), "now": timezone.now()}
    return render(request, "dashboards/me.html", context)


def _source(request: HttpRequest) -> sources.Source:
    params = request.POST if request.method == "POST" else request.GET
    return sources.source_of(_actor(request), params.get("origin", ""), params.get("id"))


@login_required
def propose_case(request: HttpRequest) -> HttpResponse:
    """Show the good result and a case form prefilled from it; saving writes a draft case."""
    actor = _actor(request)
    source = _source(request)
    require(
        sources.may_propose(actor, source),
        _("只有相关地区的协调员或住建部可以据此推荐典型案例；成员和专家仅可查看。"),
    )
    existing = (
        ModelCase.objects.filter(
            origin_kind=source.kind, origin_id=source.id, archived_at__isnull=True
        )
        .order_by("pk")
        .first()
    )
    initial = {
        "region": sources.default_region(actor, source),
        "pairing": source.pairing,
        "visibility": Visibility.PROGRAMME,
        **source.prefill,
    }
    form = CaseForm(request.POST or None, actor=actor, initial=initial)
    case = submit(
        request,
        form,
        lambda d: knowledge_services.propose_case(
            actor=actor, origin_kind=source.kind, origin_id=source.id, values=form.values()
        ),
    )
    if case is not None:
        messages.success(request, _("已据此编写典型案例草稿；请补充完善后推荐给住建部。"))
        return redirect("knowledge:case", case_id=case.pk)
    context = {"source": source, "form": form, "existing": existing}
    return render(request, "dashboards/propose_case.html", context)


@login_required
def origin(request: HttpRequest, kind: str, origin_id: int) -> HttpResponse:
    """A case's origin: the page of the notice, target or assessment it was proposed from
    (that page applies its own scoping)."""
    if kind == CaseOrigin.NOTICE:
        return redirect("supervision:detail", origin_id)
    if kind == CaseOrigin.EVALUATION:
        return redirect("evaluation:assessment", origin_id)
    if kind == CaseOrigin.TARGET:
        from twinning.indicators.queries import target_for

        target = target_for(_actor(request), origin_id)
        return redirect(reverse("indicators:region", args=[target.region_id]))
    raise Invalid(_("未知的案例来源。"))

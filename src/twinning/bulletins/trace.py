"""The records behind a bulletin's numbers: each figure's ids made into rows people can open.

One query per kind of record, however many figures ask for it. A record archived since the
bulletin was counted is still listed (archived records stay readable); one that cannot be found
any more is listed by its id alone.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.bulletins import builder
from twinning.consultations.models import Problem
from twinning.exchanges.models import Exchange
from twinning.indicators.models import Report, Target
from twinning.knowledge.models import ModelCase
from twinning.pairings.models import Pairing
from twinning.plans.models import Plan
from twinning.regions.models import Region


@dataclass
class TraceRow:
    kind: str
    id: str
    title: str
    pair: str
    date: dt.date | None
    url: str

    @property
    def kind_label(self) -> str:
        return str(builder.KIND_LABELS.get(self.kind, self.kind))


def _url(name: str, *args: Any) -> str:
    """A record's page; "" where the app has no such page (yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _pair(pairing: Pairing | None) -> str:
    return str(pairing) if pairing is not None else ""


def _local(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


def _keyed(records: Iterable[Any], row: Callable[[Any], TraceRow]) -> dict[str, TraceRow]:
    """Each record's row by its id as the figures name it (a string)."""
    return {str(record.pk): row(record) for record in records}


def _pairs(ids: list[Any]) -> QuerySet[Pairing]:
    return Pairing.objects.filter(pk__in=ids).select_related("leading_region", "partner_region")


def _of_pairs(model: type[Model], ids: list[Any], *related: str) -> QuerySet[Any]:
    """Records of a pair, with the pair's sides for its name (and `related`)."""
    return model._default_manager.filter(pk__in=ids).select_related(
        *related, "pairing__leading_region", "pairing__partner_region"
    )


def _pairings(ids: list[Any]) -> dict[str, TraceRow]:
    return _keyed(
        _pairs(ids),
        lambda p: TraceRow(
            builder.PAIRING, str(p.pk), str(p), str(p), p.established_on,
            _url("pairings:detail", p.pk),
        ),
    )  # fmt: skip


def _exchanges(ids: list[Any]) -> dict[str, TraceRow]:
    return _keyed(
        _of_pairs(Exchange, ids),
        lambda e: TraceRow(
            builder.EXCHANGE, str(e.pk), f"{e.title}（{e.get_kind_display()}）",
            _pair(e.pairing), e.start_date, _url("exchanges:detail", e.pk),
        ),
    )  # fmt: skip


def _problems(ids: list[Any]) -> dict[str, TraceRow]:
    return _keyed(
        _of_pairs(Problem, ids),
        lambda p: TraceRow(
            builder.PROBLEM, str(p.pk), p.title, _pair(p.pairing), _local(p.asked_at),
            _url("consultations:detail", p.pk),
        ),
    )  # fmt: skip


def _plans(ids: list[Any]) -> dict[str, TraceRow]:
    return _keyed(
        _of_pairs(Plan, ids),
        lambda p: TraceRow(
            builder.PLAN, str(p.pk), f"{p.title}（{p.get_status_display()}）", _pair(p.pairing),
            _local(p.filed_at) or p.period_start, _url("plans:detail", p.pk),
        ),
    )  # fmt: skip


def _reports(ids: list[Any]) -> dict[str, TraceRow]:
    """Submitted reports by id; missing ones ("region/period") by the region and period."""
    numeric = [int(i) for i in ids if isinstance(i, int) or str(i).isdigit()]
    missing = [str(i) for i in ids if not (isinstance(i, int) or str(i).isdigit())]
    found: dict[str, TraceRow] = {}
    for r in Report.objects.filter(pk__in=numeric).select_related("region", "period"):
        found[str(r.pk)] = TraceRow(
            builder.REPORT,
            str(r.pk),
            _("%(region)s %(period)s 报表（%(status)s）")
            % {"region": r.region.name, "period": r.period.code, "status": r.get_status_display()},
            "",
            _local(r.submitted_at),
            _url("indicators:report", r.region_id, r.period.code),
        )
    names = dict(
        Region.objects.filter(code__in={m.partition("/")[0] for m in missing}).values_list(
            "code", "name"
        )
    )
    for key in missing:
        region, _slash, period = key.partition("/")
        found[key] = TraceRow(
            builder.REPORT,
            key,
            _("%(region)s %(period)s 报表（未报送）")
            % {"region": names.get(region, region), "period": period},
            "",
            None,
            _url("indicators:report", region, period),
        )
    return found


def _targets(ids: list[Any]) -> dict[str, TraceRow]:
    return _keyed(
        Target.objects.filter(pk__in=ids).select_related("region", "indicator"),
        lambda t: TraceRow(
            builder.TARGET, str(t.pk),
            _("%(region)s：%(indicator)s %(value)s（%(due)s）")
            % {"region": t.region.name, "indicator": t.indicator.name,
               "value": f"{t.target_value.normalize():f}{t.indicator.unit}", "due": t.due_date},
            "", t.due_date, _url("indicators:region", t.region_id),
        ),
    )  # fmt: skip


def _cases(ids: list[Any]) -> dict[str, TraceRow]:
    return _keyed(
        _of_pairs(ModelCase, ids, "region"),
        lambda c: TraceRow(
            builder.CASE, str(c.pk), f"{c.title}（{c.region.name}）", _pair(c.pairing),
            _local(c.reviewed_at), _url("knowledge:case", c.pk),
        ),
    )  # fmt: skip


def _health(ids: list[Any]) -> dict[str, TraceRow]:
    return _keyed(
        _pairs(ids),
        lambda p: TraceRow(
            builder.HEALTH, str(p.pk), str(p), str(p), None, _url("health:pair", p.pk)
        ),
    )


def _notices(ids: list[Any]) -> dict[str, TraceRow]:
    from twinning.supervision.models import Notice

    return _keyed(
        _of_pairs(Notice, ids),
        lambda n: TraceRow(
            builder.NOTICE, str(n.pk), f"{n.number} {n.title}", _pair(n.pairing), n.deadline,
            _url("supervision:detail", n.pk),
        ),
    )  # fmt: skip


LOADERS = {
    builder.PAIRING: _pairings,
    builder.EXCHANGE: _exchanges,
    builder.PROBLEM: _problems,
    builder.PLAN: _plans,
    builder.REPORT: _reports,
    builder.TARGET: _targets,
    builder.CASE: _cases,
    builder.HEALTH: _health,
    builder.NOTICE: _notices,
}


def load(wanted: Iterable[tuple[str, Any]]) -> dict[tuple[str, str], TraceRow]:
    """(kind, id) → row for every record asked for, one query per kind."""
    by_kind: dict[str, set[Any]] = defaultdict(set)
    for kind, record_id in wanted:
        by_kind[kind].add(record_id)
    found: dict[tuple[str, str], TraceRow] = {}
    for kind, ids in by_kind.items():
        for key, row in LOADERS[kind](sorted(ids, key=str)).items():
            found[(kind, key)] = row
    return found


def rows_of(figure: dict[str, Any]) -> list[TraceRow]:
    """The records one figure counts, in the order it lists them."""
    kind = figure.get("kind", "")
    if kind not in LOADERS:
        return []
    found = load((kind, i) for i in figure.get("ids", []))
    return [
        found.get((kind, str(i))) or TraceRow(kind, str(i), _("（记录已不存在）"), "", None, "")
        for i in figure.get("ids", [])
    ]


def absolute(url: str) -> str:
    return f"{settings.TWINNING_SITE_URL}{url}" if url.startswith("/") else url

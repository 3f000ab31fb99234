"""The bulletin writes itself: its sections drafted in formal Chinese from the counted figures.

Each section is {"key", "heading", "text"}; people edit the text before release. The wording
follows the Ministry's bulletins: "本期共开展交流活动 12 次，其中……". Nothing is invented: every
sentence is made of the figures (and the records the highlights name).
"""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.bulletins.builder import member_label
from twinning.health.models import Level

# The sections in order; headings are stored untranslated and translated when shown.
SECTION_KEYS = (
    "overview",
    "exchanges",
    "consultations",
    "plans",
    "highlights",
    "attention",
    "next",
)
HEADINGS = {
    "overview": gettext_noop("总体情况"),
    "exchanges": gettext_noop("交流协作开展情况"),
    "consultations": gettext_noop("难题会诊情况"),
    "plans": gettext_noop("工作方案与指标报送"),
    "highlights": gettext_noop("工作亮点"),
    "attention": gettext_noop("需关注的结对"),
    "next": gettext_noop("下一步工作"),
}
MAX_LISTED = 5


def _value(figures: dict[str, Any], key: str) -> int:
    return int(figures.get("numbers", {}).get(key, {}).get("value", 0))


def _joined(parts: list[str]) -> str:
    return "、".join(parts)


def draft_sections(
    figures: dict[str, Any], *, period_label: str, scope_label: str
) -> list[dict[str, str]]:
    """Every section's draft text, in order."""
    writers = {
        "overview": _overview,
        "exchanges": _exchanges,
        "consultations": _consultations,
        "plans": _plans,
        "highlights": _highlights,
        "attention": _attention,
        "next": _next,
    }
    return [
        {
            "key": key,
            "heading": HEADINGS[key],
            "text": writers[key](figures, period_label, scope_label),
        }
        for key in SECTION_KEYS
    ]


def _overview(figures: dict[str, Any], period_label: str, scope_label: str) -> str:
    def v(key: str) -> int:
        return _value(figures, key)

    text = _("%(period)s，%(scope)s生活垃圾分类“1对1”交流协作机制共有 %(pairs)s 对结对协作中") % {
        "period": period_label,
        "scope": scope_label,
        "pairs": v("pairs.active"),
    }
    if v("pairs.new"):
        text += _("，其中本期新建结对 %(n)s 对") % {"n": v("pairs.new")}
    text += _(
        "。本期共开展交流活动 %(exchanges)s 次，参加 %(people)s 人次；提出难题 %(raised)s 个，"
        "解决 %(solved)s 个；备案工作方案 %(filed)s 份。"
    ) % {
        "exchanges": v("exchanges.held"),
        "people": v("exchanges.participants"),
        "raised": v("problems.raised"),
        "solved": v("problems.solved"),
        "filed": v("plans.filed"),
    }
    return text


def _exchanges(figures: dict[str, Any], period_label: str, scope_label: str) -> str:
    held = _value(figures, "exchanges.held")
    if not held:
        return _("本期未登记已举办的交流活动。")
    kinds = [
        _("%(kind)s %(n)s 次")
        % {
            "kind": member_label("exchanges.kind", row["member"]),
            "n": _value(figures, row["figure"]),
        }
        for row in sorted(
            figures["tables"].get("exchanges_by_kind", []),
            key=lambda row: -_value(figures, row["figure"]),
        )
    ]
    text = _("本期共开展交流活动 %(n)s 次，其中%(kinds)s。") % {"n": held, "kinds": _joined(kinds)}
    people = _value(figures, "exchanges.participants")
    if people:
        text += _("各结对双方累计参加 %(n)s 人次。") % {"n": people}
    months = figures["tables"].get("exchanges_by_month", [])
    if months:
        busiest = max(months, key=lambda row: _value(figures, row["figure"]))
        if _value(figures, busiest["figure"]):
            text += _("交流最为集中的月份是%(month)s（%(n)s 次）。") % {
                "month": member_label("exchanges.month", busiest["member"]),
                "n": _value(figures, busiest["figure"]),
            }
    return text


def _consultations(figures: dict[str, Any], period_label: str, scope_label: str) -> str:
    raised = _value(figures, "problems.raised")
    answered = _value(figures, "problems.answered")
    solved = _value(figures, "problems.solved")
    if not (raised or answered or solved):
        return _("本期未提出新的难题。")
    return _(
        "本期结对方通过线上会诊等方式提出难题 %(raised)s 个，先行方专家解答 %(answered)s 个，"
        "经提问方采纳确认解决 %(solved)s 个。"
    ) % {"raised": raised, "answered": answered, "solved": solved}


def _plans(figures: dict[str, Any], period_label: str, scope_label: str) -> str:
    text = _("本期备案工作方案 %(filed)s 份，期末执行中的工作方案 %(in_force)s 份。") % {
        "filed": _value(figures, "plans.filed"),
        "in_force": _value(figures, "plans.in_force"),
    }
    expected = _value(figures, "reports.expected")
    if expected:
        text += _(
            "本期到期的指标报表应报 %(expected)s 份，按时报送 %(on_time)s 份，"
            "逾期报送 %(late)s 份，未报送 %(missing)s 份。"
        ) % {
            "expected": expected,
            "on_time": _value(figures, "reports.on_time"),
            "late": _value(figures, "reports.late"),
            "missing": _value(figures, "reports.missing"),
        }
    targets = _value(figures, "targets.total")
    if targets:
        statuses = [
            _("%(status)s %(n)s 项")
            % {
                "status": member_label("targets.status", row["member"]),
                "n": _value(figures, row["figure"]),
            }
            for row in figures["tables"].get("targets_by_status", [])
        ]
        text += _("结对方共设定指标目标 %(n)s 项，其中%(statuses)s") % {
            "n": targets,
            "statuses": _joined(statuses),
        }
        miss = _value(figures, "targets.forecast_miss")
        text += (_("；按目前趋势预计 %(n)s 项不能按期达标。") % {"n": miss}) if miss else "。"
    return text


def _highlights(figures: dict[str, Any], period_label: str, scope_label: str) -> str:
    names = figures.get("pair_names", {})
    lines = []
    for item in figures.get("highlights", {}).get("exchanges", [])[:MAX_LISTED]:
        lines.append(
            _("%(pair)s开展“%(title)s”（%(kind)s，%(people)s 人参加）：%(summary)s")
            % {
                "pair": names.get(str(item["pairing"]), ""),
                "title": item["title"],
                "kind": member_label("exchanges.kind", item["kind"]),
                "people": item["participants"],
                "summary": item["summary"],
            }
        )
    for case in figures.get("highlights", {}).get("cases", [])[:MAX_LISTED]:
        line = _("%(region)s的“%(title)s”被遴选为典型案例予以推广") % {
            "region": case["region"],
            "title": case["title"],
        }
        if case["adopted_by"]:
            line += _("，已被%(regions)s借鉴") % {"regions": _joined(case["adopted_by"])}
        lines.append(line + "。")
    if not lines:
        return _("本期暂无记录在案的工作亮点。")
    return "\n".join(f"{index}. {line}" for index, line in enumerate(lines, start=1))


def _health_when(figures: dict[str, Any]) -> str:
    """ "截至 <date>，" when the pairs were judged at a past period's end, else "目前"."""
    day = figures.get("attention_as_of", "")
    if day and day == figures.get("period", {}).get("end"):
        return _("截至 %(date)s，") % {"date": day}
    return _("目前")


def _attention(figures: dict[str, Any], period_label: str, scope_label: str) -> str:
    from twinning.health.engine import reason_text

    rows = figures.get("attention", [])
    if not rows:
        return _("%(when)s各结对运行正常，暂无需要重点关注的结对。") % {
            "when": _health_when(figures)
        }
    names = figures.get("pair_names", {})
    red = _value(figures, "attention.red")
    amber = _value(figures, "attention.amber")
    text = _("%(when)s健康度为预警（红色）的结对 %(red)s 对、关注（黄色）的 %(amber)s 对") % {
        "when": _health_when(figures),
        "red": red,
        "amber": amber,
    }
    text += _("，未办结督办通知 %(open)s 件（其中逾期 %(overdue)s 件）。") % {
        "open": _value(figures, "notices.open"),
        "overdue": _value(figures, "notices.overdue"),
    }
    lines = []
    for row in rows[:MAX_LISTED]:
        reasons = "；".join(reason_text(r) for r in row["reasons"][:3])
        level = {Level.RED: _("预警"), Level.AMBER: _("关注")}.get(row["level"], _("督办中"))
        line = _("%(pair)s（%(level)s）") % {
            "pair": names.get(str(row["pairing"]), ""),
            "level": level,
        }
        if reasons:
            line += "：" + reasons
        if row["notices"]:
            line += _("；督办通知%(numbers)s尚未办结") % {
                "numbers": _joined(n["number"] for n in row["notices"])  # type: ignore[arg-type]
            }
        lines.append(line + "。")
    more = len(rows) - MAX_LISTED
    if more > 0:
        lines.append(_("另有 %(n)s 对结对需关注，详见附表。") % {"n": more})
    return text + "\n" + "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def _next(figures: dict[str, Any], period_label: str, scope_label: str) -> str:
    steps = []
    if _value(figures, "attention.red") or _value(figures, "notices.overdue"):
        steps.append(_("对预警结对和逾期未办结的督办事项加强专题指导和督促，推动按期整改到位"))
    if _value(figures, "reports.missing") or _value(figures, "reports.late"):
        steps.append(_("督促相关地区按时报送指标数据，提高数据报送的及时性和完整性"))
    if _value(figures, "targets.forecast_miss"):
        steps.append(_("针对预计不能按期达标的指标，指导结对方分析原因、调整措施"))
    steps.append(_("继续总结推广结对协作中的好经验、好做法，遴选推广典型案例"))
    steps.append(_("持续开展“请过来指导、派过去学习”和线上会诊，推动结对协作走深走实"))
    return "\n".join(f"{i}. {step}。" for i, step in enumerate(steps, start=1))

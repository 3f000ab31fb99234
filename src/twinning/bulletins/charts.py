"""The bulletin's charts as PNG images with Chinese labels (matplotlib, Agg backend).

Chinese text needs a font with CJK glyphs; without one matplotlib draws empty boxes ("tofu").
`cjk_font()` finds one among the installed fonts (WenQuanYi Micro Hei from Debian's
fonts-wqy-microhei, Noto Sans/Serif CJK, Source Han …) and fails with a message naming the
package to install when there is none.
"""

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to memory

from django.utils.translation import gettext as _  # noqa: E402 - after the backend is chosen
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from twinning.bulletins.builder import member_label  # noqa: E402
from twinning.indicators.progress import ProgressStatus  # noqa: E402

# Preferred families, best first; the first one installed is used.
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Source Han Serif SC",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
)
# A character every Chinese font has; a font without it is no Chinese font.
PROBE = "简报交流"
DPI = 150
SIZE = (6.4, 3.4)  # inches: a page-wide chart in the Word file
COLOURS = ["#c00000", "#2f5597", "#548235", "#bf8f00", "#7030a0", "#00b0f0", "#ed7d31"]
STATUS_COLOURS: dict[ProgressStatus, str] = {
    ProgressStatus.TARGET_ACHIEVED: "#548235",
    ProgressStatus.SUBSTANTIAL: "#70ad47",
    ProgressStatus.MODERATE: "#ffc000",
    ProgressStatus.LIMITED: "#ed7d31",
    ProgressStatus.DETERIORATION: "#c00000",
    ProgressStatus.NOT_AVAILABLE: "#a5a5a5",
}


class NoCjkFont(RuntimeError):
    """No installed font can draw Chinese characters."""


def covers(path: str, text: str) -> bool:
    """Whether the font file has a glyph for every character of `text` (its cmap)."""
    from fontTools.ttLib import TTCollection, TTFont  # type: ignore[import-untyped]

    fonts = TTCollection(path).fonts if path.lower().endswith(".ttc") else [TTFont(path, lazy=True)]
    for font in fonts:
        cmap = font.getBestCmap() or {}
        if all(ord(char) in cmap for char in text):
            return True
    return False


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The path of an installed font that covers Chinese; NoCjkFont when none is installed."""
    installed = {entry.name: entry.fname for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        path = installed.get(family)
        if path and covers(path, PROBE):
            return path
    raise NoCjkFont(
        _(
            "未找到可显示中文的字体，图表中的中文将无法显示。请安装中文字体，"
            "例如 Debian/Ubuntu 上执行：apt-get install fonts-wqy-microhei（或 fonts-noto-cjk）。"
        )
    )


@dataclass
class Chart:
    key: str
    title: str
    png: bytes


def _figure() -> tuple[Figure, Any]:
    figure = Figure(figsize=SIZE, dpi=DPI)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _font(path: str | None = None) -> font_manager.FontProperties:
    return font_manager.FontProperties(fname=path or cjk_font())


def _png(figure: Figure) -> bytes:
    stream = io.BytesIO()
    figure.tight_layout()
    figure.savefig(stream, format="png", dpi=DPI)
    return stream.getvalue()


def _label_axes(axes: Any, font: font_manager.FontProperties, title: str, ylabel: str) -> None:
    axes.set_title(title, fontproperties=font, fontsize=12)
    axes.set_ylabel(ylabel, fontproperties=font)
    for tick in axes.get_xticklabels() + axes.get_yticklabels():
        tick.set_fontproperties(font)


def bar_chart(
    title: str, labels: list[str], values: list[int], ylabel: str, font_path: str | None = None
) -> bytes:
    """A bar chart with its values written above the bars."""
    font = _font(font_path)
    figure, axes = _figure()
    positions = list(range(len(labels)))
    bars = axes.bar(positions, values, color=[COLOURS[i % len(COLOURS)] for i in positions])
    axes.set_xticks(positions, labels)
    axes.bar_label(bars, labels=[str(v) for v in values], fontproperties=font)
    axes.set_ylim(0, max(values + [1]) * 1.2)
    axes.yaxis.get_major_locator().set_params(integer=True)
    _label_axes(axes, font, title, ylabel)
    return _png(figure)


def line_chart(title: str, labels: list[str], values: list[int], ylabel: str) -> bytes:
    font = _font()
    figure, axes = _figure()
    positions = list(range(len(labels)))
    axes.plot(positions, values, marker="o", color=COLOURS[1])
    for x, y in zip(positions, values, strict=True):
        axes.annotate(str(y), (x, y), textcoords="offset points", xytext=(0, 6), ha="center")
    axes.set_xticks(positions, labels)
    axes.set_ylim(0, max(values + [1]) * 1.25)
    axes.yaxis.get_major_locator().set_params(integer=True)
    _label_axes(axes, font, title, ylabel)
    return _png(figure)


def stacked_chart(title: str, rows: list[dict[str, Any]], ylabel: str) -> bytes:
    """One bar per indicator, stacked by progress status."""
    font = _font()
    figure, axes = _figure()
    names = [row["indicator"] for row in rows]
    positions = list(range(len(names)))
    bottoms = [0] * len(names)
    for status in ProgressStatus.values:
        heights = [int(row["counts"].get(status, 0)) for row in rows]
        if not any(heights):
            continue
        axes.bar(
            positions,
            heights,
            bottom=bottoms,
            width=0.5 if len(names) < 3 else 0.8,
            color=STATUS_COLOURS.get(ProgressStatus(status), "#999999"),
            label=member_label("targets.status", status),
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    axes.set_xticks(positions, names)
    axes.margins(x=0.6 if len(names) < 3 else 0.05)  # one or two bars stay bars, not walls
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(prop=font, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _label_axes(axes, font, title, ylabel)
    return _png(figure)


def _value(figures: dict[str, Any], key: str) -> int:
    return int(figures["numbers"].get(key, {}).get("value", 0))


def charts_for(figures: dict[str, Any]) -> list[Chart]:
    """The bulletin's charts, for the tables that have something to show."""
    tables = figures.get("tables", {})
    charts = []
    kinds = tables.get("exchanges_by_kind", [])
    if kinds:
        charts.append(
            Chart(
                "exchanges_by_kind",
                _("交流活动按方式统计"),
                bar_chart(
                    _("交流活动按方式统计"),
                    [member_label("exchanges.kind", r["member"]) for r in kinds],
                    [_value(figures, r["figure"]) for r in kinds],
                    _("次数"),
                ),
            )
        )
    months = tables.get("exchanges_by_month", [])
    if months and any(_value(figures, r["figure"]) for r in months):
        charts.append(
            Chart(
                "exchanges_by_month",
                _("交流活动按月份统计"),
                line_chart(
                    _("交流活动按月份统计"),
                    [member_label("exchanges.month", r["member"]) for r in months],
                    [_value(figures, r["figure"]) for r in months],
                    _("次数"),
                ),
            )
        )
    reporting = tables.get("reporting", [])
    if _value(figures, "reports.expected"):
        labels = {"on_time": _("按时报送"), "late": _("逾期报送"), "missing": _("未报送")}
        charts.append(
            Chart(
                "reporting",
                _("指标数据报送情况"),
                bar_chart(
                    _("指标数据报送情况"),
                    [labels[r["member"]] for r in reporting],
                    [_value(figures, r["figure"]) for r in reporting],
                    _("报表份数"),
                ),
            )
        )
    by_indicator = tables.get("targets_by_indicator", [])
    if by_indicator:
        charts.append(
            Chart(
                "targets",
                _("结对方指标目标进展情况"),
                stacked_chart(_("结对方指标目标进展情况"), by_indicator, _("目标数")),
            )
        )
    return charts

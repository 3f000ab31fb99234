"""The starting indicator catalogue (DOMAIN.md §7) and `load_catalogue`, which creates it.

The rows below are data, not interface text: names, definitions and sources are written once in
Chinese (with an English name beside) and can be changed by an admin afterwards. Loading again
(``make run`` does on every start) creates only the indicators that are missing, so an admin's
edits, archived indicators and added indicators are left alone.

Left out on purpose, because other modules own them: the evaluation score, tier and city-size
group (`eval_score`, `eval_tier`, `city_size_group` — the evaluation module) and the pairs'
exchange count and work-plan status (`pair_exchange_activities`, `pair_workplan_status` —
counted by the platform from exchanges and plans, never reported).

Rates whose parts are in the catalogue are computed (factor × Σ numerator ÷ Σ denominator);
the components needed for the coverage rates (communities, households, villages, drop-off points)
are catalogue entries of their own. Rates that need data the platform does not hold (surveys,
a baseline period, conversion coefficients, population) are reported as the region states them.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_noop

from twinning.core import audit
from twinning.core.models import AuditEntry
from twinning.core.validation import clean
from twinning.indicators.models import Direction, Indicator, IndicatorVersion, PeriodType

D = Decimal

# ---------------------------------------------------------------- sources

DEFINITIONS = "生活垃圾分类相关指标释义（据公开资料整理）"
OPINIONS_2020 = "建城〔2020〕93号《关于进一步推进生活垃圾分类工作的若干意见》"
FIVE_YEAR_PLAN = "发改环资〔2021〕642号《“十四五”城镇生活垃圾分类和处理设施发展规划》"
EVALUATION = "建城〔2021〕58号 城市生活垃圾分类工作评估（季度评估定量指标）"
YEARBOOK = "城乡建设统计年鉴；中国城市建设状况公报"
MEETING_2023 = "住房和城乡建设部2023年全国城市生活垃圾分类工作现场会"
LOCAL_COMPLIANCE = "地方达标小区评价标准（如江苏：知晓率≥90%、参与率≥80%、准确率≥80%）"
COMPONENT = "本平台：覆盖率计算分量"

# Indicators of DOMAIN.md §7 that are deliberately not in the catalogue, with who provides them.
EXCLUDED: dict[str, str] = {
    "eval_score": "evaluation",
    "eval_tier": "evaluation",
    "city_size_group": "evaluation",
    "pair_exchange_activities": "exchanges",
    "pair_workplan_status": "plans",
}


@dataclass(frozen=True)
class CatalogueRow:
    code: str
    name: str
    name_en: str
    unit: str
    definition: str
    source: str
    formula: str = ""
    period_type: str = PeriodType.MONTH
    kind: str = Indicator.Kind.REPORTED
    aggregation: str = Indicator.Aggregation.SUM
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    direction: str = Direction.HIGHER
    hard_min: Decimal | None = D(0)
    hard_max: Decimal | None = None
    soft_min: Decimal | None = None
    soft_max: Decimal | None = None
    required: bool = False


def _rate(
    code: str,
    name: str,
    name_en: str,
    definition: str,
    source: str,
    *,
    numerator: tuple[str, ...],
    denominator: tuple[str, ...],
    formula: str,
    period_type: str = PeriodType.MONTH,
    soft: tuple[Decimal | None, Decimal | None] = (None, None),
) -> CatalogueRow:
    """A computed percentage: 100 × Σ numerator ÷ Σ denominator, recomputed from sums."""
    return CatalogueRow(
        code=code,
        name=name,
        name_en=name_en,
        unit="%",
        definition=definition,
        source=source,
        formula=formula,
        period_type=period_type,
        kind=Indicator.Kind.COMPUTED,
        aggregation=Indicator.Aggregation.RATIO,
        numerator=numerator,
        denominator=denominator,
        hard_min=D(0),
        hard_max=D(100),
        soft_min=soft[0],
        soft_max=soft[1],
    )


def _reported_rate(
    code: str,
    name: str,
    name_en: str,
    definition: str,
    source: str,
    *,
    formula: str,
    period_type: str,
    hard: tuple[Decimal | None, Decimal | None] = (D(0), D(100)),
    soft: tuple[Decimal | None, Decimal | None] = (None, None),
) -> CatalogueRow:
    """A percentage the region states itself; periods add up by taking the latest one."""
    return CatalogueRow(
        code=code,
        name=name,
        name_en=name_en,
        unit="%",
        definition=definition,
        source=source,
        formula=formula,
        period_type=period_type,
        aggregation=Indicator.Aggregation.LAST,
        hard_min=hard[0],
        hard_max=hard[1],
        soft_min=soft[0],
        soft_max=soft[1],
    )


def _count(
    code: str,
    name: str,
    name_en: str,
    unit: str,
    definition: str,
    period_type: str,
    *,
    required: bool = False,
) -> CatalogueRow:
    """A stock counted at the end of the period (communities, households…): never summed."""
    return CatalogueRow(
        code=code,
        name=name,
        name_en=name_en,
        unit=unit,
        definition=definition,
        source=COMPONENT,
        period_type=period_type,
        aggregation=Indicator.Aggregation.LAST,
        required=required,
    )


def _capacity(code: str, name: str, name_en: str, definition: str, source: str) -> CatalogueRow:
    """An installed capacity in t/d, stated once a year."""
    return CatalogueRow(
        code=code,
        name=name,
        name_en=name_en,
        unit="t/d",
        definition=definition,
        source=source,
        period_type=PeriodType.YEAR,
        aggregation=Indicator.Aggregation.LAST,
    )


MONTH, QUARTER, YEAR = PeriodType.MONTH, PeriodType.QUARTER, PeriodType.YEAR

# ---------------------------------------------------------------- the catalogue, in display order

CATALOGUE: list[CatalogueRow] = [
    # Monthly tonnages: the four streams, the totals and what is recovered and treated.
    CatalogueRow(
        code="msw_generated_t",
        name="生活垃圾产生量",
        name_en="Municipal solid waste generated",
        unit="t",
        definition=(
            "本期辖区内居民日常生活及为日常生活提供服务的活动中产生的固体废物总量；"
            "无法取得产生量时以清运量代替。"
        ),
        source=DEFINITIONS,
        direction=Direction.LOWER,
        required=True,
    ),
    CatalogueRow(
        code="msw_collected_t",
        name="生活垃圾清运量",
        name_en="Municipal solid waste collected",
        unit="t",
        definition="本期收集并运输到处理设施的生活垃圾量（年鉴中以万吨/年公布）。不应大于产生量。",
        source=f"{DEFINITIONS}；{YEARBOOK}",
        required=True,
    ),
    CatalogueRow(
        code="recyclables_recovered_t",
        name="可回收物回收量",
        name_en="Recyclables recovered",
        unit="t",
        definition="本期回收的可回收物（含低值可回收物）重量。不应大于产生量。",
        source=DEFINITIONS,
        required=True,
    ),
    CatalogueRow(
        code="hazardous_collected_t",
        name="有害垃圾分出量",
        name_en="Hazardous waste separated",
        unit="t",
        definition="本期单独分出收集的有害垃圾重量，通常只占四类垃圾的极小部分。",
        source=DEFINITIONS,
    ),
    CatalogueRow(
        code="food_waste_separated_t",
        name="厨余垃圾分出量",
        name_en="Food waste separated",
        unit="t",
        definition="本期单独分出收集的厨余垃圾重量（含家庭厨余垃圾和餐厨垃圾）。不应大于产生量。",
        source=DEFINITIONS,
        required=True,
    ),
    CatalogueRow(
        code="residual_waste_t",
        name="其他垃圾清运量",
        name_en="Residual waste collected",
        unit="t",
        definition="本期清运至焚烧、填埋等设施处置的其他垃圾重量（又称其他垃圾处置量）。",
        source=DEFINITIONS,
        direction=Direction.LOWER,
        required=True,
    ),
    CatalogueRow(
        code="recovery_utilised_t",
        name="生活垃圾回收利用量",
        name_en="Municipal solid waste recycled",
        unit="t",
        definition="本期未进入焚烧和填埋设施、得到回收利用的可回收物和厨余垃圾重量。不应大于产生量。",
        source=DEFINITIONS,
        required=True,
    ),
    _rate(
        "recovery_rate",
        "生活垃圾回收利用率",
        "Recycling rate",
        "回收利用量占生活垃圾产生量的比例。全国目标：2025年底达到35%以上。",
        f"{DEFINITIONS}；{OPINIONS_2020}",
        numerator=("recovery_utilised_t",),
        denominator=("msw_generated_t",),
        formula="生活垃圾回收利用量 ÷ 生活垃圾产生量 × 100%",
        soft=(D(15), D(60)),
    ),
    CatalogueRow(
        code="harmless_treated_t",
        name="生活垃圾无害化处理量",
        name_en="Municipal solid waste safely treated",
        unit="t",
        definition=(
            "本期经卫生填埋、焚烧和其他无害化处理设施处理的生活垃圾量。"
            "年鉴按年公布，平台按月填报运行数。不应明显大于清运量。"
        ),
        source=f"{DEFINITIONS}；{YEARBOOK}",
    ),
    _rate(
        "harmless_treatment_rate",
        "生活垃圾无害化处理率",
        "Harmless treatment rate",
        (
            "无害化处理量占生活垃圾产生量的比例。年鉴按年公布；"
            "年度值由各月处理量和产生量合计重算，不取月度平均。城市一般不低于95%。"
        ),
        f"{DEFINITIONS}；{YEARBOOK}",
        numerator=("harmless_treated_t",),
        denominator=("msw_generated_t",),
        formula="生活垃圾无害化处理量 ÷ 生活垃圾产生量 × 100%",
        soft=(D(95), None),
    ),
    # Monthly coverage of communities and households: the counts, then the rates.
    _count(
        "communities_total",
        "居民小区总数",
        "Residential communities",
        "个",
        "期末城市居民小区总数，居民小区覆盖率的分母。",
        MONTH,
        required=True,
    ),
    _count(
        "communities_sorting",
        "开展分类收运的居民小区数",
        "Residential communities with sorted collection",
        "个",
        "期末已开展生活垃圾分类收集、分类运输的城市居民小区数，不能大于居民小区总数。",
        MONTH,
        required=True,
    ),
    _rate(
        "community_coverage_rate",
        "居民小区生活垃圾分类覆盖率",
        "Residential community sorting coverage",
        (
            "开展分类收集、分类运输的城市居民小区占居民小区总数的比例。"
            "2022年底全国平均82.5%；目标：2023年底达到90%，2025年底基本全覆盖。"
        ),
        f"{DEFINITIONS}；{EVALUATION}；{MEETING_2023}",
        numerator=("communities_sorting",),
        denominator=("communities_total",),
        formula="开展分类收运的居民小区数 ÷ 居民小区总数 × 100%",
    ),
    _count(
        "households_total",
        "居民户数",
        "Households",
        "户",
        "期末城市居民总户数，居民户数覆盖率的分母。",
        MONTH,
    ),
    _count(
        "households_covered",
        "开展分类的居民户数",
        "Households covered by sorting",
        "户",
        "期末已纳入生活垃圾分类的居民户数，不能大于居民户数。",
        MONTH,
    ),
    _rate(
        "household_coverage_rate",
        "居民户数覆盖率",
        "Household sorting coverage",
        "已纳入生活垃圾分类的居民户数占居民总户数的比例（如兰州2020年为81.04%）。",
        DEFINITIONS,
        numerator=("households_covered",),
        denominator=("households_total",),
        formula="开展分类的居民户数 ÷ 居民户数 × 100%",
    ),
    _rate(
        "food_waste_separation_rate",
        "厨余垃圾分出率",
        "Food waste separation rate",
        (
            "又称厨余垃圾分类率。厨余垃圾分出量占厨余垃圾与其他垃圾之和的比例。"
            "官方分母未见公布，此为工作定义，各地口径可能不同。"
        ),
        f"{DEFINITIONS}；{EVALUATION}",
        numerator=("food_waste_separated_t",),
        denominator=("food_waste_separated_t", "residual_waste_t"),
        formula="厨余垃圾分出量 ÷ (厨余垃圾分出量 + 其他垃圾清运量) × 100%",
        soft=(D(5), D(45)),
    ),
    _reported_rate(
        "sorting_accuracy_rate",
        "投放准确率",
        "Sorting accuracy rate",
        "又称投放精准率。抽查中正确分类投放的样本占抽查样本的比例，由各地检查统计后填报。",
        LOCAL_COMPLIANCE,
        formula="正确分类投放样本数 ÷ 抽查样本数 × 100%",
        period_type=MONTH,
    ),
    # Quarterly: drop-off points (evaluated by MOHURD) and the survey and baseline rates.
    _count(
        "dropoff_points_total",
        "投放点（站）总数",
        "Drop-off points",
        "个",
        "期末生活垃圾分类投放点（站）总数，改造提升投放点（站）数量占比的分母。",
        QUARTER,
    ),
    _count(
        "dropoff_points_upgraded",
        "改造提升投放点（站）数",
        "Upgraded drop-off points",
        "个",
        "期末已完成改造提升的分类投放点（站）数，不能大于投放点（站）总数。",
        QUARTER,
    ),
    _rate(
        "dropoff_upgrade_share",
        "改造提升投放点（站）数量占比",
        "Share of upgraded drop-off points",
        "已改造提升的分类投放点（站）占投放点（站）总数的比例，季度评估的定量指标之一。",
        EVALUATION,
        numerator=("dropoff_points_upgraded",),
        denominator=("dropoff_points_total",),
        formula="改造提升投放点（站）数 ÷ 投放点（站）总数 × 100%",
        period_type=QUARTER,
    ),
    _reported_rate(
        "resource_utilisation_rate",
        "生活垃圾资源化利用率",
        "Resource utilisation rate",
        (
            "（可回收物回收量 + Σ 各类处理量 × 资源化率折算系数）÷（可回收物回收量 + 清运量）。"
            "折算系数未公布，平台不计算，按各地口径填报；应不低于同期回收利用率。"
            "全国目标：2025年达到60%左右。"
        ),
        f"{DEFINITIONS}；{FIVE_YEAR_PLAN}",
        formula=(
            "(可回收物回收量 + 焚烧处理量×k焚烧 + 厨余垃圾处理量×k厨余 + 卫生填埋处理量×k填埋)"
            " ÷ (可回收物回收量 + 生活垃圾清运量) × 100%"
        ),
        period_type=QUARTER,
    ),
    _reported_rate(
        "residual_reduction_rate",
        "其他垃圾减量率",
        "Residual waste reduction rate",
        (
            "本期其他垃圾量比基准期减少的比例；基准期由各地确定（如北京以条例实施前为基准），"
            "平台不保存基准期数据，按各地口径填报。可为负数（增加）。"
        ),
        DEFINITIONS,
        formula="(基准期其他垃圾量 − 本期其他垃圾量) ÷ 基准期其他垃圾量 × 100%",
        period_type=QUARTER,
        hard=(D(-100), D(100)),
        soft=(D(0), D(40)),
    ),
    _reported_rate(
        "awareness_rate",
        "垃圾分类知晓率",
        "Sorting awareness rate",
        "抽样调查中知晓生活垃圾分类要求的受访者占比，由各地调查后填报。",
        LOCAL_COMPLIANCE,
        formula="知晓的受访者数 ÷ 抽样受访者数 × 100%",
        period_type=QUARTER,
    ),
    _reported_rate(
        "participation_rate",
        "垃圾分类参与率",
        "Sorting participation rate",
        "调查或检查中参与生活垃圾分类的居民占比，由各地调查后填报。",
        LOCAL_COMPLIANCE,
        formula="参与分类的样本数 ÷ 抽查样本数 × 100%",
        period_type=QUARTER,
    ),
    _reported_rate(
        "compliant_community_rate",
        "小区（单位）分类达标率",
        "Share of compliant communities",
        "检查中生活垃圾分类达标的居住小区（单位）占检查总数的比例（如上海2024年为95%）。",
        LOCAL_COMPLIANCE,
        formula="达标小区（单位）数 ÷ 检查小区（单位）数 × 100%",
        period_type=QUARTER,
    ),
    # Yearly: villages, per-capita generation and installed capacities.
    _count(
        "villages_total",
        "行政村总数",
        "Administrative villages",
        "个",
        "年末行政村总数，农村地区生活垃圾分类覆盖率的分母。",
        YEAR,
    ),
    _count(
        "villages_sorting",
        "开展分类收运的行政村数",
        "Villages with sorted collection",
        "个",
        "年末已开展生活垃圾分类收运的行政村数，不能大于行政村总数。",
        YEAR,
    ),
    _rate(
        "rural_village_coverage_rate",
        "农村地区生活垃圾分类覆盖率",
        "Rural village sorting coverage",
        "开展分类收运的行政村占行政村总数的比例。",
        DEFINITIONS,
        numerator=("villages_sorting",),
        denominator=("villages_total",),
        formula="开展分类收运的行政村数 ÷ 行政村总数 × 100%",
        period_type=YEAR,
    ),
    CatalogueRow(
        code="per_capita_daily_kg",
        name="人均日生活垃圾产生量",
        name_en="Waste generated per person per day",
        unit="kg/人·日",
        definition=(
            "清运量（或产生量）÷ 城区常住人口 ÷ 天数。平台不保存人口数，按各地口径填报；"
            "全国约1.2 kg/人·日。"
        ),
        source=f"{DEFINITIONS}；{YEARBOOK}",
        formula="生活垃圾清运量 × 1000 ÷ 城区常住人口 ÷ 天数",
        period_type=YEAR,
        aggregation=Indicator.Aggregation.LAST,
        direction=Direction.LOWER,
        soft_min=D("0.5"),
        soft_max=D("2.0"),
    ),
    _capacity(
        "sorting_collection_capacity_tpd",
        "生活垃圾分类收运能力",
        "Sorted collection and transport capacity",
        "年末已形成的生活垃圾分类收集、运输能力。全国目标：2025年约70万吨/日。",
        FIVE_YEAR_PLAN,
    ),
    _capacity(
        "harmless_capacity_tpd",
        "无害化处理能力",
        "Harmless treatment capacity",
        "年末卫生填埋、焚烧和其他无害化处理设施的处理能力合计。",
        YEARBOOK,
    ),
    _capacity(
        "incineration_capacity_tpd",
        "焚烧处理能力",
        "Incineration capacity",
        "年末生活垃圾焚烧处理设施的处理能力，不能大于无害化处理能力。全国城镇目标：2025年约80万吨/日。",
        f"{YEARBOOK}；{FIVE_YEAR_PLAN}",
    ),
    _rate(
        "incineration_capacity_share",
        "焚烧处理能力占比",
        "Share of incineration in treatment capacity",
        "焚烧处理能力占无害化处理能力的比例（2022年全国72.53%）。全国城市目标：2025年约65%。",
        f"{YEARBOOK}；{FIVE_YEAR_PLAN}",
        numerator=("incineration_capacity_tpd",),
        denominator=("harmless_capacity_tpd",),
        formula="焚烧处理能力 ÷ 无害化处理能力 × 100%",
        period_type=YEAR,
    ),
    _capacity(
        "food_treatment_capacity_tpd",
        "厨余垃圾处理能力",
        "Food waste treatment capacity",
        "年末厨余垃圾处理设施的处理能力。",
        f"{DEFINITIONS}；{YEARBOOK}",
    ),
]


# ---------------------------------------------------------------- loading


@dataclass
class CatalogueResult:
    created: int = 0
    existing: int = 0
    # Rows not created because another indicator (an admin's) already uses their name.
    name_taken: list[str] = field(default_factory=list)


def definition_snapshot(indicator: Indicator) -> dict[str, object]:
    """The definition fields as an `IndicatorVersion` keeps them (JSON-safe).

    Numbers are written as the services write them ("100", "0.5"), so the first version
    compares equal with a later one where nothing changed.
    """
    snapshot = audit.snapshot(indicator, Indicator.DEFINITION_FIELDS)
    for name in Indicator.DEFINITION_FIELDS:
        number = getattr(indicator, name)
        if isinstance(number, Decimal):
            text = format(number.normalize(), "f")
            snapshot[name] = "0" if text in {"-0", "0"} else text
    return snapshot


def _indicator(row: CatalogueRow, position: int) -> Indicator:
    return Indicator(
        code=row.code,
        name=row.name,
        name_en=row.name_en,
        unit=row.unit,
        definition=row.definition,
        formula=row.formula,
        kind=row.kind,
        numerator=list(row.numerator),
        denominator=list(row.denominator),
        factor=D(100),
        period_type=row.period_type,
        direction=row.direction,
        aggregation=row.aggregation,
        hard_min=row.hard_min,
        hard_max=row.hard_max,
        soft_min=row.soft_min,
        soft_max=row.soft_max,
        source=row.source,
        required=row.required,
        position=position,
    )


@transaction.atomic
def load_catalogue() -> CatalogueResult:
    """Create the catalogue's missing indicators with their first definition version.

    Existing indicators — edited, archived or added by an admin — are matched by code and left
    as they are. Two bulk inserts and one audit entry, so every test database can have the
    catalogue cheaply.
    """
    result = CatalogueResult()
    taken = dict(Indicator.objects.values_list("code", "name"))
    names = set(taken.values())
    new: list[Indicator] = []
    for index, row in enumerate(CATALOGUE):
        if row.code in taken:
            result.existing += 1
            continue
        if row.name in names:
            result.name_taken.append(row.code)
            continue
        indicator = _indicator(row, position=(index + 1) * 10)
        clean(indicator, exclude=["code", "name"])  # both checked against `taken` above
        new.append(indicator)
        names.add(row.name)
    if not new:
        return result
    Indicator.objects.bulk_create(new)
    created = list(Indicator.objects.filter(code__in=[i.code for i in new]))
    IndicatorVersion.objects.bulk_create(
        IndicatorVersion(
            indicator=indicator,
            version=indicator.version,
            definition=definition_snapshot(indicator),
            note=gettext_noop("初始指标目录"),
        )
        for indicator in created
    )
    # One entry for the load, naming the codes: the versions above keep each definition.
    audit.record(
        actor=None,
        action=AuditEntry.Action.CREATE,
        target_type=Indicator._meta.label_lower,
        target_label=gettext_noop("初始指标目录"),
        changes={"code": [None, [indicator.code for indicator in created]]},
        note=gettext_noop("载入初始指标目录"),
    )
    result.created = len(created)
    return result

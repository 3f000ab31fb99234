"""Generated demo files for the knowledge base (local trials only; every document `is_demo`).

Twelve files — PDF, Word and Excel — with several pages of Chinese text on sorting work: an
ordinance-like rule, work plans, training material and a monthly statistics workbook. Each
begins with a hand-written part that says what the file is about, followed by generated
paragraphs (`TextGenerator`) so that the files are long enough to show page counts, extraction
and snippets deep inside a document. They are labelled as generated demo data
(``DEMO_LABEL``) on their first line and in their summary; no figure in them is real.

Two of them are visible only to the pair 天津–河南, to show scoping.

They are created through `knowledge.services.create_document`, so they are checked, audited and
indexed like an upload; the extraction the service queues is run here at once when it has not
run yet (inside a transaction, or with a worker queue), so the demo's texts are always ready.

`TextGenerator` is shared with ``bench/search.py``, which builds its 30,000 documents with it.
"""

import datetime as dt
import io
import itertools
import random
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

DEMO_LABEL = "演示数据（生成）"
DEMO_SUMMARY_PREFIX = f"{DEMO_LABEL}：内容由程序生成，数字均为虚构，仅供演示。"
SEED = 20210207
TIANJIN_HENAN = ("120000", "410000")

# ---------------------------------------------------------------- the text generator

# Word lists for generated sentences, most common first: a word's weight is 1/rank (Zipf), so
# a few words are frequent and many are rare, as in real documents. The lists deliberately
# avoid the words the relevance set looks for (湿垃圾, 撤桶并点, 蒲公英计划 …).
PLACES = (
    "居住小区",
    "社区",
    "街道",
    "机关单位",
    "学校",
    "农贸市场",
    "商业综合体",
    "写字楼",
    "医院",
    "宾馆酒店",
    "城中村",
    "乡镇",
    "行政村",
    "公园景区",
    "交通枢纽",
    "产业园区",
    "高校宿舍",
    "集贸市场",
)
ACTORS = (
    "各区",
    "街道办事处",
    "社区居委会",
    "物业服务企业",
    "收运单位",
    "市城市管理局",
    "区分类办",
    "处理企业",
    "志愿者队伍",
    "市住房和城乡建设局",
    "教育部门",
    "商务部门",
    "生态环境部门",
    "供销合作社",
    "机关事务管理部门",
    "卫生健康部门",
    "市场监管部门",
)
WASTE = (
    "厨余垃圾",
    "其他垃圾",
    "可回收物",
    "有害垃圾",
    "废纸",
    "废塑料",
    "废旧电池",
    "餐厨垃圾",
    "废玻璃",
    "废金属",
    "旧衣物",
    "过期药品",
    "废灯管",
    "园林垃圾",
    "大件垃圾",
    "低值可回收物",
)
ACTIVITIES = (
    "分类投放",
    "分类收集",
    "分类运输",
    "分类处理",
    "宣传引导",
    "入户宣传",
    "业务培训",
    "巡查检查",
    "考核评估",
    "设施改造",
    "台账管理",
    "源头减量",
    "督导检查",
    "数据报送",
    "资源化利用",
    "无害化处理",
    "计量收费",
)
MEASURES = (
    "定时投放",
    "督导员值守",
    "红黑榜公示",
    "专车专用",
    "第三方评估",
    "信息化监管",
    "示范片区创建",
    "积分奖励",
    "网格化管理",
    "党员包楼",
    "交流协作",
    "现场观摩",
    "月度通报",
    "约谈整改",
    "以奖代补",
)
PROBLEMS = (
    "混投混放",
    "桶站满溢",
    "收运不及时",
    "处理能力不足",
    "居民参与率不高",
    "投放准确率偏低",
    "设施老化",
    "混装混运",
    "经费保障不足",
    "台账不完整",
    "督导人员流动大",
    "回收网点不足",
)
OUTCOMES = (
    "居民分类习惯逐步养成",
    "分类投放准确率明显提升",
    "其他垃圾量稳步下降",
    "桶站周边环境明显改善",
    "收运效率进一步提高",
    "工作机制逐步健全",
    "可回收物回收量持续增加",
    "群众满意度不断提高",
    "处理设施运行更加稳定",
    "基层治理能力得到提升",
)
TIMES = (
    "今年以来",
    "下一步",
    "每月",
    "每季度",
    "试点期间",
    "上半年",
    "第三季度",
    "年底前",
    "春节前后",
    "汛期",
    "暑期",
)
DUTIES = (
    "建立工作台账",
    "明确专人负责",
    "按时报送数据",
    "落实管理责任",
    "组织业务培训",
    "加强日常巡查",
    "做好宣传引导",
    "配齐收集容器",
    "规范收运作业",
    "及时整改问题",
)
INDICATORS = (
    "居民小区覆盖率",
    "回收利用率",
    "投放准确率",
    "厨余垃圾分出率",
    "知晓率",
    "参与率",
    "无害化处理率",
)

TEMPLATES: tuple[str, ...] = (
    "{time}，{actor}在{place}开展{activity}，{outcome}。",
    "针对{place}{problem}的问题，{actor}采取{measure}、{measure2}等措施，{outcome}。",
    "{actor}应当{duty}，并{duty2}，确保{waste}{activity}落到实处。",
    "{place}的{waste}应当单独{activity}，不得与{waste2}混合。",
    "{time}，全市{indicator}由{n1}%提高到{n2}%（示例数字）。",
    "推行{measure}，由{actor}负责{place}的{activity}，{actor2}配合做好{activity2}。",
    "各{place}要把{activity}和{activity2}结合起来，逐步解决{problem}等突出问题。",
    "{actor}定期对{place}进行{activity}，发现{problem}的，督促{actor2}限期整改。",
    "{waste}由{actor}统一收运至处理设施，{waste2}交由{actor2}进行{activity}。",
    "通过{measure}，{place}{outcome}，{indicator}达到{n1}%左右（示例数字）。",
    "{time}重点抓好{activity}、{activity2}和{activity3}三项工作。",
    "{actor}和{actor2}建立联络机制，{time}会商一次，共同研究{problem}的解决办法。",
    "居民在{place}投放{waste}时，应当去除包装，投入对应的收集容器。",
    "对{measure}工作中表现突出的{place}，{actor}给予通报表扬。",
)


def _zipf_weights(count: int) -> list[float]:
    """Cumulative 1/rank weights (what `random.choices` takes as `cum_weights`)."""
    return list(itertools.accumulate(1.0 / rank for rank in range(1, count + 1)))


_WORDS: dict[str, Sequence[str]] = {
    "place": PLACES,
    "actor": ACTORS,
    "waste": WASTE,
    "activity": ACTIVITIES,
    "measure": MEASURES,
    "problem": PROBLEMS,
    "outcome": OUTCOMES,
    "time": TIMES,
    "duty": DUTIES,
    "indicator": INDICATORS,
}
# Each template with the names of its fields, in order (n1 before n2).
_PARSED: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (t, tuple(dict.fromkeys(f for _, f, _, _ in string.Formatter().parse(t) if f)))
    for t in TEMPLATES
)


@dataclass
class TextGenerator:
    """Deterministic Chinese text on sorting work, from `TEMPLATES` and the word lists."""

    seed: int = SEED
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - demo text, not secrets
        self._weights = {name: _zipf_weights(len(words)) for name, words in _WORDS.items()}

    def sentence(self) -> str:
        template, names = self.rng.choice(_PARSED)
        values: dict[str, object] = {}
        for name in names:
            if name == "n1":
                values["n1"] = self.rng.randint(20, 80)
            elif name == "n2":
                values["n2"] = min(99, int(str(values["n1"])) + self.rng.randint(3, 15))
            else:
                base = name.rstrip("23")
                values[name] = self.rng.choices(_WORDS[base], cum_weights=self._weights[base])[0]
        return template.format(**values)

    def paragraph(self, sentences: int | None = None) -> str:
        count = sentences if sentences is not None else self.rng.randint(3, 7)
        return "".join(self.sentence() for _ in range(count))

    def text(self, chars: int) -> list[str]:
        """Paragraphs adding up to about `chars` characters."""
        paragraphs: list[str] = []
        total = 0
        while total < chars:
            paragraph = self.paragraph()
            paragraphs.append(paragraph)
            total += len(paragraph)
        return paragraphs


# ---------------------------------------------------------------- file builders

Section = tuple[str, list[str]]  # (heading, paragraphs)


def _cjk_styles() -> tuple[Any, Any, Any]:
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title = ParagraphStyle(
        "title", fontName="STSong-Light", fontSize=18, leading=28, alignment=1, spaceAfter=12
    )
    heading = ParagraphStyle(
        "heading", fontName="STSong-Light", fontSize=14, leading=22, spaceBefore=10, spaceAfter=6
    )
    body = ParagraphStyle(
        "body", fontName="STSong-Light", fontSize=11, leading=19, firstLineIndent=22,
        wordWrap="CJK", spaceAfter=6,
    )  # fmt: skip
    return title, heading, body


def pdf_bytes(title: str, sections: Sequence[Section], *, page_break: bool = True) -> bytes:
    """A PDF with a title and sections (a page each when `page_break`), in the CID font
    STSong-Light (no font file needed) so its text can be extracted."""
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate  # type: ignore[import-untyped]

    title_style, heading_style, body_style = _cjk_styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, author=DEMO_LABEL)
    story: list[Any] = [Paragraph(title, title_style)]
    for index, (heading, paragraphs) in enumerate(sections):
        if index and page_break:
            story.append(PageBreak())
        if heading:
            story.append(Paragraph(heading, heading_style))
        story.extend(Paragraph(p, body_style) for p in paragraphs)
    document.build(story)
    return buffer.getvalue()


def docx_bytes(
    title: str, sections: Sequence[Section], table: list[list[str]] | None = None
) -> bytes:
    """A Word document: the title, each section as Heading 1 and paragraphs, then `table`."""
    from docx import Document as WordDocument

    word = WordDocument()
    word.core_properties.title = title
    word.core_properties.author = DEMO_LABEL
    word.add_heading(title, level=0)
    for heading, paragraphs in sections:
        if heading:
            word.add_heading(heading, level=1)
        for paragraph in paragraphs:
            word.add_paragraph(paragraph)
    if table:
        grid = word.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(sheets: Sequence[tuple[str, list[list[Any]]]]) -> bytes:
    """An Excel workbook of (sheet name, rows)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets:
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.properties.creator = DEMO_LABEL
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the demo files


@dataclass(frozen=True)
class DemoFile:
    title: str
    kind: str  # DocumentKind value
    extension: str
    issuing_body: str
    region: str | None
    issued_on: str
    topics: tuple[str, ...]
    summary: str
    build: Callable[[TextGenerator], bytes]
    pair: tuple[str, str] | None = None  # visible to this pair only


def _label(title: str) -> list[str]:
    return [f"【{DEMO_LABEL}】本文件由程序生成，用于演示文字提取和全文检索，内容和数字均为虚构。"]


def _filler(gen: TextGenerator, headings: Sequence[str], chars: int) -> list[Section]:
    return [(heading, gen.text(chars)) for heading in headings]


def _training_manual(gen: TextGenerator) -> bytes:
    title = "生活垃圾分类督导员培训教材"
    sections: list[Section] = [
        (
            "第一章 督导员的职责",
            _label(title)
            + [
                "督导员在投放时段值守桶站，指导居民正确分类投放，劝导混投行为，"
                "并记录当日投放情况。督导员上岗前须参加不少于两次的集中培训。",
            ],
        ),
        *_filler(
            gen,
            [
                f"第{n}章 {topic}"
                for n, topic in zip(
                    "二三四五六七八九十",
                    [
                        "四分类的识别",
                        "桶前指导的话术",
                        "常见误投物品",
                        "收运交接",
                        "台账填写",
                        "投诉处理",
                        "安全与防护",
                        "考核与激励",
                        "典型问题分析",
                    ],
                    strict=True,
                )
            ],
            1400,
        ),
        (
            "附录 桶站设施维护要点",
            [
                "桶站每日收运后清洗收集容器，夏季增加清洗频次。",
                # The word the relevance set looks for deep inside this long PDF.
                "设有垃圾箱房的小区，应定期检查除臭喷淋系统，喷淋液按说明书比例配制，"
                "喷嘴堵塞时及时疏通，确保箱房无明显异味。",
            ],
        ),
    ]
    return pdf_bytes(title, sections)


def _tianjin_henan_plan(gen: TextGenerator) -> bytes:
    title = "天津市与河南省生活垃圾分类工作“1对1”交流协作实施方案（工作稿）"
    sections: list[Section] = [
        (
            "一、工作原则",
            _label(title)
            + [
                "坚持“省级统筹，区市结对、科学谋划，系统推进、因地制宜，创新发展”的工作原则，"
                "通过考察学习、调研指导、业务交流等形式，从政策、技术、管理等方面深入交流协作。",
            ],
        ),
        (
            "二、结对安排",
            [
                "天津市和平区与河南省信阳市、河西区与南阳市、南开区与许昌市、"
                "北辰区与平顶山市开展生活垃圾分类工作“1对1”交流协作。",
                *gen.text(900),
            ],
        ),
        *_filler(gen, ["三、协作内容", "四、进度安排", "五、保障措施"], 1300),
    ]
    return pdf_bytes(title, sections)


def _tianjin_henan_minutes(gen: TextGenerator) -> bytes:
    title = "天津市与河南省生活垃圾分类交流协作座谈会纪要"
    sections: list[Section] = [
        (
            "会议概况",
            _label(title)
            + [
                "双方围绕许昌市老旧小区桶站改造、信阳市厨余垃圾处理设施选址两个议题进行了座谈，"
                "商定由南开区派员赴许昌市跟班学习一周。",
            ],
        ),
        *_filler(gen, ["一、议定事项", "二、任务分工", "三、下次会商安排"], 900),
    ]
    return docx_bytes(title, sections)


def _resident_guide(gen: TextGenerator) -> bytes:
    title = "居民生活垃圾分类投放指南"
    sections: list[Section] = [
        (
            "怎样分",
            _label(title)
            + [
                "可回收物投入蓝色容器，有害垃圾投入红色容器，厨余垃圾投入绿色容器，"
                "其他垃圾投入灰色容器。",
                "菜叶、果皮、剩菜剩饭属于厨余垃圾；废电池、废灯管、过期药品属于有害垃圾；"
                "废纸、塑料瓶、易拉罐属于可回收物；用过的餐巾纸、烟蒂属于其他垃圾。",
            ],
        ),
        *_filler(gen, ["怎样投", "常见问题", "小区桶站分布"], 1200),
    ]
    return pdf_bytes(title, sections)


def _hazardous_rule(gen: TextGenerator) -> bytes:
    title = "有害垃圾收集暂存管理规范"
    sections: list[Section] = [
        (
            "1 范围",
            _label(title)
            + [
                "本规范规定了居住小区、公共机构有害垃圾收集容器设置、暂存点建设、"
                "转运交接的要求。废荧光灯管应整支投放，防止破碎导致汞泄漏；"
                "暂存点应防雨、防渗、通风，并设置警示标志。",
            ],
        ),
        *_filler(gen, ["2 收集容器", "3 暂存点", "4 转运交接", "5 记录"], 1000),
    ]
    return pdf_bytes(title, sections)


def _food_equipment(gen: TextGenerator) -> bytes:
    title = "厨余垃圾就地处理设备运行维护手册"
    sections: list[Section] = [
        (
            "一、设备概况",
            _label(title)
            + [
                "就地处理设备采用好氧生物发酵工艺，将小区和单位食堂分出的厨余垃圾"
                "在现场减量处理，产出物可作为土壤改良材料。投料前应人工挑出塑料袋、骨头等杂质。",
            ],
        ),
        *_filler(gen, ["二、日常操作", "三、维护保养", "四、故障处理"], 1300),
    ]
    return pdf_bytes(title, sections)


def _school_campaign(gen: TextGenerator) -> bytes:
    title = "垃圾分类宣传进校园活动方案"
    sections: list[Section] = [
        (
            "一、活动目标",
            _label(title)
            + [
                "以中小学校为阵地，开展垃圾分类主题班会、手抄报评比和家庭分类打卡活动，"
                "由学生带动家庭参与分类。",
            ],
        ),
        *_filler(gen, ["二、活动内容", "三、时间安排", "四、工作要求"], 1000),
    ]
    return docx_bytes(title, sections)


def _statistics_workbook(gen: TextGenerator) -> bytes:
    districts = ["城东区", "城西区", "高新区", "经开区"]
    header = [
        "月份",
        "城区",
        "厨余垃圾分出量（吨）",
        "可回收物回收量（吨）",
        "有害垃圾分出量（吨）",
        "其他垃圾清运量（吨）",
        "居民小区覆盖率（%）",
    ]
    rng = gen.rng
    sheets: list[tuple[str, list[list[Any]]]] = [
        (
            "说明",
            [[f"{DEMO_LABEL}：生活垃圾分类月度统计表，数字均为虚构。"], ["填报单位：示例市分类办"]],
        )
    ]
    for quarter in range(1, 5):
        rows: list[list[Any]] = [header]
        for month in range(quarter * 3 - 2, quarter * 3 + 1):
            for district in districts:
                rows.append(
                    [
                        f"2024年{month}月",
                        district,
                        rng.randint(900, 2400),
                        rng.randint(700, 1800),
                        round(rng.uniform(0.5, 3.0), 1),
                        rng.randint(3000, 7000),
                        round(rng.uniform(80, 99), 1),
                    ]
                )
        sheets.append((f"第{quarter}季度", rows))
    return xlsx_bytes(sheets)


def _recycling_plan(gen: TextGenerator) -> bytes:
    title = "再生资源回收网点与生活垃圾分类网点“两网融合”工作方案"
    sections: list[Section] = [
        (
            "一、工作目标",
            _label(title)
            + [
                "推动再生资源回收网点与生活垃圾分类投放点“两网融合”，"
                "在每个街道建设一个集中分拣中心，低值可回收物纳入政府购买服务范围。",
            ],
        ),
        *_filler(gen, ["二、主要任务", "三、网点布局", "四、保障措施"], 1000),
    ]
    return docx_bytes(title, sections)


def _model_community_rule(gen: TextGenerator) -> bytes:
    title = "生活垃圾分类示范小区评选办法"
    sections: list[Section] = [
        (
            "第一章 总则",
            _label(title)
            + [
                "示范小区每年评选一次，由街道推荐、区级初审、市级复核。"
                "评选实行百分制，其中桶站规范设置20分、居民参与情况30分、"
                "分类质量30分、长效机制20分。",
            ],
        ),
        *_filler(gen, ["第二章 评选条件", "第三章 评选程序", "第四章 动态管理"], 1100),
    ]
    return pdf_bytes(title, sections)


def _bulky_waste_rule(gen: TextGenerator) -> bytes:
    title = "大件垃圾和装修垃圾收运管理办法"
    sections: list[Section] = [
        (
            "第一条 适用范围",
            _label(title)
            + [
                "本办法所称大件垃圾，是指废旧家具、床垫等体积较大的废弃物；"
                "装修垃圾是指居民装饰装修房屋过程中产生的废弃物。"
                "装修垃圾应当袋装后堆放在小区指定的临时堆放点，由居民预约清运。",
            ],
        ),
        *_filler(gen, ["第二条 预约收运", "第三条 收费", "第四条 监督管理"], 900),
    ]
    return docx_bytes(title, sections)


def _points_rule(gen: TextGenerator) -> bytes:
    title = "社区垃圾分类积分兑换实施细则"
    sections: list[Section] = [
        (
            "第一条 积分获取",
            _label(title)
            + [
                "居民正确分类投放经督导员确认后，每次可获得积分；"
                "积分可在社区服务站兑换洗衣液、垃圾袋等生活用品，积分有效期为一年。",
            ],
        ),
        *_filler(gen, ["第二条 积分兑换", "第三条 积分管理", "第四条 附则"], 900),
    ]
    return pdf_bytes(title, sections)


def _xuchang_survey(gen: TextGenerator) -> bytes:
    title = "许昌市老旧小区桶站改造调研报告"
    sections: list[Section] = [
        (
            "一、调研背景",
            _label(title)
            + [
                "应许昌市邀请，天津市南开区派出调研组，对许昌市老旧小区桶站改造进行了实地调研，"
                "重点了解雨棚、洗手池和夜间照明的配置情况。",
            ],
        ),
        *_filler(gen, ["二、主要问题", "三、改造建议"], 1200),
    ]
    return pdf_bytes(title, sections)


DEMO_FILES: tuple[DemoFile, ...] = (
    DemoFile(
        "生活垃圾分类督导员培训教材", "course", "pdf", DEMO_LABEL, None, "2024-03-01",
        ("training", "sorted_disposal"), "督导员职责、四分类识别、桶前指导、收运交接和桶站维护。",
        _training_manual,
    ),
    DemoFile(
        "天津市与河南省生活垃圾分类工作“1对1”交流协作实施方案（工作稿）", "work_plan", "pdf",
        DEMO_LABEL, "120000", "2021-04-20", ("institutions",),
        "结对双方的工作原则、区市结对安排、协作内容和进度安排（仅结对双方可见）。",
        _tianjin_henan_plan, TIANJIN_HENAN,
    ),
    DemoFile(
        "天津市与河南省生活垃圾分类交流协作座谈会纪要", "report", "docx", DEMO_LABEL,
        "410000", "2024-05-15", ("institutions", "training"),
        "双方座谈议定事项和任务分工（仅结对双方可见）。", _tianjin_henan_minutes, TIANJIN_HENAN,
    ),
    DemoFile(
        "居民生活垃圾分类投放指南", "course", "pdf", DEMO_LABEL, None, "2023-09-01",
        ("sorted_disposal", "mobilisation"), "四类垃圾的识别和投放方法。", _resident_guide,
    ),
    DemoFile(
        "有害垃圾收集暂存管理规范", "standard", "pdf", DEMO_LABEL, None, "2022-06-01",
        ("collection_transport", "laws_standards"), "有害垃圾收集容器、暂存点和转运交接要求。",
        _hazardous_rule,
    ),
    DemoFile(
        "厨余垃圾就地处理设备运行维护手册", "course", "pdf", DEMO_LABEL, None, "2023-04-10",
        ("treatment_capacity",), "小型厨余垃圾就地处理设备的操作、保养和故障处理。",
        _food_equipment,
    ),
    DemoFile(
        "垃圾分类宣传进校园活动方案", "work_plan", "docx", DEMO_LABEL, None, "2024-04-01",
        ("mobilisation",), "中小学校垃圾分类主题活动的内容、时间和要求。", _school_campaign,
    ),
    DemoFile(
        "生活垃圾分类月度统计表（2024年）", "report", "xlsx", DEMO_LABEL, None, "2025-01-10",
        ("informatisation",), "四个城区逐月的分出量、回收量、清运量和覆盖率。",
        _statistics_workbook,
    ),
    DemoFile(
        "再生资源回收网点与生活垃圾分类网点“两网融合”工作方案", "work_plan", "docx",
        DEMO_LABEL, None, "2022-11-01", ("recycling",), "两网融合的目标、任务和网点布局。",
        _recycling_plan,
    ),
    DemoFile(
        "生活垃圾分类示范小区评选办法", "policy", "pdf", DEMO_LABEL, None, "2023-02-20",
        ("demonstration_areas",), "示范小区的评选条件、计分和动态管理。",
        _model_community_rule,
    ),
    DemoFile(
        "大件垃圾和装修垃圾收运管理办法", "regulation", "docx", DEMO_LABEL, None, "2022-08-15",
        ("collection_transport",), "大件垃圾和装修垃圾的预约收运、收费和监管。",
        _bulky_waste_rule,
    ),
    DemoFile(
        "社区垃圾分类积分兑换实施细则", "policy", "pdf", DEMO_LABEL, None, "2024-06-01",
        ("mobilisation",), "居民分类投放积分的获取、兑换和管理。", _points_rule,
    ),
    DemoFile(
        "许昌市老旧小区桶站改造调研报告", "report", "pdf", DEMO_LABEL, "411000", "2024-07-01",
        ("sorted_disposal",), "南开区调研组对许昌市桶站改造的调研（全体可见）。",
        _xuchang_survey,
    ),
)  # fmt: skip


@dataclass
class DemoResult:
    created: int = 0
    existing: int = 0
    pair_private: int = 0
    texts_done: int = 0
    texts_other: list[str] = field(default_factory=list)


def load_knowledge_demo() -> DemoResult:
    """Create the demo files that are missing (matched by title among demo documents) and make
    sure their text has been extracted."""
    from twinning.knowledge import services
    from twinning.knowledge.models import Document, DocumentVersion, TextStatus, Visibility
    from twinning.pairings.models import Pairing
    from twinning.plans.models import Topic
    from twinning.regions.models import Region

    result = DemoResult()
    topics = {t.code: t for t in Topic.objects.all()}
    for index, spec in enumerate(DEMO_FILES):
        if Document.objects.filter(title=spec.title, is_demo=True).exists():
            result.existing += 1
            continue
        pairing = None
        if spec.pair is not None:
            pairing = Pairing.objects.filter(
                leading_region_id=spec.pair[0], partner_region_id=spec.pair[1]
            ).first()
            if pairing is None:  # the programme is not loaded: skip the private files
                continue
        content = spec.build(TextGenerator(SEED + index))
        name = f"{spec.title}.{spec.extension}"
        with transaction.atomic():
            document = services.create_document(
                actor=None,
                file=SimpleUploadedFile(name, content),
                name=name,
                title=spec.title,
                kind=spec.kind,
                issuing_body=spec.issuing_body,
                region=Region.objects.filter(code=spec.region).first() if spec.region else None,
                issued_on=dt.date.fromisoformat(spec.issued_on),
                topics=[topics[c] for c in spec.topics if c in topics],
                summary=f"{DEMO_SUMMARY_PREFIX}{spec.summary}",
                visibility=Visibility.PAIR if pairing is not None else Visibility.PROGRAMME,
                pairing=pairing,
                note=DEMO_LABEL,
            )
            Document.objects.filter(pk=document.pk).update(is_demo=True)
        result.created += 1
        result.pair_private += pairing is not None
    # The service queued the extraction at the commit; inside an outer transaction (tests) or
    # with a worker queue it has not run yet: run it now, the demo wants its texts.
    versions = DocumentVersion.objects.filter(
        document__is_demo=True, document__title__in=[f.title for f in DEMO_FILES]
    )
    for version in versions.filter(text_status=TextStatus.PENDING):
        services.run_extraction(version.pk)
    for version in versions.select_related("document"):
        if version.text_status == TextStatus.DONE:
            result.texts_done += 1
        else:
            result.texts_other.append(f"{version.document.title}: {version.text_status}")
    return result

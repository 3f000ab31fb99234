"""Starting data for work plans: the topic taxonomy, three plan templates and the pairs' plans.

Everything rests on the 2021 progress article (see ``SOURCE``): the topics are the cooperation
content it lists, the templates are the three plan shapes it describes (杭州's 八个一, 青岛–白城's
three phases, 南宁's 一年/三年/五年), and ``PLANS`` holds what it reports of individual plans —
titles, principles, methods, goals and phases. The article gives no task tables; task wording,
dates and deliverables not reported there are demo content and the plan's ``source`` says so.
Task statuses are only ``done``/``in_progress`` where the article reports the work.
"""

from typing import NotRequired, TypedDict

from twinning.pairings.programme_data import SOURCE as ARTICLE
from twinning.plans.models import Method

ARTICLE_SOURCE = f"据{ARTICLE}整理"
# Plans whose tasks the article reports, with dates and deliverables filled in for the demo.
DEMO_DATES_SOURCE = f"{ARTICLE_SOURCE}；任务时限和成果形式为演示数据"
# Plans whose task breakdown the article does not give: the rows are demo content.
DEMO_TASKS_SOURCE = f"{ARTICLE_SOURCE}；任务分解为演示数据"


# ---------------------------------------------------------------- topics (协作内容)

TOPICS: list[tuple[str, str]] = [
    ("laws_standards", "法规标准"),
    ("institutions", "体制机制"),
    ("mobilisation", "社会动员与宣传"),
    ("sorted_disposal", "分类投放"),
    ("collection_transport", "分类收集运输"),
    ("treatment_capacity", "分类处理能力"),
    ("demonstration_areas", "示范片区"),
    ("recycling", "回收利用"),
    ("metered_charging", "计价计量收费"),
    ("party_building", "党建引领"),
    ("informatisation", "信息化"),
    ("training", "队伍建设与培训"),
]


# ---------------------------------------------------------------- templates (方案模板)


class TemplatePhase(TypedDict):
    name: str
    offset_years: int
    years: int
    description: str


class TemplateGoal(TypedDict):
    text: str


class TemplateTask(TypedDict):
    title: str
    phase: int | None
    side: str
    topic: str | None
    deliverable: str


class TemplateRow(TypedDict):
    code: str
    name: str
    description: str
    source: str
    principles: str
    methods: list[str]
    phases: list[TemplatePhase]
    goals: list[TemplateGoal]
    tasks: list[TemplateTask]


EIGHT_ONES_TASKS: list[TemplateTask] = [
    {
        "title": "成立一个组织：双方组建交流协作工作专班，明确联络人",
        "phase": None,
        "side": "joint",
        "topic": "institutions",
        "deliverable": "专班成立文件、联络人名单",
    },
    {
        "title": "制订一组方案：制订结对地区垃圾分类推进方案和年度工作计划",
        "phase": None,
        "side": "joint",
        "topic": "institutions",
        "deliverable": "推进方案、年度工作计划",
    },
    {
        "title": "开展一批调研：先行方派员赴结对地区实地调研，形成问题清单",
        "phase": None,
        "side": "leading",
        "topic": None,
        "deliverable": "调研报告、问题清单",
    },
    {
        "title": "完善一套制度：协助结对方完善垃圾分类管理制度和标准规范",
        "phase": None,
        "side": "joint",
        "topic": "laws_standards",
        "deliverable": "制度文件清单",
    },
    {
        "title": "进行一轮交流：组织一轮双向互访，请过来指导、派过去学习",
        "phase": None,
        "side": "joint",
        "topic": "training",
        "deliverable": "交流活动记录",
    },
    {
        "title": "修订一套课程：修订垃圾分类业务培训课程和教材",
        "phase": None,
        "side": "leading",
        "topic": "training",
        "deliverable": "培训课程和教材",
    },
    {
        "title": "策划一组活动：策划面向社区、学校的垃圾分类主题宣传活动",
        "phase": None,
        "side": "partner",
        "topic": "mobilisation",
        "deliverable": "活动方案和活动总结",
    },
    {
        "title": "形成一种模式：总结提炼适合结对地区的垃圾分类工作模式",
        "phase": None,
        "side": "joint",
        "topic": None,
        "deliverable": "经验总结报告",
    },
]

TEMPLATES: list[TemplateRow] = [
    {
        "code": "eight-ones",
        "name": "八个一",
        "description": (
            "按“八个一”事项清单推进结对协作，取自杭州市与湖南省、吉林省的实施方案。"
            "不分阶段，各项任务的时限在方案中按实际填写。"
        ),
        "source": ARTICLE_SOURCE,
        "principles": "",
        "methods": [Method.INVITE_GUIDANCE, Method.SEND_TO_LEARN, Method.FIELD_RESEARCH],
        "phases": [],
        "goals": [{"text": "形成一套可复制、可推广的结对地区生活垃圾分类工作模式"}],
        "tasks": EIGHT_ONES_TASKS,
    },
    {
        "code": "three-phases",
        "name": "三阶段推进",
        "description": (
            "分试点、推广、总结三个阶段完成“十四五”目标，取自青岛市与白城市的工作方案。"
            "试点与推广阶段并行，最后一年总结。"
        ),
        "source": ARTICLE_SOURCE,
        "principles": "",
        "methods": [],
        "phases": [
            {
                "name": "试点阶段",
                "offset_years": 0,
                "years": 3,
                "description": "建立联络机制和工作清单，建设分类投放、收集设施，启动示范片区创建",
            },
            {
                "name": "推广阶段",
                "offset_years": 0,
                "years": 4,
                "description": "扩大示范片区覆盖范围，完善分类收运和分类处理体系",
            },
            {
                "name": "总结阶段",
                "offset_years": 4,
                "years": 1,
                "description": "评估协作成效，总结推广经验",
            },
        ],
        "goals": [
            {"text": "基本建成分类投放、分类收集、分类运输、分类处理系统"},
            {"text": "居民普遍养成生活垃圾分类习惯"},
        ],
        "tasks": [
            {
                "title": "建立交流协作联络机制，梳理协作工作清单",
                "phase": 0,
                "side": "joint",
                "topic": "institutions",
                "deliverable": "联络人名单、工作清单",
            },
            {
                "title": "建设分类投放和分类收集设施",
                "phase": 0,
                "side": "partner",
                "topic": "sorted_disposal",
                "deliverable": "设施建设台账",
            },
            {
                "title": "启动示范片区（街道）创建",
                "phase": 0,
                "side": "partner",
                "topic": "demonstration_areas",
                "deliverable": "示范片区创建方案",
            },
            {
                "title": "扩大示范片区覆盖范围",
                "phase": 1,
                "side": "partner",
                "topic": "demonstration_areas",
                "deliverable": "示范片区名单和验收材料",
            },
            {
                "title": "完善分类收集运输体系",
                "phase": 1,
                "side": "partner",
                "topic": "collection_transport",
                "deliverable": "收运体系建设情况报告",
            },
            {
                "title": "完善分类处理体系",
                "phase": 1,
                "side": "partner",
                "topic": "treatment_capacity",
                "deliverable": "处理设施建设情况报告",
            },
            {
                "title": "开展协作成效评估，总结推广经验做法",
                "phase": 2,
                "side": "joint",
                "topic": None,
                "deliverable": "总结评估报告",
            },
        ],
    },
    {
        "code": "one-three-five",
        "name": "一年新变化、三年中变化、五年大变化",
        "description": (
            "按一年、三年、五年三个节点编制任务分解及分工协作一览表，"
            "取自南宁市与巴彦淖尔市、阿拉善盟的工作计划。三个节点均从方案起始日算起。"
        ),
        "source": ARTICLE_SOURCE,
        "principles": "",
        "methods": [],
        "phases": [
            {
                "name": "一年新变化",
                "offset_years": 0,
                "years": 1,
                "description": "建立协作机制，开展试点，分类工作出现新变化",
            },
            {
                "name": "三年中变化",
                "offset_years": 0,
                "years": 3,
                "description": "完善制度和收运体系，建成示范片区",
            },
            {
                "name": "五年大变化",
                "offset_years": 0,
                "years": 5,
                "description": "分类处理能力满足需要，分类工作取得明显成效",
            },
        ],
        "goals": [
            {"text": "一年内分类工作机制建立，试点区域出现新变化"},
            {"text": "三年内分类收运体系基本建成，示范片区形成带动"},
            {"text": "五年内分类处理系统基本建成，分类工作取得大变化"},
        ],
        "tasks": [
            {
                "title": "建立两地联络机制，编制任务分解及分工协作一览表",
                "phase": 0,
                "side": "joint",
                "topic": "institutions",
                "deliverable": "联络人名单、任务分解表",
            },
            {
                "title": "先行方提供政策文件和标准规范汇编",
                "phase": 0,
                "side": "leading",
                "topic": "laws_standards",
                "deliverable": "文件汇编",
            },
            {
                "title": "选取试点小区开展分类投放",
                "phase": 0,
                "side": "partner",
                "topic": "sorted_disposal",
                "deliverable": "试点小区名单和工作总结",
            },
            {
                "title": "出台生活垃圾分类管理办法",
                "phase": 1,
                "side": "partner",
                "topic": "laws_standards",
                "deliverable": "管理办法文本",
            },
            {
                "title": "建成分类收集运输体系",
                "phase": 1,
                "side": "partner",
                "topic": "collection_transport",
                "deliverable": "收运体系建设情况报告",
            },
            {
                "title": "建成垃圾分类示范片区",
                "phase": 1,
                "side": "partner",
                "topic": "demonstration_areas",
                "deliverable": "示范片区验收材料",
            },
            {
                "title": "建成厨余垃圾等分类处理设施",
                "phase": 2,
                "side": "partner",
                "topic": "treatment_capacity",
                "deliverable": "设施投运材料",
            },
            {
                "title": "开展五年协作总结评估",
                "phase": 2,
                "side": "joint",
                "topic": None,
                "deliverable": "总结评估报告",
            },
        ],
    },
]


# ---------------------------------------------------------------- the pairs' plans


class PlanGoal(TypedDict):
    text: str
    indicator: NotRequired[str]
    unit: NotRequired[str]
    target_value: NotRequired[str]  # a decimal written as text
    due_date: NotRequired[str]


class PlanPhase(TypedDict):
    name: str
    start: str
    end: str
    description: str


class PlanTask(TypedDict):
    title: str
    phase: int | None  # index into the plan's phases
    side: str
    topic: str | None
    start: str | None
    due: str | None
    deliverable: str
    status: NotRequired[str]  # not_started unless the article reports the work
    notes: NotRequired[str]


class PlanRow(TypedDict):
    title: str
    period_start: str
    period_end: str
    principles: str
    background: str
    methods: list[str]
    topics: list[str]
    source: str
    goals: list[PlanGoal]
    phases: list[PlanPhase]
    tasks: list[PlanTask]


REPORTED_DONE = "据2021年半年工作进展报道，已完成（报道未载明日期）。"
REPORTED_UNDER_WAY = "据2021年半年工作进展报道，正在推进。"

SHANGHAI_GOALS: list[PlanGoal] = [
    {"text": "结对地区基本建成配套完善的生活垃圾分类法规制度体系", "due_date": "2025-12-31"},
    {
        "text": "结对地区基本建成分类投放、分类收集、分类运输、分类处理系统",
        "due_date": "2025-12-31",
    },
    {"text": "结对地区居民普遍养成生活垃圾分类习惯", "due_date": "2025-12-31"},
    {
        "text": "结对地区生活垃圾回收利用率达到35%以上",
        "indicator": "生活垃圾回收利用率",
        "unit": "%",
        "target_value": "35",
        "due_date": "2025-12-31",
    },
]


def _shanghai_tasks(partner_body: str) -> list[PlanTask]:
    return [
        {
            "title": "组建上海市交流协作领导小组，统筹结对协作工作",
            "phase": None,
            "side": "leading",
            "topic": "institutions",
            "start": "2021-03-01",
            "due": "2021-06-30",
            "deliverable": "领导小组成立文件",
            "status": "done",
            "notes": REPORTED_DONE,
        },
        {
            "title": "从市、区两级管理部门抽调人员组建工作专班",
            "phase": None,
            "side": "leading",
            "topic": "institutions",
            "start": "2021-03-01",
            "due": "2021-06-30",
            "deliverable": "工作专班人员名单",
            "status": "done",
            "notes": REPORTED_DONE,
        },
        {
            "title": f"{partner_body}成立由主要负责人任组长的领导小组并下设办公室",
            "phase": None,
            "side": "partner",
            "topic": "institutions",
            "start": "2021-03-01",
            "due": "2021-06-30",
            "deliverable": "领导小组成立文件",
            "status": "done",
            "notes": REPORTED_DONE,
        },
        {
            "title": "建立省、市两级及地级市与上海各区之间的多层联络机制",
            "phase": None,
            "side": "joint",
            "topic": "institutions",
            "start": "2021-03-01",
            "due": "2021-09-30",
            "deliverable": "联络人名单",
            "status": "done",
            "notes": REPORTED_DONE,
        },
        {
            "title": "研究细化交流协作方案，开展交流协作实务操作",
            "phase": None,
            "side": "joint",
            "topic": None,
            "start": "2021-09-01",
            "due": "2022-06-30",
            "deliverable": "细化方案、实务操作记录",
        },
        {
            "title": "组织阶段工作实效评估",
            "phase": None,
            "side": "joint",
            "topic": None,
            "start": "2023-10-01",
            "due": "2023-12-31",
            "deliverable": "阶段评估报告",
        },
    ]


def _hangzhou_tasks() -> list[PlanTask]:
    dates = [
        ("2021-03-01", "2021-04-30"),
        ("2021-03-01", "2021-06-30"),
        ("2021-04-01", "2021-09-30"),
        ("2021-07-01", "2022-12-31"),
        ("2021-05-01", "2021-12-31"),
        ("2021-07-01", "2022-06-30"),
        ("2021-05-01", "2021-12-31"),
        ("2024-01-01", "2025-12-31"),
    ]
    return [
        {
            "title": task["title"],
            "phase": None,
            "side": task["side"],
            "topic": task["topic"],
            "start": start,
            "due": due,
            "deliverable": task["deliverable"],
        }
        for task, (start, due) in zip(EIGHT_ONES_TASKS, dates, strict=True)
    ]


NANNING_PHASES: list[PlanPhase] = [
    {
        "name": "一年新变化",
        "start": "2021-01-01",
        "end": "2021-12-31",
        "description": "建立两地协作机制，试点小区开展分类投放，分类工作出现新变化",
    },
    {
        "name": "三年中变化",
        "start": "2021-01-01",
        "end": "2023-12-31",
        "description": "出台管理办法，建成分类收运体系和示范片区",
    },
    {
        "name": "五年大变化",
        "start": "2021-01-01",
        "end": "2025-12-31",
        "description": "分类处理能力满足需要，分类工作取得大变化",
    },
]

NANNING_GOALS: list[PlanGoal] = [
    {"text": "分类工作机制建立，试点区域出现新变化", "due_date": "2021-12-31"},
    {"text": "分类收运体系基本建成，示范片区形成带动", "due_date": "2023-12-31"},
    {"text": "分类处理系统基本建成，分类工作取得大变化", "due_date": "2025-12-31"},
]

NANNING_TASKS: list[PlanTask] = [
    {
        "title": "建立两地交流协作联络机制和工作群",
        "phase": 0,
        "side": "joint",
        "topic": "institutions",
        "start": "2021-03-01",
        "due": "2021-04-30",
        "deliverable": "联络人名单、工作群",
    },
    {
        "title": "编制2021—2025年任务分解及分工协作一览表",
        "phase": 0,
        "side": "joint",
        "topic": "institutions",
        "start": "2021-03-01",
        "due": "2021-06-30",
        "deliverable": "任务分解及分工协作一览表",
        "status": "done",
        "notes": REPORTED_DONE,
    },
    {
        "title": "南宁市提供垃圾分类政策文件和标准规范汇编",
        "phase": 0,
        "side": "leading",
        "topic": "laws_standards",
        "start": "2021-04-01",
        "due": "2021-09-30",
        "deliverable": "文件汇编",
    },
    {
        "title": "结对方选派业务骨干赴南宁跟班学习",
        "phase": 0,
        "side": "partner",
        "topic": "training",
        "start": "2021-05-01",
        "due": "2021-10-31",
        "deliverable": "跟班学习报告",
    },
    {
        "title": "选取试点小区开展分类投放",
        "phase": 0,
        "side": "partner",
        "topic": "sorted_disposal",
        "start": "2021-06-01",
        "due": "2021-12-31",
        "deliverable": "试点小区名单和工作总结",
    },
    {
        "title": "南宁市派专家开展现场指导和专题培训",
        "phase": 1,
        "side": "leading",
        "topic": "training",
        "start": "2021-07-01",
        "due": "2023-12-31",
        "deliverable": "培训记录",
    },
    {
        "title": "出台生活垃圾分类管理办法",
        "phase": 1,
        "side": "partner",
        "topic": "laws_standards",
        "start": "2022-01-01",
        "due": "2023-06-30",
        "deliverable": "管理办法文本",
    },
    {
        "title": "配齐分类运输车辆，建成分类收集运输体系",
        "phase": 1,
        "side": "partner",
        "topic": "collection_transport",
        "start": "2022-01-01",
        "due": "2023-12-31",
        "deliverable": "收运体系建设情况报告",
    },
    {
        "title": "建成垃圾分类示范片区",
        "phase": 1,
        "side": "partner",
        "topic": "demonstration_areas",
        "start": "2022-01-01",
        "due": "2023-12-31",
        "deliverable": "示范片区验收材料",
    },
    {
        "title": "建成厨余垃圾处理设施，提升分类处理能力",
        "phase": 2,
        "side": "partner",
        "topic": "treatment_capacity",
        "start": "2023-01-01",
        "due": "2025-06-30",
        "deliverable": "设施投运材料",
    },
    {
        "title": "推进再生资源回收网络与生活垃圾收运网络衔接",
        "phase": 2,
        "side": "partner",
        "topic": "recycling",
        "start": "2024-01-01",
        "due": "2025-12-31",
        "deliverable": "回收网点清单",
    },
    {
        "title": "开展五年协作总结评估，提炼推广经验做法",
        "phase": 2,
        "side": "joint",
        "topic": None,
        "start": "2025-07-01",
        "due": "2025-12-31",
        "deliverable": "总结评估报告",
    },
]

SHANGHAI_PLAN = "上海市与江西省、内蒙古自治区生活垃圾分类“1对1”交流协作工作方案"
SHANGHAI_PRINCIPLES = "务求实效、推广经验、扬长避短、因地制宜"
SHANGHAI_TOPICS = [
    "laws_standards",
    "institutions",
    "sorted_disposal",
    "collection_transport",
    "treatment_capacity",
    "recycling",
]
SHANGHAI_BACKGROUND = "加强技术支撑，帮助结对省份推进生活垃圾分类工作。"

HANGZHOU_TOPICS = ["institutions", "laws_standards", "training", "mobilisation"]
HANGZHOU_BACKGROUND = "以“八个一”为结对内容，推动交流协作落实落地。"

NANNING_BACKGROUND = "按一年、三年、五年三个节点分解任务、明确分工，逐年推进。"

# Keyed by the pair's (leading region code, partner region code), as in pairings.programme_data.
PLANS: dict[tuple[str, str], PlanRow] = {
    ("310000", "360000"): {
        "title": SHANGHAI_PLAN,
        "period_start": "2021-03-01",
        "period_end": "2025-12-31",
        "principles": SHANGHAI_PRINCIPLES,
        "background": SHANGHAI_BACKGROUND,
        "methods": [],
        "topics": SHANGHAI_TOPICS,
        "source": DEMO_DATES_SOURCE,
        "goals": SHANGHAI_GOALS,
        "phases": [],
        "tasks": _shanghai_tasks("江西省住房和城乡建设厅"),
    },
    ("310000", "150000"): {
        "title": SHANGHAI_PLAN,
        "period_start": "2021-03-01",
        "period_end": "2025-12-31",
        "principles": SHANGHAI_PRINCIPLES,
        "background": SHANGHAI_BACKGROUND + "内蒙古自治区以呼伦贝尔市、兴安盟为结对重点。",
        "methods": [],
        "topics": SHANGHAI_TOPICS,
        "source": DEMO_DATES_SOURCE,
        "goals": SHANGHAI_GOALS,
        "phases": [],
        "tasks": _shanghai_tasks("内蒙古自治区住房和城乡建设厅"),
    },
    ("370200", "220800"): {
        "title": "青岛市与白城市生活垃圾分类工作“1对1”交流协作工作方案",
        "period_start": "2021-01-01",
        "period_end": "2025-12-31",
        "principles": "",
        "background": "分试点、推广、总结三个阶段完成“十四五”生活垃圾分类目标。",
        "methods": [],
        "topics": [
            "institutions",
            "sorted_disposal",
            "collection_transport",
            "treatment_capacity",
            "demonstration_areas",
        ],
        "source": DEMO_DATES_SOURCE,
        "goals": [
            {
                "text": "基本建成生活垃圾分类投放、分类收集、分类运输、分类处理系统",
                "due_date": "2025-12-31",
            },
            {"text": "居民普遍养成生活垃圾分类习惯", "due_date": "2025-12-31"},
        ],
        "phases": [
            {
                "name": "试点阶段",
                "start": "2021-01-01",
                "end": "2023-12-31",
                "description": (
                    "建立交流协作联络机制，梳理协作工作清单；"
                    "建设分类投放、分类收集设施；启动白城市示范街道创建"
                ),
            },
            {
                "name": "推广阶段",
                "start": "2021-01-01",
                "end": "2024-12-31",
                "description": "扩大示范街道覆盖范围，完善分类收运和分类处理体系",
            },
            {
                "name": "总结阶段",
                "start": "2025-01-01",
                "end": "2025-12-31",
                "description": "基本建成分类投放、收集、运输、处理系统，居民普遍养成分类习惯",
            },
        ],
        "tasks": [
            {
                "title": "建立两市交流协作联络机制",
                "phase": 0,
                "side": "joint",
                "topic": "institutions",
                "start": "2021-03-01",
                "due": "2021-06-30",
                "deliverable": "联络人名单",
            },
            {
                "title": "梳理交流协作工作清单",
                "phase": 0,
                "side": "joint",
                "topic": "institutions",
                "start": "2021-03-01",
                "due": "2021-06-30",
                "deliverable": "交流协作工作清单",
            },
            {
                "title": "白城市建设分类投放和分类收集设施",
                "phase": 0,
                "side": "partner",
                "topic": "sorted_disposal",
                "start": "2021-06-01",
                "due": "2023-12-31",
                "deliverable": "设施建设台账",
            },
            {
                "title": "启动白城市示范街道创建",
                "phase": 0,
                "side": "partner",
                "topic": "demonstration_areas",
                "start": "2021-06-01",
                "due": "2023-12-31",
                "deliverable": "示范街道创建方案",
            },
            {
                "title": "扩大示范街道覆盖范围",
                "phase": 1,
                "side": "partner",
                "topic": "demonstration_areas",
                "start": "2022-01-01",
                "due": "2024-12-31",
                "deliverable": "示范街道名单和验收材料",
            },
            {
                "title": "完善分类收集运输体系",
                "phase": 1,
                "side": "partner",
                "topic": "collection_transport",
                "start": "2022-01-01",
                "due": "2024-12-31",
                "deliverable": "收运体系建设情况报告",
            },
            {
                "title": "完善分类处理体系",
                "phase": 1,
                "side": "partner",
                "topic": "treatment_capacity",
                "start": "2022-01-01",
                "due": "2024-12-31",
                "deliverable": "处理设施建设情况报告",
            },
            {
                "title": "开展协作成效总结评估",
                "phase": 2,
                "side": "joint",
                "topic": None,
                "start": "2025-01-01",
                "due": "2025-12-31",
                "deliverable": "总结评估报告",
            },
        ],
    },
    ("450100", "150800"): {
        "title": "南宁市与巴彦淖尔市生活垃圾分类工作“1对1”交流协作工作方案",
        "period_start": "2021-01-01",
        "period_end": "2025-12-31",
        "principles": "",
        "background": NANNING_BACKGROUND,
        "methods": [],
        "topics": [
            "institutions",
            "laws_standards",
            "sorted_disposal",
            "collection_transport",
            "treatment_capacity",
            "demonstration_areas",
            "recycling",
            "training",
        ],
        "source": DEMO_TASKS_SOURCE,
        "goals": NANNING_GOALS,
        "phases": NANNING_PHASES,
        "tasks": NANNING_TASKS,
    },
    ("450100", "152900"): {
        "title": "南宁市与阿拉善盟生活垃圾分类工作“1对1”交流协作工作方案",
        "period_start": "2021-01-01",
        "period_end": "2025-12-31",
        "principles": "",
        "background": NANNING_BACKGROUND,
        "methods": [],
        "topics": [
            "institutions",
            "laws_standards",
            "sorted_disposal",
            "collection_transport",
            "treatment_capacity",
            "demonstration_areas",
            "recycling",
            "training",
        ],
        "source": DEMO_TASKS_SOURCE,
        "goals": NANNING_GOALS,
        "phases": NANNING_PHASES,
        "tasks": NANNING_TASKS,
    },
    ("330100", "430000"): {
        "title": "杭州市与湖南省生活垃圾分类工作“1对1”交流协作机制实施方案",
        "period_start": "2021-03-01",
        "period_end": "2025-12-31",
        "principles": "",
        "background": HANGZHOU_BACKGROUND,
        "methods": [],
        "topics": HANGZHOU_TOPICS,
        "source": DEMO_TASKS_SOURCE,
        "goals": [],
        "phases": [],
        "tasks": _hangzhou_tasks(),
    },
    ("330100", "220000"): {
        "title": "杭州市与吉林省生活垃圾分类工作“1对1”交流协作机制实施方案",
        "period_start": "2021-03-01",
        "period_end": "2025-12-31",
        "principles": "",
        "background": HANGZHOU_BACKGROUND,
        "methods": [],
        "topics": HANGZHOU_TOPICS,
        "source": DEMO_TASKS_SOURCE,
        "goals": [],
        "phases": [],
        "tasks": _hangzhou_tasks(),
    },
    ("120000", "410000"): {
        "title": "天津市与河南省生活垃圾分类工作“1对1”交流协作实施方案",
        "period_start": "2021-03-01",
        "period_end": "2025-12-31",
        "principles": "省级统筹，区市结对、科学谋划，系统推进、因地制宜，创新发展",
        "background": "从政策、技术、管理等方面深入交流协作，由天津四个区分别对接河南四个市。",
        "methods": [Method.FIELD_RESEARCH, Method.SEND_TO_LEARN, Method.SYMPOSIUM],
        "topics": ["laws_standards", "institutions", "treatment_capacity"],
        "source": DEMO_TASKS_SOURCE,
        "goals": [],
        "phases": [],
        "tasks": [
            {
                "title": "和平区与信阳市建立区市结对联络机制，开展交流协作",
                "phase": None,
                "side": "joint",
                "topic": "institutions",
                "start": "2021-03-01",
                "due": "2021-12-31",
                "deliverable": "联络人名单、年度交流计划",
            },
            {
                "title": "河西区与南阳市建立区市结对联络机制，开展交流协作",
                "phase": None,
                "side": "joint",
                "topic": "institutions",
                "start": "2021-03-01",
                "due": "2021-12-31",
                "deliverable": "联络人名单、年度交流计划",
            },
            {
                "title": "南开区与许昌市建立区市结对联络机制，开展交流协作",
                "phase": None,
                "side": "joint",
                "topic": "institutions",
                "start": "2021-03-01",
                "due": "2021-12-31",
                "deliverable": "联络人名单、年度交流计划",
            },
            {
                "title": "北辰区与平顶山市建立区市结对联络机制，开展交流协作",
                "phase": None,
                "side": "joint",
                "topic": "institutions",
                "start": "2021-03-01",
                "due": "2021-12-31",
                "deliverable": "联络人名单、年度交流计划",
            },
            {
                "title": "组织河南省有关城市赴天津考察学习",
                "phase": None,
                "side": "partner",
                "topic": "training",
                "start": "2021-04-01",
                "due": "2022-12-31",
                "deliverable": "考察学习报告",
            },
            {
                "title": "天津市派员赴河南开展调研指导",
                "phase": None,
                "side": "leading",
                "topic": None,
                "start": "2021-04-01",
                "due": "2022-12-31",
                "deliverable": "调研指导意见",
            },
            {
                "title": "总结区市结对经验，推广优秀事例和典型案例",
                "phase": None,
                "side": "joint",
                "topic": None,
                "start": "2024-01-01",
                "due": "2025-12-31",
                "deliverable": "典型案例汇编",
            },
        ],
    },
    ("440300", "510000"): {
        "title": "深圳市与四川省9市生活垃圾分类工作“1对1”交流协作工作方案",
        "period_start": "2021-03-01",
        "period_end": "2025-12-31",
        "principles": "",
        "background": "将深圳生活垃圾分类模式及各区特色做法与结对城市分享。",
        "methods": [
            Method.ONLINE_EXCHANGE,
            Method.SEND_TO_LEARN,
            Method.INVITE_GUIDANCE,
            Method.TRAINING,
            Method.PEOPLE_TO_PEOPLE,
        ],
        "topics": ["institutions", "laws_standards", "sorted_disposal", "mobilisation"],
        "source": DEMO_DATES_SOURCE,
        "goals": [
            {"text": "帮助结对城市建立垃圾分类工作长效机制", "due_date": "2025-12-31"},
            {"text": "帮助结对城市完善法规标准体系", "due_date": "2025-12-31"},
            {"text": "帮助结对城市健全垃圾分类体系", "due_date": "2025-12-31"},
            {"text": "帮助结对城市强化宣传引导工作", "due_date": "2025-12-31"},
        ],
        "phases": [],
        "tasks": [
            {
                "title": "深圳市向结对城市提出有针对性的工作建议",
                "phase": None,
                "side": "leading",
                "topic": None,
                "start": "2021-03-01",
                "due": "2021-06-30",
                "deliverable": "工作建议",
                "status": "done",
                "notes": REPORTED_DONE,
            },
            {
                "title": "泸州市参考深圳立法经验，推进生活垃圾管理条例立法",
                "phase": None,
                "side": "partner",
                "topic": "laws_standards",
                "start": "2021-04-01",
                "due": "2022-12-31",
                "deliverable": "条例文本",
                "status": "in_progress",
                "notes": REPORTED_UNDER_WAY,
            },
            {
                "title": "泸州市建设厨余垃圾预处理项目",
                "phase": None,
                "side": "partner",
                "topic": "treatment_capacity",
                "start": "2021-04-01",
                "due": "2022-12-31",
                "deliverable": "项目建设进度报告",
                "status": "in_progress",
                "notes": REPORTED_UNDER_WAY,
            },
            {
                "title": "泸州市开展“撤桶并点”小区试点",
                "phase": None,
                "side": "partner",
                "topic": "sorted_disposal",
                "start": "2021-04-01",
                "due": "2021-12-31",
                "deliverable": "试点小区名单和工作总结",
                "status": "in_progress",
                "notes": REPORTED_UNDER_WAY,
            },
            {
                "title": "内江市实施“蒲公英计划”，开展校园垃圾分类宣传教育",
                "phase": None,
                "side": "partner",
                "topic": "mobilisation",
                "start": "2021-05-01",
                "due": "2021-12-31",
                "deliverable": "宣传教育月活动总结",
                "status": "in_progress",
                "notes": REPORTED_UNDER_WAY,
            },
            {
                "title": "内江市组织全市学校校长参加垃圾分类知识培训",
                "phase": None,
                "side": "partner",
                "topic": "training",
                "start": "2021-05-01",
                "due": "2021-06-30",
                "deliverable": "培训签到表和课件",
                "status": "done",
                "notes": REPORTED_DONE,
            },
        ],
    },
}

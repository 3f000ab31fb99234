"""Starting data for problem consultations (难题会诊), built on the 2021 progress article.

The article reports what partner sides were working on with their leading side's help —
泸州's kitchen-waste pre-treatment project (深圳), 内江's school campaign (深圳), 延吉 after
宁波's field visit, 青海's rule-making with 北京's policy compendium — but no question or answer
in words. The problems below are those topics put as questions a partner side would ask; the
questions, the answers and their dates (all within February–August 2021, which the article
covers) are demo content, and every problem says so in its source note.
"""

from typing import TypedDict

from twinning.consultations.models import Problem, Urgency
from twinning.plans.programme_data import ARTICLE_SOURCE

SOURCE = f"{ARTICLE_SOURCE}；报道未给出具体日期，问题和解答文字为演示数据"


class AnswerRow(TypedDict):
    body: str
    answered: str  # ISO date-time, Beijing time
    accepted: str | None  # ISO date-time of the acceptance, or None


class ProblemRow(TypedDict):
    leading: str
    partner: str
    title: str
    description: str
    topic: str
    urgency: str
    asked: str  # ISO date-time, Beijing time
    status: str  # what the answers make of it: answered, or resolved when one is accepted
    answers: list[AnswerRow]


PROBLEMS: list[ProblemRow] = [
    {
        "leading": "440300",
        "partner": "510000",
        "title": "泸州市厨余垃圾预处理项目如何确定处理规模和预处理工艺？",
        "description": (
            "泸州市正在加快推进厨余垃圾预处理项目建设。目前分出的厨余垃圾量还不稳定、杂质较多，"
            "项目处理规模按理论产生量测算还是按实际分出量测算？预处理环节（破碎、除杂、"
            "油水分离）选用什么工艺更合适？项目建成前分出的厨余垃圾如何过渡处理？"
            "希望深圳市介绍项目规划和运行中的经验。"
        ),
        "topic": "treatment_capacity",
        "urgency": Urgency.URGENT,
        "asked": "2021-04-12T10:00:00",
        "status": Problem.Status.RESOLVED,
        "answers": [
            {
                "body": (
                    "深圳市的做法供参考：\n"
                    "1. 规模：以近一年实际分出量为基数，按分类覆盖面扩大的进度逐年增加，"
                    "并预留20%—30%的余量，可分期建设，避免设备长期低负荷运行。\n"
                    "2. 工艺：分出初期杂质多，预处理宜采用“粗破碎＋人工与机械分选除杂＋"
                    "精细破碎制浆＋油水分离”的组合，并与后端厌氧消化或好氧处理的进料要求对接；"
                    "沼渣、沼液和杂质的去向要在立项时一并明确。\n"
                    "3. 臭气和污水：卸料大厅负压收集除臭，渗滤液就近纳入处理设施。\n"
                    "4. 过渡：项目建成前，可利用现有处理设施协同处置，"
                    "或与周边城市签订临时处理协议，"
                    "确保分出的厨余垃圾不再混入其他垃圾。\n"
                    "我市可提供项目可行性研究报告提纲和运行管理制度，需要时可安排人员现场交流。"
                ),
                "answered": "2021-04-16T15:30:00",
                "accepted": "2021-04-20T09:00:00",
            }
        ],
    },
    {
        "leading": "440300",
        "partner": "510000",
        "title": "内江市如何把垃圾分类宣传教育持续带进校园？",
        "description": (
            "内江市准备实施“蒲公英计划”，把5月定为垃圾分类宣传教育月，在全市学校开展活动。"
            "担心活动只热闹一阵：如何让学校把垃圾分类纳入日常教学和管理？"
            "面向校长的培训应讲哪些内容？如何通过学生带动家庭参与分类？"
        ),
        "topic": "mobilisation",
        "urgency": Urgency.NORMAL,
        "asked": "2021-04-06T09:30:00",
        "status": Problem.Status.RESOLVED,
        "answers": [
            {
                "body": (
                    "建议由城管和教育部门联合发文，把垃圾分类纳入学校日常管理和考核：\n"
                    "1. 先培训校长和德育老师，讲清政策要求、校园分类设施配置和"
                    "试点学校的做法，由学校指定专人负责；\n"
                    "2. 课堂与实践结合：把分类知识纳入班会和综合实践课，"
                    "组织学生参观分拣中心和处理设施；\n"
                    "3. 校园内按四类配齐投放设施，由学生轮值督导；\n"
                    "4. 布置“小手拉大手”家庭作业，请学生和家长一起在家分类并反馈，"
                    "以学期为单位评选示范学校和示范班级。\n"
                    "宣传教育月集中发动，之后靠日常制度和评比保持下去。"
                ),
                "answered": "2021-04-09T11:00:00",
                "accepted": "2021-04-13T16:00:00",
            }
        ],
    },
    {
        "leading": "330200",
        "partner": "222401",
        "title": "分类收运车辆如何按四类垃圾配置，避免“先分后混”？",
        "description": (
            "宁波市交流团队来延吉现场调研时指出，部分小区分类投放后仍由同一辆车收运，"
            "居民对分类失去信心。延吉市准备添置和改造收运车辆：四类垃圾各需什么车型、"
            "按多少户配一辆车？收运频次和时间如何安排？车辆如何标识，便于居民监督？"
        ),
        "topic": "collection_transport",
        "urgency": Urgency.NORMAL,
        "asked": "2021-06-02T14:00:00",
        "status": Problem.Status.ANSWERED,
        "answers": [
            {
                "body": (
                    "宁波市的经验是按类别、按线路配车：\n"
                    "1. 厨余垃圾用密闭式专用车，每日清运，夏季可增加频次；"
                    "其他垃圾用压缩式车辆，每日清运；可回收物和有害垃圾按需预约或定期收运，"
                    "有害垃圾交由有资质的单位运输。\n"
                    "2. 配车数量按每条线路的实际日收运量和往返时间测算，不按户数简单折算，"
                    "先以两三条线路试点再推开。\n"
                    "3. 车身按四类垃圾的标准颜色和标志喷涂，并公布收运时间和监督电话。\n"
                    "4. 在车辆上安装定位和称重设备，按类统计收运量，发现混装及时处理。"
                ),
                "answered": "2021-06-07T10:00:00",
                "accepted": None,
            }
        ],
    },
    {
        "leading": "110000",
        "partner": "630000",
        "title": "修订生活垃圾管理法规时需要同步制定哪些配套办法？",
        "description": (
            "青海省正在研究制定修订生活垃圾管理的法规和政策制度。参考《北京市垃圾分类"
            "政策文件汇编》后，想进一步了解：法规出台前后分别需要配套哪些管理办法和标准？"
            "哪些宜先出、哪些可以后补？执法检查如何与法规同步推进？"
        ),
        "topic": "laws_standards",
        "urgency": Urgency.NORMAL,
        "asked": "2021-05-10T10:00:00",
        "status": Problem.Status.RESOLVED,
        "answers": [
            {
                "body": (
                    "北京市的做法是法规与配套文件同步研究、分批出台：\n"
                    "1. 法规实施前：明确分类投放管理责任人制度、分类标准和投放指引、"
                    "收运处理单位的管理要求，这几项是执法的依据，宜先出；\n"
                    "2. 实施初期：出台居住小区、公共机构和商业场所的分类工作指引，"
                    "以及分类设施设置标准；\n"
                    "3. 逐步完善：计量收费、再生资源回收体系衔接和考核评价办法。\n"
                    "执法方面，建议法规实施前先开展一段时间的宣传和劝导，"
                    "再转入常态化检查，并把检查结果纳入考核。汇编中各文件的起草说明可以一并提供。"
                ),
                "answered": "2021-05-14T17:00:00",
                "accepted": "2021-05-18T10:30:00",
            }
        ],
    },
]

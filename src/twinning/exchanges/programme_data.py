"""Starting data for exchanges: the activities the 2021 progress article reports.

The article (see ``twinning.pairings.programme_data.SOURCE``) names who went where and how —
宁波's three field teams, 福州 and 云南's mutual visits and symposia, 苏州–兵团's and 成都's
online groups, 北京's policy compendium for 青海 — but gives no dates, headcounts or minutes.
It covers February to August 2021, so every activity is dated within that window; the dates and
the summary wording are demo content, and each record's ``source`` says so. Participant counts
are not reported and stay at 0; no delegate is named.
"""

from typing import TypedDict

from twinning.exchanges.models import Direction
from twinning.plans.models import Method
from twinning.plans.programme_data import ARTICLE_SOURCE

# The exchange itself is from the article; its dates are not.
SOURCE = f"{ARTICLE_SOURCE}；报道未给出具体日期，日期和纪要文字为演示数据"


class ExchangeRow(TypedDict):
    leading: str
    partner: str
    kind: str
    direction: str
    title: str
    start: str
    end: str
    place: str
    topics: list[str]
    summary: str
    agreements: str
    materials: str


def _ningbo_trip(partner: str, name: str, place: str, start: str, end: str) -> list[ExchangeRow]:
    """One of 宁波's three field teams: a lecture day with Q&A, then the site visits."""
    return [
        {
            "leading": "330200",
            "partner": partner,
            "kind": Method.LECTURE,
            "direction": Direction.LEADING_TO_PARTNER,
            "title": f"宁波市实地交流团队赴{name}专题授课",
            "start": start,
            "end": start,
            "place": place,
            "topics": ["sorted_disposal", "collection_transport", "treatment_capacity", "training"],
            "summary": (
                f"宁波市实地交流团队一组赴{name}，围绕分类投放、分类收运和末端处理体系作专题讲解，"
                "随后由宁波专家就当地推进中遇到的各环节问题逐一答疑。"
            ),
            "agreements": "双方约定保持专家联系，当地后续遇到的具体问题可随时向宁波专家咨询。",
            "materials": "宁波市生活垃圾分类工作专题授课课件",
        },
        {
            "leading": "330200",
            "partner": partner,
            "kind": Method.FIELD_RESEARCH,
            "direction": Direction.LEADING_TO_PARTNER,
            "title": f"宁波市实地交流团队赴{name}现场调研指导",
            "start": start,
            "end": end,
            "place": place,
            "topics": ["sorted_disposal", "collection_transport", "treatment_capacity"],
            "summary": (
                "交流团队深入居民小区、行业场所、转运站和处理设施现场调研，"
                "对照宁波做法实地指导，针对发现的问题逐项提出破题办法。"
            ),
            "agreements": (
                "宁波市将跟进调研中提出的破题办法的落实情况，"
                "对推进慢、成效不明显的环节开展专题指导。"
            ),
            "materials": "",
        },
    ]


EXCHANGES: list[ExchangeRow] = [
    # 宁波: three teams went to 陕西省, 延吉市 and 珲春市 at the same time.
    *_ningbo_trip("610000", "陕西省", "陕西省西安市", "2021-05-18", "2021-05-20"),
    *_ningbo_trip("222401", "延吉市", "吉林省延吉市", "2021-05-18", "2021-05-20"),
    *_ningbo_trip("222404", "珲春市", "吉林省珲春市", "2021-05-18", "2021-05-20"),
    # 福州 (leading) and 云南 (partner): visits both ways and symposia.
    {
        "leading": "350100",
        "partner": "530000",
        "kind": Method.SEND_TO_LEARN,
        "direction": Direction.PARTNER_TO_LEADING,
        "title": "云南省各地市赴福州市考察学习生活垃圾分类",
        "start": "2021-04-13",
        "end": "2021-04-15",
        "place": "福建省福州市",
        "topics": ["sorted_disposal", "collection_transport", "treatment_capacity", "recycling"],
        "summary": (
            "云南省各地市考察团赴福州市实地考察分类投放点、收运线路和处理设施，"
            "并与福州市座谈，了解福州生活垃圾分类工作机制和推进情况。"
        ),
        "agreements": "双方商定开展回访，并共同梳理可借鉴、可推广、可操作的经验做法。",
        "materials": "",
    },
    {
        "leading": "350100",
        "partner": "530000",
        "kind": Method.SYMPOSIUM,
        "direction": Direction.LEADING_TO_PARTNER,
        "title": "福州市赴昆明市生活垃圾分类座谈交流",
        "start": "2021-06-08",
        "end": "2021-06-08",
        "place": "云南省昆明市",
        "topics": ["institutions", "treatment_capacity"],
        "summary": (
            "福州市回访云南，与昆明市等地座谈，交流双方工作机制、存在的问题和推进情况，"
            "重点讨论厨余垃圾收集和处理的全链条衔接。"
        ),
        "agreements": "昆明市以厨余垃圾收集和处理“一条龙”为重点打造样板。",
        "materials": "",
    },
    {
        "leading": "350100",
        "partner": "530000",
        "kind": Method.FIELD_RESEARCH,
        "direction": Direction.LEADING_TO_PARTNER,
        "title": "福州市赴大理市、丽江市实地考察交流",
        "start": "2021-06-09",
        "end": "2021-06-11",
        "place": "云南省大理市、丽江市",
        "topics": ["informatisation", "recycling"],
        "summary": (
            "福州市交流组实地考察大理市城乡一体化垃圾处理和丽江市乡镇再生资源回收，"
            "与当地座谈，总结符合双方实际、可操作的做法。"
        ),
        "agreements": (
            "大理市推进垃圾处理城乡一体化信息化监管平台建设；丽江市在各乡镇设立再生资源回收分拣站。"
        ),
        "materials": "",
    },
    # 苏州 and 兵团: an internet working group, online exchanges and document study.
    {
        "leading": "320500",
        "partner": "660000",
        "kind": Method.ONLINE_EXCHANGE,
        "direction": Direction.ONLINE,
        "title": "苏州市与兵团建立互联网交流工作群",
        "start": "2021-03-16",
        "end": "2021-03-16",
        "place": "",
        "topics": ["institutions"],
        "summary": (
            "双方建立互联网交流工作群，苏州市在群内分享生活垃圾分类政策文件供兵团学习，"
            "兵团介绍各师、市的实际情况和群众意见。"
        ),
        "agreements": "工作群作为日常联络渠道，双方指定专人负责。",
        "materials": "苏州市生活垃圾分类政策文件",
    },
    {
        "leading": "320500",
        "partner": "660000",
        "kind": Method.ONLINE_EXCHANGE,
        "direction": Direction.ONLINE,
        "title": "苏州市与兵团线上研讨生活垃圾分类推进方案",
        "start": "2021-05-25",
        "end": "2021-05-25",
        "place": "",
        "topics": ["institutions", "demonstration_areas"],
        "summary": (
            "双方线上研讨兵团生活垃圾分类工作推进方案，"
            "讨论按不同师、市的实际分别制订推进计划、先后有序推进。"
        ),
        "agreements": "推进方案因地制宜，对不同师、市制订有差异的推进计划，不搞“一刀切”。",
        "materials": "兵团生活垃圾分类工作推进方案（讨论稿）",
    },
    # 成都 with 呼和浩特 and 吉林市: WeChat groups.
    {
        "leading": "510100",
        "partner": "150100",
        "kind": Method.ONLINE_EXCHANGE,
        "direction": Direction.ONLINE,
        "title": "成都市与呼和浩特市建立工作交流微信群",
        "start": "2021-03-22",
        "end": "2021-03-22",
        "place": "",
        "topics": ["institutions", "sorted_disposal"],
        "summary": (
            "双方建立工作交流微信群，借助即时通信工具交流工作需求，"
            "成都市分享制度设计和工作安排部署文件。"
        ),
        "agreements": "双方在群内及时交流各类需求，共同探讨工作方法。",
        "materials": "成都市生活垃圾分类制度设计和工作部署文件",
    },
    {
        "leading": "510100",
        "partner": "220200",
        "kind": Method.ONLINE_EXCHANGE,
        "direction": Direction.ONLINE,
        "title": "成都市与吉林市建立工作交流微信群",
        "start": "2021-03-22",
        "end": "2021-03-22",
        "place": "",
        "topics": ["institutions", "sorted_disposal"],
        "summary": (
            "双方建立工作交流微信群，借助即时通信工具交流工作需求，"
            "成都市分享制度设计和工作安排部署文件。"
        ),
        "agreements": "双方在群内及时交流各类需求，共同探讨工作方法。",
        "materials": "成都市生活垃圾分类制度设计和工作部署文件",
    },
    # 北京 sends 青海 its compendium of policy documents.
    {
        "leading": "110000",
        "partner": "630000",
        "kind": Method.ONLINE_EXCHANGE,
        "direction": Direction.ONLINE,
        "title": "北京市向青海省提供《北京市垃圾分类政策文件汇编》",
        "start": "2021-04-20",
        "end": "2021-04-20",
        "place": "",
        "topics": ["laws_standards", "institutions"],
        "summary": (
            "北京市将已出台的配套管理办法和政策指引汇编成册，提供给青海省借鉴，"
            "供青海省制定修订生活垃圾管理法规和政策制度时参考。"
        ),
        "agreements": "北京市支持青海省制定修订生活垃圾管理法规和政策制度。",
        "materials": "《北京市垃圾分类政策文件汇编》",
    },
]

"""The relevance set: Chinese queries and the record(s) a good search puts first.

Written from the starting data (`knowledge.programme_data`) and the generated demo files
(`knowledge.demo`); `test_relevance.py` loads both and asks the Ministry's search for each query.
A query's reciprocal rank is 1/position of the first hit whose title is one of `expected`
(0 when none is on the first page); the set's mean must stay at or above 0.8 on both backends.

Each query says why it is here: domain words the segmenter must keep whole (撤桶并点,
蒲公英计划, 定时定点), synonyms (湿垃圾 finds texts that only say 厨余垃圾), two-character
queries, a word found only on the last page of a 20-page PDF, document numbers, places.
"""

from dataclasses import dataclass

KUNMING = "昆明市厨余垃圾收集和处理“一条龙”样板"
NEIJIANG = "内江市“蒲公英计划”：垃圾分类从校园出发"
LUZHOU_PILOT = "泸州市“撤桶并点”小区试点"
LUZHOU_LAW = "泸州市参考深圳立法经验起草《泸州市生活垃圾管理条例》"
DALI = "大理市垃圾处理城乡一体化信息化监管平台"
LIJIANG = "丽江市乡镇再生资源回收分拣站"
GUANGZHOU = "广州市生活垃圾分类示范片区和特色线路"
HAINAN = "海南省4个省级生活垃圾分类重点样板片区"
ONE_TO_ONE = "生活垃圾分类工作“1对1”交流协作机制实施方案"
OPINIONS = "关于进一步推进生活垃圾分类工作的若干意见"
SYSTEM_2017 = "生活垃圾分类制度实施方案"
PLAN_14TH = "“十四五”城镇生活垃圾分类和处理设施发展规划"
SIGNS = "生活垃圾分类标志"
EVALUATION = "城市生活垃圾分类工作评估办法"
BEIJING_LAW = "北京市生活垃圾管理条例（修正）要点"
BEIJING_GUIDES = "北京市生活垃圾分类配套管理办法和政策指引（摘编）"
BEIJING_RESULTS = "北京市生活垃圾分类工作进展情况（2020年12月）"
GUANGDONG_LAW = "广东省城乡生活垃圾管理条例修订工作经验"
GUANGDONG_EXAMPLES = "广东省生活垃圾分类工作实例选编（广州、深圳、珠海、东莞、江门）"
# Generated demo files.
MANUAL = "生活垃圾分类督导员培训教材"
TIANJIN_HENAN_PLAN = "天津市与河南省生活垃圾分类工作“1对1”交流协作实施方案（工作稿）"
MINUTES = "天津市与河南省生活垃圾分类交流协作座谈会纪要"
GUIDE = "居民生活垃圾分类投放指南"
HAZARDOUS = "有害垃圾收集暂存管理规范"
FOOD_EQUIPMENT = "厨余垃圾就地处理设备运行维护手册"
SCHOOLS = "垃圾分类宣传进校园活动方案"
STATISTICS = "生活垃圾分类月度统计表（2024年）"
TWO_NETWORKS = "再生资源回收网点与生活垃圾分类网点“两网融合”工作方案"
MODEL_COMMUNITY = "生活垃圾分类示范小区评选办法"
BULKY = "大件垃圾和装修垃圾收运管理办法"
POINTS = "社区垃圾分类积分兑换实施细则"
XUCHANG = "许昌市老旧小区桶站改造调研报告"


@dataclass(frozen=True)
class RelevanceQuery:
    q: str
    expected: tuple[str, ...]  # titles; the first of them found counts
    why: str


QUERIES: tuple[RelevanceQuery, ...] = (
    # Domain words kept whole.
    RelevanceQuery("撤桶并点", (LUZHOU_PILOT,), "领域词"),
    RelevanceQuery("蒲公英计划", (NEIJIANG,), "领域词"),
    RelevanceQuery("定时定点", (LUZHOU_PILOT, BEIJING_GUIDES, GUANGDONG_EXAMPLES), "领域词"),
    RelevanceQuery("两网融合", (TWO_NETWORKS,), "领域词"),
    RelevanceQuery("积分兑换", (POINTS,), "领域词"),
    RelevanceQuery("示范小区评选", (MODEL_COMMUNITY,), "领域词+普通词"),
    # Synonyms: the text says only the other word of the group.
    RelevanceQuery("湿垃圾 一条龙", (KUNMING,), "同义词：正文只有“厨余垃圾”"),
    RelevanceQuery("湿垃圾就地处理设备", (FOOD_EQUIPMENT,), "同义词：正文只有“厨余垃圾”"),
    RelevanceQuery("装潢垃圾 预约清运", (BULKY,), "同义词：正文只有“装修垃圾”"),
    RelevanceQuery("干垃圾 灰色容器", (GUIDE, SIGNS), "同义词：投放指南只有“其他垃圾”"),
    RelevanceQuery("有毒有害垃圾 暂存点", (HAZARDOUS,), "同义词：正文只有“有害垃圾”"),
    # Two characters.
    RelevanceQuery("校长", (NEIJIANG,), "两个字"),
    RelevanceQuery("纪要", (MINUTES,), "两个字，仅结对双方可见的文件"),
    RelevanceQuery("分拣", (LIJIANG,), "两个字，词的一部分"),
    # Deep inside a long file.
    RelevanceQuery("除臭喷淋", (MANUAL,), "只在20页PDF的最后一页"),
    RelevanceQuery("好氧生物发酵", (FOOD_EQUIPMENT,), "PDF正文"),
    RelevanceQuery("手抄报", (SCHOOLS,), "Word正文"),
    RelevanceQuery("居民小区覆盖率 城西区", (STATISTICS,), "Excel单元格"),
    # Places, names, numbers.
    RelevanceQuery("永兴岛", (HAINAN,), "地名"),
    RelevanceQuery("海南 样板片区", (HAINAN,), "地名+词"),
    RelevanceQuery("和平区 信阳市", (TIANJIN_HENAN_PLAN,), "区市结对，仅结对双方可见"),
    RelevanceQuery("许昌 桶站改造", (XUCHANG, MINUTES), "地名+词"),
    RelevanceQuery("建城〔2020〕93号", (OPINIONS,), "文号"),
    RelevanceQuery("GB/T 19095", (SIGNS,), "标准编号"),
    RelevanceQuery("珠海 党建引领", (GUANGDONG_EXAMPLES,), "地名+词"),
    # Subjects, in the words an official would type.
    RelevanceQuery("泸州 立法", (LUZHOU_LAW,), "案例"),
    RelevanceQuery("信息化监管平台", (DALI,), "案例"),
    RelevanceQuery("再生资源回收分拣站", (LIJIANG,), "案例"),
    RelevanceQuery("广州 特色线路", (GUANGZHOU,), "案例"),
    RelevanceQuery("请过来指导 派过去学习", (ONE_TO_ONE,), "交流方式"),
    RelevanceQuery("强制分类 46个城市", (SYSTEM_2017,), "政策"),
    RelevanceQuery("资源化利用率 焚烧处理能力", (PLAN_14TH,), "政策目标"),
    RelevanceQuery("成效显著 第三档", (EVALUATION,), "评估"),
    RelevanceQuery("管理责任人", (BEIJING_LAW, BEIJING_GUIDES), "法规制度"),
    RelevanceQuery("家庭厨余垃圾分出率", (BEIJING_RESULTS,), "指标"),
    RelevanceQuery("广东 条例修订", (GUANGDONG_LAW,), "法规"),
    RelevanceQuery("过度包装", (GUANGDONG_LAW,), "正文中的一个词"),
    RelevanceQuery("废荧光灯管 汞", (HAZARDOUS,), "正文"),
    RelevanceQuery("督导员培训", (MANUAL,), "标题"),
    RelevanceQuery("投放指南", (GUIDE,), "标题"),
)

MRR_TARGET = 0.8

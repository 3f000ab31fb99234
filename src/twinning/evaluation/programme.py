"""The evaluation's starting data: the platform's default rubric, in force.

The Ministry's official weights for the 2021 phase evaluation were not published (DOMAIN.md
§3.2), so the default rubric says in its name that it is an example: five equal dimensions
drawn from what the 2021 article says each pair did (organisation, plan, exchanges, goals,
outcomes), each with the evidence it asks for. The Ministry replaces it with a new version or
a rubric of its own. Idempotent: the rubric is created once (archived ones count).
"""

from dataclasses import dataclass

from django.db import transaction

from twinning.evaluation import services
from twinning.evaluation.models import Rubric

DEFAULT_RUBRIC_NAME = "示例评估细则（平台默认，非住建部正式细则）"
DEFAULT_RUBRIC_DESCRIPTION = (
    "平台内置的示例细则，供试用和演示。住建部阶段工作实效评估的正式细则和权重未公开，"
    "本细则的五个维度取自2021年“1对1”交流协作半年进展报道中各地的做法，权重均为20。"
    "正式使用前，请由住建部按实际规则“新建版本”修改后启用。"
)
DEFAULT_DIMENSIONS = [
    {
        "code": "organisation",
        "name": "组织机制",
        "weight": 20,
        "max_points": 20,
        "evidence_required": (
            "领导小组、工作专班的成立文件及成员分工（政策法规、源头投放、收集运输、末端处理、"
            "宣传引导）；省、市、区多层联络机制。"
        ),
    },
    {
        "code": "plan",
        "name": "工作方案",
        "weight": 20,
        "max_points": 20,
        "evidence_required": (
            "双方协商一致并报住建部备案的交流协作工作方案，含协作方式、内容、工作目标、"
            "路线图和时间表，以及任务分解及分工协作一览表。"
        ),
    },
    {
        "code": "exchanges",
        "name": "交流活动",
        "weight": 20,
        "max_points": 20,
        "evidence_required": (
            "“请过来指导”“派过去学习”“线上会诊难题”、培训、实地调研等交流活动的记录、照片和成果。"
        ),
    },
    {
        "code": "goals",
        "name": "目标完成",
        "weight": 20,
        "max_points": 20,
        "evidence_required": (
            "阶段目标和指标的完成情况，如居民小区分类覆盖率、生活垃圾回收利用率"
            "（2025年底达到35%以上）的填报数据。"
        ),
    },
    {
        "code": "outcomes",
        "name": "工作成效",
        "weight": 20,
        "max_points": 20,
        "evidence_required": (
            "转化推广的可复制政策机制和好经验、好做法，示范片区、样板线路等成效及典型案例。"
        ),
    },
]


@dataclass
class EvaluationResult:
    rubric_created: bool = False
    rubric_id: int | None = None


@transaction.atomic
def load_evaluation() -> EvaluationResult:
    """Create and put in force the default rubric, unless it exists."""
    existing = Rubric.objects.filter(name=DEFAULT_RUBRIC_NAME).order_by("-version").first()
    if existing is not None:
        return EvaluationResult(rubric_created=False, rubric_id=existing.pk)
    rubric = services.create_rubric(
        actor=None,
        name=DEFAULT_RUBRIC_NAME,
        description=DEFAULT_RUBRIC_DESCRIPTION,
        dimensions=DEFAULT_DIMENSIONS,
    )
    services.activate_rubric(actor=None, rubric_id=rubric.pk)
    return EvaluationResult(rubric_created=True, rubric_id=rubric.pk)

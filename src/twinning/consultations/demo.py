"""Demo content for problem consultations (local trials only; everything is marked as demo).

河南's demo coordinator (demo-henan) asks 天津 about 撤桶并点 in old residential areas, due in 7
days: demo-tianjin gets the notification and can answer, and demo-henan can then accept the
answer — the whole consultation can be tried in the browser.
"""

from django.db import transaction

from twinning.accounts.models import User
from twinning.consultations import services
from twinning.consultations.models import Problem, Urgency
from twinning.pairings.models import Pairing

DEMO_TITLE = "老旧小区“撤桶并点”居民反对较多，如何推进？（演示）"
DEMO_DESCRIPTION = (
    "河南省部分城市在老旧小区推行“撤桶并点”，撤掉楼道和楼下的垃圾桶，集中设置分类投放点。"
    "一些老年居民嫌投放距离远，也有居民担心投放点离自家窗户太近，反对意见较多。\n"
    "想请天津市介绍：投放点的选址和数量怎么定？撤桶前如何征求居民意见？"
    "定时定点投放的时间怎么安排？如何照顾行动不便的老年人？\n"
    "（演示数据）"
)
DEMO_RESPONSE_DAYS = 7


@transaction.atomic
def load_consultation_demo() -> bool:
    """Create the demo problem if it is missing; True when it was created."""
    henan = User.objects.filter(username="demo-henan").first()
    pairing = Pairing.objects.filter(leading_region_id="120000", partner_region_id="410000").first()
    if henan is None or pairing is None:
        return False
    if Problem.objects.filter(pairing=pairing, title=DEMO_TITLE).exists():
        return False
    services.create_problem(
        actor=henan,
        pairing_id=pairing.pk,
        title=DEMO_TITLE,
        description=DEMO_DESCRIPTION,
        topic="sorted_disposal",
        urgency=Urgency.NORMAL,
        response_days=DEMO_RESPONSE_DAYS,
    )
    return True

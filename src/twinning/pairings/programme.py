"""Loading the programme's starting record: the regions and pairs named in the 2021 article."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from twinning.pairings import services
from twinning.pairings.models import Body, Pairing, Side
from twinning.pairings.programme_data import PAIRS, REGIONS, SOURCE
from twinning.regions.services import RegionRow, upsert_regions

# Bodies the article reports (name, side, kind, duties); members are not named there.
ARTICLE_BODIES: dict[str, list[tuple[str, str, str, str]]] = {
    "shanghai-jiangxi": [
        (
            Side.LEADING,
            Body.Kind.LEADING_GROUP,
            "上海市交流协作领导小组",
            "全面统筹与结对省份、城市的协作工作",
        ),
        (
            Side.LEADING,
            Body.Kind.TASK_FORCE,
            "上海市交流协作工作专班",
            "由市、区两级管理部门抽调人员组成，负责具体落实",
        ),
        (
            Side.PARTNER,
            Body.Kind.LEADING_GROUP,
            "江西省住房和城乡建设厅交流协作领导小组",
            "主要负责人任组长，下设办公室",
        ),
    ],
    "shanghai-neimenggu": [
        (
            Side.LEADING,
            Body.Kind.LEADING_GROUP,
            "上海市交流协作领导小组",
            "全面统筹与结对省份、城市的协作工作",
        ),
        (
            Side.PARTNER,
            Body.Kind.LEADING_GROUP,
            "内蒙古自治区住房和城乡建设厅交流协作领导小组",
            "主要负责人任组长，下设办公室",
        ),
    ],
    "zhejiang-hebei": [
        (
            Side.LEADING,
            Body.Kind.TASK_FORCE,
            "浙江省交流协作工作专班",
            "省域层面互动、地市交流互助、专家技术支持",
        ),
    ],
    "zhejiang-shanxi": [
        (
            Side.LEADING,
            Body.Kind.TASK_FORCE,
            "浙江省交流协作工作专班",
            "省域层面互动、地市交流互助、专家技术支持",
        ),
    ],
    "chongqing-hubei": [
        (
            Side.LEADING,
            Body.Kind.TASK_FORCE,
            "重庆市交流协作工作专班",
            "政策法规、源头投放、收集运输、末端处理、宣传引导人员组成，落实日常事务",
        ),
    ],
}


@dataclass
class ProgrammeResult:
    regions_created: int = 0
    regions_updated: int = 0
    pairs_created: int = 0
    pairs_existing: int = 0
    bodies_created: int = 0


@transaction.atomic
def load_programme() -> ProgrammeResult:
    """Create what is missing of the starting record; running it again changes nothing."""
    result = ProgrammeResult()
    regions = upsert_regions(
        actor=None,
        rows=[
            RegionRow(
                code=r["code"],
                name=r["name"],
                level=r["level"],
                parent_code=r["parent_code"],
                official=r["official"],
                lng=r["lng"],
                lat=r["lat"],
            )
            for r in REGIONS
        ],
    )
    result.regions_created, result.regions_updated = regions.created, regions.updated
    by_key: dict[str, Pairing] = {}
    for row in PAIRS:
        existing = Pairing.objects.filter(
            leading_region_id=row["leading"], partner_region_id=row["partner"]
        ).first()
        if existing is not None:
            by_key[row["key"]] = existing
            result.pairs_existing += 1
            continue
        parent = by_key[row["parent"]] if row["parent"] else None
        by_key[row["key"]] = services.propose_pairing(
            actor=None,
            leading_code=row["leading"],
            partner_code=row["partner"],
            parent_id=parent.pk if parent else None,
            focus_city_codes=row["focus_cities"],
            established_on=dt.date.fromisoformat(row["established"]),
            source=SOURCE,
            notes=row["notes"],
        )
        result.pairs_created += 1
        result.bodies_created += _create_article_bodies(row["key"], by_key[row["key"]])
    return result


def _create_article_bodies(key: str, pairing: Pairing) -> int:
    created = 0
    for side, kind, name, duties in ARTICLE_BODIES.get(key, []):
        services.create_body_as_system(
            pairing=pairing, side=side, kind=kind, name=name, duties=duties
        )
        created += 1
    return created

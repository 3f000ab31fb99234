"""Demo accounts and demo content for trying the platform locally (`make run`).

Everything here is marked as demo: user names start with `demo-`, people are named
"演示…", and no phone number or address is real.
"""

from dataclasses import dataclass

from django.db import transaction

from twinning.accounts.models import Organisation, Role, User
from twinning.accounts.services import create_organisation, create_user
from twinning.pairings import services
from twinning.pairings.models import Body, Pairing, Side

# Demo only: printed by `make run`; demo accounts are never created by the production setup.
DEMO_PASSWORD = "demo-twinning-2021"  # noqa: S105


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    organisation: str
    kind: str
    region: str | None
    description: str


DEMO_ACCOUNTS = [
    DemoAccount("demo-admin", Role.ADMIN, "住房和城乡建设部", "ministry", None, "平台管理员"),
    DemoAccount(
        "demo-ministry",
        Role.SUPERVISOR,
        "住房和城乡建设部",
        "ministry",
        None,
        "部级督导：查看全部结对",
    ),
    DemoAccount(
        "demo-tianjin",
        Role.COORDINATOR,
        "天津市城市管理委员会（演示）",
        "department",
        "120000",
        "天津市协调员：天津—河南及四个区市子结对",
    ),
    DemoAccount(
        "demo-henan",
        Role.COORDINATOR,
        "河南省住房和城乡建设厅（演示）",
        "department",
        "410000",
        "河南省协调员",
    ),
    DemoAccount(
        "demo-xuchang",
        Role.COORDINATOR,
        "许昌市城市管理局（演示）",
        "department",
        "411000",
        "许昌市协调员：南开区—许昌市",
    ),
    DemoAccount(
        "demo-ningbo",
        Role.COORDINATOR,
        "宁波市综合行政执法局（演示）",
        "department",
        "330200",
        "宁波市协调员",
    ),
    DemoAccount(
        "demo-gansu",
        Role.COORDINATOR,
        "甘肃省住房和城乡建设厅（演示）",
        "department",
        "620000",
        "甘肃省协调员（尚无结对）",
    ),
    DemoAccount(
        "demo-jiangxi",
        Role.MEMBER,
        "江西省住房和城乡建设厅（演示）",
        "department",
        "360000",
        "江西省成员：上海—江西",
    ),
    DemoAccount(
        "demo-expert",
        Role.EXPERT,
        "上海市环境卫生专家库（演示）",
        "expert_institution",
        "310000",
        "上海专家：只读",
    ),
]


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    """Create the demo organisations, accounts and a little demo content, if missing."""
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        organisation = create_organisation(
            actor=None, name=account.organisation, kind=account.kind, region_code=account.region
        )
        create_user(
            actor=None,
            username=account.username,
            password=DEMO_PASSWORD,
            role=account.role,
            organisation=organisation,
            full_name=f"演示用户 {account.username.removeprefix('demo-')}",
            check_password=False,
        )
    _demo_content()
    return DEMO_ACCOUNTS


def _demo_content() -> None:
    """A task force with members and a pair of liaison contacts on 南开区—许昌市."""
    pairing = Pairing.objects.filter(leading_region_id="120104", partner_region_id="411000").first()
    if pairing is None or pairing.bodies.exists():
        return
    organisation = Organisation.objects.get(name="许昌市城市管理局（演示）")
    actor = organisation.users.get()
    body = services.create_body_as_system(
        pairing=pairing,
        side=Side.PARTNER,
        kind=Body.Kind.TASK_FORCE,
        name="许昌市生活垃圾分类交流协作工作专班（演示）",
        duties="对接南开区，落实交流协作具体事项",
    )
    for name, role, area in [
        ("演示成员甲", "组长", "coordination"),
        ("演示成员乙", "成员", "source_sorting"),
        ("演示成员丙", "成员", "publicity"),
    ]:
        services.add_member(
            actor=actor,
            body_id=body.pk,
            values={
                "person_name": name,
                "body_role": role,
                "duty_area": area,
                "unit": "许昌市城市管理局（演示）",
                "phone": "0374-0000000",
            },
        )
    services.add_contact(
        actor=actor,
        pairing_id=pairing.pk,
        side=Side.PARTNER,
        values={
            "region_code": "411000",
            "person_name": "演示联络员",
            "position": "科长",
            "unit": "许昌市城市管理局（演示）",
            "phone": "0374-0000001",
            "email": "liaison@example.invalid",
        },
    )

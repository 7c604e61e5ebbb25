"""江临市, the fictional demo city: its units, the names its people use for places, and its staff.

Four districts of four streets/towns each, four communities per street (each with the housing
compounds it covers), a law-enforcement team and a sanitation station under every street, and
every department and utility company that the taxonomy routes to. Units have "profiles" that the
history uses: most work well, a few are slow or careless, as in any real city.
"""

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from hotline.catalog.models import Category, Routing
from hotline.knowledge.services import import_articles
from hotline.org.models import Unit, User
from hotline.org.roles import Role

CITY = "江临市"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN_NAMES = [
    "建国",
    "秀英",
    "伟",
    "芳",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "海燕",
    "志强",
    "晓东",
    "文华",
    "国庆",
    "春梅",
    "丹",
]
PASSWORD = "hotline-demo"

# district: [(street, slug, roads, [community stems])]
DISTRICTS: dict[str, list[tuple[str, str, list[str], list[str]]]] = {
    "临江区": [
        (
            "滨江街道",
            "binjiang",
            ["滨江路", "沿江大道", "望江路"],
            ["桂花", "海棠", "玉兰", "紫荆"],
        ),
        ("解放街道", "jiefang", ["解放路", "中山路", "人民路"], ["丹桂", "芙蓉", "翠竹", "松柏"]),
        ("南湖街道", "nanhu", ["南湖路", "湖滨路"], ["梧桐", "银杏", "香樟", "杜鹃"]),
        ("金沙街道", "jinsha", ["金沙路", "沙河路"], ["茉莉", "月季", "百合", "兰亭"]),
    ],
    "东湖区": [
        ("东湖街道", "donghu", ["东湖路", "环湖东路"], ["锦绣", "华庭", "盛世", "阳光"]),
        ("光明街道", "guangming", ["光明大道", "建国路"], ["幸福", "和平", "康乐", "安居"]),
        ("长青街道", "changqing", ["长青路", "青年路"], ["富民", "东风", "朝阳", "星光"]),
        ("樱花街道", "yinghua", ["樱花路", "春风路"], ["明珠", "彩虹", "金桥", "银河"]),
    ],
    "西山区": [
        ("西山街道", "xishan", ["西山路", "登山大道"], ["凤凰", "龙湾", "鹿鸣", "云栖"]),
        ("青石镇", "qingshi", ["青石大道", "石门路"], ["碧水", "清泉", "春晖", "秋实"]),
        ("石桥街道", "shiqiao", ["石桥路", "古桥街"], ["夏荷", "冬青", "瑞祥", "嘉禾"]),
        ("红枫街道", "hongfeng", ["红枫路", "枫林大道"], ["丰收", "新华", "团结", "友谊"]),
    ],
    "北塘区": [
        ("北塘街道", "beitang", ["北塘路", "塘西街"], ["红星", "向阳", "胜利", "前进"]),
        ("新港街道", "xingang", ["新港大道", "码头路"], ["育才", "文昌", "书院", "学府"]),
        ("白沙镇", "baisha", ["白沙大道", "沙洲路"], ["工人", "铁路", "电厂", "纺织"]),
        ("柳湾街道", "liuwan", ["柳湾路", "柳堤街"], ["钢城", "港湾", "望海", "渔歌"]),
    ],
}
_COMPOUND_SUFFIXES = [("苑", "新村"), ("花园", "小区"), ("家园", "公寓"), ("小区", "雅居")]

DEPARTMENT_SLUGS = {
    "城市管理局": "chengguan",
    "住房和城乡建设局": "zhujian",
    "水务局": "shuiwu",
    "市场监督管理局": "shichang",
    "交通运输局": "jiaotong",
    "公安交警大队": "jiaojing",
    "公安分局": "gongan",
    "生态环境局": "huanjing",
    "园林绿化局": "yuanlin",
    "人力资源和社会保障局": "renshe",
    "社会保险事业管理中心": "shebao",
    "卫生健康委员会": "weijian",
    "医疗保障局": "yibao",
    "教育局": "jiaoyu",
    "文化和旅游局": "wenlv",
    "消防救援大队": "xiaofang",
    "应急管理局": "yingji",
    "民政局": "minzheng",
    "营商环境服务中心": "yingshang",
    "自来水公司": "water",
    "供电公司": "power",
    "燃气公司": "gas",
    "热力公司": "heat",
    "通信运营商": "telecom",
    "公交集团": "bus",
}
ENFORCEMENT = {"城市管理局", "市场监督管理局", "生态环境局", "交通运输局"}


@dataclass(frozen=True)
class Profile:
    """How a unit tends to work: probabilities that shape its history."""

    late: float = 0.05  # misses its finish deadline
    slow_accept: float = 0.04  # accepts after the accept deadline
    slow_contact: float = 0.05  # first contact after the contact deadline
    returns: float = 0.025  # asks to give an order back
    extension: float = 0.03  # asks for more time
    unsatisfied: float = 0.06  # the citizen is not satisfied
    unresolved: float = 0.08  # the citizen says the problem is not solved


GOOD = Profile()
PROFILES = {
    "jinsha": Profile(
        late=0.30,
        slow_accept=0.25,
        slow_contact=0.30,
        returns=0.06,
        unsatisfied=0.15,
        unresolved=0.2,
    ),
    "qingshi": Profile(late=0.12, returns=0.05, unsatisfied=0.22, unresolved=0.3),
    "baisha": Profile(late=0.18, slow_accept=0.12, slow_contact=0.2, extension=0.08),
    "zhujian": Profile(late=0.2, extension=0.18, returns=0.05, unsatisfied=0.14, unresolved=0.25),
    "heat": Profile(late=0.15, slow_contact=0.15, unsatisfied=0.2, unresolved=0.22),
    "binjiang": Profile(
        late=0.02, slow_accept=0.01, slow_contact=0.02, unsatisfied=0.03, unresolved=0.04
    ),
    "water": Profile(late=0.02, slow_accept=0.01, unsatisfied=0.03),
}


@dataclass
class DemoCity:
    centre: Unit
    districts: list[Unit] = field(default_factory=list)
    streets: list[Unit] = field(default_factory=list)
    communities: list[Unit] = field(default_factory=list)
    compounds: dict[int, list[str]] = field(default_factory=dict)  # community id → compound names
    roads: dict[int, list[str]] = field(default_factory=dict)  # street id → road names
    teams: dict[int, dict[str, Unit]] = field(
        default_factory=dict
    )  # street id → {"执法队"/"环卫所": unit}
    departments: dict[str, Unit] = field(default_factory=dict)  # by name, companies included
    slugs: dict[int, str] = field(default_factory=dict)  # unit id → slug
    staff: dict[str, User] = field(default_factory=dict)  # centre staff by username
    handlers: dict[int, User] = field(default_factory=dict)  # unit id → its handler
    leads: dict[int, User] = field(default_factory=dict)  # unit id → its lead

    def profile(self, unit: Unit) -> Profile:
        return PROFILES.get(self.slugs.get(unit.pk, ""), GOOD)


def _unit(name: str, kind: str, parent: Unit, **extra: object) -> Unit:
    return Unit.objects.create(name=name, kind=kind, parent=parent, **extra)


@transaction.atomic
def build_city() -> DemoCity:
    """Create the demo city's units and staff (in an empty installation)."""
    centre = Unit.objects.get(kind=Unit.Kind.CENTRE)
    city = DemoCity(centre)
    for district_name, streets in DISTRICTS.items():
        district = _unit(district_name, Unit.Kind.DISTRICT, centre, area_names=district_name[:2])
        city.districts.append(district)
        for street_name, slug, roads, stems in streets:
            street = _unit(street_name, Unit.Kind.STREET, district, area_names=",".join(roads))
            city.streets.append(street)
            city.slugs[street.pk], city.roads[street.pk] = slug, roads
            city.teams[street.pk] = {
                "执法队": _unit(
                    f"{street_name}城管执法队", Unit.Kind.TEAM, street, enforcement=True
                ),
                "环卫所": _unit(f"{street_name}环卫所", Unit.Kind.TEAM, street),
            }
            for n, (stem, suffixes) in enumerate(zip(stems, _COMPOUND_SUFFIXES, strict=True), 1):
                compounds = [stem + suffix for suffix in suffixes]
                community = _unit(
                    f"{stem}社区", Unit.Kind.COMMUNITY, street, area_names=",".join(compounds)
                )
                city.communities.append(community)
                city.compounds[community.pk] = compounds
                city.slugs[community.pk] = f"{slug}-c{n}"
            for kind, team in city.teams[street.pk].items():
                city.slugs[team.pk] = f"{slug}-{'zf' if kind == '执法队' else 'hw'}"
    routed = Category.objects.filter(routing__in=[Routing.DEPARTMENT, Routing.ENTERPRISE])
    kinds = dict(routed.values_list("default_unit", "routing"))
    for name, slug in DEPARTMENT_SLUGS.items():
        kind = Unit.Kind.COMPANY if kinds.get(name) == Routing.ENTERPRISE else Unit.Kind.DEPARTMENT
        city.departments[name] = department = _unit(
            name, kind, centre, enforcement=name in ENFORCEMENT
        )
        city.slugs[department.pk] = slug
    missing = set(kinds) - set(city.departments)
    assert not missing, f"the taxonomy routes to units the demo city lacks: {missing}"
    for unit in [*city.streets, *city.departments.values()]:  # the units orders are dispatched to
        unit.duty_phone, unit.duty_email = (
            f"139{unit.pk:08d}",
            f"{city.slugs[unit.pk]}@jianglin.gov.cn",
        )
        unit.save(update_fields=["duty_phone", "duty_email"])
    _create_staff(city)
    return city


def _create_staff(city: DemoCity) -> None:
    # One hash for every demo account: hashing is deliberately slow, and they share a password.
    password = make_password(PASSWORD)
    users: list[User] = []
    rng = random.Random(2026)

    def add(username: str, role: Role, unit: Unit, name: str = "", **extra: object) -> User:
        name = name or rng.choice(SURNAMES) + rng.choice(_GIVEN_NAMES)
        user = User(
            username=username, password=password, role=role, unit=unit, first_name=name, **extra
        )
        users.append(user)
        return user

    centre = city.centre
    for username, role in [
        ("operator", Role.OPERATOR),
        ("operator2", Role.OPERATOR),
        ("operator3", Role.OPERATOR),
        ("dispatcher", Role.DISPATCHER),
        ("dispatcher2", Role.DISPATCHER),
        ("visitor", Role.VISITOR),
        ("visitor2", Role.VISITOR),
        ("supervisor", Role.SUPERVISOR),
        ("leader", Role.SUPERVISOR),  # the 包案 leader of the demo's hard problems
    ]:
        city.staff[username] = add(username, role, centre)
    city.staff["admin"] = add(
        "admin", Role.ADMIN, centre, "系统管理员", is_staff=True, is_superuser=True
    )

    first_street = city.streets[0]
    for unit_id, slug in city.slugs.items():
        unit = Unit(pk=unit_id)
        is_first = unit_id == first_street.pk
        city.handlers[unit_id] = add(
            "handler" if is_first else f"{slug}-handler", Role.HANDLER, unit
        )
        if (
            "-" not in slug
        ):  # streets, departments and companies have a lead; their sub-units report to it
            city.leads[unit_id] = add("lead" if is_first else f"{slug}-lead", Role.LEAD, unit)
    User.objects.bulk_create(users)
    # bulk_create leaves the unit objects bare; the history needs the users with their real units.
    for user in User.objects.select_related("unit").filter(
        username__in=[u.username for u in users]
    ):
        if user.role in (Role.HANDLER, Role.LEAD) and user.unit_id is not None:
            (city.handlers if user.role == Role.HANDLER else city.leads)[user.unit_id] = user
        else:
            city.staff[user.username] = user


def logins() -> list[tuple[str, str, str]]:
    """(username, role, unit) of every staff account, the centre's first, then unit by unit."""
    users = User.objects.select_related("unit").order_by("unit__path", "role", "username")
    return [(u.username, str(Role(u.role).label), u.unit.name if u.unit else "") for u in users]


KNOWLEDGE = Path(__file__).resolve().parent / "knowledge.json"


def set_up_city() -> DemoCity:
    """The demo city before any history: its units and staff (``build_city``) and its knowledge
    base, owned by the administrator."""
    city = build_city()
    articles = json.loads(KNOWLEDGE.read_text(encoding="utf-8"))
    import_articles(articles, today=timezone.localdate(), owner=city.staff["admin"])
    return city

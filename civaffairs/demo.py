"""The demo district: deterministic, built through the services or their bulk equivalents.

Each app registers a loader; `load_demo` runs them in order. The village names the seed
mentions are real; every other village is generated and marked is_demo.
"""

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from .models import Area, Region, Section, UserScope
from .reference import TOWNS, ensure_towns

DEMO_PASSWORD = "Demo@2019"

_LOADERS = []


def register_loader(order):
    def wrap(function):
        _LOADERS.append((order, function))
        return function

    return wrap


def loaders():
    return [f for _, f in sorted(_LOADERS, key=lambda item: item[0])]


# Village committees per town (sum 114, as the seed counts) and the committees the seed names.
COMMITTEES_PER_TOWN = {
    "六都镇": 18,
    "高村镇": 12,
    "白石镇": 14,
    "镇安镇": 20,
    "富林镇": 16,
    "石城镇": 22,
    "都杨镇": 12,
}
NAMED_VILLAGES = {
    "六都镇": ["大河村", "六都村", "佛水村"],
    "石城镇": ["上洞村", "五星村"],
    "镇安镇": ["石坳村", "河西村", "河东村", "幌伞村", "南安村"],
    "富林镇": ["民主村", "寨塘村"],
    "白石镇": ["东圳村", "西圳村"],
}
NATURAL_VILLAGES = 1178
_SYLLABLES = "东西南北上下新旧大小石岭塘坑田垌围岗山水江河洞坪坡湾"
_SUFFIX = "村"

# Screens name people (civaffairs/names.py: family name first, 李明); the role, town and section
# show beside the name in the page header, so the name holds no title.
USERS = [
    # username, family name, given name, role, town name or None, section or ""
    ("shicheng", "李", "明", "经办人", "石城镇", ""),
    ("liudu", "陈", "芳", "经办人", "六都镇", ""),
    # 镇民政办负责人 of each town: the town's review (镇审核) of 低保 and 特困 applications.
    ("shicheng_review", "罗", "志坚", "镇民政办负责人", "石城镇", ""),
    ("liudu_review", "冯", "国华", "镇民政办负责人", "六都镇", ""),
    ("gaocun_review", "谭", "永红", "镇民政办负责人", "高村镇", ""),
    ("baishi_review", "苏", "建平", "镇民政办负责人", "白石镇", ""),
    ("zhenan_review", "邹", "丽娟", "镇民政办负责人", "镇安镇", ""),
    ("fulin_review", "钟", "海燕", "镇民政办负责人", "富林镇", ""),
    ("duyang_review", "曾", "志明", "镇民政办负责人", "都杨镇", ""),
    ("jiuzhu", "黄", "伟", "经办人", None, Section.ASSISTANCE),
    ("fuli", "何", "静", "经办人", None, Section.WELFARE),
    ("chief_assist", "张", "强", "股长", None, Section.ASSISTANCE),
    ("chief_welfare", "刘", "洋", "股长", None, Section.WELFARE),
    ("chief_grassroots", "杨", "帆", "股长", None, Section.GRASSROOTS),
    ("jiceng", "梁", "慧", "经办人", None, Section.GRASSROOTS),
    ("director", "陆", "德良", "局长", None, ""),
    ("auditor", "周", "敏", "审计员", None, ""),
    ("admin", "吴", "涛", "系统管理员", None, ""),
]


def _demo_name(index):
    a = _SYLLABLES[index % len(_SYLLABLES)]
    b = _SYLLABLES[(index * 7 + 3) % len(_SYLLABLES)]
    return f"{a}{b}{_SUFFIX}"


@register_loader(0)
def ensure_reference_data(stdout=None):
    """Roles and towns come from data migrations; after `load_demo --reset` (flush) restore them."""
    from .roles import apply_role_permissions

    apply_role_permissions()
    ensure_towns(Region)


@register_loader(10)
def load_regions(stdout=None):
    district = ensure_towns(Region)
    towns = {t.name: t for t in Region.objects.filter(parent=district)}
    if Region.objects.filter(level=Region.Level.VILLAGE).exists():
        return
    committees = []
    for code, town_name in TOWNS:
        town = towns[town_name]
        named = NAMED_VILLAGES.get(town_name, [])
        used = set(named)
        for i in range(COMMITTEES_PER_TOWN[town_name]):
            if i == 0:
                name, area, demo = f"{town_name[:-1]}社区居委会", Area.URBAN, True
            elif i - 1 < len(named):
                name, area, demo = named[i - 1], Area.RURAL, False
            else:
                k = i
                name = _demo_name(k + int(code[-1]) * 31)
                while name in used:
                    k += 1
                    name = _demo_name(k * 13 + int(code[-1]))
                area, demo = Area.RURAL, True
            used.add(name)
            committees.append(
                Region(
                    code=f"{code}{i + 1:03d}",
                    name=name,
                    level=Region.Level.VILLAGE,
                    parent=town,
                    town=town,
                    area=area,
                    is_demo=demo,
                )
            )
    Region.objects.bulk_create(committees)
    rural = list(Region.objects.filter(level=Region.Level.VILLAGE, area=Area.RURAL).order_by("code"))
    per, extra = divmod(NATURAL_VILLAGES, len(rural))
    naturals = []
    for n, committee in enumerate(rural):
        for j in range(per + (1 if n < extra else 0)):
            naturals.append(
                Region(
                    code=f"{committee.code}{j + 1:03d}",
                    name=f"{committee.name[:-1]}{_demo_name(j + n)[:-1]}",
                    level=Region.Level.NATURAL,
                    parent=committee,
                    town_id=committee.town_id,
                    area=Area.RURAL,
                    is_demo=True,
                )
            )
    Region.objects.bulk_create(naturals, batch_size=2000)


@register_loader(20)
def load_users(stdout=None):
    towns = {t.name: t for t in Region.objects.filter(level=Region.Level.TOWN)}
    # One hash for every demo account (they share a published password): PBKDF2's iterations
    # took about 0.3 s an account, 18 of them a fifth of the whole demo's load.
    password = None
    for username, family_name, given_name, role, town_name, section in USERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            password = password or make_password(DEMO_PASSWORD)
            user.password = password
        user.last_name, user.first_name = family_name, given_name
        user.is_staff = role == "系统管理员"
        user.save()
        if created:
            # What set_password's save does: the password history (AccountSecurity) starts.
            password_validation.password_changed(DEMO_PASSWORD, user)
        user.groups.set([Group.objects.get(name=role)])
        UserScope.objects.update_or_create(
            user=user, defaults={"town": towns.get(town_name) if town_name else None, "section": section}
        )


def demo_users(*usernames):
    """The demo's acting accounts, {username: user}, with their scope and groups read once: the
    services ask each actor's role (its groups) and scope on every call."""
    users = User.objects.filter(username__in=usernames).select_related("scope").prefetch_related("groups")
    return {u.username: u for u in users}


def is_loaded():
    return Region.objects.filter(level=Region.Level.VILLAGE).exists()


def not_demo_data():
    """What in this database is not the demo's: accounts other than the demo users, and audit
    events by anyone else (failed logins aside: anyone may type a name). Empty when the database
    may be emptied by `load_demo --reset`."""
    from .models import AuditEvent

    names = {row[0] for row in USERS}
    found = []
    others = list(User.objects.exclude(username__in=names).values_list("username", flat=True)[:5])
    if others:
        found.append("非演示账号：" + "、".join(others))
    acted = (
        AuditEvent.objects.exclude(actor_name__in=names)
        .exclude(actor_name="")
        .exclude(action="login_failed")
        .exists()
    )
    if acted:
        found.append("非演示账号的审计记录")
    return found

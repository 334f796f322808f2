"""低保花名册 (roster) import: a caseworker's existing Excel ledger becomes 低保 applications.

One row per person; rows sharing a 户主身份证号 form a household, whose head's row has 与户主关系
= 户主. The file goes through the core's one import pipeline (civaffairs/imports.py: the upload
limits, every row checked before anything is written, every failing cell reported in Chinese,
"第5行 身份证号：校验位错误"); then everything is written in one transaction, as pending
applications or — when an approver is named (存量对象迁移) — as approved ones.

Checking takes a constant number of queries whatever the file size (regions once, existing
身份证号 and open covers in chunks) and writing is bulk inserts through the enrolment service's bulk
form (enrol_many), so a district's 10,000 rows import in seconds on SQLite and PostgreSQL. It is
the bulk equivalent of register_household + submit_enrolment (+ decide_request), and applies the
same rules: GB 11643 身份证号, one person registered once, town scope, 低保 and 特困 exclude each
other, nobody approves their own submission.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civaffairs import audit, imports
from civaffairs.idnumber import InvalidIdNumber, make_id_number, mask_id_number, normalize, parse_id_number
from civaffairs.imports import EXAMPLE_MARK, ImportColumn, ImportFailed, RowError
from civaffairs.models import (
    Area,
    Case,
    Household,
    HouseholdMember,
    Person,
    Program,
    Region,
    Relation,
)
from civaffairs.money import to_cent
from civaffairs.payments.approval import check_approver
from civaffairs.periods import add_months, month_start, parse_month
from civaffairs.selectors import is_unbound_caseworker, user_town
from civaffairs.validators import validate_person_name

from . import programs as P
from .services.enrolment import enrol_many, find_conflicts_many

PAID_THROUGH, MONTHLY_PAID = "已发放至", "月发放额"
TOWN, VILLAGE, HEAD_ID, NAME, ID_NUMBER, RELATION, AREA, INCOME, START, CATEGORY = (
    "所属镇",
    "所属村",
    "户主身份证号",
    "姓名",
    "身份证号",
    "与户主关系",
    "城乡类别",
    "家庭月人均收入",
    "起始年月",
    "复核类别",
)
REQUIRED_HEADERS = [TOWN, VILLAGE, HEAD_ID, NAME, ID_NUMBER, RELATION, AREA, INCOME, START]
# A migrated ledger says up to which month it was paid outside the system, and how much a month:
# back-pay then owes those months only the difference. Left blank, those months are listed for
# the caseworker to settle by a correction (更正).
OPTIONAL_HEADERS = [CATEGORY, PAID_THROUGH, MONTHLY_PAID]
TEMPLATE_HEADERS = REQUIRED_HEADERS + OPTIONAL_HEADERS
# Columns describing the household, not the person: required on the head's row; member rows may
# leave them blank, and where they fill them in the values must agree with the head's row.
HOUSEHOLD_COLUMNS = [TOWN, VILLAGE, AREA, INCOME, START, CATEGORY, PAID_THROUGH, MONTHLY_PAID]

RELATIONS = {label: value for value, label in Relation.choices}
AREAS = {label: value for value, label in Area.choices}
CATEGORIES = dict(P.CASE_CATEGORIES[P.DIBAO])
DEFAULT_CATEGORY = "B"
MAX_INCOME = Decimal("99999999.99")  # Household.income_per_capita: max_digits=10, decimal_places=2
CHUNK = 900  # below SQLite's historical 999-parameter limit
BATCH = 1000
IMPORT_NOTE = "存量花名册导入"
NOT_XLSX = imports.NOT_XLSX
# The pipeline's failure, under the name the views, the command and the jobs know it by.
RosterError = ImportFailed

__all__ = ["ImportResult", "RosterError", "RowError", "import_roster", "importer", "template_bytes"]


@dataclass
class HouseholdPlan:
    head: dict  # the head's parsed row
    rows: list  # head first
    town_id: int
    region_id: int
    area: str
    income: Decimal
    start_month: datetime.date
    category: str
    paid_through: datetime.date | None = None
    monthly_paid: Decimal | None = None


@dataclass
class ImportResult:
    households: int
    persons: int
    approved: bool
    case_ids: list


def _error(row, column, message):
    return (row or 0, column, message)


# ---------------------------------------------------------------- parsing cells


def _text(value):
    return imports.text(value)


def _parse_name(value):
    name = _text(value)
    if EXAMPLE_MARK in name:
        raise ValueError("这是模板中的示例行，请删除后再导入")
    if len(name) > Person._meta.get_field("name").max_length:
        raise ValueError("姓名过长")
    # The rule of a name typed into a form (stripped there too): no formulas, no control
    # characters, nothing but letters, 间隔号 and spaces.
    try:
        validate_person_name(name)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from None
    return name


def _id_message(exc):
    message = str(exc)
    if message.startswith("身份证号") and not message.startswith("身份证号中"):
        message = message[len("身份证号") :]
    return message


def _parse_id(value):
    """(normalized 身份证号, birth date, sex)."""
    if isinstance(value, int | float):
        # Excel keeps 15 significant digits: an 18-digit number typed into a number cell has lost
        # its last digits for good, so say why rather than "校验位错误".
        raise ValueError("请将身份证号列设为文本格式后重新填写（数字格式会丢失末几位）")
    try:
        return parse_id_number(_text(value))
    except InvalidIdNumber as exc:
        raise ValueError(_id_message(exc)) from None


def _parse_head_id(value):
    return normalize(_text(value))


def _parse_relation(value):
    text = _text(value)
    if text not in RELATIONS:
        raise ValueError(f"应为{'、'.join(RELATIONS)}之一，而不是“{text}”")
    return RELATIONS[text]


def _parse_area(value):
    text = _text(value)
    if text not in AREAS:
        raise ValueError(f"应为“城镇”或“农村”，而不是“{text}”")
    return AREAS[text]


def _parse_income(value):
    if isinstance(value, bool):
        raise ValueError("应为数字（元）")
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError("应为数字（元）") from None
    if not amount.is_finite():
        raise ValueError("应为数字（元）")
    if amount < 0:
        raise ValueError("不能为负数")
    if amount > MAX_INCOME:
        raise ValueError("数额过大")
    return to_cent(amount)  # the one rounding rule


def _parse_month(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return datetime.date(value.year, value.month, 1)
    return parse_month(_text(value))  # InvalidPeriod is a ValueError with its Chinese reason


def _parse_category(value):
    text = _text(value).upper().removesuffix("类")
    if text not in CATEGORIES:
        raise ValueError(f"应为 A、B 或 C，而不是“{_text(value)}”")
    return text


class _Regions:
    """Towns and their villages (村（居）委 and 自然村), loaded once, matched by name within the town."""

    def __init__(self):
        self.towns = {}
        self.places = {}  # town_id → name → [(level, id, area)]
        rows = Region.objects.filter(
            level__in=[Region.Level.TOWN, Region.Level.VILLAGE, Region.Level.NATURAL]
        ).values_list("id", "name", "level", "town_id", "area")
        for pk, name, level, town_id, area in rows:
            if level == Region.Level.TOWN:
                self.towns[name] = pk
            elif town_id is not None:
                self.places.setdefault(town_id, {}).setdefault(name, []).append((level, pk, area))
        self.town_names = {pk: name for name, pk in self.towns.items()}

    def town(self, value):
        name = _text(value)
        if name not in self.towns:
            raise ValueError(f"未知的镇“{name}”")
        return self.towns[name]

    def village(self, town_id, name):
        found = self.places.get(town_id, {}).get(name, [])
        if not found:
            raise ValueError(f"{self.town_names[town_id]}没有名为“{name}”的村（居）委或自然村")
        # A village committee wins over a natural village of the same name; two of a level is ambiguous.
        level = min(f[0] for f in found)
        same = [f for f in found if f[0] == level]
        if len(same) > 1:
            raise ValueError(f"{self.town_names[town_id]}有{len(same)}个名为“{name}”的村，请联系管理员区分")
        return same[0][1]


def columns(regions=None):
    """The roster's columns, in the template's order. Town names are matched against regions (read
    once per import); a village is a name until the row's town is known (check_all)."""
    on_head = dict(required=True, cells_required=False, requirement="必填（户主行）")
    town = regions.town if regions is not None else _text
    return [
        ImportColumn(TOWN, parse=town, note="镇名，如 石城镇；镇经办人只能导入本镇", width=12, **on_head),
        ImportColumn(
            VILLAGE, parse=_text, note="该镇下的村（居）委或自然村名称，如 上洞村", width=12, **on_head
        ),
        ImportColumn(
            HEAD_ID,
            parse=_parse_head_id,
            blank="请填写户主身份证号",
            note="本户户主的身份证号；同一户主身份证号的各行为一户",
            text=True,
            width=22,
        ),
        ImportColumn(NAME, parse=_parse_name, blank="请填写姓名", width=12),
        ImportColumn(
            ID_NUMBER,
            parse=_parse_id,
            blank="请填写身份证号",
            note="18位，末位可为X；请保持文本格式，否则 Excel 会丢失末几位",
            text=True,
            width=22,
        ),
        ImportColumn(
            RELATION,
            parse=_parse_relation,
            blank=f"应为{'、'.join(RELATIONS)}之一",
            note="、".join(RELATIONS) + "；每户恰有一行为“户主”",
            choices=tuple(RELATIONS),
            width=12,
        ),
        ImportColumn(AREA, parse=_parse_area, note="城镇 或 农村", choices=tuple(AREAS), width=12, **on_head),
        ImportColumn(INCOME, parse=_parse_income, note="元，非负数", width=12, **on_head),
        ImportColumn(
            START, parse=_parse_month, note="如 2019-03、201903 或 2019年3月", text=True, width=22, **on_head
        ),
        ImportColumn(
            CATEGORY,
            required=False,
            parse=_parse_category,
            note="A（每年复核）、B（每半年复核）、C（每季度复核），空白为 B",
            choices=tuple(CATEGORIES),
            width=12,
        ),
        ImportColumn(
            PAID_THROUGH,
            required=False,
            parse=_parse_month,
            note="仅存量对象迁移：台账已发放至哪个月，如 2019-03",
            width=12,
        ),
        ImportColumn(
            MONTHLY_PAID,
            required=False,
            parse=_parse_income,
            note="仅存量对象迁移：台账每月发放额（元）",
            width=12,
        ),
    ]


# ---------------------------------------------------------------- checks across rows


def _check_persons(rows, errors):
    """Duplicate 身份证号 inside the file."""
    seen = {}
    for row in rows:
        number = (row[ID_NUMBER] or (None,))[0]
        if number is None:
            continue
        if number in seen:
            errors.append(_error(row["_row"], ID_NUMBER, f"与第{seen[number]}行重复"))
        else:
            seen[number] = row["_row"]


def _group(rows, errors):
    """{户主身份证号: (head row or None, [rows])}, reporting households without exactly one head."""
    groups = {}
    for row in rows:
        if row[HEAD_ID]:
            groups.setdefault(row[HEAD_ID], []).append(row)
    result = {}
    for head_id, members in groups.items():
        heads = [r for r in members if r[RELATION] == Relation.HEAD]
        if not heads:
            if all(r[RELATION] is not None for r in members):
                errors.append(
                    _error(
                        members[0]["_row"],
                        RELATION,
                        f"户主身份证号为{mask_id_number(head_id)}的家庭没有与户主关系为“户主”的行",
                    )
                )
            result[head_id] = (None, members)
            continue
        head = heads[0]
        for extra in heads[1:]:
            errors.append(
                _error(extra["_row"], RELATION, f"同一家庭只能有一名户主（第{head['_row']}行已是户主）")
            )
        if head[ID_NUMBER] and head[ID_NUMBER][0] != head_id:
            errors.append(_error(head["_row"], ID_NUMBER, "户主行的身份证号须与户主身份证号一致"))
        result[head_id] = (head, [head] + [r for r in members if r is not head])
    return result


def _check_households(groups, regions, actor_town, errors):
    """Household columns: required on the head's row, consistent on member rows; villages matched
    within the row's town (a member row may leave the town to the head's)."""
    plans, household = [], {}  # household: row number → {column: value} as the row gives it
    for head, members in groups.values():
        for row in members:
            is_head = row is head
            mine = household[row["_row"]] = {}
            for column in HOUSEHOLD_COLUMNS:
                value = row[column]
                if value is None:
                    if is_head and column in REQUIRED_HEADERS and column not in row["_failed"]:
                        errors.append(_error(row["_row"], column, f"户主行须填写{column}"))
                    continue
                if column == TOWN and actor_town is not None and value != actor_town.pk:
                    errors.append(_error(row["_row"], TOWN, f"只能导入本镇（{actor_town.name}）的对象"))
                if column == VILLAGE:
                    town_id = mine.get(TOWN)
                    if (
                        town_id is None
                        and row[TOWN] is None
                        and TOWN not in row["_failed"]
                        and head is not None
                    ):
                        town_id = household[head["_row"]].get(TOWN)
                    if town_id is None:
                        continue  # the town is wrong or missing: said there
                    try:
                        value = regions.village(town_id, value)
                    except ValueError as exc:
                        errors.append(_error(row["_row"], column, str(exc)))
                        continue
                mine[column] = value
                theirs = household[head["_row"]] if head is not None and not is_head else {}
                if column in theirs and theirs[column] != value:
                    errors.append(_error(row["_row"], column, f"与户主行（第{head['_row']}行）不一致"))
        p = household[head["_row"]] if head is not None else {}
        if head is not None and all(c in p for c in REQUIRED_HEADERS if c in HOUSEHOLD_COLUMNS):
            plans.append(
                HouseholdPlan(
                    head=head,
                    rows=members,
                    town_id=p[TOWN],
                    region_id=p[VILLAGE],
                    area=p[AREA],
                    income=p[INCOME],
                    start_month=p[START],
                    category=p.get(CATEGORY, DEFAULT_CATEGORY),
                    paid_through=p.get(PAID_THROUGH),
                    monthly_paid=p.get(MONTHLY_PAID),
                )
            )
    return plans


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _check_database(rows, program, errors, town=None, starts=None):
    """Persons already registered, and those of them with an open 低保 or 特困 cover: one query per
    chunk of 身份证号, whatever the file size."""
    by_number = {row[ID_NUMBER][0]: row for row in rows if row[ID_NUMBER]}
    existing = {}
    for chunk in _chunks(by_number):
        existing.update(Person.objects.filter(id_number__in=chunk).values_list("id", "id_number"))
    if not existing:
        return
    # The enrolment service's own check, for many persons at once: open or pending covers of
    # 低保 itself or of its exclusion group (特困); rejected applications do not count.
    covered, starts = {}, starts or {}
    for start in sorted(set(starts.values())):
        ids = [pid for pid, number in existing.items() if starts.get(number) == start]
        for person_id, covers in find_conflicts_many(program, ids, start).items():
            covered.setdefault(person_id, covers[0])
    for person_id, number in existing.items():
        row = by_number[number]
        if person_id in covered:
            cov = covered[person_id]
            case_id, program_name, town_name = cov.case_id, cov.case.program.name, cov.case.town.name
            label = cov.case.get_status_display()
            if town is not None and cov.case.town_id != town.pk:
                # Another town's case: a town caseworker learns only that one exists.
                message = "已在其他镇享受不能同时享受的救助，请联系区民政局核实"
            else:
                message = (
                    f"已有{label}的{program_name}（编号{case_id}，{town_name}），低保与特困不能同时或重复享受"
                )
            errors.append(_error(row["_row"], ID_NUMBER, message))
        else:
            errors.append(_error(row["_row"], ID_NUMBER, "该身份证号已登记，不能重复导入"))


def _check_backdating(plans, errors):
    """An upload without an approver makes new applications (not a migration): the backdating
    limit holds, and what a ledger paid outside the system — a migration's history — would be
    dropped and those months paid again as arrears once approved."""
    limit = settings.ENROLMENT_MAX_BACKDATE_MONTHS
    earliest = add_months(month_start(timezone.localdate()), -limit)
    for plan in plans:
        number = plan.head["_row"]
        if plan.start_month < earliest:
            errors.append(
                _error(
                    number,
                    START,
                    f"起始年月最早可追溯{limit}个月（{earliest:%Y年%m月}）；更早开始享受的存量对象须由系统管理员按历史台账迁移导入（命令 import_roster --approver）",
                )
            )
        for column in (PAID_THROUGH, MONTHLY_PAID):
            if plan.head[column] is not None:
                errors.append(
                    _error(number, column, f"“{column}”仅用于存量对象迁移（导入时批准），新申请请留空")
                )


def _check_actors(actor, approver, program):
    """The submitter must be able to apply; an approver must pass decide_request's checks."""

    def refuse(column, message):
        return RosterError([RowError(0, -1, column, message)])

    if is_unbound_caseworker(actor):
        raise refuse("导入人", f"{actor.username}未绑定镇或股室，请联系系统管理员")
    if not actor.has_perm("civaffairs.add_request"):
        raise refuse("导入人", f"{actor.username}的角色不能提交救助申请")
    if approver is not None:
        try:
            check_approver(approver, "civaffairs.approve_case", program.section, actor.pk)
        except PermissionDenied as exc:
            raise refuse("审批人", f"{approver.username}：{exc}") from None


# ---------------------------------------------------------------- the importer


def importer(*, actor, approver=None, filename=""):
    """The roster as an import of the core pipeline: the checks across rows group them into
    households (check_all), and the households are written in bulk (write_all)."""
    program = Program.objects.get(code=P.DIBAO)
    _check_actors(actor, approver, program)
    regions = _Regions()
    plans = []

    def check_all(rows):
        errors = []
        _check_persons(rows, errors)
        groups = _group(rows, errors)
        plans[:] = _check_households(groups, regions, user_town(actor), errors)
        # Each person's cover would start with their household's start month.
        starts = {
            row[ID_NUMBER][0]: plan.start_month for plan in plans for row in plan.rows if row[ID_NUMBER]
        }
        _check_database(rows, program, errors, user_town(actor), starts)
        if approver is None:
            _check_backdating(plans, errors)
        return errors

    def write_all(_rows, progress):
        return _write(
            plans, program=program, actor=actor, approver=approver, filename=filename, progress=progress
        )

    return imports.Importer(
        "低保花名册导入",
        columns(regions),
        sheet_name="花名册",
        check_all=check_all,
        write_all=write_all,
        examples=_examples(),
        conflict="导入期间有人同时登记了文件中的人员，未导入任何数据，请重新导入",
    )


# ---------------------------------------------------------------- writing


def _write(plans, *, program, actor, approver, filename, progress=None):
    """Bulk equivalent of register_household, then enrol_many (+ approval)."""
    progress = progress or (lambda done, total, stage="": None)
    total = sum(len(plan.rows) for plan in plans)
    persons = {}
    for plan in plans:
        for row in plan.rows:
            number, birth_date, sex = row[ID_NUMBER]
            persons[row["_row"]] = Person(
                name=row[NAME],
                id_number=number,
                birth_date=birth_date,
                sex=sex,
                region_id=plan.region_id,
                town_id=plan.town_id,
            )
    Person.objects.bulk_create(persons.values(), batch_size=BATCH)
    progress(total // 3, total, "写入人员")
    households = [
        Household(
            head=persons[plan.head["_row"]],
            region_id=plan.region_id,
            town_id=plan.town_id,
            area=plan.area,
            income_per_capita=plan.income,
            income_total=plan.income * len(plan.rows),
        )
        for plan in plans
    ]
    Household.objects.bulk_create(households, batch_size=BATCH)
    HouseholdMember.objects.bulk_create(
        [
            HouseholdMember(
                household=household,
                person=persons[row["_row"]],
                relation=row[RELATION],
                joined_on=plan.start_month,
            )
            for plan, household in zip(plans, households, strict=True)
            for row in plan.rows
        ],
        batch_size=BATCH,
    )
    progress(total * 2 // 3, total, "写入家庭")
    # The cases go through the one enrolment path, in its bulk form: the same checks as an
    # application on screen, approved on import when an approver is named (存量对象迁移).
    status = Case.Status.ACTIVE if approver else Case.Status.PENDING
    cases = enrol_many(
        actor=actor,
        approver=approver,
        program=program,
        applications=[
            dict(
                household=household,
                start_month=plan.start_month,
                category=plan.category,
                reason=IMPORT_NOTE,
                paid_through=plan.paid_through,
                monthly_paid=plan.monthly_paid,
                # The members just written: the service need not read them back.
                members={persons[row["_row"]].pk: persons[row["_row"]] for row in plan.rows},
            )
            for plan, household in zip(plans, households, strict=True)
        ],
        # Only a migration (存量迁移: the command, naming an approver) carries its own history; an
        # upload on screen makes new applications, held to the backdating limit like any other.
        migrated=approver is not None,
        note=IMPORT_NOTE if approver is None else "存量对象迁移，导入时批准",
    )
    case_ids = [c.pk for c in cases]
    audit.record(
        actor,
        "roster.import",
        None,
        {
            "file": filename,
            "program": program.code,
            "households": len(plans),
            "persons": len(persons),
            "approved_on_import": approver is not None,
            "approved_by": approver.username if approver else None,
            "status": status,
            "case_ids": case_ids,
        },
        object_type="roster",
        object_repr=f"低保花名册导入 {filename}".strip(),
    )
    progress(total, total, "写入申请")
    return ImportResult(
        households=len(plans), persons=len(persons), approved=approver is not None, case_ids=case_ids
    )


def import_roster(file, *, actor, approver=None, filename="", progress=None):
    """Import an XLSX roster (path or file object) as 低保 applications submitted by `actor`, or
    approved by `approver` when given. Raises RosterError listing every problem; writes nothing
    then. progress(done, total, stage) hears how far it is (the background job's bar)."""
    spec = importer(actor=actor, approver=approver, filename=filename)
    return imports.run(spec, file, progress=progress)


# ---------------------------------------------------------------- template


def template_bytes():
    """The import template: the headers, a head and a member as example rows, and notes."""
    return imports.template(importer_for_template())


def _examples():
    """A head and a member, marked as examples (an import refuses them if left in)."""
    head_id = make_id_number("445303", datetime.date(1968, 4, 12), 15)
    wife = make_id_number("445323", datetime.date(1970, 9, 2), 26)
    month = f"{timezone.localdate():%Y-%m}"  # this month: an upload may backdate only a few months
    return [
        ["石城镇", "上洞村", head_id, f"黄大明{EXAMPLE_MARK}", head_id, "户主", "农村", 180, month, "B"],
        ["石城镇", "上洞村", head_id, f"李秀英{EXAMPLE_MARK}", wife, "配偶", "农村", 180, month, "B"],
    ]


def importer_for_template():
    return imports.Importer("低保花名册导入", columns(), sheet_name="花名册", examples=_examples())

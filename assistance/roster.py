"""低保花名册 (roster) import: a caseworker's existing Excel ledger becomes 低保 applications.

One row per person; rows sharing a 户主身份证号 form a household, whose head's row has 与户主关系
= 户主. Every row is checked before anything is written, and every failing cell is reported in
Chinese ("第5行 身份证号：校验位错误"); then everything is written in one transaction, as pending
applications or — when an approver is named (存量对象迁移) — as approved ones.

Validation takes a constant number of queries whatever the file size (regions once, existing
身份证号 and open covers in chunks) and writing is bulk inserts, so a district's 10,000 rows
import in seconds on SQLite and PostgreSQL. It is the bulk equivalent of register_household +
submit_enrolment (+ decide_request), and applies the same rules: GB 11643 身份证号, one person
registered once, town scope, 低保 and 特困 exclude each other, nobody approves their own submission.
"""

import datetime
import itertools
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civaffairs import audit, uploads
from civaffairs.idnumber import InvalidIdNumber, make_id_number, normalize, parse_id_number
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
from civaffairs.periods import InvalidPeriod, add_months, month_start, parse_month
from civaffairs.selectors import is_unbound_caseworker, user_town
from civaffairs.spreadsheets import Column, Sheet, write_workbook
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
COLUMN_ORDER = {h: i for i, h in enumerate(TEMPLATE_HEADERS)}

RELATIONS = {label: value for value, label in Relation.choices}
AREAS = {label: value for value, label in Area.choices}
CATEGORIES = dict(P.CASE_CATEGORIES[P.DIBAO])
DEFAULT_CATEGORY = "B"
MAX_INCOME = Decimal("99999999.99")  # Household.income_per_capita: max_digits=10, decimal_places=2
CHUNK = 900  # below SQLite's historical 999-parameter limit
BATCH = 1000
# A district's whole 低保 ledger is some 10,000 rows; a file far beyond it is a mistake or an attack
# (a 20 MB XLSX unzips to millions of rows), refused before it fills the server's memory.
MAX_ROWS = 50000
HEADER_SEARCH_ROWS = 10  # ledgers often carry a title line or two above the header
IMPORT_NOTE = "存量花名册导入"
EXAMPLE_MARK = "（示例）"
NOT_XLSX = uploads.NOT_XLSX


@dataclass(frozen=True, order=True)
class RowError:
    """One failing cell: row is the spreadsheet's row number (None for the file as a whole)."""

    row: int
    order: int
    column: str
    message: str

    def __str__(self):
        where = f"第{self.row}行 " if self.row else ""
        return f"{where}{self.column}：{self.message}" if self.column else f"{where}{self.message}"


def _error(row, column, message):
    return RowError(row or 0, COLUMN_ORDER.get(column, -1), column, message)


class RosterError(Exception):
    """The file cannot be imported; `errors` lists every failing row and column."""

    def __init__(self, errors):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class Row:
    number: int  # spreadsheet row number
    values: dict  # header → raw cell value (None when blank)
    name: str = ""
    id_number: str | None = None  # normalized and valid, else None
    birth_date: datetime.date | None = None
    sex: str = ""
    head_id: str = ""
    relation: str | None = None
    parsed: dict = field(default_factory=dict)  # household column → parsed value


@dataclass
class HouseholdPlan:
    head: Row
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


# ---------------------------------------------------------------- reading


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value):
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header(value):
    return "".join(_text(value).split())  # "身份 证号\n" → "身份证号"


def read_rows(file):
    """(rows, errors): the first sheet's data rows as Row objects, blank rows skipped. The file is
    read through the core's guarded reader (civaffairs/uploads.py): size, unpacked size, row count
    and cell size are limited, and a file over a limit is refused unread or as soon as it shows."""
    try:
        return _read_rows(uploads.iter_sheet(file))
    except uploads.UploadRefused as exc:
        return [], [_error(None, "文件", str(exc))]


def _read_rows(lines):
    head = []
    header_number, header = None, None
    for number, line in lines:
        head.append((number, line))
        cells = [_header(v) for v in line]
        if header is None and any(cells):
            header_number, header = number, cells
        if ID_NUMBER in cells:
            header_number, header = number, cells
            break
        if number >= HEADER_SEARCH_ROWS and header is not None:
            break
    if header is None:
        return [], [_error(None, "文件", "文件为空，没有表头和数据")]
    errors = []
    columns = {}
    for index, name in enumerate(header):
        if name in TEMPLATE_HEADERS:
            if name in columns:
                errors.append(_error(header_number, name, "表头重复"))
            columns.setdefault(name, index)
    for name in REQUIRED_HEADERS:
        if name not in columns:
            errors.append(_error(header_number, name, f"缺少必填列“{name}”"))
    if errors:
        return [], errors
    rows = []
    # The lines read past the header while looking for it, then the rest of the stream.
    for number, line in itertools.chain((x for x in head if x[0] > header_number), lines):
        values = {name: (line[i] if i < len(line) else None) for name, i in columns.items()}
        if all(_blank(v) for v in values.values()):
            continue
        rows.append(Row(number=number, values=values))
    if not rows:
        return [], [_error(None, "文件", "表头下没有数据行")]
    return rows, []


# ---------------------------------------------------------------- parsing cells


def _id_message(exc):
    message = str(exc)
    if message.startswith("身份证号") and not message.startswith("身份证号中"):
        message = message[len("身份证号") :]
    return message


def _parse_id(value):
    if isinstance(value, int | float):
        # Excel keeps 15 significant digits: an 18-digit number typed into a number cell has lost
        # its last digits for good, so say why rather than "校验位错误".
        raise InvalidIdNumber("请将身份证号列设为文本格式后重新填写（数字格式会丢失末几位）")
    return parse_id_number(_text(value))


def _parse_income(value):
    if isinstance(value, bool):
        raise ValueError
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
    return parse_month(_text(value))


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

    def village(self, town_id, value):
        name = _text(value)
        found = self.places.get(town_id, {}).get(name, [])
        if not found:
            raise ValueError(f"{self.town_names[town_id]}没有名为“{name}”的村（居）委或自然村")
        # A village committee wins over a natural village of the same name; two of a level is ambiguous.
        level = min(f[0] for f in found)
        same = [f for f in found if f[0] == level]
        if len(same) > 1:
            raise ValueError(f"{self.town_names[town_id]}有{len(same)}个名为“{name}”的村，请联系管理员区分")
        return same[0][1]


def _parse_household_cell(column, value, regions, town_id):
    if column == TOWN:
        return regions.town(value)
    if column == VILLAGE:
        if town_id is None:
            raise ValueError("所属镇有误，无法确定村")
        return regions.village(town_id, value)
    if column == AREA:
        text = _text(value)
        if text not in AREAS:
            raise ValueError(f"应为“城镇”或“农村”，而不是“{text}”")
        return AREAS[text]
    if column == INCOME:
        return _parse_income(value)
    if column == START:
        return _parse_month(value)
    if column == PAID_THROUGH:
        return _parse_month(value)
    if column == MONTHLY_PAID:
        return _parse_income(value)
    if column == CATEGORY:
        text = _text(value).upper().removesuffix("类")
        if text not in CATEGORIES:
            raise ValueError(f"应为 A、B 或 C，而不是“{_text(value)}”")
        return text
    raise AssertionError(column)


# ---------------------------------------------------------------- validating


def _check_persons(rows, errors):
    """Name, 身份证号, 户主身份证号 and relation of every row; duplicates inside the file."""
    seen = {}
    for row in rows:
        v = row.values
        row.name = _text(v[NAME])
        if EXAMPLE_MARK in row.name:
            errors.append(_error(row.number, NAME, "这是模板中的示例行，请删除后再导入"))
        elif len(row.name) > Person._meta.get_field("name").max_length:
            errors.append(_error(row.number, NAME, "姓名过长"))
        else:
            # The rule of a name typed into a form (stripped there too): no formulas, no
            # control characters, nothing but letters, 间隔号 and spaces.
            try:
                validate_person_name(row.name)
            except ValidationError as exc:
                errors.append(_error(row.number, NAME, exc.messages[0]))
        if _blank(v[ID_NUMBER]):
            errors.append(_error(row.number, ID_NUMBER, "请填写身份证号"))
        else:
            try:
                row.id_number, row.birth_date, row.sex = _parse_id(v[ID_NUMBER])
            except InvalidIdNumber as exc:
                errors.append(_error(row.number, ID_NUMBER, _id_message(exc)))
        if row.id_number:
            if row.id_number in seen:
                errors.append(_error(row.number, ID_NUMBER, f"与第{seen[row.id_number]}行重复"))
            else:
                seen[row.id_number] = row.number
        if _blank(v[HEAD_ID]):
            errors.append(_error(row.number, HEAD_ID, "请填写户主身份证号"))
        else:
            row.head_id = normalize(_text(v[HEAD_ID]))
        text = _text(v[RELATION])
        if text not in RELATIONS:
            allowed = "、".join(RELATIONS)
            reason = f"应为{allowed}之一" + (f"，而不是“{text}”" if text else "")
            errors.append(_error(row.number, RELATION, reason))
        else:
            row.relation = RELATIONS[text]


def _group(rows, errors):
    """{户主身份证号: (head row or None, [rows])}, reporting households without exactly one head."""
    groups = {}
    for row in rows:
        if row.head_id:
            groups.setdefault(row.head_id, []).append(row)
    result = {}
    for head_id, members in groups.items():
        heads = [r for r in members if r.relation == Relation.HEAD]
        if not heads:
            if all(r.relation is not None for r in members):
                errors.append(
                    _error(
                        members[0].number,
                        RELATION,
                        f"户主身份证号为{head_id}的家庭没有与户主关系为“户主”的行",
                    )
                )
            result[head_id] = (None, members)
            continue
        head = heads[0]
        for extra in heads[1:]:
            errors.append(
                _error(extra.number, RELATION, f"同一家庭只能有一名户主（第{head.number}行已是户主）")
            )
        if head.id_number and head.id_number != head_id:
            errors.append(_error(head.number, ID_NUMBER, "户主行的身份证号须与户主身份证号一致"))
        result[head_id] = (head, [head] + [r for r in members if r is not head])
    return result


def _check_households(groups, regions, actor_town, errors):
    """Household columns: required and parsed on the head's row, consistent on member rows."""
    plans = []
    for head, members in groups.values():
        for row in members:
            is_head = row is head
            town_id = None
            for column in HOUSEHOLD_COLUMNS:
                value = row.values.get(column)
                if _blank(value):
                    if is_head and column in REQUIRED_HEADERS:
                        errors.append(_error(row.number, column, f"户主行须填写{column}"))
                    continue
                if column == VILLAGE and town_id is None and _blank(row.values[TOWN]) and head is not None:
                    town_id = head.parsed.get(TOWN)  # a member row may leave the town to the head's
                try:
                    parsed = _parse_household_cell(column, value, regions, town_id)
                except (ValueError, InvalidPeriod) as exc:
                    if column != VILLAGE or town_id is not None:
                        errors.append(_error(row.number, column, str(exc) or "格式有误"))
                    continue
                if column == TOWN:
                    town_id = parsed
                    if actor_town is not None and parsed != actor_town.pk:
                        errors.append(_error(row.number, TOWN, f"只能导入本镇（{actor_town.name}）的对象"))
                row.parsed[column] = parsed
                if (
                    not is_head
                    and head is not None
                    and column in head.parsed
                    and head.parsed[column] != parsed
                ):
                    errors.append(_error(row.number, column, f"与户主行（第{head.number}行）不一致"))
        if head is not None and all(c in head.parsed for c in REQUIRED_HEADERS if c in HOUSEHOLD_COLUMNS):
            p = head.parsed
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
    by_number = {r.id_number: r for r in rows if r.id_number}
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
            errors.append(_error(row.number, ID_NUMBER, message))
        else:
            errors.append(_error(row.number, ID_NUMBER, "该身份证号已登记，不能重复导入"))


def _check_actors(actor, approver, program):
    """The submitter must be able to apply; an approver must pass decide_request's checks."""
    if is_unbound_caseworker(actor):
        raise RosterError([_error(None, "导入人", f"{actor.username}未绑定镇或股室，请联系系统管理员")])
    if not actor.has_perm("civaffairs.add_request"):
        raise RosterError([_error(None, "导入人", f"{actor.username}的角色不能提交救助申请")])
    if approver is not None:
        try:
            check_approver(approver, "civaffairs.approve_case", program.section, actor.pk)
        except PermissionDenied as exc:
            raise RosterError([_error(None, "审批人", f"{approver.username}：{exc}")]) from None


def validate(rows, *, actor, approver=None):
    """Every check, no writes: (program, household plans, errors)."""
    program = Program.objects.get(code=P.DIBAO)
    _check_actors(actor, approver, program)
    errors = []
    _check_persons(rows, errors)
    groups = _group(rows, errors)
    plans = _check_households(groups, _Regions(), user_town(actor), errors)
    # Each person's cover would start with their household's start month.
    starts = {row.id_number: plan.start_month for plan in plans for row in plan.rows}
    _check_database(rows, program, errors, user_town(actor), starts)
    if approver is None:
        # An upload without an approver makes new applications (not a migration): the backdating
        # limit holds, and what a ledger paid outside the system — a migration's history — would
        # be dropped and those months paid again as arrears once approved.
        limit = settings.ENROLMENT_MAX_BACKDATE_MONTHS
        earliest = add_months(month_start(timezone.localdate()), -limit)
        for plan in plans:
            if plan.start_month < earliest:
                errors.append(
                    _error(
                        plan.head.number,
                        START,
                        f"起始年月最早可追溯{limit}个月（{earliest:%Y年%m月}），更早的请按历史台账迁移导入",
                    )
                )
            for column in (PAID_THROUGH, MONTHLY_PAID):
                if column in plan.head.parsed:
                    errors.append(
                        _error(
                            plan.head.number,
                            column,
                            f"“{column}”仅用于存量对象迁移（导入时批准），新申请请留空",
                        )
                    )
    return program, plans, errors


# ---------------------------------------------------------------- writing


def _write(plans, *, program, actor, approver, filename):
    """Bulk equivalent of register_household, then enrol_many (+ approval)."""
    persons = {}
    for plan in plans:
        for row in plan.rows:
            persons[row.number] = Person(
                name=row.name,
                id_number=row.id_number,
                birth_date=row.birth_date,
                sex=row.sex,
                region_id=plan.region_id,
                town_id=plan.town_id,
            )
    Person.objects.bulk_create(persons.values(), batch_size=BATCH)
    households = [
        Household(
            head=persons[plan.head.number],
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
                person=persons[row.number],
                relation=row.relation,
                joined_on=plan.start_month,
            )
            for plan, household in zip(plans, households, strict=True)
            for row in plan.rows
        ],
        batch_size=BATCH,
    )
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
    return ImportResult(
        households=len(plans), persons=len(persons), approved=approver is not None, case_ids=case_ids
    )


def import_roster(file, *, actor, approver=None, filename=""):
    """Import an XLSX roster (path or file object) as 低保 applications submitted by `actor`, or
    approved by `approver` when given. Raises RosterError listing every problem; writes nothing then."""
    rows, errors = read_rows(file)
    if errors:
        raise RosterError(errors)
    program, plans, errors = validate(rows, actor=actor, approver=approver)
    if errors:
        raise RosterError(errors)
    try:
        with transaction.atomic():
            return _write(plans, program=program, actor=actor, approver=approver, filename=filename)
    except ValidationError as exc:
        # The enrolment service's checks at write time (someone covered a person since the
        # check): nothing is written, and its reasons are told.
        raise RosterError([_error(None, "文件", m) for m in exc.messages]) from None
    except IntegrityError:
        # Someone registered one of these persons, or covered them, between check and write.
        raise RosterError(
            [_error(None, "文件", "导入期间有人同时登记了文件中的人员，未导入任何数据，请重新导入")]
        ) from None


# ---------------------------------------------------------------- template


TEMPLATE_NOTES = [
    (TOWN, "必填（户主行）", "镇名，如 石城镇；镇经办人只能导入本镇"),
    (VILLAGE, "必填（户主行）", "该镇下的村（居）委或自然村名称，如 上洞村"),
    (HEAD_ID, "必填", "本户户主的身份证号；同一户主身份证号的各行为一户"),
    (NAME, "必填", ""),
    (ID_NUMBER, "必填", "18位，末位可为X；请保持文本格式，否则 Excel 会丢失末几位"),
    (RELATION, "必填", "、".join(RELATIONS) + "；每户恰有一行为“户主”"),
    (AREA, "必填（户主行）", "城镇 或 农村"),
    (INCOME, "必填（户主行）", "元，非负数"),
    (START, "必填（户主行）", "如 2019-03、201903 或 2019年3月"),
    (CATEGORY, "选填", "A（每年复核）、B（每半年复核）、C（每季度复核），空白为 B"),
]


def template_bytes():
    """The import template: the headers, a head and a member as example rows, and notes."""
    from openpyxl.utils import get_column_letter  # openpyxl loads on use, not with the URLs
    from openpyxl.worksheet.datavalidation import DataValidation

    head_id = make_id_number("445303", datetime.date(1968, 4, 12), 15)
    examples = [
        ["石城镇", "上洞村", head_id, f"黄大明{EXAMPLE_MARK}", head_id, "户主", "农村", 180, "2019-03", "B"],
        [
            "石城镇",
            "上洞村",
            head_id,
            f"李秀英{EXAMPLE_MARK}",
            make_id_number("445323", datetime.date(1970, 9, 2), 26),
            "配偶",
            "农村",
            180,
            "2019-03",
            "B",
        ],
    ]
    # 身份证号 and 年月 columns formatted as text, so Excel keeps what is typed there as typed.
    text_columns = {HEAD_ID, ID_NUMBER, START}
    columns = [Column(h, 22 if h in text_columns else 12, text=h in text_columns) for h in TEMPLATE_HEADERS]
    validations = []
    for header, options in ((RELATION, RELATIONS), (AREA, AREAS), (CATEGORY, CATEGORIES)):
        letter = get_column_letter(TEMPLATE_HEADERS.index(header) + 1)
        rule = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        rule.add(f"{letter}2:{letter}20000")
        validations.append(rule)
    notes = [list(line) for line in TEMPLATE_NOTES] + [
        [],
        ["导入只读取第一个工作表；列的顺序不限，其他列将被忽略。示例行请删除后再导入。"],
    ]
    return write_workbook(
        Sheet("花名册", columns, examples, validations=validations),
        Sheet("填写说明", [Column("列名", 16), Column("是否必填", 16), Column("说明", 70)], notes),
    )

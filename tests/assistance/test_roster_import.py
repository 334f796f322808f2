"""低保花名册 import: XLSX rows → persons, households, 低保 applications; every error reported, nothing written."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assistance import programs as P
from assistance import roster
from civaffairs import figures, imports, payments
from civaffairs.idnumber import make_id_number, mask_id_number
from civaffairs.models import (
    ApprovalStatus,
    AuditEvent,
    Case,
    Coverage,
    Household,
    HouseholdMember,
    PaymentLine,
    Person,
    Program,
    Relation,
    Request,
    Section,
)
from civaffairs.periods import Period
from civaffairs.roles import CASEWORKER, CHIEF
from civaffairs.spreadsheets import Column, Sheet, write_workbook
from tests.factories import HouseholdFactory, PersonFactory, make_user, natural_village, role_group, village

HEADERS = roster.TEMPLATE_HEADERS
MARCH = datetime.date(2019, 3, 1)

# Two households of 石城镇上洞村: 黄 (3 persons, A类) and 李 (2 persons, no 复核类别 → B).
HUANG = make_id_number("445303", datetime.date(1968, 4, 12), 15)
HUANG_WIFE = make_id_number("445323", datetime.date(1970, 9, 2), 26)
HUANG_SON = make_id_number("445303", datetime.date(2001, 1, 30), 37)
LI = make_id_number("445303", datetime.date(1955, 7, 7), 41)
LI_MOTHER = make_id_number("445303", datetime.date(1930, 2, 2), 52)


def rows(town="石城镇", village_name="上洞村"):
    """Rows of the two households as dicts keyed by header (spreadsheet rows 2..6)."""

    def row(head, name, number, relation, income=180, category="A"):
        return {
            "所属镇": town,
            "所属村": village_name,
            "户主身份证号": head,
            "姓名": name,
            "身份证号": number,
            "与户主关系": relation,
            "城乡类别": "农村",
            "家庭月人均收入": income,
            "起始年月": "2019-03",
            "复核类别": category,
        }

    return [
        row(HUANG, "黄大明", HUANG, "户主"),
        row(HUANG, "李秀英", HUANG_WIFE, "配偶"),
        row(HUANG, "黄小明", HUANG_SON, "子女"),
        row(LI, "李四", LI, "户主", income="210.5", category=None),
        row(LI, "王五妹", LI_MOTHER, "父母", income=None, category=None),
    ]


def xlsx(data, headers=HEADERS):
    """An XLSX file object with the header row and one row per dict (missing keys blank)."""
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in data:
        ws.append([r.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "花名册.xlsx"
    return buf


def table_counts():
    return {
        m.__name__: m.objects.count()
        for m in (Person, Household, HouseholdMember, Case, Coverage, Request, AuditEvent)
    }


def dibao_figures():
    return figures.compute(Period.parse("2019H1"), keys=["dibao.households", "dibao.persons"])


def covered_by_dibao(person, user, status=Case.Status.ACTIVE):
    """An existing 低保 case covering the person (as demo._save_cases writes them)."""
    household = HouseholdFactory(head=person, region=person.region, members=0)
    program = Program.objects.get(code=P.DIBAO)
    case = Case.objects.create(
        program=program,
        household=household,
        town=household.town,
        area="rural",
        category="B",
        start_month=datetime.date(2018, 5, 1),
        status=status,
        submitted_by=user,
    )
    Coverage.objects.create(
        case=case,
        person=person,
        program=program,
        exclusion_group="basic_living",
        start_month=case.start_month,
    )
    return case


@pytest.fixture
def district_caseworker(db):
    """社会救助股经办人: no town, imports any town's rows."""
    return make_user(CASEWORKER, section=Section.ASSISTANCE, username="jiuzhu")


def import_as(user, data, **kwargs):
    return roster.import_roster(xlsx(data) if isinstance(data, list) else data, actor=user, **kwargs)


def errors_of(user, data, **kwargs):
    """Import expecting failure: the errors as 'row column message' strings; asserts nothing written."""
    before = table_counts()
    with pytest.raises(roster.RosterError) as info:
        import_as(user, data, **kwargs)
    assert table_counts() == before
    return [str(e) for e in info.value.errors]


# ---------------------------------------------------------------- success


def test_it_imports_two_households_as_pending_applications(caseworker, shicheng_village):
    before = dibao_figures()

    result = import_as(caseworker, rows(), filename="花名册.xlsx")

    assert (result.households, result.persons, result.approved) == (2, 5, False)
    assert Person.objects.count() == 5
    huang = Household.objects.get(head__id_number=HUANG)
    assert (huang.region, huang.town.name, huang.area, huang.income_per_capita) == (
        shicheng_village,
        "石城镇",
        "rural",
        Decimal("180.00"),
    )
    li = Household.objects.get(head__id_number=LI)
    assert li.income_per_capita == Decimal("210.50")
    members = {m.person.id_number: m for m in HouseholdMember.objects.select_related("person")}
    assert {n: m.relation for n, m in members.items()} == {
        HUANG: Relation.HEAD,
        HUANG_WIFE: Relation.SPOUSE,
        HUANG_SON: Relation.CHILD,
        LI: Relation.HEAD,
        LI_MOTHER: Relation.PARENT,
    }
    assert {m.joined_on for m in members.values()} == {MARCH}
    son = Person.objects.get(id_number=HUANG_SON)
    assert (son.birth_date, son.sex, son.region, son.town.name) == (
        datetime.date(2001, 1, 30),
        "M",
        shicheng_village,
        "石城镇",
    )
    assert Person.objects.get(id_number=HUANG_WIFE).sex == "F"
    cases = {c.household.head.id_number: c for c in Case.objects.select_related("household__head", "program")}
    assert {n: (c.program.code, c.status, c.category, c.start_month) for n, c in cases.items()} == {
        HUANG: (P.DIBAO, Case.Status.PENDING, "A", MARCH),
        LI: (P.DIBAO, Case.Status.PENDING, "B", MARCH),
    }
    assert {c.submitted_by for c in cases.values()} == {caseworker}
    assert all(
        c.next_review is None and c.town.name == "石城镇" and c.area == "rural" for c in cases.values()
    )
    coverages = Coverage.objects.select_related("person", "program")
    assert sorted((c.case_id, c.person.id_number) for c in coverages) == sorted(
        [(cases[HUANG].pk, n) for n in (HUANG, HUANG_WIFE, HUANG_SON)]
        + [(cases[LI].pk, n) for n in (LI, LI_MOTHER)]
    )
    assert {(c.program.code, c.exclusion_group, c.start_month, c.end_month) for c in coverages} == {
        (P.DIBAO, "basic_living", MARCH, None)
    }
    requests = Request.objects.all()
    assert len(requests) == 2
    assert {(r.kind, r.status, r.effective_month, r.submitted_by, r.decided_by) for r in requests} == {
        (Request.Kind.ENROL, ApprovalStatus.PENDING, MARCH, caseworker, None)
    }
    assert sorted(len(r.data["covered"]) for r in requests) == [2, 3]
    # Pending applications are not in payment: the figures do not move until the chief approves.
    assert dibao_figures() == before


def test_it_audits_the_import_with_counts(caseworker, shicheng_village):
    import_as(caseworker, rows(), filename="花名册.xlsx")

    event = AuditEvent.objects.get(action="roster.import")
    assert event.actor == caseworker
    assert event.changes["households"] == 2
    assert event.changes["persons"] == 5
    assert event.changes["approved_on_import"] is False
    assert event.changes["file"] == "花名册.xlsx"
    assert sorted(event.changes["case_ids"]) == sorted(Case.objects.values_list("pk", flat=True))


def test_it_approves_on_import_when_an_approver_is_named(caseworker, chief, shicheng_village):
    existing = PersonFactory(region=village("石城镇"))
    covered_by_dibao(existing, caseworker)
    before = dibao_figures()
    assert before == {"dibao.households": 1, "dibao.persons": 1}

    result = import_as(caseworker, rows(), approver=chief)

    assert result.approved
    new_cases = Case.objects.exclude(household__head=existing)
    assert {(c.status, c.next_review) for c in new_cases.filter(category="A")} == {
        (Case.Status.ACTIVE, datetime.date(2020, 3, 1))
    }
    assert {(c.status, c.next_review) for c in new_cases.filter(category="B")} == {
        (Case.Status.ACTIVE, datetime.date(2019, 9, 1))
    }
    requests = Request.objects.all()
    assert {(r.status, r.decided_by, r.submitted_by) for r in requests} == {
        (ApprovalStatus.APPROVED, chief, caseworker)
    }
    assert all(r.decided_at is not None for r in requests)
    after = dibao_figures()
    assert after == {
        "dibao.households": before["dibao.households"] + 2,
        "dibao.persons": before["dibao.persons"] + 5,
    }
    event = AuditEvent.objects.get(action="roster.import")
    assert (event.changes["approved_on_import"], event.changes["approved_by"]) == (True, chief.username)


def test_it_reads_columns_in_any_order_with_extra_columns(caseworker, shicheng_village):
    headers = ["序号", *reversed(roster.REQUIRED_HEADERS), "备注"]
    data = [{**r, "序号": i, "备注": "旧台账"} for i, r in enumerate(rows(), start=1)]

    result = import_as(caseworker, xlsx(data, headers))

    assert (result.households, result.persons) == (2, 5)
    assert set(Case.objects.values_list("category", flat=True)) == {"B"}


def test_it_accepts_month_spellings_dates_natural_villages_and_a_title_line(caseworker, shicheng_village):
    natural = natural_village(shicheng_village, name="石角")
    data = rows(village_name="石角")
    data[0]["起始年月"] = "201903"
    data[3]["起始年月"] = datetime.datetime(2019, 3, 15)
    data[4]["起始年月"] = "2019年3月"
    data[1]["起始年月"] = data[2]["起始年月"] = None  # members may leave household columns blank
    data[1]["所属镇"] = data[1]["所属村"] = None
    wb = Workbook()
    ws = wb.active
    ws.append(["云安区石城镇低保花名册（2019年6月）"])
    ws.append(HEADERS)
    for r in data:
        ws.append([r.get(h) for h in HEADERS])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)

    import_as(caseworker, buf)

    assert set(Household.objects.values_list("region", flat=True)) == {natural.pk}
    assert set(Case.objects.values_list("start_month", flat=True)) == {MARCH}


def test_a_district_caseworker_imports_any_town(district_caseworker, liudu_village):
    result = import_as(district_caseworker, rows(town="六都镇", village_name="大河村"))

    assert result.households == 2
    assert set(Case.objects.values_list("town__name", flat=True)) == {"六都镇"}


def households(n, first=0):
    """Rows of n two-person households of 石城镇上洞村, their ID numbers starting at day `first`."""
    data = []
    for h in range(first, first + n):
        head = make_id_number("445303", datetime.date(1960, 1, 1) + datetime.timedelta(days=h), 101)
        member = make_id_number("445303", datetime.date(1990, 1, 1) + datetime.timedelta(days=h), 202)
        data += [
            # Names are letters only (no digits): 户主一, 户主丁, … one CJK character apart.
            {**rows()[0], "户主身份证号": head, "身份证号": head, "姓名": f"户主{chr(0x4E00 + h)}"},
            {**rows()[1], "户主身份证号": head, "身份证号": member, "姓名": f"成员{chr(0x4E00 + h)}"},
        ]
    return data


def import_queries(user, data, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        import_as(user, data, **kwargs)
    return len(ctx.captured_queries)


def test_it_checks_with_a_constant_number_of_queries(caseworker, shicheng_village):
    def check_queries(data):
        spec = roster.importer(actor=caseworker)
        file_rows, errors = imports.read(spec, xlsx(data))
        assert not errors
        with CaptureQueriesContext(connection) as ctx:
            imports.validate(spec, file_rows)
        return len(ctx.captured_queries)

    check_queries(rows())  # the user's permissions and scope are cached after the first call
    assert check_queries(rows()) == check_queries(households(40)) <= 4


def test_importing_twice_the_households_takes_the_same_queries(caseworker, shicheng_village):
    import_as(caseworker, rows())  # permissions, content types and the audit chain warmed up

    assert import_queries(caseworker, households(10)) == import_queries(caseworker, households(20, first=10))
    assert Case.objects.count() == 2 + 10 + 20


def test_approving_on_import_twice_the_households_takes_the_same_queries(caseworker, chief, shicheng_village):
    import_as(caseworker, rows(), approver=chief)

    n = import_queries(caseworker, households(10), approver=chief)
    assert n == import_queries(caseworker, households(20, first=10), approver=chief)
    assert set(Case.objects.values_list("status", flat=True)) == {Case.Status.ACTIVE}


# ---------------------------------------------------------------- errors: nothing written


def test_a_bad_checksum_is_reported_with_row_and_column(caseworker, shicheng_village):
    data = rows()
    bad = HUANG_SON[:-1] + ("0" if HUANG_SON[-1] != "0" else "1")
    data[2]["身份证号"] = bad

    assert errors_of(caseworker, data) == ["第4行 身份证号：校验位错误"]


def test_every_failing_cell_is_listed(caseworker, shicheng_village):
    data = rows()
    data[1]["身份证号"] = "12345"
    data[2]["与户主关系"] = "儿子"
    data[3]["家庭月人均收入"] = "-5"
    data[3]["起始年月"] = "2019-13"
    data[4]["姓名"] = ""

    errors = errors_of(caseworker, data)

    assert errors[0] == "第3行 身份证号：应为18位"
    assert errors[1].startswith("第4行 与户主关系：应为户主、配偶、子女")
    assert errors[2:4] == [
        "第5行 家庭月人均收入：不能为负数",
        "第5行 起始年月：无法识别的年月“2019-13”，应写作 2019-03",
    ]
    assert errors[4:] == ["第6行 姓名：请填写姓名"]


def text_xlsx(data, headers=HEADERS):
    """As xlsx(), but every text a text cell (as in a ledger whose columns are formatted as text,
    or a file this system exported): "=…" arrives as the characters typed, not as a formula."""
    values = [[r.get(h) for h in headers] for r in data]
    buf = io.BytesIO(write_workbook(Sheet("花名册", [Column(h) for h in headers], values)))
    buf.name = "花名册.xlsx"
    return buf


def test_names_a_spreadsheet_would_run_are_refused_with_row_and_column(caseworker, shicheng_village):
    data = rows()
    data[0]["姓名"] = '=HYPERLINK("http://x","y")'
    data[1]["姓名"] = "+李秀英"
    data[2]["姓名"] = "@黄小明"
    data[3]["姓名"] = "-李四"
    data[4]["姓名"] = "王五妹"

    assert errors_of(caseworker, text_xlsx(data)) == [
        "第2行 姓名：姓名不能以“=”开头（电子表格会把它当作公式）",
        "第3行 姓名：姓名不能以“+”开头（电子表格会把它当作公式）",
        "第4行 姓名：姓名不能以“@”开头（电子表格会把它当作公式）",
        "第5行 姓名：姓名不能以“-”开头（电子表格会把它当作公式）",
    ]


def test_names_with_control_characters_or_digits_are_refused(caseworker, shicheng_village):
    data = rows()
    data[1]["姓名"] = "李秀\n英"
    data[2]["姓名"] = "黄小明2"
    data[4]["姓名"] = 12345  # a number cell

    assert errors_of(caseworker, text_xlsx(data)) == [
        "第3行 姓名：姓名不能包含换行、制表符等控制字符",
        "第4行 姓名：姓名不能包含数字“2”",
        "第6行 姓名：姓名不能包含数字“1”",
    ]


def test_a_minority_name_with_the_middle_dot_is_imported(caseworker, shicheng_village):
    data = rows()
    data[1]["姓名"] = "阿依古丽·买买提"

    import_as(caseworker, text_xlsx(data))

    assert Person.objects.filter(name="阿依古丽·买买提").exists()


def test_a_duplicate_id_inside_the_file_is_refused(caseworker, shicheng_village):
    data = rows()
    data[4]["身份证号"] = HUANG_WIFE

    assert errors_of(caseworker, data) == ["第6行 身份证号：与第3行重复"]


def test_an_id_already_in_the_database_is_refused(caseworker, shicheng_village):
    PersonFactory(id_number=HUANG_SON, region=shicheng_village)

    assert errors_of(caseworker, rows()) == ["第4行 身份证号：该身份证号已登记，不能重复导入"]


def test_a_person_already_in_dibao_is_refused(caseworker, shicheng_village):
    person = PersonFactory(id_number=LI_MOTHER, region=shicheng_village)
    case = covered_by_dibao(person, caseworker)

    errors = errors_of(caseworker, rows())

    assert len(errors) == 1
    assert errors[0].startswith(f"第6行 身份证号：已有在保的最低生活保障（低保）（编号{case.pk}，石城镇）")


def test_a_person_in_tekun_is_refused(caseworker, shicheng_village):
    person = PersonFactory(id_number=LI, region=shicheng_village)
    program = Program.objects.get(code=P.TEKUN)
    case = Case.objects.create(
        program=program,
        person=person,
        town=person.town,
        area="rural",
        start_month=MARCH,
        submitted_by=caseworker,
    )
    Coverage.objects.create(
        case=case, person=person, program=program, exclusion_group="basic_living", start_month=MARCH
    )

    errors = errors_of(caseworker, rows())

    assert len(errors) == 1
    assert errors[0].startswith("第5行 身份证号：已有待审批的特困人员供养")


def test_an_unknown_village_is_refused(caseworker, shicheng_village):
    data = rows()
    data[3]["所属村"] = "不存在村"

    assert errors_of(caseworker, data) == ["第5行 所属村：石城镇没有名为“不存在村”的村（居）委或自然村"]


def test_a_village_of_another_town_is_unknown(caseworker, shicheng_village, liudu_village):
    assert errors_of(caseworker, rows(village_name="大河村"))[0] == (
        "第2行 所属村：石城镇没有名为“大河村”的村（居）委或自然村"
    )


def test_an_unknown_town_is_refused(caseworker, shicheng_village):
    data = rows()
    data[0]["所属镇"] = "石城乡"

    assert errors_of(caseworker, data)[0] == "第2行 所属镇：未知的镇“石城乡”"


def test_a_missing_header_is_named(caseworker, shicheng_village):
    headers = [h for h in HEADERS if h != "起始年月"]

    assert errors_of(caseworker, xlsx(rows(), headers)) == ["第1行 起始年月：缺少必填列“起始年月”"]


def test_a_missing_header_under_a_title_line_is_named_at_the_header_row(caseworker, shicheng_village):
    headers = [h for h in HEADERS if h != "起始年月"]
    wb = Workbook()
    ws = wb.active
    ws.append(["云安区石城镇低保花名册（2019年6月）"])
    ws.append(headers)
    ws.append([rows()[0].get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)

    assert errors_of(caseworker, buf) == ["第2行 起始年月：缺少必填列“起始年月”"]


def test_an_empty_file_is_refused(caseworker):
    assert errors_of(caseworker, xlsx([], headers=[])) == ["文件：文件为空，没有表头和数据"]


def test_a_header_without_data_rows_is_refused(caseworker):
    assert errors_of(caseworker, xlsx([])) == ["文件：表头下没有数据行"]


def test_a_file_that_is_not_xlsx_is_refused(caseworker):
    errors = errors_of(caseworker, io.BytesIO("姓名,身份证号\n张三,1\n".encode()))

    assert len(errors) == 1
    assert "文件不是有效的 XLSX" in errors[0]


def test_a_household_needs_exactly_one_head_with_the_head_id(caseworker, shicheng_village):
    data = rows()
    data[0]["与户主关系"] = "配偶"  # 黄's household has no head
    data[4]["与户主关系"] = "户主"  # 李's household has two
    data[4]["户主身份证号"] = LI

    errors = errors_of(caseworker, data)

    assert errors == [
        f"第2行 与户主关系：户主身份证号为{mask_id_number(HUANG)}的家庭没有与户主关系为“户主”的行",
        "第6行 与户主关系：同一家庭只能有一名户主（第5行已是户主）",
    ]


def test_the_head_row_must_carry_the_head_id(caseworker, shicheng_village):
    data = rows()
    other = make_id_number("445303", datetime.date(1968, 4, 13), 15)
    for r in data[:3]:
        r["户主身份证号"] = other

    assert errors_of(caseworker, data) == ["第2行 身份证号：户主行的身份证号须与户主身份证号一致"]


def test_member_rows_must_agree_with_the_head_row(caseworker, shicheng_village):
    data = rows()
    data[2]["城乡类别"] = "城镇"

    assert errors_of(caseworker, data) == ["第4行 城乡类别：与户主行（第2行）不一致"]


def test_an_id_typed_as_a_number_is_explained(caseworker, shicheng_village):
    data = rows()
    data[2]["身份证号"] = int(HUANG_SON[:15] + "000")

    assert errors_of(caseworker, data) == [
        "第4行 身份证号：请将身份证号列设为文本格式后重新填写（数字格式会丢失末几位）"
    ]


def test_the_templates_example_rows_are_refused(caseworker, shicheng_village):
    errors = errors_of(caseworker, io.BytesIO(roster.template_bytes()))

    assert errors == [
        "第2行 姓名：这是模板中的示例行，请删除后再导入",
        "第3行 姓名：这是模板中的示例行，请删除后再导入",
    ]


def test_a_person_registered_between_check_and_write_fails_the_whole_import(caseworker, shicheng_village):
    from civaffairs import services as core

    spec = roster.importer(actor=caseworker)
    lines, errors = imports.read(spec, xlsx(rows()))
    checked = imports.validate(spec, lines)
    # Someone registers 黄's son meanwhile, on screen.
    core.create_person(actor=caseworker, name="黄小明", id_number=HUANG_SON, region=shicheng_village)
    before = table_counts()

    with pytest.raises(roster.RosterError) as info:
        imports.save(spec, checked)

    assert [str(e) for e in info.value.errors] == [
        "文件：导入期间有人同时登记了文件中的人员，未导入任何数据，请重新导入"
    ]
    assert table_counts() == before


# ---------------------------------------------------------------- who may import and approve


def test_a_town_caseworker_cannot_import_another_towns_rows(caseworker, liudu_village):
    errors = errors_of(caseworker, rows(town="六都镇", village_name="大河村"))

    assert errors[0] == "第2行 所属镇：只能导入本镇（石城镇）的对象"
    assert len([e for e in errors if "只能导入本镇" in e]) == 5


def test_a_chief_cannot_be_the_submitter(chief, shicheng_village):
    assert errors_of(chief, rows()) == ["导入人：chief_assist的角色不能提交救助申请"]


def test_a_caseworker_cannot_approve(caseworker, district_caseworker, shicheng_village):
    assert errors_of(caseworker, rows(), approver=district_caseworker) == [
        "审批人：jiuzhu：您的角色无权审批此事项。"
    ]


def test_nobody_approves_their_own_import(shicheng_village):
    both = make_user(CHIEF, section=Section.ASSISTANCE, username="both")
    both.groups.add(role_group(CASEWORKER))

    assert errors_of(both, rows(), approver=both) == ["审批人：both：不能审批自己提交、拟稿或生成的事项。"]


def test_the_approver_must_be_the_assistance_chief(caseworker, shicheng_village):
    welfare_chief = make_user(CHIEF, section=Section.WELFARE, username="chief_welfare")

    assert errors_of(caseworker, rows(), approver=welfare_chief) == [
        "审批人：chief_welfare：只有社会救助股股长可以审批此事项。"
    ]


# ---------------------------------------------------------------- management command


def test_the_command_imports_a_file(caseworker, chief, shicheng_village, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(rows()).getvalue())
    out = io.StringIO()

    call_command("import_roster", str(path), "--by", "shicheng", "--approve-by", "chief_assist", stdout=out)

    assert "已导入 2 户、5 人" in out.getvalue()
    assert set(Case.objects.values_list("status", flat=True)) == {Case.Status.ACTIVE}


def test_the_command_fails_with_every_error_and_writes_nothing(caseworker, shicheng_village, tmp_path):
    data = rows()
    data[2]["身份证号"] = HUANG_SON[:-1] + ("0" if HUANG_SON[-1] != "0" else "1")
    data[3]["所属村"] = "不存在村"
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(data).getvalue())
    before = table_counts()

    with pytest.raises(CommandError) as info:
        call_command("import_roster", str(path), "--by", "shicheng")

    message = str(info.value)
    assert "2 处错误，未导入任何数据" in message
    assert "第4行 身份证号：校验位错误" in message
    assert "第5行 所属村：" in message
    assert table_counts() == before


def test_the_command_refuses_an_unknown_user_and_a_missing_file(caseworker, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_roster", str(tmp_path / "none.xlsx"), "--by", "shicheng")
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(rows()).getvalue())
    with pytest.raises(CommandError, match="账号不存在：nobody"):
        call_command("import_roster", str(path), "--by", "nobody")


def test_the_command_writes_the_template(db, tmp_path):
    path = tmp_path / "template.xlsx"

    call_command("import_roster", "--template", str(path), stdout=io.StringIO())

    ws = load_workbook(path).worksheets[0]
    lines = list(ws.iter_rows(values_only=True))
    assert list(lines[0]) == HEADERS
    assert set(roster.REQUIRED_HEADERS) <= set(lines[0])
    assert [line[HEADERS.index("与户主关系")] for line in lines[1:]] == ["户主", "配偶"]
    assert lines[1][HEADERS.index("户主身份证号")] == lines[2][HEADERS.index("户主身份证号")]


# ---------------------------------------------------------------- browser view


def test_the_import_page_asks_for_login(client):
    response = client.get(reverse("assistance:roster_import"))

    assert response.status_code == 302
    assert reverse("login") in response.url


def test_a_chief_cannot_open_the_import_page(chief, login):
    assert login(chief).get(reverse("assistance:roster_import")).status_code == 403


def test_the_page_offers_the_template(caseworker, login):
    client = login(caseworker)

    page = client.get(reverse("assistance:roster_import"))
    download = client.get(reverse("assistance:roster_template"))

    assert page.status_code == 200
    assert reverse("assistance:roster_template") in page.content.decode()
    assert 'data-busy="正在导入…"' in page.content.decode()
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in download["Content-Disposition"]
    assert (
        list(next(load_workbook(io.BytesIO(download.content)).worksheets[0].iter_rows(values_only=True)))
        == HEADERS
    )


def test_the_page_imports_a_file_and_redirects(caseworker, login, shicheng_village):
    client = login(caseworker)

    response = client.post(reverse("assistance:roster_import"), {"file": xlsx(rows())}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("assistance:request_list")
    assert "已导入 2 户、5 人的低保申请" in response.content.decode()
    assert Case.objects.filter(status=Case.Status.PENDING).count() == 2


def test_the_page_lists_every_error_and_writes_nothing(caseworker, login, shicheng_village, liudu_village):
    data = rows()
    data[2]["身份证号"] = HUANG_SON[:-1] + ("0" if HUANG_SON[-1] != "0" else "1")
    data[3]["所属镇"] = "六都镇"
    data[3]["所属村"] = "大河村"
    data[4]["所属镇"] = data[4]["所属村"] = None
    client = login(caseworker)
    before = table_counts()

    response = client.post(reverse("assistance:roster_import"), {"file": xlsx(data)})

    html = response.content.decode()
    assert response.status_code == 200
    assert "发现 2 处错误，未导入任何数据" in html
    assert "<td>第4行</td><td>身份证号</td><td>校验位错误</td>" in html
    assert "<td>第5行</td><td>所属镇</td><td>只能导入本镇（石城镇）的对象</td>" in html
    assert table_counts() == before


def test_the_page_refuses_a_file_that_is_not_xlsx(caseworker, login):
    upload = io.BytesIO(b"not a spreadsheet")
    upload.name = "roster.xls"

    response = login(caseworker).post(reverse("assistance:roster_import"), {"file": upload})

    assert "文件不是有效的 XLSX" in response.content.decode()
    assert Person.objects.count() == 0


def test_the_page_requires_a_file(caseworker, login):
    response = login(caseworker).post(reverse("assistance:roster_import"), {})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_a_migrated_ledger_records_what_was_paid_and_back_pay_owes_only_the_difference(
    caseworker, chief, shicheng_village
):
    """The 黄 household was paid 500 a month outside the system through March; the 李 household's
    ledger says nothing. Raising the 2018 rate of 450 to 490 from January owes 黄 the rise on
    what the ledger says it was paid, and leaves 李's months for a correction."""
    worker = make_user(CASEWORKER, section=Section.ASSISTANCE)
    old = payments.draft_standard(
        actor=worker, program=P.DIBAO, category="rural", amount=450, effective_from=datetime.date(2018, 1, 1)
    )
    payments.decide_standard(actor=chief, standard=old, approve=True, comment="同意")
    for month in (1, 2, 3):
        payroll = payments.generate_payroll(
            actor=worker, program=P.DIBAO, month=datetime.date(2019, month, 1)
        )
        payments.decide_payroll(actor=chief, payroll=payroll, approve=True, comment="同意")
    data = rows()
    for r in data:
        r["起始年月"] = "2018-10"
    data[0].update({"已发放至": "2019-03", "月发放额": 810})  # (450 − 180) × 3
    import_as(caseworker, data, approver=chief)
    huang = Case.objects.get(household__head__id_number=HUANG)
    li = Case.objects.get(household__head__id_number=LI)
    assert (huang.migrated_paid_through, huang.migrated_monthly) == (
        datetime.date(2019, 3, 1),
        Decimal("810.00"),
    )
    raised = payments.draft_standard(
        actor=worker, program=P.DIBAO, category="rural", amount=490, effective_from=datetime.date(2019, 1, 1)
    )
    payments.decide_standard(actor=chief, standard=raised, approve=True, comment="同意")
    batch = payments.generate_backpay(actor=worker, standard=raised)
    owed = sorted(PaymentLine.objects.filter(payroll=batch).values_list("case_id", "month", "amount"))
    assert owed == [(huang.pk, datetime.date(2019, m, 1), Decimal("120.00")) for m in (1, 2, 3)]
    assert sorted(payments.unsettled_months(raised)) == [
        (li.pk, datetime.date(2019, m, 1)) for m in (1, 2, 3)
    ]
    # Generating again pays nothing twice.
    assert payments.generate_backpay(actor=worker, standard=raised) is None

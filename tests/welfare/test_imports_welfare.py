"""The marriage and cremation imports through the core pipeline: every row checked first, every
failing row and column listed, and nothing written unless every row passes."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from civaffairs.imports import ImportFailed
from civaffairs.models import AuditEvent
from civaffairs.roles import CASEWORKER
from welfare import imports
from welfare.models import Cremation, MarriageRegistration

D = datetime.date
M_HEADERS = [c.header for c in imports.marriage_columns()]
C_HEADERS = [c.header for c in imports.cremation_columns()]


def xlsx(headers, rows, title=None):
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def marriage_row(ww, n, **over):
    row = {
        "登记日期": "2019-03-08",
        "登记类别": "结婚登记",
        "登记类型": "国内",
        "男方姓名": "陈大文",
        "男方证件类型": "居民身份证",
        "男方证件号码": ww.id(1990, "M"),
        "女方姓名": "李小红",
        "女方证件类型": "居民身份证",
        "女方证件号码": ww.id(1992, "F"),
        "证书编号": f"J445303-2019-{n:06d}",
        "审查结果": "合格",
        "户籍所在镇": "石城镇",
    }
    row.update(over)
    return [row[h] for h in M_HEADERS]


def test_a_clean_marriage_file_is_imported_row_by_row_through_the_service(ww):
    rows = [marriage_row(ww, n) for n in range(1, 4)]
    rows.append(marriage_row(ww, 4, 登记类别="离婚登记", 登记日期="2019/4/1"))
    saved = imports.import_file("marriages", xlsx(M_HEADERS, rows, title="云安区婚姻登记"), actor=ww.staff)
    assert len(saved) == 4
    assert MarriageRegistration.objects.filter(kind="divorce", date=D(2019, 4, 1)).count() == 1
    assert AuditEvent.objects.filter(action="welfare.marriage.create").count() == 4


def test_every_failing_row_and_column_is_listed_and_nothing_is_written(ww):
    rows = [
        marriage_row(ww, 1),
        marriage_row(ww, 2, 男方证件号码="445303199001010000"),
        marriage_row(ww, 3, 户籍所在镇="云城镇"),
        marriage_row(ww, 1),  # the certificate of row 3 again
        marriage_row(ww, 5, 登记类别="复婚"),
    ]
    with pytest.raises(ImportFailed) as exc:
        imports.import_file("marriages", xlsx(M_HEADERS, rows), actor=ww.staff)
    found = {(e.row, e.column) for e in exc.value.errors}
    assert found == {(3, "男方证件号码"), (4, "户籍所在镇"), (5, "证书编号"), (6, "登记类别")}
    assert "未知的镇“云城镇”" in str(exc.value)
    assert not MarriageRegistration.objects.exists()


def test_a_missing_column_and_a_foreign_file_are_refused(ww):
    with pytest.raises(ImportFailed, match="缺少必填列“证书编号”"):
        imports.import_file("marriages", xlsx([h for h in M_HEADERS if h != "证书编号"], []), actor=ww.staff)
    with pytest.raises(ImportFailed, match="不是有效的 XLSX"):
        imports.import_file("marriages", io.BytesIO(b"a,b\n1,2\n"), actor=ww.staff)


def test_the_row_and_cell_limits_hold(ww, settings):
    """The limits of the one upload reader (civaffairs/uploads.py) hold for these imports too."""
    settings.UPLOAD_MAX_ROWS = 3  # the header and two rows
    rows = [marriage_row(ww, n) for n in range(1, 4)]
    with pytest.raises(ImportFailed, match="行数超过上限（3 行）"):
        imports.import_file("marriages", xlsx(M_HEADERS, rows), actor=ww.staff)
    settings.UPLOAD_MAX_ROWS = 100
    settings.UPLOAD_MAX_CELL_CHARS = 10
    with pytest.raises(ImportFailed, match="超过 10 个字符"):
        imports.import_file(
            "marriages", xlsx(M_HEADERS, [marriage_row(ww, 1, 男方姓名="陈" * 11)]), actor=ww.staff
        )
    assert not MarriageRegistration.objects.exists()


def cremation_row(ww, **over):
    row = {
        "逝者姓名": "梁老伯",
        "身份证号": ww.id(1936),
        "死亡日期": "2019-03-06",
        "火化日期": "2019-03-08",
        "殡仪馆": "",
        "本区户籍": "是",
        "所属镇": "六都镇",
        "所属村（居）": "",
        "统筹火化资金": 1400,
    }
    row.update(over)
    return [row[h] for h in C_HEADERS]


def test_cremations_import_and_a_second_cremation_of_the_same_person_is_refused(ww):
    number = ww.id(1930)
    imports.import_file("cremations", xlsx(C_HEADERS, [cremation_row(ww, 身份证号=number)]), actor=ww.staff)
    assert Cremation.objects.get().funeral_home == "云浮市殡仪馆"
    rows = [
        cremation_row(ww),
        cremation_row(ww, 身份证号=number),
        cremation_row(ww, 本区户籍="否", 统筹火化资金=1400),
    ]
    with pytest.raises(ImportFailed) as exc:
        imports.import_file("cremations", xlsx(C_HEADERS, rows), actor=ww.staff)
    assert {(e.row, e.column) for e in exc.value.errors} == {(3, "身份证号"), (4, "统筹火化资金")}
    assert Cremation.objects.count() == 1


def test_the_template_carries_the_columns_and_an_example_that_imports(ww, login):
    client = login(ww.staff)
    response = client.get(reverse("welfare:import_template", args=["marriages"]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == M_HEADERS
    with pytest.raises(ImportFailed, match="示例行"):
        imports.import_file("marriages", io.BytesIO(response.content), actor=ww.staff)
    example = [c.value for c in wb.worksheets[0][2]]
    example[M_HEADERS.index("男方姓名")] = "陈大文"
    example[M_HEADERS.index("女方姓名")] = "李小红"
    assert len(imports.import_file("marriages", xlsx(M_HEADERS, [example]), actor=ww.staff)) == 1


def test_the_import_page_lists_the_errors_and_only_welfare_staff_may_import(ww, login):
    client = login(ww.staff)
    upload = xlsx(C_HEADERS, [cremation_row(ww, 所属镇="不存在镇")])
    upload.name = "火化.xlsx"
    response = client.post(reverse("welfare:import", args=["cremations"]), {"file": upload})
    assert "发现 1 处错误，未导入任何数据" in response.content.decode()
    assert login(ww.chief).get(reverse("welfare:import", args=["cremations"])).status_code == 403


def test_the_command_imports_a_file_and_ends_with_the_errors_of_a_bad_one(ww, tmp_path):
    from django.core.management import CommandError, call_command

    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(xlsx(C_HEADERS, [cremation_row(ww)]).getvalue())
    bad.write_bytes(xlsx(C_HEADERS, [cremation_row(ww, 火化日期="2019-03-01")]).getvalue())
    out = io.StringIO()
    call_command("import_welfare", "cremations", str(good), "--by", "fuli", stdout=out)
    assert "已导入 1 条火化记录" in out.getvalue()
    with pytest.raises(CommandError, match="第2行 火化日期：火化日期不能早于死亡日期"):
        call_command("import_welfare", "cremations", str(bad), "--by", "fuli")
    assert Cremation.objects.count() == 1


def test_an_unknown_village_or_one_of_another_town_is_refused_at_its_cell(ww):
    from tests.factories import village

    village("六都镇", name="大河村")
    village("石城镇", name="上洞村")
    rows = [
        cremation_row(ww, **{"所属村（居）": "大河村"}),
        cremation_row(ww, **{"所属村（居）": "不存在村"}),
        cremation_row(ww, **{"所属村（居）": "上洞村"}),
    ]
    with pytest.raises(ImportFailed) as exc:
        imports.import_file("cremations", xlsx(C_HEADERS, rows), actor=ww.staff)
    assert [(e.row, e.column) for e in exc.value.errors] == [(3, "所属村（居）"), (4, "所属村（居）")]
    assert "未知的村（居）“不存在村”" in str(exc.value)
    assert "上洞村不是六都镇的村（居）委" in str(exc.value)
    assert not Cremation.objects.exists()
    imports.import_file("cremations", xlsx(C_HEADERS, rows[:1]), actor=ww.staff)
    assert Cremation.objects.get().village.name == "大河村"


# ---------------------------------------------------------------- batch lookups


def check_queries(kind, ww, rows, headers):
    """Queries of checking a file (read, parse, every check; nothing written)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civaffairs import imports as pipeline

    spec = imports.IMPORTERS[kind](ww.staff)
    lines, errors = pipeline.read(spec, xlsx(headers, rows))
    assert not errors
    with CaptureQueriesContext(connection) as ctx:
        pipeline.validate(spec, lines)
    return len(ctx.captured_queries)


def test_checking_twice_the_registrations_takes_the_same_queries(ww):
    ww.marriage(D(2019, 1, 5))  # something to look up
    few = [marriage_row(ww, n) for n in range(101, 106)] + [
        marriage_row(ww, 106, 登记类别="离婚登记", 登记日期="2019/4/1")
    ]
    many = [marriage_row(ww, n) for n in range(111, 121)] + [
        marriage_row(ww, n, 登记类别="离婚登记", 登记日期="2019/4/1") for n in (121, 122)
    ]

    assert check_queries("marriages", ww, few, M_HEADERS) == check_queries("marriages", ww, many, M_HEADERS)


def test_checking_twice_the_cremations_takes_the_same_queries(ww):
    from tests.factories import village

    village("六都镇", name="大河村")
    ww.cremation(D(2019, 2, 1))
    few = [cremation_row(ww, **{"所属村（居）": "大河村"}) for _ in range(5)]
    many = [cremation_row(ww, **{"所属村（居）": "大河村"}) for _ in range(10)]

    assert check_queries("cremations", ww, few, C_HEADERS) == check_queries("cremations", ww, many, C_HEADERS)


def test_a_divorce_dated_before_the_couples_marriage_in_the_same_file_is_refused_at_its_row(ww):
    husband, wife = ww.id(1990, "M"), ww.id(1992, "F")
    couple = {"男方证件号码": husband, "女方证件号码": wife}
    rows = [
        marriage_row(ww, 1, 登记日期="2019-05-08", **couple),
        marriage_row(ww, 2, 登记类别="离婚登记", 登记日期="2019-04-01", **couple),
    ]

    with pytest.raises(ImportFailed) as exc:
        imports.import_file("marriages", xlsx(M_HEADERS, rows), actor=ww.staff)

    assert [str(e) for e in exc.value.errors] == [
        "第3行 登记日期：离婚登记日期早于双方在本文件第2行的结婚登记日期（2019年5月8日）"
    ]
    assert not MarriageRegistration.objects.exists()


def test_a_divorce_dated_before_a_recorded_marriage_is_refused_and_nothing_is_written(ww):
    husband, wife = ww.id(1990, "M"), ww.id(1992, "F")
    ww.marriage(D(2019, 5, 8), a=husband, b=wife)
    rows = [
        marriage_row(ww, 7),
        marriage_row(
            ww, 8, 登记类别="离婚登记", 登记日期="2019-04-01", 男方证件号码=wife, 女方证件号码=husband
        ),
    ]

    with pytest.raises(ImportFailed) as exc:
        imports.import_file("marriages", xlsx(M_HEADERS, rows), actor=ww.staff)

    assert [(e.row, e.column) for e in exc.value.errors] == [(3, "登记日期")]
    assert MarriageRegistration.objects.count() == 1


def test_an_imported_cremation_of_a_registered_person_records_the_death(ww):
    from civaffairs import services as core
    from civaffairs.models import Person
    from tests.factories import make_user, village

    town_worker = make_user(CASEWORKER, town="石城镇")
    number = ww.id(1931)
    core.create_person(actor=town_worker, name="黄老伯", id_number=number, region=village("石城镇"))
    rows = [cremation_row(ww, 逝者姓名="黄老伯", 身份证号=number), cremation_row(ww)]

    imports.import_file("cremations", xlsx(C_HEADERS, rows), actor=ww.staff)

    assert Person.objects.get(id_number=number).death_date == D(2019, 3, 6)
    assert Cremation.objects.filter(person__isnull=False).count() == 1
    assert AuditEvent.objects.filter(action="person.death_recorded").count() == 1


def test_a_registered_persons_other_name_is_refused_at_its_cell(ww):
    from civaffairs import services as core
    from tests.factories import make_user, village

    town_worker = make_user(CASEWORKER, town="石城镇")
    number = ww.id(1931)
    core.create_person(actor=town_worker, name="黄老伯", id_number=number, region=village("石城镇"))

    with pytest.raises(ImportFailed) as exc:
        imports.import_file(
            "cremations",
            xlsx(C_HEADERS, [cremation_row(ww), cremation_row(ww, 身份证号=number)]),
            actor=ww.staff,
        )

    assert [str(e) for e in exc.value.errors] == [
        "第3行 逝者姓名：逝者姓名与人员库中该身份证号登记的姓名不一致，请核对姓名和身份证号"
    ]
    assert not Cremation.objects.exists()


def test_a_person_registered_between_check_and_write_has_the_death_recorded(ww):
    from civaffairs import imports as pipeline
    from civaffairs import services as core
    from civaffairs.models import Person
    from tests.factories import make_user, village

    number = ww.id(1931)
    spec = imports.cremation_importer(ww.staff)
    lines, _errors = pipeline.read(
        spec, xlsx(C_HEADERS, [cremation_row(ww, 逝者姓名="黄老伯", 身份证号=number)])
    )
    checked = pipeline.validate(spec, lines)
    # A town caseworker registers him meanwhile, on screen.
    town_worker = make_user(CASEWORKER, town="石城镇")
    core.create_person(actor=town_worker, name="黄老伯", id_number=number, region=village("石城镇"))

    pipeline.save(spec, checked)

    assert Person.objects.get(id_number=number).death_date == D(2019, 3, 6)
    assert Cremation.objects.get().person.id_number == number

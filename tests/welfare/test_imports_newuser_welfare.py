"""What a new user met importing welfare files and the 低保 roster: a duplicate cremation or a
divorce before the file's own marriage that did not say which row it clashed with, a formula cell
refused as "应为数字" while Excel showed a number, and the import pages' errors below the column
notes (and a template comment printed on the page). Worlds are built through the services."""

import datetime

import pytest
from django.urls import reverse

from civaffairs.imports import ImportFailed
from civaffairs.roles import CASEWORKER
from tests.factories import make_user
from tests.welfare.test_imports_welfare import C_HEADERS, M_HEADERS, cremation_row, marriage_row, xlsx
from welfare import imports
from welfare.models import Cremation, MarriageRegistration


def errors_of(kind, rows, headers, actor):
    with pytest.raises(ImportFailed) as exc:
        imports.import_file(kind, xlsx(headers, rows), actor=actor)
    return [str(e) for e in exc.value.errors]


def test_a_duplicate_cremation_in_the_file_names_the_row_it_repeats(ww):
    number = ww.id(1931)
    rows = [cremation_row(ww), cremation_row(ww, 身份证号=number), cremation_row(ww, 身份证号=number)]

    assert errors_of("cremations", rows, C_HEADERS, ww.staff) == [
        "第4行 身份证号：与第3行为同一逝者（身份证号相同），每具遗体只登记一次"
    ]
    assert not Cremation.objects.exists()


def test_a_divorce_before_a_recorded_marriage_still_speaks_of_the_system(ww):
    husband, wife = ww.id(1990, "M"), ww.id(1992, "F")
    ww.marriage(datetime.date(2019, 5, 8), a=husband, b=wife)
    rows = [
        marriage_row(
            ww, 9, 登记类别="离婚登记", 登记日期="2019-04-01", 男方证件号码=husband, 女方证件号码=wife
        )
    ]

    assert errors_of("marriages", rows, M_HEADERS, ww.staff) == [
        "第2行 登记日期：离婚登记日期早于双方在系统中的结婚登记日期（2019年5月8日）"
    ]
    assert MarriageRegistration.objects.get().date == datetime.date(2019, 5, 8)


def test_a_formula_cell_is_named_a_formula_where_a_date_or_an_amount_was_expected(ww):
    rows = [
        cremation_row(ww, 火化日期="=DATE(2019,3,8)", 统筹火化资金="=700*2"),
        cremation_row(ww, 逝者姓名="=1+1"),
    ]

    errors = errors_of("cremations", rows, C_HEADERS, ww.staff)

    assert errors[0].startswith(
        "第2行 火化日期：日期无效，应为如 2019-03-08 的日期；该单元格是公式“=DATE(2019,3,8)”"
    )
    assert "导入不计算公式，请直接填写值" in errors[0]
    assert errors[1].startswith("第2行 统筹火化资金：金额无效，应为数字；该单元格是公式“=700*2”")
    assert errors[2] == "第3行 逝者姓名：不能以 =、+、-、@ 开头（疑似公式）"  # said already
    assert not Cremation.objects.exists()


def page_of_errors(client, url, upload):
    upload.name = "文件.xlsx"
    html = client.post(url, {"file": upload}).content.decode()
    assert "{#" not in html and "#}" not in html  # no template comment printed on the page
    return html


def test_the_welfare_import_page_shows_its_errors_before_the_column_notes(ww, login):
    url = reverse("welfare:import", args=["cremations"])
    html = page_of_errors(login(ww.staff), url, xlsx(C_HEADERS, [cremation_row(ww, 所属镇="不存在镇")]))

    assert html.index('id="errors"') < html.index("<th>列名</th>") < html.index('type="file"')
    assert "第2行" in html and "未知的镇“不存在镇”" in html


def test_the_roster_import_page_shows_its_errors_before_the_column_notes(ww, login):
    caseworker = make_user(CASEWORKER, town=ww.shicheng)
    url = reverse("assistance:roster_import")
    empty = login(caseworker).get(url).content.decode()
    assert "{#" not in empty and "#}" not in empty

    html = page_of_errors(login(caseworker), url, xlsx(["姓名"], [["黄大明"]]))

    assert html.index('id="errors"') < html.index("<th>列名</th>")
    assert "缺少必填列“身份证号”" in html

"""A new user importing the funeral home's list in Chromium: the bad file's errors are what the
page opens on (row, column and reason), nothing is written, and the corrected file is taken."""

import pytest
from playwright.sync_api import expect

from tests.browser import chromium_page
from tests.welfare.test_browser_newuser_welfare import log_in
from tests.welfare.test_imports_welfare import C_HEADERS, cremation_row, xlsx
from welfare.models import Cremation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(page, rows):
    data = xlsx(C_HEADERS, rows).getvalue()
    page.set_input_files("input[type=file]", {"name": "火化.xlsx", "mimeType": XLSX, "buffer": data})
    page.get_by_role("button", name="导入").click()


def test_a_bad_cremation_file_opens_on_its_errors_and_the_corrected_file_is_taken(live_server, ww):
    number = ww.id(1932)
    good = cremation_row(ww, 身份证号=number)
    bad = [good, cremation_row(ww, 身份证号=number), cremation_row(ww, 统筹火化资金="=700*2")]
    with chromium_page() as page:
        log_in(page, live_server, "fuli")
        page.goto(live_server.url + "/welfare/import/cremations/")
        expect(page.locator("main")).not_to_contain_text("{#")
        upload(page, bad)

        expect(page.locator("#errors")).to_have_text("发现 2 处错误，未导入任何数据")
        expect(page.locator("#errors")).to_be_in_viewport()
        rows = page.locator("#error-table tr")
        expect(rows.nth(1)).to_have_text("第3行身份证号与第2行为同一逝者（身份证号相同），每具遗体只登记一次")
        expect(rows.nth(2)).to_contain_text("该单元格是公式“=700*2”")

        upload(page, [good])
        expect(page.locator(".messages")).to_contain_text("已导入 1 条火化记录")
    assert Cremation.objects.get().id_number == number

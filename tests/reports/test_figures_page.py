import io

from django.urls import reverse
from openpyxl import load_workbook

from civaffairs.models import AuditEvent
from tests.factories import village


def test_the_page_takes_the_chinese_period_and_groups_figures_as_the_summary(director, login):
    for _ in range(3):
        village("石城镇")
    page = login(director).get(reverse("figures"), {"period": "2019年上半年"}).content.decode()
    assert "统计数据 · 2019年上半年 · 全区" in page
    assert "<h2>切实抓好社会救助工作</h2>" in page
    assert "<h2>加强基层政权和社区建设工作</h2>" in page
    assert "上期 2018年下半年" in page and "上年同期 2018年上半年" in page
    assert 'id="fig-villages.committees"' in page and 'title="占位符 {villages.committees}"' in page
    assert "<th>代码</th>" not in page  # keys are a hint, not a column


def test_money_is_shown_in_yuan_and_wan_yuan(director, login):
    page = login(director).get(reverse("figures"), {"period": "2019年第二季度"}).content.decode()
    assert "统计数据 · 2019年第二季度" in page
    assert '<div class="wan">0万元</div>' in page
    assert "<td>元</td>" in page


def test_the_figures_export_as_xlsx_and_the_export_is_audited(director, login):
    village("六都镇")
    response = login(director).get(reverse("figures"), {"period": "2019年3月", "format": "xlsx"})
    wb = load_workbook(io.BytesIO(response.content))
    assert "2019年3月" in wb.active.title
    assert AuditEvent.objects.filter(action="export", object_repr="2019年3月全区统计数据").exists()


def test_a_caseworker_exports_the_own_town_only(caseworker, login):
    village("六都镇")
    village("石城镇")
    response = login(caseworker).get(
        reverse("figures"), {"period": "2019H1", "region": "445303100", "format": "xlsx"}
    )
    ws = load_workbook(io.BytesIO(response.content)).active
    assert "石城镇" in ws.title
    committees = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[8] == "villages.committees")
    assert committees[3] == 1


def test_a_bad_period_is_explained(director, login):
    page = login(director).get(reverse("figures"), {"period": "2019年中"}).content.decode()
    assert "无法识别的期间" in page and "2019年上半年" in page

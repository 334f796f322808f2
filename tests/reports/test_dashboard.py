import datetime

from django.urls import reverse

from reports import charts, dashboard, services
from reports.home import plan_counts


def test_the_directors_home_is_a_dashboard(login, director, summary):
    page = login(director).get(reverse("home")).content.decode()
    assert 'id="dashboard"' in page
    assert "2019年上半年 主要指标（与上年同期 2018年上半年比较）" in page
    assert "低保户数（期末）" in page
    assert '<a href="/assistance/requests/?status=pending">待审批业务申请：0</a>' in page
    assert "2019年上半年全区工作总结</a>：草稿" in page
    assert page.count("<svg") == 2 and "低保户数和人数（各月末）" in page


def test_no_one_else_sees_it(login, chief, auditor, caseworker, summary):
    for user in (chief, auditor, caseworker):
        assert 'id="dashboard"' not in login(user).get(reverse("home")).content.decode()


def test_without_a_summary_the_current_half_year_so_far(db):
    period = dashboard.current_period(today=datetime.date(2026, 9, 14))
    assert (period.start, period.end) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))


def test_the_svg_charts_carry_chinese_labels_and_every_value():
    svg = charts.line_chart("低保", ["1月", "2月"], [("户数", [3700, 3804]), ("人数", [8300, 8475])])
    assert svg.startswith("<svg") and "1月" in svg and svg.count("<polyline") == 2
    bars = charts.bar_chart("发放", ["1月"], [("低保金", [2000000]), ("特困", [0])])
    assert bars.count("<rect") == 3  # one bar, zero skipped, two legend keys
    assert "低保金 1月：200万元" in bars


def test_plan_counts_for_the_desk(director):
    from civaffairs.models import Section

    services.add_plan_item(
        actor=director,
        period="2019H1",
        section=Section.WELFARE,
        text="x",
        deadline=datetime.date(2019, 7, 31),
    )
    assert plan_counts(today=datetime.date(2019, 8, 1))["overdue"] == 1


def test_the_line_charts_month_labels_stand_clear_of_its_legend():
    import re

    svg = charts.line_chart("低保", ["1月", "2月"], [("低保户数（期末）", [3700, 3804])])
    month_y = float(re.search(r'y="([\d.]+)"[^>]*>1月<', svg).group(1))
    legend_y = float(re.search(r'y="([\d.]+)"[^>]*>低保户数（期末）<', svg).group(1))
    assert (
        legend_y - month_y >= 14
    )  # a line of 11 px text apart: the first month no longer sits on the legend

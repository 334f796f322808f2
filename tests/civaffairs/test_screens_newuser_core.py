"""What a new user met on the shared screens when trying the demo district role by role: periods
shown by their code (2019H1), an audit log that asked for a username, town caseworkers offered
every town in the list filters, 未知 and ---------- where a filter means 全部, and ISO dates beside
年月日 ones. The worlds are built through the services."""

import datetime
import re

import pytest
from django.test import Client

from civaffairs.periods import Period, period_name
from civaffairs.roles import AUDITOR, CASEWORKER
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, name",
    [
        ("2019H1", "2019年上半年"),
        ("2019年下半年", "2019年下半年"),
        ("2019", "2019年"),
        ("2019Q2", "2019年第二季度"),
        ("2019-03", "2019年3月"),
        ("2019-01-01..2019-06-30", "2019年上半年"),
        ("2019-01-05..2019-02-01", "2019年1月5日至2019年2月1日"),
    ],
)
def test_a_period_has_the_name_the_bureau_writes(text, name):
    assert Period.parse(text).name == name


def test_a_stored_period_label_reads_as_its_name():
    assert period_name("2019H1") == "2019年上半年"
    assert period_name("not a period") == "not a period"


def options(html, select_id):
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select #{select_id}"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def test_figures_page_names_the_periods_it_compares(director, login):
    html = login(director).get("/figures/?period=2019H1").content.decode()
    assert "统计数据 · 2019年上半年" in html
    assert "上期 2018年下半年" in html and "上年同期 2018年上半年" in html
    assert not re.search(r">\s*(上期 |上年同期 )?20\d\dH[12]\s*<", html)


def test_figures_xlsx_names_its_period_columns(director, login):
    import io

    from openpyxl import load_workbook

    response = login(director).get("/figures/?period=2019H1&format=xlsx")
    ws = load_workbook(io.BytesIO(response.getvalue())).active
    header = [c.value for c in ws[1]]
    assert "2019年上半年" in header and "上期 2018年下半年" in header
    assert ws.title.startswith("2019年上半年")


def test_audit_log_offers_the_people_by_name_and_filters_on_the_one_picked(login, caseworker, shicheng):
    auditor = make_user(AUDITOR, username="auditor", first_name="敏", last_name="周")
    other = make_user(CASEWORKER, town=shicheng, username="other", first_name="明", last_name="李")
    for user in (caseworker, other):  # each logs in through the login page, which is audited
        Client().post("/login/", {"username": user.username, "password": TEST_PASSWORD})
    client = login(auditor)
    html = client.get("/audit/").content.decode()
    labels = options(html, "id_actor_name")
    assert labels[0] == "全部"
    assert "周敏（auditor）" in labels and "李明（other）" in labels
    assert not re.search(r'<input[^>]*name="actor_name"', html)
    rows = client.get("/audit/?actor_name=other").context["table"].page.object_list.data
    assert {e.actor_name for e in rows} == {"other"} and len(rows) >= 1


def test_town_caseworker_is_offered_only_the_own_town(caseworker, liudu, login):
    client = login(caseworker)
    for url in ("/persons/", "/households/", "/assistance/cases/", "/assistance/requests/"):
        html = client.get(url).content.decode()
        assert options(html, "id_town") == ["全部", "石城镇"], url


def test_district_roles_are_offered_every_town(director, shicheng, liudu, login):
    html = login(director).get("/persons/").content.decode()
    offered = options(html, "id_town")
    assert offered[0] == "全部" and {"六都镇", "石城镇"} < set(offered)


def test_yes_no_filters_read_all_yes_no(chief, login):
    html = login(chief).get("/assistance/cases/").content.decode()
    assert options(html, "id_deceased") == ["全部", "是", "否"]
    assert "---------" not in html and "未知" not in html


def test_lists_write_dates_as_offices_do():
    from django.utils import formats

    assert formats.date_format(datetime.date(2019, 6, 30), "SHORT_DATE_FORMAT") == "2019年6月30日"
    assert formats.date_format(datetime.date(2019, 6, 30), "DATE_FORMAT") == "2019年6月30日"


def test_the_audit_log_reads_a_recorded_date_as_a_date():
    from civaffairs.audit_labels import value_label

    assert value_label("reports.PlanItem", "deadline", "2019-12-31") == "2019年12月31日"
    assert value_label("reports.PlanItem", "text", "2019-12-31 前完成") == "2019-12-31 前完成"


def test_list_filters_pick_dates_from_a_calendar_and_take_chinese_dates(chief, login):
    from django import forms

    client = login(chief)
    html = client.get("/assistance/cases/", {"review_due": "2019-06-30"}).content.decode()
    assert re.search(r'<input type="date" name="review_due" value="2019-06-30"', html)
    response = client.get("/assistance/cases/", {"review_due": "2019年6月30日"})
    assert response.context["filter"].is_valid()
    assert forms.DateField().clean("2019年6月1日") == datetime.date(2019, 6, 1)


def test_the_audit_log_reads_a_recorded_month_as_a_month():
    from civaffairs.audit_labels import value_label

    assert value_label("civaffairs.Payroll", "month", "2019-03-01", "payroll.correction") == "2019年3月"

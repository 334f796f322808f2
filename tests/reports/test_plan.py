import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from civaffairs.models import Section
from reports import document, services
from reports.home import plan_counts
from reports.models import PlanItem

D = datetime.date


@pytest.fixture
def items(director):
    return [
        services.add_plan_item(
            actor=director,
            period="2019H1",
            section=Section.ASSISTANCE,
            text="及时补发提标差额",
            deadline=D(2019, 12, 31),
        ),
        services.add_plan_item(
            actor=director,
            period="2019H1",
            section=Section.WELFARE,
            text="7月开始“牵手行动”",
            deadline=D(2019, 7, 31),
        ),
    ]


def test_adding_a_plan_item_twice_keeps_one(items, director):
    services.add_plan_item(
        actor=director,
        period="2019H1",
        section=Section.ASSISTANCE,
        text="及时补发提标差额",
        deadline=D(2019, 12, 31),
    )
    assert PlanItem.objects.count() == 2


def test_due_and_overdue_counts(items):
    assert plan_counts(today=D(2019, 8, 1)) == {"overdue": 1, "due": 0}
    assert plan_counts(Section.ASSISTANCE, today=D(2019, 12, 10)) == {"overdue": 0, "due": 1}


def test_the_owning_chief_reports_progress_and_no_other(items, chief, welfare_chief):
    services.update_plan_item(
        actor=chief, item=items[0], status=PlanItem.Status.DONE, progress="已于10月补发"
    )
    with pytest.raises(PermissionDenied):
        services.update_plan_item(
            actor=welfare_chief, item=items[0], status=PlanItem.Status.OPEN, progress=""
        )


def test_the_next_periods_summary_reports_on_the_plan(items, chief, director):
    services.update_plan_item(
        actor=chief, item=items[0], status=PlanItem.Status.DONE, progress="已于10月补发"
    )
    h2 = services.create_summary(actor=director, period="2019H2")
    text = document.render(document.summary_doc(h2), document.summary_values(h2)).plain_text()
    assert "（五）上期工作计划落实情况。\n下半年，上期工作计划各事项落实情况如下：" in text
    assert "及时补发提标差额（已完成：已于10月补发）、7月开始“牵手行动”（推进中）" in text
    h1 = services.create_summary(actor=director, period="2019H1")
    assert not h1.sections.filter(heading="上期工作计划落实情况。").exists()


def test_the_chief_sees_the_plan_on_the_home_page_and_updates_it(items, chief, login):
    c = login(chief)
    home = c.get(reverse("home")).content.decode()
    assert "工作计划：已逾期" in home
    c.post(reverse("reports:plan"), {"item": items[0].pk, "status": "done", "progress": "完成"})
    items[0].refresh_from_db()
    assert items[0].status == "done"
    assert login(chief).get(reverse("reports:plan")).status_code == 200

"""The director's desk: every to-do count is a link, and the list it opens shows exactly the
records counted — 社会救助股's applications, standards and payrolls waiting and its cases past
their review date; welfare's hazard closures and milestone reports waiting and its open hazards;
the allowance's standards and payrolls. Each domain registers its to-dos (civaffairs/home.py);
the desk (reports/dashboard.py) only renders them. Worlds are built through the services."""

import datetime
import re
from decimal import Decimal

from assistance import programs as P
from assistance import services as assistance
from civaffairs import payments
from tests.factories import NOV18, World
from tests.welfare.conftest import WelfareWorld
from welfare import services as welfare

D = datetime.date
LINK = re.compile(r'<a href="([^"]+)">([^<：]+)：(\d+)</a>')


def _todos(page):
    block = page.split("<h3>全局待办</h3>")[1].split("</ul>")[0]
    return {label: (url, int(count)) for url, label, count in LINK.findall(block)}


def _rows(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    table = response.context["table"]
    return table.paginator.count if table.paginator else len(table.rows)


def test_every_count_on_the_directors_desk_opens_on_the_rows_it_counts(director, login):
    w = World()
    w.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    w.dibao(1, 100)  # reviewed a year after November 2018: overdue today
    w.dibao(2, 100)
    w.pay(P.DIBAO, NOV18)  # approved: not listed
    payments.generate_payroll(actor=w.worker, program=P.DIBAO, month=D(2018, 12, 1))
    payments.draft_standard(
        actor=w.worker, program=P.DIBAO, category="urban", amount=Decimal(600), effective_from=D(2019, 1, 1)
    )
    assistance.submit_enrolment(
        actor=w.town_worker, program=P.ORPHAN, person=w.person(), start_month=NOV18, category=P.DISPERSED
    )
    ww = WelfareWorld()
    hazards = ww.inspect(
        ww.home(), D(2019, 3, 10), [("灭火器过期", D(2019, 4, 10)), ("通道堵塞", D(2099, 4, 10))]
    ).hazards.order_by("pk")
    welfare.submit_hazard_closure(
        actor=ww.staff, hazard=hazards[0], rectified_on=D(2019, 4, 1), note="已更换"
    )
    project = welfare.create_facility_project(actor=ww.staff, kind="cemetery", name="生态墓", region=ww.liudu)
    for name in ("立项", "用地手续"):  # two reports waiting, one project listed
        welfare.submit_milestone(
            actor=ww.staff, milestone=project.milestones.get(name=name), reached_on=D(2019, 2, 1)
        )

    client = login(director)
    todos = _todos(client.get("/").content.decode())

    expected = {
        "待审批业务申请": 1,
        "待审批保障标准": 1,
        "待审批发放名册": 1,
        "逾期未复核": 2,
        "待审批隐患销号": 1,
        "有待审批节点的项目": 1,
        "未销号安全隐患": 2,
        "其中逾期未整改": 1,  # reported today, years after its deadline: late all the same
        "待审批成员补贴标准": 0,
        "待审批成员补贴发放名册": 0,
        "逾期的工作计划事项": 0,  # the work plan's own page (reports/home.py)
    }
    assert {label: count for label, (url, count) in todos.items()} == expected
    del todos["逾期的工作计划事项"]
    for label, (url, count) in todos.items():
        assert _rows(client, url) == count, label


def test_the_desk_names_each_section_and_its_to_dos(director, login):
    page = login(director).get("/").content.decode()
    assert (
        '<strong>社会救助股</strong>　<a href="/assistance/requests/?status=pending">待审批业务申请：0</a>'
        in page
    )
    assert "<strong>基层政权和社区建设股</strong>" in page

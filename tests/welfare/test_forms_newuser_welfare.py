"""What a new user met on the inspection and project pages: a hazard, a closure, a milestone or
the funds refused came back as one message at the top of a fresh page, everything typed gone (and
the browser's own tooltip stopped an empty one before the server could say it in Chinese). Now
the page comes back with the form bound: the reason at its field, what was typed kept, nothing
saved. Worlds are built through welfare's services."""

import datetime

import pytest
from django.urls import reverse

from welfare import services
from welfare.models import HazardClosure, MilestoneReport

D = datetime.date


@pytest.fixture
def inspection(ww):
    return ww.inspect(ww.home(), D(2019, 3, 10), [("灭火器过期", D(2019, 4, 10))])


@pytest.fixture
def project(ww):
    return services.create_facility_project(actor=ww.staff, kind="cemetery", name="生态墓", region=ww.liudu)


def test_a_hazard_with_a_deadline_before_the_inspection_comes_back_at_its_field_with_what_was_typed(
    ww, inspection, login
):
    url = reverse("welfare:hazard_add", args=[inspection.pk])
    response = login(ww.staff).post(
        url, {"description": "电线老化", "owner": "院长", "deadline": "2019-03-01"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_deadline_error"' in html and "整改期限不能早于检查日期" in html
    assert 'value="电线老化"' in html and 'value="院长"' in html
    assert 'id="hazard-add" novalidate' in html
    assert inspection.hazards.count() == 1


def test_a_closure_dated_before_the_inspection_comes_back_under_its_own_hazard(ww, inspection, login):
    hazard = inspection.hazards.get()
    url = reverse("welfare:hazard_close", args=[hazard.pk])
    response = login(ww.staff).post(url, {"rectified_on": "2019-03-01", "note": "已更换灭火器"})

    assert response.status_code == 200
    html = response.content.decode()
    form = html[html.index(f'id="close-{hazard.pk}"') :]
    form = form[: form.index("</form>")]
    assert "novalidate" in form
    assert "<li>整改完成日期不能早于检查日期</li>" in form
    assert 'value="已更换灭火器"' in form and 'value="2019-03-01"' in form
    assert not HazardClosure.objects.exists()

    empty = login(ww.staff).post(url, {"rectified_on": "", "note": ""}).content.decode()
    assert "<li>请填写整改完成日期</li>" in empty and "<li>请填写整改情况</li>" in empty

    login(ww.staff).post(url, {"rectified_on": "2019-04-01", "note": "已更换灭火器"})
    assert HazardClosure.objects.get().status == "pending"


def test_a_milestone_without_a_date_and_funds_below_zero_come_back_at_their_fields(ww, project, login):
    client = login(ww.staff)
    milestone = project.milestones.get(name="立项")
    response = client.post(
        reverse("welfare:milestone_submit", args=[project.pk]),
        {"milestone": milestone.pk, "reached_on": "", "note": "区发改局批复"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_reached_on_error"' in html and 'value="区发改局批复"' in html
    assert 'id="milestone-form" novalidate' in html
    assert not MilestoneReport.objects.exists()

    response = client.post(
        reverse("welfare:project_funds", args=[project.pk]), {"funds_secured": "900000", "funds_spent": "-5"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_funds_spent_error"' in html and 'value="900000"' in html
    project.refresh_from_db()
    assert project.funds_secured == 0


def test_the_project_funds_read_beside_their_label(ww, project, login):
    html = login(ww.staff).get(reverse("welfare:project_detail", args=[project.pk])).content.decode()
    assert '<td id="project-funds">0.00 元 / 0.00 元</td>' in html


def test_the_hazard_list_marks_the_overdue_and_links_to_the_hazard_itself(ww, login, time_machine):
    time_machine.move_to(datetime.datetime(2019, 5, 1, 10, 0))
    home = ww.home()
    late = ww.inspect(home, D(2019, 3, 10), [("灭火器过期", D(2019, 4, 10))]).hazards.get()
    due = ww.inspect(home, D(2019, 4, 20), [("电线老化", D(2019, 5, 20))]).hazards.get()

    html = login(ww.chief).get(reverse("welfare:hazard_list")).content.decode()

    assert '2019年4月10日 <strong class="overdue">（已逾期）</strong>' in html
    assert "2019年5月20日</td>" in html
    assert html.count("（已逾期）") == 1
    for hazard in (late, due):
        assert f'/welfare/inspections/{hazard.inspection_id}/#hazard-{hazard.pk}"' in html


def test_the_directors_open_hazards_open_on_the_hazards_they_count(ww, director, login):
    home = ww.home()
    inspection = ww.inspect(
        home, D(2019, 3, 11), [("消防通道堆放杂物", D(2019, 4, 10)), ("灭火器过期", D(2099, 1, 1))]
    )
    closed, pending = inspection.hazards.order_by("pk")
    closure = services.submit_hazard_closure(
        actor=ww.staff, hazard=closed, rectified_on=D(2019, 4, 1), note="已清理"
    )
    services.decide_hazard_closure(actor=ww.chief, closure=closure, approve=True, comment="同意")
    ww.inspect(home, D(2019, 5, 1), [("电线老化", D(2019, 6, 1))])
    services.submit_hazard_closure(actor=ww.staff, hazard=pending, rectified_on=D(2019, 4, 2), note="已更换")
    client = login(director)

    desk = client.get("/").content.decode()
    assert '<a href="/welfare/hazards/?status=unclosed">未销号安全隐患：2</a>' in desk
    listed = client.get("/welfare/hazards/?status=unclosed").content.decode()

    assert "共 2 条" in listed
    assert "灭火器过期" in listed and "电线老化" in listed and "消防通道堆放杂物" not in listed
    assert '<option value="unclosed" selected>未销号（整改中、待审批销号）</option>' in listed


def test_what_the_chief_sent_back_is_on_the_staffs_home_page_and_opens_on_it(ww, login):
    home = ww.home()
    sent_back, waiting = ww.inspect(
        home, D(2019, 3, 11), [("消防通道堆放杂物", D(2099, 4, 10)), ("灭火器过期", D(2099, 1, 1))]
    ).hazards.order_by("pk")
    closure = services.submit_hazard_closure(
        actor=ww.staff, hazard=sent_back, rectified_on=D(2019, 4, 1), note="已清理"
    )
    services.decide_hazard_closure(actor=ww.chief, closure=closure, approve=False, comment="未见照片")
    services.submit_hazard_closure(actor=ww.staff, hazard=waiting, rectified_on=D(2019, 4, 2), note="已更换")
    first = services.create_facility_project(
        actor=ww.staff, kind="cemetery", name="佛水村生态墓", region=ww.liudu
    )
    second = services.create_facility_project(
        actor=ww.staff, kind="cemetery", name="幌伞村生态墓", region=ww.liudu
    )
    for project, again in ((first, False), (second, True)):
        milestone = project.milestones.get(name="立项")
        report = services.submit_milestone(actor=ww.staff, milestone=milestone, reached_on=D(2019, 2, 1))
        services.decide_milestone(actor=ww.chief, report=report, approve=False, comment="缺批复文件")
        if again:  # reported again: waiting for the chief, no longer the staff's to-do
            services.submit_milestone(actor=ww.staff, milestone=milestone, reached_on=D(2019, 2, 1))
    client = login(ww.staff)

    page = client.get("/").content.decode()
    hazards, milestones = "/welfare/hazards/?status=rejected", "/welfare/projects/?rejected=true"
    assert f'<a href="{hazards}"><div class="n">1</div>销号申请被驳回的隐患</a>' in page
    assert f'<a href="{milestones}"><div class="n">1</div>被驳回的项目节点</a>' in page

    listed = client.get(hazards).content.decode()
    assert "共 1 条" in listed and "消防通道堆放杂物" in listed and "灭火器过期" not in listed
    listed = client.get(milestones).content.decode()
    assert "共 1 条" in listed and "佛水村生态墓" in listed and "幌伞村生态墓" not in listed
    assert "销号申请被驳回的隐患" not in login(ww.chief).get("/").content.decode()

"""A hazard whose rectification was reported (销号申请) on or before its deadline and waits for the
chief's approval is 待审批销号, not 逾期未整改: the staff did their part in time. Reported after
the deadline, or sent back by the chief, it is late again. The home pages, the director's desk,
the inbox, the hazard list's filter and its 已逾期 mark all say the same."""

import datetime
import zoneinfo

from django.urls import reverse

from welfare import services
from welfare.selectors import overdue_hazards

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def test_a_rectification_reported_on_the_deadline_waits_for_the_chief_and_is_not_overdue(
    ww, director, login, time_machine
):
    time_machine.move_to(at(D(2019, 3, 10), 9))
    home = ww.home()
    on_time, late_report, silent = ww.inspect(
        home,
        D(2019, 3, 10),
        [("灭火器过期", D(2019, 4, 10)), ("通道堵塞", D(2019, 4, 9)), ("电线老化", D(2019, 4, 10))],
    ).hazards.order_by("pk")
    # The last minutes of the deadline day, local time (15:50 UTC): still in time.
    time_machine.move_to(at(D(2019, 4, 10), 23, 50))
    services.submit_hazard_closure(actor=ww.staff, hazard=on_time, rectified_on=D(2019, 4, 10), note="已更换")
    services.submit_hazard_closure(
        actor=ww.staff, hazard=late_report, rectified_on=D(2019, 4, 10), note="已清理"
    )
    assert set(overdue_hazards(ww.chief)) == {late_report}  # the deadline day itself is not late

    time_machine.move_to(at(D(2019, 4, 11), 9))
    assert set(overdue_hazards(ww.chief)) == {late_report, silent}

    chief = login(ww.chief)
    page = chief.get("/").content.decode()
    assert "逾期未整改安全隐患" in page
    listed = chief.get(reverse("welfare:hazard_list") + "?overdue=true").content.decode()
    assert "共 2 条" in listed
    assert "通道堵塞" in listed and "电线老化" in listed and "灭火器过期" not in listed
    every = chief.get(reverse("welfare:hazard_list")).content.decode()
    assert every.count("（已逾期）") == 2
    inbox = chief.get(reverse("welfare:inbox")).content.decode()
    overdue_table = inbox.split('id="overdue"')[1]
    assert "灭火器过期" not in overdue_table and "电线老化" in overdue_table
    detail = chief.get(reverse("welfare:inspection_detail", args=[on_time.inspection_id])).content.decode()
    assert detail.count("（已逾期）") == 2

    desk = login(director).get("/").content.decode()
    assert '<a href="/welfare/hazards/?overdue=true">其中逾期未整改：2</a>' in desk


def test_a_timely_report_the_chief_sends_back_leaves_the_hazard_overdue(ww, time_machine):
    time_machine.move_to(at(D(2019, 3, 10), 9))
    [hazard] = ww.inspect(ww.home(), D(2019, 3, 10), [("灭火器过期", D(2019, 4, 10))]).hazards.all()
    time_machine.move_to(at(D(2019, 4, 9), 9))
    closure = services.submit_hazard_closure(
        actor=ww.staff, hazard=hazard, rectified_on=D(2019, 4, 9), note="已更换"
    )
    time_machine.move_to(at(D(2019, 4, 12), 9))
    assert not overdue_hazards(ww.chief).exists()

    services.decide_hazard_closure(actor=ww.chief, closure=closure, approve=False, comment="未见照片")

    assert list(overdue_hazards(ww.chief)) == [hazard]

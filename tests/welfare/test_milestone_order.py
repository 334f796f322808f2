"""The dates of a facility project's milestones follow the works: no building before 立项, no
验收 before 施工, no 投入使用 before 验收 (welfare.services.projects.IN_ORDER). The preparatory
steps (用地手续, 政府采购, 图纸设计) are not ordered: the seed's 居家养老服务中心 had its land before its
立项 was approved. Refused at the report (the error at the date field, nothing saved) and again at
the chief's approval. Worlds are built through welfare's services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civaffairs.models import ApprovalStatus
from welfare import services
from welfare.models import MilestoneReport

D = datetime.date


@pytest.fixture
def project(ww):
    return services.create_facility_project(
        actor=ww.staff, kind="rescue_station", name="救助站改造", region=ww.shicheng
    )


def report(ww, project, name, on):
    return services.submit_milestone(
        actor=ww.staff, milestone=project.milestones.get(name=name), reached_on=on
    )


def reach(ww, project, name, on):
    """The staff's report of the milestone, approved by the chief."""
    return services.decide_milestone(
        actor=ww.chief, report=report(ww, project, name, on), approve=True, comment="同意"
    )


def refusal(ww, project, name, on):
    with pytest.raises(ValidationError) as refused:
        report(ww, project, name, on)
    return refused.value.message_dict


def test_an_acceptance_dated_before_the_works_were_finished_is_refused(ww, project):
    reach(ww, project, "立项", D(2019, 1, 18))
    reach(ww, project, "施工", D(2019, 5, 10))

    assert refusal(ww, project, "验收", D(2019, 5, 9)) == {
        "reached_on": ["完成日期不能早于节点“施工”的完成日期（2019年5月10日）"]
    }
    assert not MilestoneReport.objects.filter(milestone__name="验收").exists()
    # The same day is not earlier.
    assert report(ww, project, "验收", D(2019, 5, 10)).status == ApprovalStatus.PENDING


def test_nothing_is_built_or_used_before_the_project_is_approved(ww, project):
    reach(ww, project, "立项", D(2019, 3, 1))

    assert refusal(ww, project, "施工", D(2019, 2, 28)) == {
        "reached_on": ["完成日期不能早于节点“立项”的完成日期（2019年3月1日）"]
    }
    assert refusal(ww, project, "投入使用", D(2019, 1, 1)) == {
        "reached_on": ["完成日期不能早于节点“立项”的完成日期（2019年3月1日）"]
    }


def test_the_nearest_earlier_milestone_is_named(ww, project):
    reach(ww, project, "立项", D(2019, 1, 18))
    reach(ww, project, "施工", D(2019, 4, 30))
    reach(ww, project, "验收", D(2019, 5, 20))

    assert refusal(ww, project, "投入使用", D(2019, 5, 1)) == {
        "reached_on": ["完成日期不能早于节点“验收”的完成日期（2019年5月20日）"]
    }


def test_an_earlier_milestone_reported_late_may_not_postdate_a_later_one(ww, project):
    reach(ww, project, "施工", D(2019, 5, 10))

    assert refusal(ww, project, "立项", D(2019, 6, 1)) == {
        "reached_on": ["完成日期不能晚于节点“施工”的完成日期（2019年5月10日）"]
    }
    assert report(ww, project, "立项", D(2019, 1, 18)).status == ApprovalStatus.PENDING


def test_the_preparatory_steps_keep_their_own_dates(ww, project):
    # As the seed's 居家养老服务中心: its land first, its 立项 applied for later.
    reach(ww, project, "用地手续", D(2019, 3, 28))
    reach(ww, project, "图纸设计", D(2019, 4, 2))
    reach(ww, project, "立项", D(2019, 6, 20))
    reach(ww, project, "政府采购", D(2019, 2, 1))

    reached = dict(project.milestones.filter(done_on__isnull=False).values_list("name", "done_on"))
    assert reached == {
        "用地手续": D(2019, 3, 28),
        "图纸设计": D(2019, 4, 2),
        "立项": D(2019, 6, 20),
        "政府采购": D(2019, 2, 1),
    }


def test_the_chief_cannot_approve_a_report_that_an_approval_since_put_out_of_order(ww, project):
    # Both reported while neither was reached; the works' approval comes first.
    works = report(ww, project, "施工", D(2019, 5, 10))
    acceptance = report(ww, project, "验收", D(2019, 5, 1))
    services.decide_milestone(actor=ww.chief, report=works, approve=True, comment="同意")

    with pytest.raises(ValidationError) as refused:
        services.decide_milestone(actor=ww.chief, report=acceptance, approve=True, comment="同意")

    assert refused.value.messages == ["完成日期不能早于节点“施工”的完成日期（2019年5月10日）"]
    acceptance.refresh_from_db()
    assert acceptance.status == ApprovalStatus.PENDING
    assert project.milestones.get(name="验收").done_on is None
    # Sent back, it can be reported again with the right date.
    services.decide_milestone(actor=ww.chief, report=acceptance, approve=False, comment="验收日期有误")
    assert report(ww, project, "验收", D(2019, 5, 20)).status == ApprovalStatus.PENDING


def test_the_page_shows_the_refusal_at_the_date_and_saves_nothing(ww, project, login):
    reach(ww, project, "立项", D(2019, 1, 18))
    reach(ww, project, "施工", D(2019, 5, 10))
    before = MilestoneReport.objects.count()

    response = login(ww.staff).post(
        reverse("welfare:milestone_submit", args=[project.pk]),
        {
            "milestone": project.milestones.get(name="验收").pk,
            "reached_on": "2019-05-01",
            "note": "区住建局验收",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    error = html[html.index('id="id_reached_on_error"') :]
    assert "完成日期不能早于节点“施工”的完成日期（2019年5月10日）" in error[: error.index("</")]
    assert 'value="2019-05-01"' in html and 'value="区住建局验收"' in html
    assert MilestoneReport.objects.count() == before
    assert project.milestones.get(name="验收").done_on is None


def test_the_chiefs_approval_out_of_order_says_why_and_leaves_the_report_pending(ww, project, login):
    works = report(ww, project, "施工", D(2019, 5, 10))
    acceptance = report(ww, project, "验收", D(2019, 5, 1))
    services.decide_milestone(actor=ww.chief, report=works, approve=True, comment="同意")

    response = login(ww.chief).post(
        reverse("welfare:milestone_decide", args=[acceptance.pk]),
        {"decision": "approve", "comment": ""},
        follow=True,
    )

    assert "审批失败：完成日期不能早于节点“施工”的完成日期（2019年5月10日）" in response.content.decode()
    acceptance.refresh_from_db()
    assert acceptance.status == ApprovalStatus.PENDING

"""Every new 低保 and 特困 application goes through the statutory procedure (issue 11): the chief's
approval of one without it is refused naming the steps owed, migrated ledgers excepted; 临时救助
keeps its urgent path; the chief's inbox lists only what is ready for a decision, the rest as
办理中 with its step; each step shows 逾期 past its deadline; the median days figure is taken by
the database."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance import programs as P
from assistance import services
from assistance.models import Attachment, Procedure, Stage
from assistance.procedure_figures import median_days
from assistance.selectors import inbox_counts, pending_in_procedure, pending_ready
from assistance.services import procedure as proc
from civaffairs.models import ApprovalStatus, Case, Program, Request
from civaffairs.workdays import add_workdays
from tests.factories import ALL_MATERIALS, at, home_visit, through_procedure

D = datetime.date


@pytest.fixture
def w(town):
    """The world of 石城镇 as tests.factories.ProcedureTown builds it (the `town` fixture,
    conftest.py): a 社会救助股 worker and chief, a town caseworker, the 2018 standard of 400."""
    return town.w


def status(request):
    return Request.objects.get(pk=request.pk).status


# ------------------------------------------------------------------ the gate


def test_a_dibao_application_outside_the_procedure_is_refused_naming_the_steps(w):
    with at(D(2019, 3, 4)):
        request = services.submit_enrolment(
            actor=w.town_worker,
            program=P.DIBAO,
            household=w.household(),
            start_month=D(2019, 3, 1),
            category="A",
        )
    with at(D(2019, 3, 20)), pytest.raises(ValidationError) as exc:
        services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    message = exc.value.messages[0]
    assert message.startswith("不能批准：该最低生活保障")
    for step in ("受理", "家庭经济状况核对", "入户调查", "民主评议", "镇审核", "区审批", "公示"):
        assert step in message
    assert "受理低保申请" in message
    assert status(request) == ApprovalStatus.PENDING
    assert Case.objects.get(pk=request.case_id).status == Case.Status.PENDING
    # A refusal (驳回) needs no steps.
    with at(D(2019, 3, 20)):
        services.decide_request(actor=w.chief, request=request, approve=False, comment="未经受理")
    assert status(request) == ApprovalStatus.REJECTED


def test_a_tekun_application_outside_the_procedure_is_refused_without_appraisal_named(w):
    with at(D(2019, 3, 4)):
        request = services.submit_enrolment(
            actor=w.town_worker,
            program=P.TEKUN,
            person=w.person(),
            start_month=D(2019, 3, 1),
            category=P.DISPERSED,
            care_level=P.CARE_SELF,
        )
    with at(D(2019, 3, 20)), pytest.raises(ValidationError) as exc:
        services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    message = exc.value.messages[0]
    assert "受理、入户调查、镇审核、区审批（抽查）、公示" in message and "民主评议" not in message
    assert "受理特困申请" in message
    assert status(request) == ApprovalStatus.PENDING


def test_migrated_ledgers_owe_no_steps_approved_on_import_or_after(w):
    migrated = services.enrol_many(
        actor=w.worker,
        approver=w.chief,
        program=P.DIBAO,
        migrated=True,
        applications=[{"household": w.household(), "start_month": D(2018, 1, 1), "category": "A"}],
    )
    assert not Procedure.objects.filter(case__in=migrated).exists()
    assert migrated[0].requests.get().data["migrated"] is True
    # A roster uploaded on screen: the ledger's households wait for the chief, marked migrated.
    (waiting,) = services.enrol_many(
        actor=w.town_worker,
        approver=None,
        program=P.DIBAO,
        applications=[{"household": w.household(), "start_month": D(2019, 1, 1), "category": "A"}],
    )
    request = waiting.requests.get()
    assert request in pending_ready(w.chief)
    services.decide_request(actor=w.chief, request=request, approve=True, comment="存量迁移")
    assert status(request) == ApprovalStatus.APPROVED


def test_temporary_relief_keeps_its_urgent_path(w):
    with at(D(2019, 2, 1)):
        plain = services.submit_enrolment(
            actor=w.town_worker,
            program=P.TEMP_RELIEF,
            person=w.person(),
            amount=500,
            event_date=D(2019, 2, 1),
        )
        urgent = proc.apply_urgent_relief(
            actor=w.town_worker, person=w.person(), amount=Decimal(800), event_date=D(2019, 2, 1)
        )
        # Both at once in the chief's inbox: 先行救助 is paid first.
        assert set(pending_ready(w.chief)) == {plain, urgent}
        services.decide_request(actor=w.chief, request=plain, approve=True, comment="同意")
        services.decide_request(actor=w.chief, request=urgent, approve=True, comment="先行救助")
    papers = Procedure.objects.get(request=urgent)
    assert (papers.stage, papers.due_on) == (Stage.PAPERS, add_workdays(D(2019, 2, 1), 5))
    # Its papers are a step of the town caseworker's, due and then overdue on the home page.
    with at(D(2019, 2, 12)):
        assert proc.due_counts(w.town_worker) == {"overdue": 0, "soon": 1}
    with at(D(2019, 2, 14)):
        assert proc.due_counts(w.town_worker) == {"overdue": 1, "soon": 0}
        (row,) = proc.timeline(papers)
        assert (row["name"], row["due"], row["status"]) == (
            "补齐手续（先行救助后5个工作日内）",
            D(2019, 2, 13),
            "逾期",
        )
        proc.complete_papers(
            actor=w.town_worker, procedure=papers, on=D(2019, 2, 14), materials=ALL_MATERIALS
        )
        assert proc.due_counts(w.town_worker) == {"overdue": 0, "soon": 0}
    assert not Procedure.objects.filter(request=plain).exists()


def test_the_relief_form_offers_the_urgent_path_and_not_tekun(w, client):
    person = w.person()
    client.force_login(w.town_worker)
    url = reverse("assistance:apply_person", args=[person.pk])
    form = client.get(url).context["form"]
    assert P.TEKUN not in {p.code for p in form.fields["program"].queryset}
    assert client.get(url + "?program=tekun")["Location"] == reverse(
        "assistance:procedure_accept", args=[P.TEKUN, person.pk]
    )
    relief = {
        "program": form.fields["program"].queryset.get(code=P.TEMP_RELIEF).pk,
        "event_date": "2019-04-09",
        "amount": "1500",
        "urgent": "on",
    }
    with at(D(2019, 4, 9)):
        response = client.post(url, relief)
    request = Request.objects.get()
    assert "先行救助" in [str(m) for m in response.wsgi_request._messages][0]
    assert Procedure.objects.get(request=request).stage == Stage.PAPERS
    # 特困 posted by hand is refused: it is accepted through the procedure only.
    tekun = Program.objects.get(code=P.TEKUN)
    with at(D(2019, 4, 9)):
        response = client.post(url, {"program": tekun.pk, "start_month": "2019-04", "category": P.DISPERSED})
    assert response.status_code == 200 and response.context["form"].errors["program"]
    assert Request.objects.count() == 1


# ------------------------------------------------------------------ the chief's inbox


def test_the_inbox_lists_only_applications_ready_for_a_decision(w, town, client):
    with at(D(2019, 3, 20)):
        ready = through_procedure(
            actor=w.town_worker,
            chief=w.chief,
            program=P.DIBAO,
            household=w.household(),
            start_month=D(2019, 3, 1),
            category="A",
        )
    p = town.accept()  # 4 March; its town steps due 25 March
    town.verify(p, D(2019, 3, 25))
    with at(D(2019, 3, 26)):
        assert list(pending_ready(w.chief)) == [ready]
        assert list(pending_in_procedure(w.chief)) == [p.request]
        counts = inbox_counts(w.chief)
        assert (counts["enrol"], counts["in_procedure"]) == (1, 1)
        client.force_login(w.chief)
        page = client.get(reverse("assistance:inbox"))
        body = page.content.decode()
        assert [r.record for r in page.context["requests"].rows] == [ready]
        (row,) = page.context["in_procedure"]
        assert (row["step"], row["due"], row["overdue"]) == ("入户调查", D(2019, 3, 25), True)
        assert "办理中：审核确认程序未完成的新申请（1）" in body
        assert reverse("assistance:procedure_detail", args=[p.pk]) in body
        home = client.get(reverse("home")).content.decode()
        assert (
            "待审批新申请（审核确认各环节已完成）" in home and "办理中的新申请（审核确认环节未完成）" in home
        )
        # The registry's card counts every application under way, not as awaiting approval.
        assert "申请中的救助对象" in home and ('<div class="n">2</div>申请中的救助对象' in home)


def test_an_application_joins_the_inbox_on_day_8_of_its_notice(w, town):
    p = town.to_town_review(town.accept(), D(2019, 3, 5))
    with at(D(2019, 3, 5)):
        proc.town_review(actor=town.reviewer, procedure=p, opinion="属实", recommends=True)
    town.to_notice(p, "inbox", starts_on=D(2019, 3, 7), ends_on=D(2019, 3, 13))
    p.refresh_from_db()
    for day, ready in ((D(2019, 3, 13), False), (D(2019, 3, 14), True)):
        with at(day):
            assert (p.request in pending_ready(w.chief)) is ready
            assert (p.request in pending_in_procedure(w.chief)) is not ready
            assert (proc.missing_steps(p) == []) is ready


# ------------------------------------------------------------------ 逾期 on the timeline and home pages


def _open_row(p, day):
    return next(r for r in proc.timeline(p, day) if r["status"] not in ("已完成", "未抽中，无需区级入户"))


def test_every_step_shows_overdue_on_the_timeline_and_its_owners_home_page(w, town):
    reviewer = town.reviewer
    p = town.accept()
    town_due = add_workdays(D(2019, 3, 4), 15)
    late = town_due + datetime.timedelta(days=1)

    def check(step, owner):
        p.refresh_from_db()
        row = _open_row(p, late)
        assert (row["name"].startswith(step), row["status"], row["overdue"]) == (True, "逾期", True), row
        with at(late):
            assert proc.due_counts(owner)["overdue"] == 1
            assert proc.due_counts(w.town_worker if owner != w.town_worker else reviewer)["overdue"] == 0
        on_time = _open_row(p, p.due_on)
        assert (on_time["status"], on_time["overdue"]) == ("办理中", False)

    check("家庭经济状况核对", w.town_worker)
    town.verify(p, D(2019, 3, 5))
    check("入户调查", w.town_worker)
    with at(D(2019, 3, 5)):
        home_visit(w.town_worker, p.case, D(2019, 3, 5), district=False)
    check("民主评议", w.town_worker)
    with at(D(2019, 3, 5)):
        proc.record_appraisal(
            actor=w.town_worker,
            case=p.case,
            held_on=D(2019, 3, 5),
            due=3,
            attended=3,
            agreed=3,
            minutes="同意",
        )
    check("镇审核", reviewer)
    with at(D(2019, 3, 5)):
        p.refresh_from_db()
        proc.town_review(actor=reviewer, procedure=p, opinion="属实", recommends=True)
    p.refresh_from_db()
    district_due = add_workdays(D(2019, 3, 5), 10)
    assert p.due_on == district_due
    day_after = district_due + datetime.timedelta(days=1)
    # The district's steps: the spot check's visit, then the notice, each 逾期 past the deadline.
    row = _open_row(p, day_after)
    assert (row["name"], row["status"]) == ("区级抽查入户", "逾期")
    with at(day_after):
        assert proc.due_counts(w.chief)["overdue"] == 1
    town.spot_check(p, "late")
    p.refresh_from_db()
    # The notice is owed: past the district's deadline it is 逾期, not 办理中.
    row = _open_row(p, day_after)
    assert (row["name"], row["due"], row["status"], row["overdue"]) == (
        "公示（不少于7天）",
        district_due,
        "逾期",
        True,
    )
    assert _open_row(p, district_due)["status"] == "办理中"
    with at(day_after):
        assert proc.due_counts(w.chief)["overdue"] == 1
        proc.start_notice(
            actor=w.chief, procedure=p, starts_on=day_after, ends_on=day_after + datetime.timedelta(days=6)
        )
    p.refresh_from_db()
    # Running, but started after the deadline (which moved by the notice's working days).
    assert p.due_on == add_workdays(D(2019, 3, 5), 10 + proc.notice_workdays(p))
    assert (district_due, day_after, p.due_on) == (D(2019, 3, 19), D(2019, 3, 20), D(2019, 3, 26))
    row = next(r for r in proc.timeline(p, D(2019, 3, 26)) if r["name"].startswith("公示"))
    assert (row["status"], row["overdue"]) == ("公示中（3月20日—3月26日）", False)
    # The decision, once the notice has run, is 逾期 past the deadline on the timeline and the chief's page.
    after = p.due_on + datetime.timedelta(days=1)
    row = _open_row(p, after)
    assert (row["name"], row["status"]) == ("审批决定", "逾期")
    with at(after):
        assert proc.due_counts(w.chief)["overdue"] == 1


def test_the_procedure_page_marks_an_overdue_notice(w, town, client):
    p = town.to_town_review(town.accept(), D(2019, 3, 5))
    with at(D(2019, 3, 5)):
        proc.town_review(actor=town.reviewer, procedure=p, opinion="属实", recommends=True)
    town.spot_check(p, "page", on=D(2019, 3, 5))
    client.force_login(w.chief)
    with at(D(2019, 4, 1)):
        body = client.get(reverse("assistance:procedure_detail", args=[p.pk])).content.decode()
    notice_row = body[body.index("公示（不少于7天）") :].split("</tr>")[0]
    assert '<strong class="warning">逾期</strong>' in notice_row


# ------------------------------------------------------------------ median days, in the database


def _decided(town, accepted, decided):
    p = town.accept(on=accepted)
    with at(decided):
        services.decide_request(actor=town.w.chief, request=p.request, approve=False, comment="收入超标")
    return p


def test_median_days_from_acceptance_to_decision_by_hand(town):
    from civaffairs import figures
    from civaffairs.periods import Period

    def median():
        return figures.compute(Period.parse("2019H1"), keys=["procedure.median_days"])[
            "procedure.median_days"
        ]

    assert median() is None
    _decided(town, D(2019, 3, 4), D(2019, 3, 7))  # 3 days
    _decided(town, D(2019, 3, 4), D(2019, 3, 14))  # 10
    _decided(town, D(2019, 3, 6), D(2019, 3, 7))  # 1
    _decided(town, D(2019, 6, 20), D(2019, 7, 2))  # decided in July: not in the half-year
    assert median() == Decimal("3")  # 1, 3, 10
    _decided(town, D(2019, 3, 1), D(2019, 3, 9))  # 8
    assert median() == Decimal("5.5")  # 1, 3, 8, 10: (3 + 8) / 2
    _decided(town, D(2019, 3, 1), D(2019, 3, 9))  # 8 again
    assert median() == Decimal("8")  # 1, 3, 8, 8, 10


def test_median_days_takes_one_query_whatever_the_count(town):
    decided = Procedure.objects.filter(decided_on__isnull=False)
    _decided(town, D(2019, 3, 4), D(2019, 3, 7))
    with CaptureQueriesContext(connection) as one:
        assert median_days(decided, 1) == Decimal("3")
    for day in range(5, 12):
        _decided(town, D(2019, 3, 4), D(2019, 3, day + 4))
    with CaptureQueriesContext(connection) as many:
        assert median_days(decided, 8) == Decimal("7.5")  # 3, 5, 6, 7, 8, 9, 10, 11
    assert len(one.captured_queries) == len(many.captured_queries) == 1


# ------------------------------------------------------------------ bad input through the pages


def test_an_upload_on_the_page_that_is_not_a_scan_or_too_large_saves_nothing(w, town, client, settings):
    settings.SCAN_MAX_BYTES = 1024
    p = town.accept()
    client.force_login(w.town_worker)
    url = reverse("assistance:procedure_step", args=[p.pk, "scan"])
    for name, content, reason in (
        ("申请书.exe", b"MZ\x90\x00", "不是 PDF、JPG 或 PNG"),
        ("申请书.pdf", b"%PDF-" + b"0" * 2048, "文件过大"),
    ):
        with at(D(2019, 3, 5)):
            response = client.post(
                url, {"kind": "application", "file": SimpleUploadedFile(name, content)}, follow=True
            )
        assert any(reason in str(m) and str(m).startswith("未保存") for m in response.context["messages"])
    assert not Attachment.objects.exists()


def test_approval_on_day_7_of_the_notice_is_refused_on_the_page_and_nothing_changes(w, client):
    with at(D(2019, 3, 8)):
        request = through_procedure(
            actor=w.town_worker,
            chief=w.chief,
            program=P.DIBAO,
            household=w.household(),
            start_month=D(2019, 3, 1),
            category="A",
            on=D(2019, 3, 2),
        )
    client.force_login(w.chief)
    with at(D(2019, 3, 8)):  # the notice ran 2–8 March: day 7
        response = client.post(
            reverse("assistance:request_decide", args=[request.pk]),
            {"decision": "approve", "comment": "同意"},
            follow=True,
        )
    (message,) = [str(m) for m in response.context["messages"]]
    assert message.startswith("审批失败：不能批准：公示须满7天") and "2019年3月9日起方可批准" in message
    assert status(request) == ApprovalStatus.PENDING
    assert Case.objects.get(pk=request.case_id).status == Case.Status.PENDING
    with at(D(2019, 3, 9)):
        services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    assert status(request) == ApprovalStatus.APPROVED


def test_the_request_page_names_the_steps_owed_or_the_migration(w, client):
    with at(D(2019, 3, 4)):
        owed = services.submit_enrolment(
            actor=w.town_worker,
            program=P.DIBAO,
            household=w.household(),
            start_month=D(2019, 3, 1),
            category="A",
        )
    (ledger,) = services.enrol_many(
        actor=w.town_worker,
        approver=None,
        program=P.DIBAO,
        applications=[{"household": w.household(), "start_month": D(2019, 1, 1), "category": "A"}],
    )
    client.force_login(w.chief)
    page = client.get(reverse("assistance:request_detail", args=[owed.pk])).content.decode()
    assert "未经审核确认程序受理，缺少受理、家庭经济状况核对" in page
    page = client.get(reverse("assistance:request_detail", args=[ledger.requests.get().pk])).content.decode()
    assert "存量台账迁移，无需审核确认程序" in page


def test_an_application_never_accepted_is_listed_as_under_way_not_ready(w, client):
    with at(D(2019, 3, 4)):
        owed = services.submit_enrolment(
            actor=w.town_worker,
            program=P.DIBAO,
            household=w.household(),
            start_month=D(2019, 3, 1),
            category="A",
        )
        relief = services.submit_enrolment(
            actor=w.town_worker,
            program=P.TEMP_RELIEF,
            person=w.person(),
            amount=500,
            event_date=D(2019, 3, 4),
        )
        assert list(pending_ready(w.chief)) == [relief]
        assert list(pending_in_procedure(w.chief)) == [owed]
        counts = inbox_counts(w.chief)
        assert (counts["enrol"], counts["in_procedure"]) == (1, 1)
        client.force_login(w.chief)
        (row,) = client.get(reverse("assistance:inbox")).context["in_procedure"]
    assert (row["req"], row["step"], row["due"]) == (owed, "未受理（须经审核确认程序受理）", None)

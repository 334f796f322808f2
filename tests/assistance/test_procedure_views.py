"""The procedure's pages (issue 11): acceptance form, timeline, step forms by role, scoping, the
audited download, notice and refusal PDFs, due steps on the owners' home pages."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assistance import programs as P
from assistance import services
from assistance.models import Attachment, Procedure, Stage
from assistance.services import procedure as proc
from civaffairs.models import AuditEvent
from civaffairs.roles import CASEWORKER, TOWN_REVIEWER
from civaffairs.workdays import add_workdays
from tests.factories import PDF, at, home_visit, make_user, verification_xlsx

D = datetime.date
# The world: 石城镇 as tests.factories.ProcedureTown builds it (the `town` fixture, conftest.py).


def _step(client, p, step, data):
    return client.post(reverse("assistance:procedure_step", args=[p.pk, step]), data)


def test_caseworker_accepts_with_scans_and_the_timeline_shows_due_dates(town, login):
    w = town.w
    household = town.household()
    url = reverse("assistance:procedure_accept", args=["dibao", household.pk])
    with at(D(2019, 3, 4)):
        client = login(w.town_worker)
        blank = client.get(url)
        assert blank.status_code == 200
        assert (
            'name="received_on" value="2019-03-04"' in blank.content.decode()
        )  # today, to change if need be
        members = [str(m.person_id) for m in household.members.all()]
        response = client.post(
            url,
            {
                "received_on": "2019-03-04",
                "materials": ["application", "identity", "consent", "proof"],
                "income": "100",
                "covered": members,
                "category": "A",
                "scan_application": SimpleUploadedFile("申请书.pdf", PDF),
            },
        )
        p = Procedure.objects.get()
        assert response.status_code == 302
        page = client.get(reverse("assistance:procedure_detail", args=[p.pk])).content.decode()
        attachment = Attachment.objects.get()
        response = client.get(reverse("assistance:attachment_download", args=[attachment.pk]))
    assert "家庭经济状况核对" in page and "2019年3月25日" in page  # 15 working days after 4 March
    assert "form-verification" in page and "form-town_review" not in page
    # The case's own page leads to its procedure.
    with at(D(2019, 3, 4)):
        case_page = client.get(reverse("assistance:case_detail", args=[p.case_id])).content.decode()
    assert f'href="{reverse("assistance:procedure_detail", args=[p.pk])}">家庭经济状况核对</a>' in case_page
    assert response.status_code == 200 and bytes(response.content) == PDF
    assert AuditEvent.objects.filter(action="procedure.download").exists()


def test_bad_upload_refused_on_the_page_nothing_saved(town, login):
    w = town.w
    household = town.household()
    with at(D(2019, 3, 4)):
        client = login(w.town_worker)
        response = client.post(
            reverse("assistance:procedure_accept", args=["dibao", household.pk]),
            {
                "received_on": "2019-03-04",
                "materials": ["application"],
                "income": "100",
                "covered": [str(household.head_id)],
                "category": "A",
                "scan_application": SimpleUploadedFile("申请书.exe", b"MZ"),
            },
        )
    assert response.status_code == 200
    assert "不是 PDF、JPG 或 PNG" in response.content.decode()
    assert not Procedure.objects.exists()


def test_step_forms_by_role_and_scope(town, login):
    w = town.w
    p = town.accept()
    with at(D(2019, 3, 5)):
        cw = login(w.town_worker)
        data = {"checked_on": "2019-03-05", "source": "核对中心"}
        for item in ("deposits", "vehicles"):
            data[f"{item}_verdict"] = "pass"
            data[f"{item}_amount"] = "0"
        _step(cw, p, "verification", data)
        p.refresh_from_db()
        assert p.stage == Stage.VISIT
        response = _step(
            cw,
            p,
            "visit",
            {"visited_on": "2019-03-05", "investigator_1": "张三", "applicant_signed": "on"},
        )
        # Refused on the page itself: the error in the visit's form, what was typed still there.
        assert response.status_code == 400
        page = response.content.decode()
        assert "至少两名调查人员" in page
        form = page.split('id="form-visit"')[1].split("</form>")[0]
        assert "至少两名调查人员" in form and 'value="张三"' in form
        p.refresh_from_db()
        assert p.stage == Stage.VISIT
        # The town reviewer may not record the visit; another town sees nothing.
        reviewer = login(town.reviewer)
        assert _step(reviewer, p, "visit", {}).status_code == 403
        other = login(make_user(CASEWORKER, town="六都镇"))
        assert other.get(reverse("assistance:procedure_detail", args=[p.pk])).status_code == 404
        assert cw.get(reverse("assistance:spot_checks")).status_code == 403  # the district's draws
        other_reviewer = login(make_user(TOWN_REVIEWER, town="六都镇"))
        assert other_reviewer.get(reverse("assistance:procedure_detail", args=[p.pk])).status_code == 404


def test_due_steps_on_the_owners_home_pages(town, login):
    w = town.w
    p = town.to_town_review(town.accept(), D(2019, 3, 5), agreed=2)
    with at(D(2019, 3, 27)):  # town review due 25 March: overdue, on the reviewer's home page
        page = login(town.reviewer).get("/").content.decode()
        assert "审核确认：逾期环节" in page
        assert proc.due_counts(town.reviewer) == {"overdue": 1, "soon": 0}
        assert proc.due_counts(w.town_worker) == {"overdue": 0, "soon": 0}
        assert proc.due_counts(w.chief) == {"overdue": 0, "soon": 0}
        listing = (
            login(town.reviewer).get(reverse("assistance:procedure_list") + "?due=overdue").content.decode()
        )
        assert p.case.subject_name in listing


def test_notice_pdf_and_refusal_pdf(town, login):
    w = town.w
    p = town.through_town(town.accept())
    town.spot_check(p, "pdf")
    with at(D(2019, 3, 6)):
        chief = login(w.chief)
        _step(chief, p, "notice", {"starts_on": "2019-03-07", "ends_on": "2019-03-13", "amount": "1"})
        p.refresh_from_db()
        assert p.stage == Stage.NOTICE
        response = chief.get(reverse("assistance:procedure_notice_pdf", args=[p.pk]))
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    with at(D(2019, 3, 8)):
        chief = login(w.chief)
        decide = reverse("assistance:request_decide", args=[p.request_id])
        chief.post(decide, {"decision": "reject", "comment": "家庭有机动车辆"})
        response = chief.get(reverse("assistance:procedure_refusal_pdf", args=[p.pk]))
    p.refresh_from_db()
    assert p.stage == Stage.REFUSED
    assert response.content.startswith(b"%PDF")
    assert Decimal("600") == p.case.notices.get().amount
    assert P.DIBAO == p.case.program.code


def test_verification_import_page(town, login):
    w = town.w
    p = town.accept()
    with at(D(2019, 3, 5)):
        client = login(w.town_worker)
        url = reverse("assistance:verification_import")
        template = client.get(url + "?template=1")
        assert template["Content-Type"].startswith("application/vnd.openxmlformats")
        head = p.case.household.head.id_number
        response = client.post(
            url, {"file": verification_xlsx([[head, "车辆", "车管所", "2019-03-05", "", "符合"]])}
        )
        assert response.status_code == 302
        page = client.post(
            url, {"file": verification_xlsx([[head, "车辆", "车管所", "2019-03-05", "", "符合"]])}
        )
    assert "没有该身份证号的待核对申请" in page.content.decode()  # already moved on
    p.refresh_from_db()
    assert p.stage == Stage.VISIT
    assert login(town.reviewer).get(reverse("assistance:verification_import")).status_code == 403


def test_case_page_names_its_procedure_or_says_migrated(town, login):
    w = town.w
    migrated = services.enrol_many(
        actor=w.worker,
        approver=w.chief,
        program=P.DIBAO,
        migrated=True,
        applications=[{"household": town.household(), "start_month": D(2018, 1, 1), "category": "A"}],
    )[0]
    p = town.accept()
    with at(D(2019, 3, 4)):
        client = login(w.town_worker)
        page = client.get(reverse("assistance:case_detail", args=[migrated.pk])).content.decode()
        assert "存量迁移对象，无需审核确认环节" in page
        page = client.get(reverse("assistance:case_detail", args=[p.case_id])).content.decode()
        assert reverse("assistance:procedure_detail", args=[p.pk]) in page


def test_district_deadline_excludes_the_notice_and_extends_once(town):
    w = town.w
    p = town.through_town(town.accept())  # reviewed 5 March 2019
    assert proc.district_due(p) == add_workdays(D(2019, 3, 5), 10)
    town.to_notice(p, "due", starts_on=D(2019, 3, 7), ends_on=D(2019, 3, 13))
    with at(D(2019, 3, 6)):
        p.refresh_from_db()
        # 7–13 March holds 5 working days, not counted.
        assert p.due_on == add_workdays(D(2019, 3, 5), 15)
        proc.extend_district(actor=w.chief, procedure=p, reason="异议调查")
        p.refresh_from_db()
        assert p.due_on == add_workdays(D(2019, 3, 5), 25)
        with pytest.raises(ValidationError, match="只能延长一次"):
            proc.extend_district(actor=w.chief, procedure=p, reason="再延")


def test_a_review_records_its_visit_and_verification_on_the_request_page(town, login):
    w = town.w
    case, _ = w.dibao(2, "100")
    with at(D(2019, 5, 6)):
        review = services.submit_review(
            actor=w.town_worker, case=case, outcome="unchanged", effective_month=D(2019, 6, 1)
        )
        client = login(w.town_worker)
        page = client.get(reverse("assistance:request_detail", args=[review.pk])).content.decode()
        assert "review-visit" in page and "review-verification" in page
        url = reverse("assistance:review_record", args=[review.pk, "visit"])
        client.post(url, {"visited_on": "2019-05-06", "investigator_1": "张三", "applicant_signed": "on"})
        assert not review.home_visits.exists()  # one investigator: refused
        client.post(
            url,
            {
                "visited_on": "2019-05-06",
                "investigator_1": "张三",
                "investigator_2": "李四",
                "applicant_signed": "on",
            },
        )
        client.post(
            reverse("assistance:review_record", args=[review.pk, "verification"]),
            {
                "checked_on": "2019-05-06",
                "source": "核对中心",
                "deposits_verdict": "pass",
                "deposits_amount": "800",
            },
        )
        page = client.get(reverse("assistance:request_detail", args=[review.pk])).content.decode()
    assert review.home_visits.get().investigators == ["张三", "李四"]
    assert review.verification_checks.get().amount == Decimal("800.00")
    assert "review-visits" in page and "review-checks" in page
    # The chief decides the review as before; a town reviewer cannot record it.
    assert login(town.reviewer).post(url, {}).status_code == 403


def test_the_page_offers_what_is_owed_first_and_fills_in_what_is_known(town, login):
    w = town.w
    incomplete = town.accept(materials={"application": True, "identity": True})
    with at(D(2019, 3, 5)):
        page = login(w.town_worker).get(reverse("assistance:procedure_detail", args=[incomplete.pk]))
    # The clock has not started: no step after acceptance is under way.
    assert [s["status"] for s in proc.timeline(incomplete, D(2019, 3, 5))][:3] == [
        "材料不全，已一次性告知",
        "未开始",
        "未开始",
    ]
    form = page.content.decode().split('id="form-materials"')[1].split("</form>")[0]
    # What was received stays ticked; only what the 一次性告知 asked for is left to tick.
    assert form.count("checked") == 2 and 'value="application"' in form
    assert 'data-confirm="确定保存补齐材料，正式受理？' in form

    p = town.through_town(town.accept())
    with at(D(2019, 3, 6)):
        proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="offer")
        p.refresh_from_db()
        assert p.sampled
        chief = login(w.chief)
        url = reverse("assistance:procedure_detail", args=[p.pk])
        before = chief.get(url).content.decode()
        # The month's draw leads to each application it sampled.
        draws = chief.get(reverse("assistance:spot_checks")).content.decode()
        assert f'<a href="{url}">{p.pk}</a>' in draws
        home_visit(w.chief, p.case, D(2019, 3, 6))
        after = chief.get(url).content.decode()
    # The district's visit is offered until it is recorded, never twice; the step owed comes
    # before the extension; the notice's amount is what approval would pay (2 × (400 − 100)).
    assert "form-district_visit" in before and "form-district_visit" not in after
    assert after.index("form-notice") < after.index("form-extend_district")
    notice = after.split('id="form-notice"')[1].split("</form>")[0]
    assert 'value="600.00"' in notice
    with at(D(2019, 3, 6)):
        _step(chief, p, "notice", {"starts_on": "2019-03-07", "ends_on": "2019-03-13"})
        assert proc.missing_steps(p, D(2019, 3, 8)) == [
            "公示须满7天（2019年3月7日起，今天为第2天），2019年3月14日起方可批准"
        ]
        response = chief.get(reverse("assistance:procedure_notice_pdf", args=[p.pk]))
    # The notice posts what approval would pay, whatever was typed: nobody can understate it.
    assert response.status_code == 200 and p.case.notices.get().amount == Decimal("600.00")
    from assistance.procedure_views import _notice_context

    assert _notice_context(Procedure.objects.get(pk=p.pk))["amount"] == Decimal("600.00")


def test_an_objection_shows_the_verification_owed_again_on_the_timeline(town):
    w = town.w
    p = town.through_town(town.accept())
    town.to_notice(p, "objection", starts_on=D(2019, 3, 7), ends_on=D(2019, 3, 13))
    with at(D(2019, 3, 8)):
        proc.record_objection(actor=w.chief, procedure=p, received_on=D(2019, 3, 8), content="邻居反映有车")
        p.refresh_from_db()
        row = proc.timeline(p, D(2019, 3, 8))[1]
    assert p.stage == Stage.VERIFICATION
    assert (row["name"], row["done"], row["status"]) == ("家庭经济状况核对（异议后重新核对）", None, "办理中")
    assert row["due"] == proc.objection_due(p)
    with at(D(2019, 3, 11)):
        proc.record_verification(actor=w.town_worker, case=p.case, checks=town.checks(D(2019, 3, 11)))
        p.refresh_from_db()
        row = proc.timeline(p, D(2019, 3, 11))[1]
    assert (row["done"], row["status"]) == (D(2019, 3, 11), "已完成")


def test_the_town_review_has_no_conclusion_chosen_in_advance(town, login):
    p = town.to_town_review(town.accept(), D(2019, 3, 5), agreed=2)
    with at(D(2019, 3, 5)):
        reviewer = login(town.reviewer)
        page = reviewer.get(reverse("assistance:procedure_detail", args=[p.pk])).content.decode()
        response = _step(reviewer, p, "town_review", {"opinion": "情况属实"})
    form = page.split('id="form-town_review"')[1].split("</form>")[0]
    assert '<option value="" selected>请选择</option>' in form
    assert response.status_code == 400 and "请选择审核结论" in response.content.decode()
    assert "情况属实</textarea>" in response.content.decode()  # what was typed is kept
    p.refresh_from_db()
    assert p.stage == Stage.TOWN_REVIEW

"""The statutory 低保 / 特困 procedure (issue 11): working days, the quorum rule, the spot-check
sample, each step's service, and the approval the existing decide_request refuses until the
steps are recorded. Worlds through services (tests/factories.py World)."""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance import programs as P
from assistance import services
from assistance.models import Appraisal, Attachment, HomeVisit, Procedure, PublicNotice, Stage
from assistance.services import procedure as proc
from civaffairs import payments
from civaffairs.models import Case
from civaffairs.roles import TOWN_REVIEWER
from civaffairs.workdays import add_workdays, is_workday, workdays_between
from tests.factories import ALL_MATERIALS, PDF, at, home_visit, make_user, verification_xlsx

D = datetime.date


# ------------------------------------------------------------------ working days


def test_spring_festival_2019_and_its_make_up_days():
    # 2019 春节: 2月4日—10日 off; Saturday 2 and Sunday 3 February were working days (调休).
    assert is_workday(D(2019, 2, 2)) and is_workday(D(2019, 2, 3))
    assert not any(is_workday(D(2019, 2, d)) for d in range(4, 11))
    assert add_workdays(D(2019, 2, 1), 1) == D(2019, 2, 2)
    assert add_workdays(D(2019, 2, 1), 2) == D(2019, 2, 3)
    assert add_workdays(D(2019, 2, 1), 3) == D(2019, 2, 11)
    assert workdays_between(D(2019, 1, 31), D(2019, 2, 11)) == 4
    # 15 working days from 28 January 2019 cross the holiday: 29, 30, 31 Jan, 1, 2, 3 Feb, 11–15,
    # 18–21 Feb.
    assert add_workdays(D(2019, 1, 28), 15) == D(2019, 2, 21)
    # An ordinary weekend is not a working day; 国庆 2019 neither, its Sunday 29 Sept make-up is.
    assert not is_workday(D(2019, 3, 2)) and not is_workday(D(2019, 10, 1))
    assert is_workday(D(2019, 9, 29))


def test_a_year_the_library_does_not_cover_counts_weekdays():
    assert add_workdays(D(2099, 1, 2), 3) == D(2099, 1, 7)  # Fri → Mon, Tue, Wed


# ------------------------------------------------------------------ quorum


@pytest.mark.parametrize(
    "due,attended,agreed,counts",
    [
        (9, 6, 4, True),  # exactly 2/3 attend, exactly 2/3 of them agree
        (9, 5, 5, False),  # 5/9 attend
        (9, 9, 6, True),
        (9, 9, 5, False),  # 5/9 of those present agree
        (10, 7, 5, True),
        (10, 6, 6, False),
        (3, 2, 2, True),
        (3, 2, 1, False),
        (1, 1, 1, True),
        (15, 10, 7, True),
        (15, 10, 6, False),
        (0, 0, 0, False),
        (5, 6, 6, False),  # more present than due
        (5, 5, 6, False),  # more agree than present
    ],
)
def test_quorum_rule(due, attended, agreed, counts):
    assert (proc.quorum(due, attended, agreed) is None) == counts


# ------------------------------------------------------------------ sample


def test_sample_reproducible_from_its_seed_and_never_below_30_percent():
    rng = random.Random(7)
    for n in range(1, 60):
        ids = rng.sample(range(1, 10_000), n)
        seed = f"seed{n}"
        drawn = proc.sample(ids, seed)
        assert len(drawn) >= Decimal("0.30") * n
        assert set(drawn) <= set(ids)
        assert proc.sample(list(reversed(ids)), seed) == drawn  # order of the population is irrelevant
    assert proc.sample(range(100), "a") != proc.sample(range(100), "b")


# ------------------------------------------------------------------ the procedure, step by step
# The world: 石城镇 as tests.factories.ProcedureTown builds it (the `town` fixture, conftest.py).


def test_the_whole_procedure_then_approval_by_the_existing_service(town):
    w = town.w
    p = town.accept()
    assert p.stage == Stage.VERIFICATION and p.accepted_on == D(2019, 3, 4)
    assert p.due_on == add_workdays(D(2019, 3, 4), 15)
    p = town.through_town(p)
    assert p.stage == Stage.DISTRICT and p.due_on == add_workdays(D(2019, 3, 5), 10)
    with at(D(2019, 3, 6)):
        check = proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="fixed")
    p.refresh_from_db()
    assert p.spot_check == check and p.sampled  # one of one: ceil(30%) = 1
    assert proc.redraw(check) == check.drawn
    with at(D(2019, 3, 6)), pytest.raises(ValidationError, match="区级入户核查"):
        proc.start_notice(actor=w.chief, procedure=p, starts_on=D(2019, 3, 7), ends_on=D(2019, 3, 13))
    with at(D(2019, 3, 6)):
        home_visit(w.chief, p.case, D(2019, 3, 6))
        proc.start_notice(actor=w.chief, procedure=p, starts_on=D(2019, 3, 7), ends_on=D(2019, 3, 13))
    p.refresh_from_db()
    assert p.stage == Stage.NOTICE
    with at(D(2019, 3, 12)), pytest.raises(ValidationError, match="公示须满7天"):  # day 6
        services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
    with at(D(2019, 3, 13)), pytest.raises(ValidationError, match="公示须满7天"):  # day 7
        services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
    w.dibao(2, "100", start=D(2019, 3, 1))  # another household, so that March has a payroll
    with at(D(2019, 3, 20)):
        w.pay(P.DIBAO, D(2019, 3, 1))
    with at(D(2019, 4, 2)):  # decided in April, after March's payroll: March is paid as arrears
        services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
    p.refresh_from_db()
    case = Case.objects.get(pk=p.case_id)
    assert p.stage == Stage.APPROVED and p.decided_on == D(2019, 4, 2)
    assert p.certificate_no.startswith("DB445303105")
    assert case.status == Case.Status.ACTIVE and case.start_month == D(2019, 3, 1)
    (payroll,) = w.pay(P.DIBAO, D(2019, 4, 1))
    lines = sorted(payroll.lines.filter(case=case).values_list("month", "amount"))
    assert lines == [(D(2019, 3, 1), Decimal("600.00")), (D(2019, 4, 1), Decimal("600.00"))]


def test_payment_starts_from_the_month_the_materials_were_complete(town):
    w = town.w
    p = town.accept(on=D(2019, 2, 27), materials={"application": True})
    with at(D(2019, 3, 4)):
        proc.complete_materials(actor=w.town_worker, procedure=p, on=D(2019, 3, 4), materials=ALL_MATERIALS)
    p.refresh_from_db()
    p = town.through_town(p)
    town.to_notice(p, "m", starts_on=D(2019, 3, 6), ends_on=D(2019, 3, 12))
    with at(D(2019, 3, 13)):
        services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
    case = Case.objects.get(pk=p.case_id)
    assert case.start_month == D(2019, 3, 1)  # applied in February, accepted (complete) in March
    assert set(case.coverages.values_list("start_month", flat=True)) == {D(2019, 3, 1)}


def test_approval_on_day_8_of_the_notice(town):
    w = town.w
    p = town.through_town(town.accept())
    town.to_notice(p, "x", starts_on=D(2019, 3, 7), ends_on=D(2019, 3, 13))
    with at(D(2019, 3, 14)):  # day 8
        services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
    assert Case.objects.get(pk=p.case_id).status == Case.Status.ACTIVE


def test_relatives_are_always_sampled(town):
    w = town.w
    procs = [town.through_town(town.accept()) for _ in range(7)]
    relative = procs[3]
    proc.register_relative(
        actor=w.town_worker,
        person=relative.case.household.head,
        official_name="王村干",
        official_role="cadre",
        relation="兄弟",
    )
    with at(D(2019, 3, 6)):
        check = proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="relatives")
    assert check.relatives == [relative.pk]
    assert len(check.drawn) == 3  # ceil(7 × 30%)
    relative.refresh_from_db()
    assert relative.sampled and relative.relative
    # Whatever the seed, the relative is in: the same population redrawn with other seeds.
    for seed in ("a", "b", "c", "d", "e"):
        drawn = set(proc.sample(check.population, seed)) | set(check.relatives)
        assert relative.pk in drawn


def test_incomplete_materials_are_told_at_once_and_the_clock_waits(town):
    p = town.accept(materials={"application": True, "identity": True})
    assert p.stage == Stage.INCOMPLETE and p.accepted_on is None and p.due_on is None
    assert "家庭经济状况核对授权书" in p.missing_notice and "相关证明材料" in p.missing_notice
    with at(D(2019, 3, 8)):
        with pytest.raises(ValidationError, match="当前环节"):
            proc.record_verification(actor=town.w.town_worker, case=p.case, checks=town.checks(D(2019, 3, 8)))
        proc.complete_materials(
            actor=town.w.town_worker,
            procedure=p,
            on=D(2019, 3, 8),
            materials={"consent": True, "proof": True},
            scans=[("consent", SimpleUploadedFile("授权书.pdf", PDF))],
        )
    p.refresh_from_db()
    assert p.stage == Stage.VERIFICATION and p.due_on == add_workdays(D(2019, 3, 8), 15)
    assert Attachment.objects.get(case=p.case).content_type == "application/pdf"


def test_objection_reopens_verification_with_20_working_days(town):
    w = town.w
    p = town.through_town(town.accept())
    town.to_notice(p, "o", starts_on=D(2019, 3, 7), ends_on=D(2019, 3, 13))
    with at(D(2019, 3, 9)):  # an objection is recorded when it comes, never dated ahead
        proc.record_objection(actor=w.town_worker, procedure=p, received_on=D(2019, 3, 9), content="有车辆")
    p.refresh_from_db()
    assert p.stage == Stage.VERIFICATION and p.due_on == add_workdays(D(2019, 3, 9), 20)
    with at(D(2019, 3, 20)):
        with pytest.raises(ValidationError, match="正在重新核对"):
            services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
        proc.record_verification(
            actor=w.town_worker,
            case=p.case,
            recheck=True,
            checks=[
                {"item": "vehicles", "source": "车管所", "checked_on": D(2019, 3, 20), "verdict": "pass"}
            ],
        )
        p.refresh_from_db()
        assert p.stage == Stage.NOTICE
        services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")


def test_refusal_records_its_reasons(town):
    w = town.w
    p = town.through_town(town.accept())
    with at(D(2019, 3, 8)):
        services.decide_request(
            actor=w.chief, request=p.request, approve=False, comment="家庭有机动车辆，不符合条件"
        )
    p.refresh_from_db()
    assert p.stage == Stage.REFUSED and p.refusal_reasons == "家庭有机动车辆，不符合条件"
    assert Case.objects.get(pk=p.case_id).status == Case.Status.REJECTED


def test_tekun_skips_verification_and_appraisal(town):
    w = town.w
    person = w.person()
    with at(D(2019, 3, 4)):
        p = proc.accept_application(
            actor=w.town_worker,
            program=P.TEKUN,
            received_on=D(2019, 3, 4),
            materials=ALL_MATERIALS,
            person=person,
            category=P.DISPERSED,
            care_level=P.CARE_SELF,
        )
        assert p.stage == Stage.VISIT
        home_visit(w.town_worker, p.case, D(2019, 3, 4), district=False)
        p.refresh_from_db()
        assert p.stage == Stage.TOWN_REVIEW


def test_town_review_by_the_towns_reviewer_only(town):
    w = town.w
    p = town.to_town_review(town.accept(), D(2019, 3, 5), agreed=3)
    with at(D(2019, 3, 5)):
        other = make_user(TOWN_REVIEWER, town="六都镇")
        for actor in (other, w.town_worker, w.chief):
            with pytest.raises(PermissionDenied):
                proc.town_review(actor=actor, procedure=p, opinion="同意", recommends=True)
        proc.extend_town_review(actor=town.reviewer, procedure=p, reason="需补充调查")
        p.refresh_from_db()
        assert p.due_on == add_workdays(D(2019, 3, 4), 30)
        with pytest.raises(ValidationError, match="只能延长一次"):
            proc.extend_town_review(actor=town.reviewer, procedure=p, reason="再延")


def test_migrated_ledgers_owe_no_steps_and_plain_applications_are_refused(town):
    w = town.w
    household = town.household()
    cases = services.enrol_many(
        actor=w.worker,
        approver=w.chief,
        program=P.DIBAO,
        migrated=True,
        applications=[{"household": household, "start_month": D(2018, 1, 1), "category": "A"}],
    )
    assert not Procedure.objects.filter(case__in=cases).exists()
    assert cases[0].status == Case.Status.ACTIVE
    with at(D(2019, 3, 4)):
        plain = services.submit_enrolment(
            actor=w.town_worker,
            program=P.DIBAO,
            household=town.household(),
            start_month=D(2019, 3, 1),
            category="A",
        )
        with pytest.raises(ValidationError, match="未经审核确认程序受理"):
            services.decide_request(actor=w.chief, request=plain, approve=True, comment="同意")
    assert Case.objects.get(pk=plain.case_id).status == Case.Status.PENDING


def test_urgent_temporary_relief_is_paid_first_and_its_papers_tracked(town):
    w = town.w
    with at(D(2019, 2, 1)):
        req = services.submit_enrolment(
            actor=w.town_worker,
            program=P.TEMP_RELIEF,
            person=w.person(),
            amount=Decimal("800"),
            event_date=D(2019, 2, 1),
        )
        p = proc.start_urgent_relief(actor=w.town_worker, request=req, event_date=D(2019, 2, 1))
        services.decide_request(actor=w.chief, request=req, approve=True, comment="先行救助")
    p.refresh_from_db()
    assert p.stage == Stage.PAPERS and p.due_on == D(2019, 2, 13)  # 2, 3 (调休), 11, 12, 13 February
    with at(D(2019, 2, 11)):
        proc.complete_papers(actor=w.town_worker, procedure=p, on=D(2019, 2, 11), materials=ALL_MATERIALS)
    p.refresh_from_db()
    assert p.stage == Stage.PAPERS_DONE


def test_a_review_records_the_same_visit_and_verification(town):
    w = town.w
    case, _ = w.dibao(2, "100")
    with at(D(2019, 5, 6)):
        review = services.submit_review(
            actor=w.town_worker, case=case, outcome="unchanged", effective_month=D(2019, 6, 1)
        )
        proc.record_verification(
            actor=w.town_worker, case=case, review=review, checks=town.checks(D(2019, 5, 6))
        )
        proc.record_home_visit(
            actor=w.town_worker,
            case=case,
            review=review,
            visited_on=D(2019, 5, 6),
            investigators=["甲", "乙"],
            applicant_signed=True,
        )
    assert review.home_visits.count() == 1 and review.verification_checks.count() == 6


# ------------------------------------------------------------------ Bad input: refused, nothing saved


def test_bad_input_appraisal_below_quorum(town):
    w = town.w
    p = town.accept()
    town.verify(p, D(2019, 3, 5))
    with at(D(2019, 3, 5)):
        home_visit(w.town_worker, p.case, D(2019, 3, 5), district=False)
        with pytest.raises(ValidationError, match="三分之二以上应到人员参加"):
            proc.record_appraisal(
                actor=w.town_worker,
                case=p.case,
                held_on=D(2019, 3, 5),
                due=9,
                attended=5,
                agreed=5,
                minutes="x",
            )
        with pytest.raises(ValidationError, match="三分之二以上到会人员同意"):
            proc.record_appraisal(
                actor=w.town_worker,
                case=p.case,
                held_on=D(2019, 3, 5),
                due=9,
                attended=9,
                agreed=5,
                minutes="x",
            )
    assert not Appraisal.objects.exists()
    p.refresh_from_db()
    assert p.stage == Stage.APPRAISAL


def test_bad_input_home_visit_by_one_investigator(town):
    w = town.w
    p = town.accept()
    town.verify(p, D(2019, 3, 5))
    with at(D(2019, 3, 5)):
        for names in (["张三"], ["张三", "张三"], ["张三", " "]):
            with pytest.raises(ValidationError, match="至少两名调查人员"):
                proc.record_home_visit(
                    actor=w.town_worker,
                    case=p.case,
                    visited_on=D(2019, 3, 5),
                    investigators=names,
                    applicant_signed=True,
                )
    assert not HomeVisit.objects.exists()
    p.refresh_from_db()
    assert p.stage == Stage.VISIT


def test_bad_input_approval_before_the_district_visit_or_the_notice(town):
    w = town.w
    p = town.through_town(town.accept())
    with at(D(2019, 3, 6)):
        with pytest.raises(ValidationError, match="抽查尚未抽取"):
            services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
        proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="s")
        with pytest.raises(ValidationError, match="尚未记录区级入户核查"):
            services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
        home_visit(w.chief, p.case, D(2019, 3, 6))
        with pytest.raises(ValidationError, match="尚未公示"):
            services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
    case = Case.objects.get(pk=p.case_id)
    assert (
        case.status == Case.Status.PENDING
        and p.request.__class__.objects.get(pk=p.request_id).status == "pending"
    )


def test_bad_input_notice_shorter_than_7_days(town):
    w = town.w
    p = town.through_town(town.accept())
    town.spot_check(p, "s")
    with at(D(2019, 3, 6)):
        with pytest.raises(ValidationError, match="公示期不得少于7天（所填为6天）"):
            proc.start_notice(actor=w.chief, procedure=p, starts_on=D(2019, 3, 7), ends_on=D(2019, 3, 12))
    assert not PublicNotice.objects.exists()
    p.refresh_from_db()
    assert p.stage == Stage.DISTRICT


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("申请书.docx", b"PK\x03\x04", "不是 PDF、JPG 或 PNG"),
        ("申请书.pdf", b"MZ\x90\x00", "内容不是PDF格式"),
        ("照片.png", b"\xff\xd8\xff\xe0", "内容不是PNG格式"),
        ("大.pdf", b"%PDF-" + b"0" * 2048, "文件过大"),
    ],
)
def test_bad_input_upload_type_or_size(town, settings, name, content, message):
    settings.SCAN_MAX_BYTES = 1024
    household = town.household()
    with at(D(2019, 3, 4)), pytest.raises(ValidationError, match=message):
        proc.accept_application(
            actor=town.w.town_worker,
            program=P.DIBAO,
            received_on=D(2019, 3, 4),
            materials=ALL_MATERIALS,
            household=household,
            category="A",
            scans=[("application", SimpleUploadedFile(name, content))],
        )
    assert not Procedure.objects.exists() and not Attachment.objects.exists()
    assert not Case.objects.filter(household=household).exists()


def test_payments_unchanged_for_the_plain_path(town):
    w = town.w
    case, _ = w.dibao(2, "100", start=D(2019, 1, 1))
    (payroll,) = w.pay(P.DIBAO, D(2019, 1, 1))
    assert payroll.lines.get(case=case).amount == Decimal("600.00")
    assert payments  # the engine untouched


def test_register_figures_for_a_period(town):
    from civaffairs import figures
    from civaffairs.periods import Period

    w = town.w
    approved = town.through_town(town.accept())
    refused = town.through_town(town.accept())
    late = town.accept()  # never reviewed: overdue at the end of the half-year
    with at(D(2019, 3, 6)):
        check = proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="figures")
        for p in (approved, refused):
            p.refresh_from_db()
            if p.sampled:
                home_visit(w.chief, p.case, D(2019, 3, 6))
        proc.start_notice(actor=w.chief, procedure=approved, starts_on=D(2019, 3, 7), ends_on=D(2019, 3, 13))
    with at(D(2019, 3, 14)):
        services.decide_request(actor=w.chief, request=approved.request, approve=True, comment="同意")
        services.decide_request(actor=w.chief, request=refused.request, approve=False, comment="收入超标")
    values = figures.compute(
        Period.parse("2019H1"), keys=[k for k in figures.specs() if k.startswith("procedure.")]
    )
    assert values["procedure.received"] == 3
    assert values["procedure.approved"] == 1 and values["procedure.refused"] == 1
    assert values["procedure.median_days"] == Decimal("10")  # 4 → 14 March, both
    assert values["procedure.overdue"] == 1 and late.due_on < D(2019, 6, 30)
    assert values["procedure.spot_check_rate"] == Decimal("50.0")  # ceil(2 × 30%) = 1 of 2
    assert len(check.drawn) == 1


def test_verification_centre_reply_imported_all_or_nothing(town):
    from assistance.models import VerificationCheck
    from assistance.verification_import import import_verification
    from civaffairs.imports import ImportFailed
    from civaffairs.models import AuditEvent

    w = town.w
    a, b = town.accept(), town.accept()
    ida, idb = a.case.household.head.id_number, b.case.household.head.id_number
    with at(D(2019, 3, 6)):
        bad = verification_xlsx(
            [
                [ida, "银行存款", "核对中心", "2019-03-05", "1200", "符合"],
                [idb, "飞机", "核对中心", "2019-03-05", "", "符合"],
                ["445303195001010016", "车辆", "核对中心", "2019-03-05", "", "符合"],
            ]
        )
        with pytest.raises(ImportFailed) as failed:
            import_verification(actor=w.town_worker, file=bad)
        messages = [str(e) for e in failed.value.errors]
        assert any("第3行 核对项目：核对项目应为" in m for m in messages)
        assert any(m.startswith("第4行 身份证号：在您的范围内没有") for m in messages)
        assert not VerificationCheck.objects.exists()
        good = verification_xlsx(
            [
                [ida, "银行存款", "核对中心", "2019-03-05", "1200", "符合"],
                [ida, "车辆", "核对中心", "2019-03-05", "", "符合"],
                [idb, "不动产", "核对中心", "2019-03-05", "", "需说明"],
            ]
        )
        moved = import_verification(actor=w.town_worker, file=good)
    assert {p.pk for p in moved} == {a.pk, b.pk}
    assert all(p.stage == Stage.VISIT for p in moved)
    assert VerificationCheck.objects.filter(case=a.case).count() == 2
    assert AuditEvent.objects.filter(action="procedure.verification_import").exists()


def test_the_notice_amount_reads_the_households_income_when_the_application_states_none(town):
    """An application that states no income: the notice posts what approval would pay at the
    household's recorded income (2 × (400 − 150) = 500), not the full standard."""
    with at(D(2019, 3, 4)):
        p = proc.accept_application(
            actor=town.w.town_worker,
            program=P.DIBAO,
            received_on=D(2019, 3, 4),
            materials=ALL_MATERIALS,
            household=town.household(income="150"),
            category="A",
        )
    assert proc.proposed_amount(p) == Decimal("500.00")

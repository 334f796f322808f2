"""Enrolment, termination, 增人/减人 and 动态复核: every workflow's legal and illegal moves.

A caseworker submits, the 社会救助股 chief decides; nobody approves their own submission; a town
caseworker acts only in the own town; the exclusions of the programs' rules (低保 × 特困,
孤儿 × 困境儿童, one open 低保 per person) hold in the services and in the database.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from assistance import programs as P
from assistance import services
from civaffairs.models import (
    ApprovalStatus,
    Area,
    AuditEvent,
    Case,
    Coverage,
    HouseholdMember,
    Institution,
    Program,
    Relation,
    Request,
    Section,
)
from civaffairs.roles import AUDITOR, CASEWORKER, CHIEF, DIRECTOR
from tests.factories import HouseholdFactory, PersonFactory, make_user, submit, village

D = datetime.date
JAN, FEB, MAR, APR, MAY, JUN, JUL = (D(2019, m, 1) for m in range(1, 8))


# --- helpers ---------------------------------------------------------------------------------------


def program(code):
    return Program.objects.get(code=code)


def household(town="石城镇", size=2, income=200, area=Area.RURAL):
    return HouseholdFactory(region=village(town), members=size - 1, income_per_capita=income, area=area)


def person(town="石城镇", **fields):
    return PersonFactory(region=village(town), **fields)


def members(h):
    return [m.person for m in h.members.order_by("id")]


def spells(case):
    return sorted((c.person_id, c.start_month, c.end_month) for c in Coverage.objects.filter(case=case))


def refresh(obj):
    obj.refresh_from_db()
    return obj


@pytest.fixture
def district_worker(db):
    """社会救助股经办人 (district-wide, section staff)."""
    return make_user(CASEWORKER, section=Section.ASSISTANCE, username="jiuzhu")


@pytest.fixture
def welfare_chief(db):
    return make_user(CHIEF, section=Section.WELFARE, username="chief_welfare")


@pytest.fixture
def submitting_chief(db):
    """A 社会救助股 chief who also holds the permission to submit (a one-person office)."""
    user = make_user(CHIEF, section=Section.ASSISTANCE, username="chief_who_submits")
    user.user_permissions.add(
        Permission.objects.get(codename="add_request", content_type__app_label="civaffairs")
    )
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


def apply_dibao(actor, h, start=MAR, **kw):
    """Through every step of the procedure (tests/factories.py), waiting for the decision."""
    kw.setdefault("category", "A")
    return submit(actor=actor, program=P.DIBAO, household=h, start_month=start, **kw)


def apply_person(actor, code, p, start=MAR, **kw):
    return submit(actor=actor, program=code, person=p, start_month=start, **kw)


def approve(chief, request, comment="同意"):
    return services.decide_request(actor=chief, request=request, approve=True, comment=comment)


def active_dibao(caseworker, chief, h=None, start=MAR, **kw):
    h = h or household()
    request = apply_dibao(caseworker, h, start=start, **kw)
    approve(chief, request)
    return refresh(request.case)


def active_person_case(caseworker, chief, code, p, start=MAR, **kw):
    request = apply_person(caseworker, code, p, start=start, **kw)
    approve(chief, request)
    return refresh(request.case)


# --- enrolment ---------------------------------------------------------------------------------------


def test_an_application_is_pending_with_its_covered_members(caseworker):
    h = household(size=3)
    request = apply_dibao(caseworker, h)
    case = request.case
    assert (request.kind, request.status, request.effective_month) == (Request.Kind.ENROL, "pending", MAR)
    assert (case.status, case.start_month, case.end_month, case.town_id) == ("pending", MAR, None, h.town_id)
    assert spells(case) == sorted((p.pk, MAR, None) for p in members(h))
    assert all(c.exclusion_group == "basic_living" for c in case.coverages.all())


def test_approving_an_application_puts_the_case_in_payment_with_its_review_date(caseworker, chief):
    request = apply_dibao(caseworker, household(), category="C")
    approve(chief, request)
    request, case = refresh(request), refresh(request.case)
    assert (request.status, request.decided_by, request.comment) == ("approved", chief, "同意")
    assert request.decided_at is not None
    assert (case.status, case.next_review) == ("active", D(2019, 6, 1))


def test_rejecting_an_application_frees_its_members_for_a_new_one(caseworker, chief):
    h = household()
    request = apply_dibao(caseworker, h)
    services.decide_request(actor=chief, request=request, approve=False, comment="收入超标")
    assert refresh(request).status == "rejected"
    assert refresh(request.case).status == "rejected"
    assert not Coverage.objects.filter(case=request.case).exists()
    again = apply_dibao(caseworker, h, start=APR)
    assert again.case.status == "pending"


def test_rejecting_without_a_comment_is_refused(caseworker, chief):
    request = apply_dibao(caseworker, household())
    for comment in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            services.decide_request(actor=chief, request=request, approve=False, comment=comment)
        assert "comment" in exc.value.message_dict
    assert refresh(request).status == "pending"
    assert refresh(request.case).status == "pending"


@pytest.mark.parametrize(("first", "second"), [(True, True), (True, False), (False, True), (False, False)])
def test_a_decided_request_cannot_be_decided_again(caseworker, chief, first, second):
    request = apply_dibao(caseworker, household())
    services.decide_request(actor=chief, request=request, approve=first, comment="意见")
    status = refresh(request).status
    with pytest.raises(ValidationError, match="不能再审批"):
        services.decide_request(actor=chief, request=request, approve=second, comment="意见")
    assert refresh(request).status == status


def test_a_monthly_program_needs_a_start_month(caseworker):
    with pytest.raises(ValidationError) as exc:
        services.submit_enrolment(actor=caseworker, program=P.DIBAO, household=household(), category="A")
    assert "start_month" in exc.value.message_dict


def test_the_start_month_is_taken_as_a_month(caseworker):
    request = apply_dibao(caseworker, household(), start=D(2019, 3, 17))
    assert request.case.start_month == MAR
    assert request.effective_month == MAR


def test_dibao_needs_a_household_and_a_review_class(caseworker):
    with pytest.raises(ValidationError):
        services.submit_enrolment(actor=caseworker, program=P.DIBAO, start_month=MAR, category="A")
    with pytest.raises(ValidationError) as exc:
        apply_dibao(caseworker, household(), category="Z")
    assert "category" in exc.value.message_dict


def test_only_current_members_can_be_covered(caseworker):
    h = household()
    stranger = person()
    with pytest.raises(ValidationError) as exc:
        apply_dibao(caseworker, h, covered=[members(h)[0], stranger])
    assert stranger.name in " ".join(exc.value.message_dict["covered"])
    with pytest.raises(ValidationError):
        apply_dibao(caseworker, h, covered=[])


def test_an_application_may_cover_some_members_only(caseworker):
    h = household(size=3)
    head, spouse, _child = members(h)
    request = apply_dibao(caseworker, h, covered=[head, spouse])
    assert spells(request.case) == sorted([(head.pk, MAR, None), (spouse.pk, MAR, None)])


def test_the_income_given_with_an_application_applies_only_when_it_is_approved(caseworker, chief):
    h = household(income=200)
    request = apply_dibao(caseworker, h, income=Decimal("180.50"))
    version = refresh(h).version
    assert h.income_per_capita == Decimal("200.00")
    approve(chief, request)
    refresh(h)
    assert (h.income_per_capita, h.version) == (Decimal("180.50"), version + 1)
    event = AuditEvent.objects.get(action="household.income")
    assert event.changes["income_per_capita"] == ["200.00", "180.50"]


def test_a_rejected_application_leaves_the_income_as_it_was(caseworker, chief):
    h = household(income=200)
    request = apply_dibao(caseworker, h, income=Decimal("100"))
    services.decide_request(actor=chief, request=request, approve=False, comment="收入核实不符")
    assert refresh(h).income_per_capita == Decimal("200.00")
    assert not AuditEvent.objects.filter(action="household.income").exists()


def test_a_person_program_covers_its_person(caseworker, chief):
    p = person()
    case = active_person_case(caseworker, chief, P.ORPHAN, p, category=P.DISPERSED)
    assert (case.person, case.household, case.status) == (p, None, "active")
    assert spells(case) == [(p.pk, MAR, None)]


def test_centralized_tekun_needs_an_institution(caseworker, chief, shicheng):
    p = person()
    with pytest.raises(ValidationError) as exc:
        apply_person(caseworker, P.TEKUN, p, category=P.CENTRALIZED)
    assert "institution" in exc.value.message_dict
    home = Institution.objects.create(name="石城镇敬老院（测试）", kind="nursing_home", region=shicheng)
    case = active_person_case(caseworker, chief, P.TEKUN, p, category=P.CENTRALIZED, institution=home)
    assert case.institution == home
    assert case.next_review == D(2020, 3, 1)


def test_a_dead_person_cannot_be_enrolled_after_the_death(caseworker):
    p = person(death_date=D(2019, 2, 10))
    with pytest.raises(ValidationError) as exc:
        apply_person(caseworker, P.TEKUN, p, category=P.DISPERSED)
    assert "person" in exc.value.message_dict


def test_temporary_relief_is_one_payment_on_approval(caseworker, chief):
    p = person()
    request = services.submit_enrolment(
        actor=caseworker, program=P.TEMP_RELIEF, person=p, amount=Decimal("1500"), event_date=D(2019, 4, 9)
    )
    case = request.case
    assert (case.start_month, case.end_month, case.status) == (APR, MAY, "pending")
    assert not case.coverages.exists()
    assert not case.payments.exists()
    approve(chief, request)
    [line] = refresh(case).payments.all()
    assert (line.kind, line.amount, line.month, line.paid_month, line.payroll) == (
        "one_off",
        Decimal("1500.00"),
        APR,
        APR,
        None,
    )


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"event_date": D(2019, 4, 9)}, "amount"),
        ({"event_date": D(2019, 4, 9), "amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("1500")}, "event_date"),
    ],
)
def test_temporary_relief_needs_an_amount_and_a_date(caseworker, fields, error):
    with pytest.raises(ValidationError) as exc:
        services.submit_enrolment(actor=caseworker, program=P.TEMP_RELIEF, person=person(), **fields)
    assert error in exc.value.message_dict


def test_rejected_temporary_relief_pays_nothing(caseworker, chief):
    request = services.submit_enrolment(
        actor=caseworker,
        program=P.TEMP_RELIEF,
        person=person(),
        amount=Decimal("800"),
        event_date=D(2019, 4, 9),
    )
    services.decide_request(actor=chief, request=request, approve=False, comment="不符合条件")
    assert not request.case.payments.exists()


# --- who may decide --------------------------------------------------------------------------------


def test_a_chief_cannot_approve_own_submission(submitting_chief):
    request = apply_dibao(submitting_chief, household())
    with pytest.raises(PermissionDenied, match="自己"):
        services.decide_request(actor=submitting_chief, request=request, approve=True)
    with pytest.raises(PermissionDenied):
        services.decide_request(actor=submitting_chief, request=request, approve=False, comment="撤回")
    assert refresh(request).status == "pending"


def test_another_chief_approves_what_a_chief_submitted(submitting_chief, chief):
    request = apply_dibao(submitting_chief, household())
    approve(chief, request)
    assert refresh(request).status == "approved"


def test_a_caseworker_cannot_approve_at_all(caseworker, district_worker):
    request = apply_dibao(caseworker, household())
    for actor in (caseworker, district_worker):
        with pytest.raises(PermissionDenied):
            services.decide_request(actor=actor, request=request, approve=True)
    assert refresh(request).status == "pending"


def test_a_chief_of_another_section_cannot_approve(caseworker, welfare_chief):
    request = apply_dibao(caseworker, household())
    with pytest.raises(PermissionDenied, match="社会救助股"):
        services.decide_request(actor=welfare_chief, request=request, approve=True)
    assert refresh(request).status == "pending"


@pytest.mark.parametrize("role", [DIRECTOR, AUDITOR])
def test_the_director_and_the_auditor_cannot_approve(caseworker, role):
    request = apply_dibao(caseworker, household())
    with pytest.raises(PermissionDenied):
        services.decide_request(actor=make_user(role), request=request, approve=True)


@pytest.mark.parametrize("role", [CHIEF, DIRECTOR, AUDITOR])
def test_only_those_who_may_submit_can_apply(db, role):
    actor = make_user(role, section=Section.ASSISTANCE if role == CHIEF else "")
    with pytest.raises(PermissionDenied):
        apply_dibao(actor, household())


@pytest.mark.parametrize("what", ["termination", "member", "review"])
def test_an_auditor_cannot_submit_case_changes(caseworker, chief, auditor, what):
    """The auditor reads everything and changes nothing (DESIGN: 审计员); the views check
    civaffairs.add_request, and so must the services every caller uses."""
    h = household(size=3)
    case = active_dibao(caseworker, chief, h, covered=members(h)[:2])
    submit = {
        "termination": lambda: services.submit_termination(
            actor=auditor, case=case, effective_month=JUN, reason="审计员不应能提交"
        ),
        "member": lambda: services.submit_member_change(
            actor=auditor, case=case, person=members(h)[2], add=True, effective_month=JUN
        ),
        "review": lambda: services.submit_review(
            actor=auditor, case=case, outcome="unchanged", effective_month=JUN
        ),
    }[what]
    with pytest.raises(PermissionDenied):
        submit()
    assert not case.requests.filter(status="pending").exists()


# --- a town caseworker acts in the own town only ---------------------------------------------------


def test_a_town_caseworker_cannot_apply_for_another_towns_household_or_person(liudu_caseworker):
    with pytest.raises(PermissionDenied):
        apply_dibao(liudu_caseworker, household("石城镇"))
    with pytest.raises(PermissionDenied):
        apply_person(liudu_caseworker, P.ORPHAN, person("石城镇"), category=P.DISPERSED)
    assert not Case.objects.exists()


@pytest.mark.parametrize("what", ["termination", "add_member", "remove_member", "review"])
def test_a_town_caseworker_cannot_change_another_towns_case(caseworker, liudu_caseworker, chief, what):
    h = household("石城镇", size=3)
    case = active_dibao(caseworker, chief, h, covered=members(h)[:2])
    submit = {
        "termination": lambda: services.submit_termination(
            actor=liudu_caseworker, case=case, effective_month=JUN, reason="迁出"
        ),
        "add_member": lambda: services.submit_member_change(
            actor=liudu_caseworker, case=case, person=members(h)[2], add=True, effective_month=JUN
        ),
        "remove_member": lambda: services.submit_member_change(
            actor=liudu_caseworker, case=case, person=members(h)[1], add=False, effective_month=JUN
        ),
        "review": lambda: services.submit_review(
            actor=liudu_caseworker, case=case, outcome="terminated", effective_month=JUN
        ),
    }[what]
    with pytest.raises(PermissionDenied, match="本镇"):
        submit()
    assert case.requests.count() == 1


def test_a_district_caseworker_may_act_in_every_town(district_worker, chief):
    case = active_dibao(district_worker, chief, household("六都镇"))
    request = services.submit_termination(
        actor=district_worker, case=case, effective_month=JUN, reason="迁出"
    )
    assert request.status == "pending"


# --- termination -----------------------------------------------------------------------------------


def test_an_approved_termination_ends_the_case_and_its_covers(caseworker, chief):
    h = household(size=3)
    case = active_dibao(caseworker, chief, h)
    request = services.submit_termination(actor=caseworker, case=case, effective_month=JUN, reason="收入超标")
    assert (request.kind, request.effective_month) == (Request.Kind.TERMINATE, JUN)
    assert refresh(case).status == "active"
    approve(chief, request)
    case = refresh(case)
    assert (case.status, case.end_month) == ("ended", JUN)
    assert spells(case) == sorted((p.pk, MAR, JUN) for p in members(h))


def test_a_rejected_termination_leaves_the_case_in_payment(caseworker, chief):
    case = active_dibao(caseworker, chief)
    request = services.submit_termination(actor=caseworker, case=case, effective_month=JUN, reason="收入超标")
    services.decide_request(actor=chief, request=request, approve=False, comment="核查后仍符合条件")
    case = refresh(case)
    assert (case.status, case.end_month) == ("active", None)
    assert all(end is None for _p, _s, end in spells(case))


def test_a_pending_case_cannot_be_terminated(caseworker):
    request = apply_dibao(caseworker, household())
    with pytest.raises(ValidationError, match="待审批"):
        services.submit_termination(actor=caseworker, case=request.case, effective_month=JUN, reason="撤回")


def test_an_ended_case_cannot_be_terminated_again(caseworker, chief):
    case = active_dibao(caseworker, chief)
    approve(
        chief, services.submit_termination(actor=caseworker, case=case, effective_month=JUN, reason="迁出")
    )
    with pytest.raises(ValidationError):
        services.submit_termination(actor=caseworker, case=refresh(case), effective_month=JUL, reason="迁出")


@pytest.mark.parametrize("month", [MAR, FEB, D(2018, 12, 1)])
def test_the_termination_month_must_come_after_the_start(caseworker, chief, month):
    case = active_dibao(caseworker, chief, start=MAR)
    with pytest.raises(ValidationError) as exc:
        services.submit_termination(actor=caseworker, case=case, effective_month=month, reason="迁出")
    assert "effective_month" in exc.value.message_dict


def test_a_termination_needs_a_reason(caseworker, chief):
    case = active_dibao(caseworker, chief)
    with pytest.raises(ValidationError) as exc:
        services.submit_termination(actor=caseworker, case=case, effective_month=JUN, reason=" ")
    assert "reason" in exc.value.message_dict


def test_one_pending_change_at_a_time(caseworker, chief):
    case = active_dibao(caseworker, chief)
    services.submit_termination(actor=caseworker, case=case, effective_month=JUN, reason="迁出")
    with pytest.raises(ValidationError, match="待审批"):
        services.submit_termination(actor=caseworker, case=case, effective_month=JUL, reason="迁出")
    with pytest.raises(ValidationError, match="待审批"):
        services.submit_review(actor=caseworker, case=case, outcome="unchanged", effective_month=JUN)


def test_terminating_a_person_case_ends_its_cover(caseworker, chief):
    p = person()
    case = active_person_case(caseworker, chief, P.CHILD, p)
    approve(
        chief,
        services.submit_termination(actor=caseworker, case=case, effective_month=MAY, reason="年满18周岁"),
    )
    assert spells(case) == [(p.pk, MAR, MAY)]


# --- 增人 / 减人 -------------------------------------------------------------------------------------


@pytest.fixture
def three_person_case(caseworker, chief):
    """A 低保 household of three covering head and spouse from March; the child is not covered."""
    h = household(size=3)
    head, spouse, child = members(h)
    case = active_dibao(caseworker, chief, h, covered=[head, spouse])
    return case, head, spouse, child


def test_adding_a_member_opens_a_spell_from_the_effective_month(caseworker, chief, three_person_case):
    case, head, spouse, child = three_person_case
    request = services.submit_member_change(
        actor=caseworker, case=case, person=child, add=True, effective_month=MAY
    )
    assert (request.kind, request.person, request.effective_month) == ("add_member", child, MAY)
    assert (child.pk, MAY, None) not in spells(case)
    approve(chief, request)
    assert spells(case) == sorted([(head.pk, MAR, None), (spouse.pk, MAR, None), (child.pk, MAY, None)])


def test_removing_a_member_closes_the_spell_at_the_effective_month(caseworker, chief, three_person_case):
    case, head, spouse, _child = three_person_case
    approve(
        chief,
        services.submit_member_change(
            actor=caseworker, case=case, person=spouse, add=False, effective_month=JUN
        ),
    )
    assert spells(case) == sorted([(head.pk, MAR, None), (spouse.pk, MAR, JUN)])
    assert refresh(case).status == "active"


def test_a_member_removed_and_added_again_has_two_spells(caseworker, chief, three_person_case):
    case, head, spouse, _child = three_person_case
    approve(
        chief,
        services.submit_member_change(
            actor=caseworker, case=case, person=spouse, add=False, effective_month=MAY
        ),
    )
    approve(
        chief,
        services.submit_member_change(
            actor=caseworker, case=case, person=spouse, add=True, effective_month=JUL
        ),
    )
    assert spells(case) == sorted([(head.pk, MAR, None), (spouse.pk, MAR, MAY), (spouse.pk, JUL, None)])


def test_a_rejected_member_change_changes_no_spell(caseworker, chief, three_person_case):
    case, *_rest, child = three_person_case
    before = spells(case)
    request = services.submit_member_change(
        actor=caseworker, case=case, person=child, add=True, effective_month=MAY
    )
    services.decide_request(actor=chief, request=request, approve=False, comment="未提供证明")
    assert spells(case) == before


def test_adding_a_member_already_covered_is_refused(caseworker, three_person_case):
    case, _head, spouse, _child = three_person_case
    with pytest.raises(ValidationError, match="已在保障范围内"):
        services.submit_member_change(
            actor=caseworker, case=case, person=spouse, add=True, effective_month=MAY
        )


def test_adding_someone_outside_the_household_is_refused(caseworker, three_person_case):
    case, *_ = three_person_case
    with pytest.raises(ValidationError, match="不是该家庭的在册成员"):
        services.submit_member_change(
            actor=caseworker, case=case, person=person(), add=True, effective_month=MAY
        )


def test_removing_someone_not_covered_is_refused(caseworker, three_person_case):
    case, *_rest, child = three_person_case
    with pytest.raises(ValidationError, match="不在保障范围内"):
        services.submit_member_change(
            actor=caseworker, case=case, person=child, add=False, effective_month=MAY
        )


@pytest.mark.parametrize("month", [MAR, FEB])
def test_removing_a_member_at_or_before_the_start_is_refused(caseworker, three_person_case, month):
    case, _head, spouse, _child = three_person_case
    with pytest.raises(ValidationError) as exc:
        services.submit_member_change(
            actor=caseworker, case=case, person=spouse, add=False, effective_month=month
        )
    assert "effective_month" in exc.value.message_dict


def test_adding_a_member_before_the_case_started_is_refused(caseworker, three_person_case):
    """A cover cannot begin before its case is in payment: a spell from January on a case paid
    from March would count the child as a 低保 person in January and February (dibao.persons,
    dibao.added.persons) while the household is not counted (dibao.households)."""
    case, *_rest, child = three_person_case
    with pytest.raises(ValidationError):
        services.submit_member_change(
            actor=caseworker, case=case, person=child, add=True, effective_month=JAN
        )


def test_removing_the_last_covered_member_is_refused(caseworker, chief):
    """A 低保 case covers at least one person (the application refuses an empty cover); a household
    case left with nobody covered stays in payment and counted among dibao.households with no
    person. Ending the cover of the whole household is a termination."""
    h = household(size=2)
    head, spouse = members(h)
    case = active_dibao(caseworker, chief, h, covered=[head])
    with pytest.raises(ValidationError):
        services.submit_member_change(
            actor=caseworker, case=case, person=head, add=False, effective_month=JUN
        )


def test_a_second_pending_change_of_the_same_person_is_refused(caseworker, three_person_case):
    case, *_rest, child = three_person_case
    services.submit_member_change(actor=caseworker, case=case, person=child, add=True, effective_month=MAY)
    with pytest.raises(ValidationError, match="待审批"):
        services.submit_member_change(
            actor=caseworker, case=case, person=child, add=True, effective_month=JUN
        )


def test_member_changes_are_for_dibao_households_in_payment(caseworker, chief):
    p = person()
    tekun = active_person_case(caseworker, chief, P.TEKUN, p, category=P.DISPERSED)
    with pytest.raises(ValidationError):
        services.submit_member_change(actor=caseworker, case=tekun, person=p, add=False, effective_month=JUN)
    h = household(size=2)
    pending = apply_dibao(caseworker, h, covered=members(h)[:1]).case
    with pytest.raises(ValidationError):
        services.submit_member_change(
            actor=caseworker, case=pending, person=members(h)[1], add=True, effective_month=JUN
        )


def test_a_member_in_tekun_cannot_be_added_to_a_dibao_household(caseworker, chief, three_person_case):
    case, *_rest, child = three_person_case
    tekun = active_person_case(caseworker, chief, P.TEKUN, child, start=APR, category=P.DISPERSED)
    with pytest.raises(ValidationError) as exc:
        services.submit_member_change(
            actor=caseworker, case=case, person=child, add=True, effective_month=MAY
        )
    assert f"编号{tekun.pk}" in " ".join(exc.value.messages)


# --- 动态复核 ----------------------------------------------------------------------------------------


def test_a_review_without_change_sets_the_next_review_date(caseworker, chief):
    h = household(income=200)
    case = active_dibao(caseworker, chief, h, category="B")
    assert case.next_review == D(2019, 9, 1)
    request = services.submit_review(
        actor=caseworker, case=case, outcome="unchanged", effective_month=D(2019, 9, 1)
    )
    approve(chief, request)
    case = refresh(case)
    assert (case.status, case.next_review) == ("active", D(2020, 3, 1))
    assert refresh(h).income_per_capita == Decimal("200.00")


def test_a_review_with_a_new_income_changes_the_household(caseworker, chief):
    h = household(income=200)
    case = active_dibao(caseworker, chief, h, category="C")
    # No payroll yet: the new income applies from the start month (the first payroll reads it).
    request = services.submit_review(
        actor=caseworker, case=case, outcome="amount_changed", effective_month=MAR, income=Decimal("260.50")
    )
    assert refresh(h).income_per_capita == Decimal("200.00")  # not before approval
    approve(chief, request)
    assert refresh(h).income_per_capita == Decimal("260.50")
    case = refresh(case)
    assert (case.status, case.next_review) == ("active", D(2019, 6, 1))


def test_a_review_that_ends_the_cover_terminates_the_case(caseworker, chief):
    h = household(size=2)
    case = active_dibao(caseworker, chief, h)
    approve(
        chief, services.submit_review(actor=caseworker, case=case, outcome="terminated", effective_month=JUL)
    )
    case = refresh(case)
    assert (case.status, case.end_month) == ("ended", JUL)
    assert spells(case) == sorted((p.pk, MAR, JUL) for p in members(h))


def test_a_rejected_review_changes_nothing(caseworker, chief):
    h = household(income=200)
    case = active_dibao(caseworker, chief, h, category="A")
    request = services.submit_review(
        actor=caseworker, case=case, outcome="amount_changed", effective_month=MAR, income=Decimal("300")
    )
    services.decide_request(actor=chief, request=request, approve=False, comment="收入证明不全")
    assert refresh(h).income_per_capita == Decimal("200.00")
    assert refresh(case).next_review == D(2020, 3, 1)


@pytest.mark.parametrize(
    ("outcome", "month", "income", "field"),
    [
        ("amount_changed", JUN, None, "income_total"),
        ("amount_changed", JUN, Decimal("-1"), "income"),
        ("terminated", MAR, None, "effective_month"),
        ("nonsense", JUN, None, "outcome"),
    ],
)
def test_an_invalid_review_is_refused(caseworker, chief, outcome, month, income, field):
    case = active_dibao(caseworker, chief)
    with pytest.raises(ValidationError) as exc:
        services.submit_review(
            actor=caseworker, case=case, outcome=outcome, effective_month=month, income=income
        )
    assert field in exc.value.message_dict


def test_a_person_case_has_no_income_to_change(caseworker, chief):
    case = active_person_case(caseworker, chief, P.TEKUN, person(), category=P.DISPERSED)
    with pytest.raises(ValidationError) as exc:
        services.submit_review(
            actor=caseworker, case=case, outcome="amount_changed", effective_month=JUN, income=Decimal("100")
        )
    assert "income" in exc.value.message_dict


def test_a_case_not_in_payment_needs_no_review(caseworker):
    case = apply_dibao(caseworker, household()).case
    with pytest.raises(ValidationError):
        services.submit_review(actor=caseworker, case=case, outcome="unchanged", effective_month=JUN)


# --- exclusions ------------------------------------------------------------------------------------


def test_a_second_dibao_for_a_covered_household_is_refused_naming_the_case(caseworker, chief):
    h = household()
    first = active_dibao(caseworker, chief, h)
    with pytest.raises(ValidationError) as exc:
        apply_dibao(caseworker, h, start=JUN)
    text = " ".join(exc.value.message_dict["covered"])
    assert f"编号{first.pk}" in text
    assert "最低生活保障" in text
    assert members(h)[0].name in text
    assert Case.objects.filter(household=h).count() == 1


def test_a_pending_dibao_application_blocks_a_second_one(caseworker):
    h = household()
    first = apply_dibao(caseworker, h).case
    with pytest.raises(ValidationError) as exc:
        apply_dibao(caseworker, h, start=APR)
    assert f"编号{first.pk}" in " ".join(exc.value.messages)


def test_a_member_moving_to_another_household_keeps_the_single_dibao_rule(caseworker, chief):
    h = household(size=2)
    _head, spouse = members(h)
    first = active_dibao(caseworker, chief, h)
    HouseholdMember.objects.filter(person=spouse).update(left_on=D(2019, 4, 30))
    other = household(size=1)
    HouseholdMember.objects.create(household=other, person=spouse, relation=Relation.SPOUSE, joined_on=MAY)
    with pytest.raises(ValidationError) as exc:
        apply_dibao(caseworker, other, start=JUN)
    assert f"编号{first.pk}" in " ".join(exc.value.messages)


def test_tekun_for_a_dibao_person_is_refused(caseworker, chief):
    h = household()
    dibao = active_dibao(caseworker, chief, h)
    with pytest.raises(ValidationError) as exc:
        apply_person(caseworker, P.TEKUN, members(h)[1], start=JUN, category=P.DISPERSED)
    text = " ".join(exc.value.messages)
    assert f"编号{dibao.pk}" in text
    assert "最低生活保障" in text


def test_dibao_for_a_tekun_person_is_refused(caseworker, chief):
    h = household(size=2)
    tekun = active_person_case(caseworker, chief, P.TEKUN, members(h)[1], category=P.DISPERSED)
    with pytest.raises(ValidationError) as exc:
        apply_dibao(caseworker, h, start=JUN)
    text = " ".join(exc.value.messages)
    assert f"编号{tekun.pk}" in text
    assert "特困" in text


def test_a_cover_ended_before_the_new_start_does_not_conflict(caseworker, chief):
    h = household(size=2)
    tekun = active_person_case(caseworker, chief, P.TEKUN, members(h)[1], start=JAN, category=P.DISPERSED)
    approve(
        chief,
        services.submit_termination(actor=caseworker, case=tekun, effective_month=MAY, reason="改办低保"),
    )
    with pytest.raises(ValidationError):
        apply_dibao(caseworker, h, start=APR)  # overlaps April
    case = active_dibao(caseworker, chief, h, start=MAY)
    assert case.status == "active"


@pytest.mark.parametrize(("first", "second"), [(P.ORPHAN, P.CHILD), (P.CHILD, P.ORPHAN)])
def test_orphan_and_child_in_difficulty_exclude_each_other(caseworker, chief, first, second):
    p = person()
    existing = active_person_case(
        caseworker, chief, first, p, category=P.DISPERSED if first == P.ORPHAN else ""
    )
    with pytest.raises(ValidationError) as exc:
        apply_person(caseworker, second, p, start=JUN, category=P.DISPERSED if second == P.ORPHAN else "")
    assert f"编号{existing.pk}" in " ".join(exc.value.messages)


def test_programs_outside_an_exclusion_group_combine(caseworker, chief):
    p = person(disability_grade=1)
    active_person_case(caseworker, chief, P.TEKUN, p, category=P.DISPERSED)
    active_person_case(caseworker, chief, P.DISABILITY_LIVING, p)
    active_person_case(caseworker, chief, P.DISABILITY_CARE, p)
    assert Case.objects.filter(person=p, status="active").count() == 3


def test_the_same_disability_allowance_twice_is_refused(caseworker, chief):
    p = person(disability_grade=2)
    active_person_case(caseworker, chief, P.DISABILITY_CARE, p)
    with pytest.raises(ValidationError):
        apply_person(caseworker, P.DISABILITY_CARE, p, start=JUN)


@pytest.mark.parametrize(
    ("code", "grade", "allowed"),
    [
        (P.DISABILITY_CARE, 1, True),
        (P.DISABILITY_CARE, 2, True),
        (P.DISABILITY_CARE, 3, False),
        (P.DISABILITY_CARE, 4, False),
        (P.DISABILITY_CARE, None, False),
        (P.DISABILITY_LIVING, 4, True),
        (P.DISABILITY_LIVING, 1, True),
        (P.DISABILITY_LIVING, None, False),
    ],
)
def test_the_disability_allowances_need_a_disability_grade(caseworker, code, grade, allowed):
    p = person(disability_grade=grade)
    if allowed:
        assert apply_person(caseworker, code, p).case.status == "pending"
    else:
        with pytest.raises(ValidationError) as exc:
            apply_person(caseworker, code, p)
        assert "person" in exc.value.message_dict


def test_a_rejected_application_does_not_block_another_program(caseworker, chief):
    h = household()
    request = apply_dibao(caseworker, h)
    services.decide_request(actor=chief, request=request, approve=False, comment="不符合")
    case = active_person_case(caseworker, chief, P.TEKUN, members(h)[0], category=P.DISPERSED)
    assert case.status == "active"


@pytest.mark.parametrize(("first", "second"), [(P.DIBAO, P.DIBAO), (P.DIBAO, P.TEKUN), (P.ORPHAN, P.CHILD)])
def test_the_database_refuses_a_second_open_cover_in_an_exclusion_group(caseworker, chief, first, second):
    p = person()
    case = CaseFactoryLike.person_case(program(first), p, caseworker)
    other = CaseFactoryLike.person_case(program(second), p, caseworker)
    Coverage.objects.create(
        case=case, person=p, program=case.program, exclusion_group=P.EXCLUSION_GROUPS[first], start_month=JAN
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Coverage.objects.create(
            case=other,
            person=p,
            program=other.program,
            exclusion_group=P.EXCLUSION_GROUPS[second],
            start_month=MAR,
        )
    assert Coverage.objects.filter(person=p).count() == 1


def test_the_database_allows_a_new_cover_once_the_old_one_has_ended(caseworker):
    p = person()
    case = CaseFactoryLike.person_case(program(P.TEKUN), p, caseworker)
    other = CaseFactoryLike.person_case(program(P.DIBAO), p, caseworker)
    Coverage.objects.create(
        case=case,
        person=p,
        program=case.program,
        exclusion_group="basic_living",
        start_month=JAN,
        end_month=MAR,
    )
    Coverage.objects.create(
        case=other, person=p, program=other.program, exclusion_group="basic_living", start_month=MAR
    )
    assert Coverage.objects.filter(person=p).count() == 2


class CaseFactoryLike:
    @staticmethod
    def person_case(prog, p, actor):
        return Case.objects.create(
            program=prog, person=p, town_id=p.town_id, area=Area.RURAL, start_month=JAN, submitted_by=actor
        )


# --- the audit log ---------------------------------------------------------------------------------


def _audited(action, fn):
    """fn writes exactly the audit event(s) named (a list when one click changes two things)."""
    actions = action if isinstance(action, list) else [action]
    before = set(AuditEvent.objects.values_list("id", flat=True))
    result = fn()
    new = list(AuditEvent.objects.exclude(id__in=before).order_by("id"))
    assert [e.action for e in new] == actions, [e.action for e in new]
    return result, new[-1]


def test_every_state_change_writes_an_audit_event(caseworker, chief):
    h = household(size=3)
    head, spouse, child = members(h)
    # Each step of the procedure (tests/factories.py through_procedure) is audited as it is done.
    request, event = _audited(
        [
            "case.submit",
            "procedure.accept",
            "procedure.verification",
            "procedure.home_visit",
            "procedure.appraisal",
            "procedure.town_review",
            "procedure.spot_check",
            "procedure.district_visit",
            "procedure.notice",
        ],
        lambda: apply_dibao(caseworker, h, covered=[head, spouse]),
    )
    submitted = AuditEvent.objects.get(action="case.submit", object_id=str(request.case_id))
    assert (submitted.actor, submitted.object_type) == (caseworker, "civaffairs.Case")
    assert (event.object_id, event.object_type) == (str(request.case_id), "civaffairs.Case")
    _, event = _audited(["procedure.decided", "request.approve"], lambda: approve(chief, request))
    assert (event.actor, event.object_id, event.object_type) == (chief, str(request.pk), "civaffairs.Request")
    assert event.changes["status"] == ["pending", "active"]
    case = refresh(request.case)

    add, event = _audited(
        "case.submit_add_member",
        lambda: services.submit_member_change(
            actor=caseworker, case=case, person=child, add=True, effective_month=MAY
        ),
    )
    assert event.changes["person"] == child.name
    # Approving the 增人 derives the per-capita income again for one more person.
    _audited(["household.income", "request.approve"], lambda: approve(chief, add))
    remove, _ = _audited(
        "case.submit_remove_member",
        lambda: services.submit_member_change(
            actor=caseworker, case=case, person=child, add=False, effective_month=JUN
        ),
    )
    _audited(
        "request.reject",
        lambda: services.decide_request(actor=chief, request=remove, approve=False, comment="否"),
    )
    review, _ = _audited(
        "case.submit_review",
        lambda: services.submit_review(actor=caseworker, case=case, outcome="unchanged", effective_month=JUN),
    )
    _audited("request.approve", lambda: approve(chief, review))
    termination, event = _audited(
        "case.submit_termination",
        lambda: services.submit_termination(actor=caseworker, case=case, effective_month=JUL, reason="迁出"),
    )
    assert event.changes == {"effective_month": "2019-07-01", "reason": "迁出"}
    _, event = _audited("request.approve", lambda: approve(chief, termination))
    assert event.changes["status"] == ["active", "ended"]
    assert event.changes["end_month"] == [None, "2019-07-01"]


def test_a_refused_move_writes_no_audit_event(caseworker, chief, liudu_caseworker):
    case = active_dibao(caseworker, chief)
    count = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.submit_termination(actor=liudu_caseworker, case=case, effective_month=JUN, reason="迁出")
    with pytest.raises(ValidationError):
        services.submit_termination(actor=caseworker, case=case, effective_month=MAR, reason="迁出")
    with pytest.raises(ValidationError):
        approve(chief, case.requests.get())
    assert AuditEvent.objects.count() == count


def test_an_approval_refused_midway_rolls_back_entirely(caseworker, chief):
    """The request is approved and the cover written in one transaction, or neither."""
    h = household(size=2)
    _head, spouse = members(h)
    case = active_dibao(caseworker, chief, h, covered=[_head])
    request = services.submit_member_change(
        actor=caseworker, case=case, person=spouse, add=True, effective_month=MAY
    )
    # Meanwhile the spouse got an open 特困 cover (inserted directly, as a bulk import would).
    other = CaseFactoryLike.person_case(program(P.TEKUN), spouse, caseworker)
    Coverage.objects.create(
        case=other, person=spouse, program=other.program, exclusion_group="basic_living", start_month=APR
    )
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        approve(chief, request)
    assert refresh(request).status == ApprovalStatus.PENDING
    assert not Coverage.objects.filter(case=case, person=spouse).exists()
    assert AuditEvent.objects.count() == count

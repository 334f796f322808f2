"""Welfare's services: bad input refused with a Chinese message at the field and nothing saved;
the chief's approvals under the four-eyes rule; every change audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civaffairs.models import AuditEvent, Milestone
from civaffairs.roles import CASEWORKER
from tests.factories import make_user
from welfare import services
from welfare.models import Cremation, Hazard, HazardClosure, Inspection, MarriageRegistration
from welfare.selectors import overdue_hazards

D = datetime.date


def field_errors(exc):
    return exc.value.message_dict


def test_an_invalid_id_number_is_refused_at_its_field_and_nothing_is_saved(ww):
    bad = ww.id()[:-1] + ("0" if ww.id()[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        ww.marriage(D(2019, 3, 1), a=bad)
    assert "男方身份证号无效" in field_errors(exc)["party_a_id"][0]
    assert not MarriageRegistration.objects.exists()


def test_a_divorce_dated_before_the_couples_marriage_in_the_system_is_refused(ww):
    a, b = ww.id(1988, "M"), ww.id(1990, "F")
    ww.marriage(D(2019, 4, 10), a=a, b=b)
    with pytest.raises(ValidationError) as exc:
        ww.marriage(D(2019, 4, 1), kind=MarriageRegistration.Kind.DIVORCE, a=b, b=a)
    assert "早于双方在系统中的结婚登记日期" in field_errors(exc)["date"][0]
    assert MarriageRegistration.objects.count() == 1
    ww.marriage(D(2019, 5, 1), kind=MarriageRegistration.Kind.DIVORCE, a=a, b=b)
    assert MarriageRegistration.objects.count() == 2


def test_a_domestic_registration_needs_id_cards_and_a_foreign_one_takes_a_passport(ww):
    with pytest.raises(ValidationError) as exc:
        ww.marriage(D(2019, 3, 1), b="E12345678", party_b_id_type="passport")
    assert "国内登记的女方须持居民身份证" in field_errors(exc)["party_b_id_type"][0]
    r = ww.marriage(D(2019, 3, 1), scope="foreign", b="E12345678", party_b_id_type="passport")
    assert r.party_b_id == "E12345678"


def test_a_person_already_cremated_cannot_be_cremated_again(ww):
    number = ww.id(1930)
    ww.cremation(D(2019, 2, 1), id_number=number)
    with pytest.raises(ValidationError) as exc:
        ww.cremation(D(2019, 2, 5), id_number=number)
    assert "已于2019年2月1日登记火化" in field_errors(exc)["id_number"][0]
    assert Cremation.objects.count() == 1


def test_cremation_funds_are_for_district_residents_only(ww):
    with pytest.raises(ValidationError) as exc:
        services.record_cremation(
            actor=ww.staff,
            deceased_name="外地人",
            id_number=ww.id(1940, address="445302"),
            death_date=D(2019, 2, 1),
            date=D(2019, 2, 2),
            local=False,
            funds=1400,
        )
    assert "只用于云安区户籍居民" in field_errors(exc)["funds"][0]


def test_a_hazard_deadline_before_its_inspection_is_refused_and_nothing_is_saved(ww):
    home = ww.home()
    with pytest.raises(ValidationError) as exc:
        ww.inspect(home, D(2019, 3, 10), [("灭火器过期", D(2019, 4, 1)), ("通道堵塞", D(2019, 3, 9))])
    assert field_errors(exc)["hazard1_deadline"] == ["整改期限不能早于检查日期"]
    assert not Inspection.objects.exists() and not Hazard.objects.exists()


def test_a_hazard_is_closed_only_when_the_chief_approves_its_rectification(ww):
    home = ww.home()
    inspection = ww.inspect(
        home, D(2019, 3, 10), [("灭火器过期", D(2019, 4, 10)), ("通道堵塞", D(2019, 4, 10))]
    )
    first, second = inspection.hazards.order_by("id")
    closure = services.submit_hazard_closure(
        actor=ww.staff, hazard=first, rectified_on=D(2019, 4, 1), note="已更换"
    )
    first.refresh_from_db()
    assert first.status == Hazard.Status.CLOSING
    assert set(overdue_hazards(ww.chief)) == {first, second}  # a claim is not a closure
    with pytest.raises(PermissionDenied):
        services.decide_hazard_closure(actor=ww.staff, closure=closure, approve=True)
    services.decide_hazard_closure(actor=ww.chief, closure=closure, approve=True, comment="同意销号")
    first.refresh_from_db()
    assert (first.status, first.closed_on) == (Hazard.Status.CLOSED, D(2019, 4, 1))
    assert list(overdue_hazards(ww.chief)) == [second]
    assert AuditEvent.objects.filter(
        action="welfare.hazard.approve_closure", object_id=str(first.pk)
    ).exists()


def test_a_rejected_closure_reopens_the_hazard_and_needs_a_reason(ww):
    home = ww.home()
    [hazard] = ww.inspect(home, D(2019, 3, 10), [("灭火器过期", D(2019, 4, 10))]).hazards.all()
    closure = services.submit_hazard_closure(
        actor=ww.staff, hazard=hazard, rectified_on=D(2019, 4, 1), note="已更换"
    )
    with pytest.raises(ValidationError):
        services.decide_hazard_closure(actor=ww.chief, closure=closure, approve=False, comment="")
    services.decide_hazard_closure(actor=ww.chief, closure=closure, approve=False, comment="复查仍未整改")
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.OPEN
    assert HazardClosure.objects.get().status == "rejected"
    with pytest.raises(ValidationError, match="不能再审批"):
        services.decide_hazard_closure(actor=ww.chief, closure=closure, approve=True)


def test_only_the_welfare_section_records(ww, db):
    town_worker = make_user(CASEWORKER, town="石城镇")
    with pytest.raises(PermissionDenied):
        services.save_institution(actor=town_worker, name="某敬老院", kind="nursing_home", region=ww.shicheng)
    with pytest.raises(PermissionDenied):
        services.save_institution(actor=ww.chief, name="某敬老院", kind="nursing_home", region=ww.shicheng)


def test_a_milestone_is_reached_when_the_chief_approves_it(ww):
    project = services.create_facility_project(
        actor=ww.staff,
        kind="rescue_station",
        name="救助站改造",
        region=ww.shicheng,
        land_area=400,
        floor_area=600,
    )
    assert list(project.milestones.values_list("name", flat=True)) == [
        "立项",
        "用地手续",
        "政府采购",
        "图纸设计",
        "施工",
        "验收",
        "投入使用",
    ]
    milestone = project.milestones.get(name="立项")
    report = services.submit_milestone(actor=ww.staff, milestone=milestone, reached_on=D(2019, 1, 18))
    milestone.refresh_from_db()
    assert milestone.done_on is None
    with pytest.raises(ValidationError):
        services.submit_milestone(actor=ww.staff, milestone=milestone, reached_on=D(2019, 1, 19))
    services.decide_milestone(actor=ww.chief, report=report, approve=True, comment="同意")
    assert Milestone.objects.get(pk=milestone.pk).done_on == D(2019, 1, 18)
    project.refresh_from_db()
    assert project.status == "approved"


def test_a_retrofit_accepted_records_the_institutions_fire_acceptance(ww):
    home = ww.home()
    services.record_retrofit(
        actor=ww.staff,
        institution=home,
        name="消防改造",
        funds_spent="812000",
        paid_on=D(2018, 11, 20),
        accepted_on=D(2019, 5, 22),
        authority="云安区消防救援大队",
    )
    home.welfare_profile.refresh_from_db()
    assert (home.welfare_profile.fire_status, home.welfare_profile.fire_accepted_on) == (
        "accepted",
        D(2019, 5, 22),
    )


def test_a_passport_number_is_masked_but_for_its_first_letter_and_last_three(ww):
    r = ww.marriage(D(2019, 3, 1), scope="foreign", b="E12345678", party_b_id_type="passport")
    assert r.party_b_masked == "E*****678"
    assert r.party_a_masked == r.party_a_id[:6] + "********" + r.party_a_id[-4:]
    event = AuditEvent.objects.get(action="welfare.marriage.create")
    assert "E12345678" not in str(event.changes) and r.party_a_id not in str(event.changes)

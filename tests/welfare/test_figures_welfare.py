"""Welfare figures against hand counts on small worlds built through the services, for a period
and for one town; changing one record changes the figure it feeds."""

import datetime
from decimal import Decimal

from civaffairs import figures
from civaffairs.models import Institution
from civaffairs.periods import Period
from welfare import services
from welfare.models import Inspection, MarriageRegistration

D = datetime.date
H1 = Period.parse("2019H1")
K = MarriageRegistration.Kind


def values(period=H1, region=None):
    return figures.compute(period, region)


def test_marriage_figures_count_registrations_by_kind_and_scope_in_the_period(ww):
    ww.marriage(D(2019, 1, 5))
    ww.marriage(D(2019, 6, 30), town=ww.liudu)
    ww.marriage(D(2019, 7, 1))  # second half
    ww.marriage(D(2019, 2, 1), kind=K.DIVORCE)
    ww.marriage(D(2019, 2, 2), kind=K.REISSUE_MARRIAGE)
    ww.marriage(D(2019, 2, 3), kind=K.REISSUE_DIVORCE, qualified=False)
    ww.marriage(D(2019, 3, 1), scope="hmt", b="H1234567890", party_b_id_type="hmt")
    ww.marriage(
        D(2019, 3, 2), scope="foreign", kind=K.REISSUE_DIVORCE, b="E1234567", party_b_id_type="passport"
    )
    v = values()
    assert v["marriage.domestic.marriages"] == 2
    assert v["marriage.domestic.divorces"] == 1
    assert v["marriage.domestic.reissued_marriage_certs"] == 1
    assert v["marriage.domestic.reissued_divorce_certs"] == 1
    assert v["marriage.foreign.marriages"] == 1
    assert v["marriage.foreign.divorces"] == 0
    assert v["marriage.foreign.reissued_divorce_certs"] == 1
    assert v["marriage.pass_rate"] == Decimal("85.71")  # 6 of 7 qualified
    assert values(region=ww.liudu)["marriage.domestic.marriages"] == 1
    assert values(Period.parse("2019H2"))["marriage.domestic.marriages"] == 1


def test_cremations_count_all_and_funds_only_district_residents(ww):
    ww.cremation(D(2019, 1, 10), funds="1400")
    ww.cremation(D(2019, 6, 1), funds="1300", place=ww.liudu)
    ww.cremation(D(2019, 3, 1), local=False)
    ww.cremation(D(2019, 8, 1), funds="1400")
    v = values()
    assert (v["funeral.cremations"], v["funeral.cremation_funds"]) == (3, Decimal("2700.00"))
    lv = values(region=ww.liudu)
    assert (lv["funeral.cremations"], lv["funeral.cremation_funds"]) == (1, Decimal("1300.00"))


def test_homes_inspected_counts_homes_with_a_risk_inspection_once(ww):
    a, b = ww.home("甲敬老院"), ww.home("乙敬老院", place=ww.liudu)
    c = ww.home("福利中心", kind=Institution.Kind.WELFARE_CENTRE)
    station = ww.home("救助站", kind=Institution.Kind.RESCUE_STATION)
    ww.inspect(a, D(2019, 3, 1))
    ww.inspect(a, D(2019, 4, 1), kind=Inspection.Kind.SAFETY)
    ww.inspect(b, D(2019, 5, 1))
    ww.inspect(c, D(2019, 5, 2), kind=Inspection.Kind.QUALITY)  # not a risk inspection
    ww.inspect(station, D(2019, 5, 3))  # not an elderly-care home
    assert values()["elderly_care.homes_inspected"] == 2
    assert values(region=ww.liudu)["elderly_care.homes_inspected"] == 1
    assert values(Period.parse("2019Q1"))["elderly_care.homes_inspected"] == 1


def test_retrofit_funds_are_those_spent_up_to_the_last_day(ww):
    home = ww.home()
    for funds, paid_on in (("812000", D(2018, 11, 20)), ("100000.50", D(2019, 6, 30)), ("5", D(2019, 7, 1))):
        services.record_retrofit(
            actor=ww.staff, institution=home, name="消防改造", funds_spent=funds, paid_on=paid_on
        )
    assert values()["elderly_care.fire_retrofit_funds"] == Decimal("912000.50")
    assert values(region=ww.liudu)["elderly_care.fire_retrofit_funds"] == Decimal("0.00")


def test_publicity_counts_sessions_and_sums_printed_quantities(ww):
    for day in (1, 2, 3):
        services.record_publicity(
            actor=ww.staff, kind="funeral_broadcast", date=D(2019, 4, day), region=ww.shicheng
        )
    services.record_publicity(actor=ww.staff, kind="funeral_van_tour", date=D(2019, 4, 5), region=ww.liudu)
    services.record_publicity(
        actor=ww.staff, kind="funeral_poster", date=D(2019, 4, 6), region=ww.liudu, quantity=70
    )
    services.record_publicity(
        actor=ww.staff, kind="funeral_poster", date=D(2019, 4, 7), region=ww.shicheng, quantity=80
    )
    services.record_publicity(
        actor=ww.staff, kind="funeral_banner", date=D(2019, 7, 7), region=ww.shicheng, quantity=9
    )
    v = values()
    assert v["funeral.publicity.broadcasts"] == 3
    assert v["funeral.publicity.van_tours"] == 1
    assert v["funeral.publicity.posters"] == 150
    assert v["funeral.publicity.banners"] == 0
    assert values(region=ww.liudu)["funeral.publicity.posters"] == 70


def test_adoptions_count_registrations_in_the_period(ww):
    services.register_adoption(
        actor=ww.staff,
        date=D(2019, 5, 16),
        record_no="SY445303-2019-0001",
        child_name="陈小玲",
        child_id=ww.id(2016, "F"),
        adopter_name="陈国强",
        adopter_id=ww.id(1978, "M"),
        town=ww.shicheng,
    )
    assert values()["adoption.registrations"] == 1
    assert values(region=ww.liudu)["adoption.registrations"] == 0


def test_the_facility_projects_phrases_follow_the_milestones_approved_by_the_periods_end(ww):
    project = services.create_facility_project(
        actor=ww.staff,
        kind="elderly_centre",
        name="居家养老服务中心",
        region=ww.liudu,
        floor_area=Decimal("300"),
        funds_secured=Decimal("900000"),
    )
    for name, on in (("立项", D(2019, 2, 1)), ("用地手续", D(2019, 8, 1))):
        report = services.submit_milestone(
            actor=ww.staff, milestone=project.milestones.get(name=name), reached_on=on
        )
        services.decide_milestone(actor=ww.chief, report=report, approve=True)
    pending = project.milestones.get(name="政府采购")
    services.submit_milestone(actor=ww.staff, milestone=pending, reached_on=D(2019, 3, 1))
    [phrase] = figures.compute_records("welfare.facility_projects", H1)
    assert (
        phrase
        == "居家养老服务中心（六都镇，建筑面积约300平方米，已落实资金90万元）：已完成立项，正在推进用地手续"
    )
    [later] = figures.compute_records("welfare.facility_projects", Period.parse("2019"))
    assert "已完成立项、用地手续，正在推进政府采购" in later


def test_the_welfare_figures_take_the_same_number_of_queries_whatever_the_data_size(ww):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    keys = [
        k for k in figures.specs() if k.split(".")[0] in ("elderly_care", "marriage", "adoption", "funeral")
    ]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            figures.compute(H1, keys=keys)
            figures.compute(H1, ww.liudu, keys=keys)
        return len(ctx.captured_queries)

    ww.marriage(D(2019, 1, 5))
    ww.cremation(D(2019, 1, 6))
    small = count()
    for day in range(2, 12):
        ww.marriage(D(2019, 2, day))
        ww.cremation(D(2019, 2, day), place=ww.liudu)
    assert count() == small

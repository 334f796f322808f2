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


def test_the_summarys_project_sentences_read_as_the_seed_and_follow_the_milestones(ww):
    station = services.create_facility_project(
        actor=ww.staff,
        kind="rescue_station",
        name="救助站改造建设",
        region=ww.liudu,
        land_area=Decimal("400"),
        floor_area=Decimal("600"),
        expected_on=D(2019, 12, 31),
    )

    def submit(name, on):
        return services.submit_milestone(
            actor=ww.staff, milestone=station.milestones.get(name=name), reached_on=on
        )

    def approve(report):
        services.decide_milestone(actor=ww.chief, report=report, approve=True)

    def progress(period=H1, region=None):
        [record] = figures.compute_records("welfare.rescue_station", period, region)
        return record["进展"]

    assert progress() == "该项目正在申报立项"
    founding = submit("立项", D(2019, 1, 18))
    assert progress() == "该项目已向区政府申报建设"  # reported, awaiting the chief's approval
    approve(founding)
    approve(submit("用地手续", D(2019, 2, 26)))
    approve(submit("政府采购", D(2019, 4, 19)))
    # The seed's sentence, word for word, from the milestones approved by 30 June.
    assert (
        progress()
        == "该项目申报手续已完成，并通过政府采购方式确定建筑商，正在进行图纸设计，预计年底前将投入使用"
    )
    assert progress(Period.parse("2019Q1")) == "该项目申报手续已完成，正在进行政府采购"
    [record] = figures.compute_records("welfare.rescue_station", H1)
    assert (record["土地面积"], record["建筑面积"], record[""]) == ("400", "600", "救助站改造建设")
    assert figures.compute_records("welfare.rescue_station", H1, ww.shicheng) == []
    approve(submit("图纸设计", D(2019, 7, 10)))
    approve(submit("施工", D(2019, 11, 30)))
    assert "主体工程已完工，正在组织验收" in progress(Period.parse("2019"))
    approve(submit("验收", D(2020, 1, 20)))
    approve(submit("投入使用", D(2020, 2, 1)))
    assert progress(Period.parse("2020H1")) == "该项目已建成并投入使用"
    # Late: expected by the end of 2019, still not in use at the end of January 2020.
    assert progress(Period.parse("2020-01")).endswith(
        "正在做好投入使用准备，原计划2019年12月投入使用，进度滞后"
    )


def test_the_cemeteries_read_as_one_sentence_of_places(ww):
    for village, town in (("幌伞村", ww.liudu), ("佛水村", ww.liudu)):
        services.create_facility_project(
            actor=ww.staff, kind="cemetery", name=f"六都镇{village}公益性生态墓", region=town
        )
    records = figures.compute_records("welfare.cemeteries", H1)
    assert [r[""] for r in records] == ["六都镇幌伞村公益性生态墓", "六都镇佛水村公益性生态墓"]
    assert [r["进展"] for r in records] == ["该项目正在申报立项"] * 2


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

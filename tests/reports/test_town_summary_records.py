"""A town's summary leaves out what is about a project in another town: the sentence (…。) or the
clause (…；) whose record list names nothing for the town goes, and a paragraph left with none of
its facts goes with its background, its section too when nothing else is in it — no more
"面积约—平方米" or "目前，—。" in an official document. The district's summary reads as before."""

import datetime
from decimal import Decimal

from django.urls import reverse

from reports import document, exports, services
from reports.placeholders import Values, drop_empty_records
from tests.welfare.conftest import WelfareWorld
from welfare import services as welfare

D = datetime.date
STATION = {"": "救助站改造", "土地面积": "400", "进展": "该项目正在进行图纸设计"}


def values(town=True, **records):
    return Values(
        figures={"funeral.cremations": 12}, units={"funeral.cremations": "count"}, records=records, town=town
    )


def test_a_sentence_naming_an_empty_record_list_is_left_out():
    text = "全区共火化遗体{funeral.cremations}具；抓好{test.cemeteries:和}建设的工作；开展宣传月。"
    assert drop_empty_records(text, values(**{"test.cemeteries": ["幌伞村生态墓"]})) == text
    assert (
        drop_empty_records(text, values(**{"test.cemeteries": []}))
        == "全区共火化遗体{funeral.cremations}具；开展宣传月。"
    )
    # The sentence's last clause gone, the clause before it closes the sentence.
    ending = "全区共火化遗体{funeral.cremations}具；抓好{test.cemeteries:和}建设的工作。下半年继续。"
    assert (
        drop_empty_records(ending, values(**{"test.cemeteries": []}))
        == "全区共火化遗体{funeral.cremations}具。下半年继续。"
    )


def test_a_paragraph_whose_facts_all_name_nothing_goes_with_its_background():
    text = "我局将原石城敬老院改造为救助站。该救助站土地面积约{test.station:土地面积}平方米。目前，{test.station:进展}。"
    assert drop_empty_records(text, values(**{"test.station": []})) is None
    assert drop_empty_records(text, values(**{"test.station": [STATION]})) == text
    # A count always says something: 0 is a fact.
    assert (
        drop_empty_records("共{test.station:个数}个。", values(**{"test.station": []}))
        == "共{test.station:个数}个。"
    )


def _world():
    ww = WelfareWorld()
    welfare.create_facility_project(
        actor=ww.staff,
        kind="rescue_station",
        name="云安区救助站",
        region=ww.shicheng,
        land_area=Decimal("400"),
        floor_area=Decimal("450"),
    )
    welfare.create_facility_project(
        actor=ww.staff,
        kind="elderly_centre",
        name="居家养老服务中心",
        region=ww.liudu,
        floor_area=Decimal("300"),
    )
    welfare.create_facility_project(
        actor=ww.staff, kind="cemetery", name="佛水村公益性生态墓", region=ww.liudu
    )
    return ww


def test_shichengs_2019h1_summary_prints_no_half_empty_sentence(director, login):
    ww = _world()
    summary = services.create_summary(actor=director, period="2019H1", region=ww.shicheng)
    text = exports.prepare("2019H1", ww.shicheng, summary=summary).rendered.plain_text()

    welfare_part = text.split("推进社会福利和社会事务工作。")[1].split("加强基层政权和社区建设工作。")[0]
    for half_empty in ("约—", "目前，—", "资金—", "抓好—"):  # (a rate without data is another matter)
        assert half_empty not in welfare_part
    assert "该救助站土地面积约400平方米，楼房建筑面积二层共约450平方米。" in text  # its own project
    assert "居家养老服务中心" not in welfare_part and "长者饭堂" not in welfare_part  # 六都镇's: section gone
    assert (
        "生态墓" not in welfare_part and "抓好佛水" not in welfare_part
    )  # 六都镇's cemetery: the clause gone
    assert "全区共火化遗体" in welfare_part  # the rest of the funeral paragraph stays
    # The sections after the omitted one are numbered on: 救助站 1., 养老机构安全 2.
    assert "1.改造建设云安区救助站。" in welfare_part and "2.切实抓好养老机构安全和服务工作。" in welfare_part

    page = login(director).get(reverse("reports:detail", args=[summary.pk])).content.decode()
    assert "（本镇无此项目，不印出）" in page  # the outline still offers the section to edit
    assert "约—" not in page and "目前，—" not in page


def test_the_district_summary_reads_as_before(director):
    _world()
    summary = services.create_summary(actor=director, period="2019H1")
    rendered = exports.prepare("2019H1", summary=summary).rendered
    text = rendered.plain_text()
    assert not any(b.omitted for b in rendered.blocks)
    assert "2.建设云安区居家养老服务中心、日间照料中心和长者饭堂。" in text
    assert "约300平方米" in text and "抓好佛水村公益性生态墓建设的工作" in text
    assert (
        document.render(document.summary_doc(summary), document.summary_values(summary)).plain_text() == text
    )

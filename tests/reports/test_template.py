"""The shipped template (fixtures/summary_template_halfyear.txt), rebuilt from the seed document."""

import re

import pytest

from civaffairs import figures
from civaffairs.periods import Period
from reports import document
from reports.placeholders import PERIOD_KEYS, Values, period_words, place_words

# FIGURES.md's keys with their 2019H1 values, as the figures command's JSON prints them. Test
# data for the wording, not figures the code uses: the figures themselves come from the records.
SEED_2019H1 = {
    "dibao.households": 3804, "dibao.persons": 8475,
    "dibao.urban.households": 79, "dibao.urban.persons": 106,
    "dibao.rural.households": 3725, "dibao.rural.persons": 8369,
    "dibao.added.households": 190, "dibao.added.persons": 401,
    "dibao.removed.households": 118, "dibao.removed.persons": 284,
    "dibao.paid": "12054200.00",
    "dibao.urban.standard": 705, "dibao.urban.subsidy_level": 554,
    "dibao.rural.standard": 490, "dibao.rural.subsidy_level": 251,
    "dibao.standard_status": "pending",
    "tekun.persons": 1885, "tekun.rural.persons": 1885,
    "tekun.rural.dispersed": 1725, "tekun.rural.centralized": 160,
    "tekun.paid": "6557300.00", "tekun.care_paid": "45082.00",
    "tekun.urban.standard": 1128, "tekun.rural.standard": 784, "tekun.standard_status": "pending",
    "orphan.persons": 67, "orphan.centralized": 11, "orphan.dispersed": 56, "orphan.paid": "447400.00",
    "orphan.centralized.standard": 1685, "orphan.centralized.standard_previous": 1560,
    "orphan.dispersed.standard": 1025, "orphan.dispersed.standard_previous": 950,
    "child_in_difficulty.persons": 40, "child_in_difficulty.paid": "108000.00",
    "disability.living.annual_standard": 1980, "disability.living.annual_standard_previous": 1890,
    "disability.care.annual_standard": 2640, "disability.care.annual_standard_previous": 2520,
    "disability.living.persons": 2232, "disability.living.paid": "2185950.00",
    "disability.care.persons": 4589, "disability.care.paid": "5943100.00",
    "mental.covered": 1432, "temp_relief.cases": 151, "temp_relief.paid": "254700.00",
    "temp_relief.mental_cases": 12,
    "elderly_care.homes_inspected": 7, "elderly_care.fire_retrofit_funds": "4600000.00",
    "marriage.domestic.marriages": 949, "marriage.domestic.divorces": 365,
    "marriage.domestic.reissued_marriage_certs": 125, "marriage.domestic.reissued_divorce_certs": 27,
    "marriage.foreign.marriages": 30, "marriage.foreign.divorces": 2,
    "marriage.foreign.reissued_divorce_certs": 3, "marriage.pass_rate": 100,
    "adoption.registrations": 1,
    "funeral.cremations": 735, "funeral.cremation_funds": "994700.00",
    "funeral.publicity.broadcasts": 65, "funeral.publicity.publications": 16,
    "funeral.publicity.banners": 60, "funeral.publicity.posters": 500, "funeral.publicity.van_tours": 65,
    "antigang.materials": 3500, "antigang.clue_forms": 33,
    "supervisor.allowance.standard": 625, "supervisor.allowance.standard_previous": 600,
    "socialwork.new_stations": 2, "socialwork.new_workers": 8,
    "sanshe.villages": 3, "sanshe.funds": "300000.00", "rehab.funds": "150000.00",
    "villages.committees": 114, "villages.natural": 1178,
    "socialorg.total": 94, "socialorg.social_groups": 61, "socialorg.private_non_enterprise": 32,
    "socialorg.foundations": 1,
    "elder_assoc.demo_sites": 8, "elder_assoc.funds_per_site": "37500.00",
    "xiangxian.registered": 17, "xiangxian.filed": 96,
    "happiness.villages": 5, "happiness.funds": "1500000.00",
    "community_center.villages": 5, "community_center.funds": "1000000.00",
}  # fmt: skip


# The record lists the template names, as the seed's sentences read them (the demo's records give
# these phrases: tests/reports/test_demo_summary.py). Where the seed abbreviates a place (镇安幌伞村,
# 西圳, 大河村委) the records give its full name.
SEED_RECORDS = {
    "welfare.rescue_station": [
        {
            "土地面积": "400",
            "建筑面积": "600",
            "进展": "该项目申报手续已完成，并通过政府采购方式确定建筑商，正在进行图纸设计，预计年底前将投入使用",
        }
    ],
    "welfare.elderly_centre": [
        {"建筑面积": "300", "资金": "90万元", "进展": "项目用地手续已完成，已向区政府申报建设"}
    ],
    "welfare.cemeteries": ["镇安镇幌伞村公益性生态墓", "六都镇佛水村公益性生态墓"],
    "sanshe.village_names": ["六都镇大河村", "石城镇上洞村", "镇安镇石坳村"],
    "socialwork.earlier_stations": ["富林镇社工站"],
    "socialwork.new_station_towns": ["六都镇", "石城镇"],
    "rehab.site_names": ["区福利中心", "镇安镇河西村", "镇安镇河东村"],
    "village_rules.guidance_documents": [
        "《云安区村（社区）“两委”规范运作工作指引》",
        "《云安区村干部日常行为管理规范》",
    ],
    "happiness.village_names": [
        "富林镇民主村",
        "富林镇寨塘村",
        "石城镇五星村",
        "镇安镇幌伞村",
        "六都镇六都村",
    ],
    "community_center.village_names": [
        "白石镇东圳村",
        "白石镇西圳村",
        "镇安镇河东村",
        "镇安镇南安村",
        "镇安镇幌伞村",
    ],
}


def _unit(key, value):
    if key.endswith("status"):
        return figures.STATUS
    if isinstance(value, str):
        return figures.MONEY
    if "standard" in key or "subsidy_level" in key:
        return figures.RATE
    return figures.COUNT


def seed_values(period="2019H1"):
    return Values(
        figures=SEED_2019H1,
        units={k: _unit(k, v) for k, v in SEED_2019H1.items()},
        records=SEED_RECORDS,
        words={**period_words(Period.parse(period)), **place_words(None)},
    )


# Phrases of the seed document, copied as it reads (its figures in its wording of units).
SEED_PHRASES = [
    "云安区民政局2019年上半年工作总结",
    "及下半年工作计划",
    "一、2019年上半年民政工作情况",
    "（一）积极做好机构改革工作。",
    "1.做好精准低保救助工作。6月底，全区现有低保对象3804户8475人，其中城镇低保79户106人，农村低保3725户8369人。",
    "上半年，全区新增低保190户401人，核减低保对象118户284人。今年1-6月，全区共发放低保金1205.42万元。",
    "城镇居民最低生活保障标准为705元，补差水平为554元；农村居民最低生活保障标准为490元，补差水平为251元。目前，方案已报区政府审核。",
    "6月底，全区农村特困供养人员对象1885人，其中分散供养1725人，集中供养160人。今年1-6月支出农村特困供养经费655.73万元。",
    "城镇特困人员基本生活标准为每人每月1128元，农村特困人员基本生活标准为每人每月784元。",
    "发放特困供养人员护理经费45082元。",
    "至6月底，全区孤儿67人，其中集中供养11人，散居供养56人。上半年全区共发放孤儿基本生活保障金44.74万元。",
    "集中供养孤儿由人.月1560元提高到1685元，分散供养孤儿由人.月950元提高到1025元。全区困境儿童40人，上半年共发放救助金10.8万元。",
    "残疾人生活津贴由每人每年从1890元提高到1980元；重残护理补贴由每人每年从2520元提高到2640元。",
    "至6月底，为2232名困难残疾人发放生活补贴218.6万元，为4589名重度残疾人发放护理补贴594.31万元。",
    "严重精神障碍患者1432人。全区开展临时救助151人次25.47万元，其中救助精神障碍患者12人。",
    "已投入消防改造资金460多万元进行改造",
    "对全区7间敬老院开展风险隐患检查",
    "全区办理国内结婚949对，离婚365对，补领结婚证125对，补领离婚证27宗；涉外、港澳台、华侨结婚30对，离婚2对，补领离婚证3宗，登记合格率100%",
    "办理收养登记1件。",
    "全区共火化遗体735具，统筹解决云安区户籍居民火化资金99.47万元",
    "进行宣传了65场次；出版刊物、墙报、板报16期；悬挂横额60条，张贴宣传标语500张",
    "巡回宣传共65场次。",
    "印发宣传资料3500多份，开展线索排查，收回线索排查表33份",
    "按人均每月600元提高到625元并逐月发放。",
    "建设2个社工服务站",
    "新招聘的8名社工可望在7月正式上岗",
    "落实经费共30万元。",
    "落实经费15万元。",
    "全区114个村（居）委1178个自然村",
    "全区登记在册社会组织94家，其中社会团体61家，民办非企业单位32家",
    "全区设立老年协会示范点8个，每个示范点3.75万元；17个乡贤理事会通过核名登记，96个乡贤理事会完成备案工作。",
    "六都镇六都村5条村建设“幸福计划”",
    "幌伞村5个村建设社区综合服务场所",
    "二、2019年下半年工作计划",
    "下半年，要继续围绕区委区政府中心工作",
    "（一）落实救助提标和政府购买社会救助服务工作。",
    "及时补发提标差额",
    "（三）进一步加强基层政权和农村社区建设工作",
    "3.推进“幸福计划”和社区综合服务场所建设。重点抓好今年",
    # The sentences about projects and villages, rendered from their records.
    "该救助站土地面积约400平方米，楼房建筑面积二层共约600平方米。目前，该项目申报手续已完成，"
    "并通过政府采购方式确定建筑商，正在进行图纸设计，预计年底前将投入使用。",
    "首层9卡面积约300平方米的卡位改建为云安区居家养老服务中心、日间照料中心和长者饭堂，"
    "并已向上级争取建设资金90万元。目前，项目用地手续已完成，已向区政府申报建设。",
    "抓好镇安镇幌伞村公益性生态墓和六都镇佛水村公益性生态墓建设的工作",
    "在六都镇大河村、石城镇上洞村和镇安镇石坳村开展2019年“三社联动”",
    "我们在原富林镇社工站的基础上，继续在六都镇和石城镇建设2个社工服务站",
    "在区福利中心、镇安镇河西村和河东村开展“精神障碍社区康复”购买服务活动",
    "制定《云安区村（社区）“两委”规范运作工作指引》和《云安区村干部日常行为管理规范》，全区",
    "在富林镇民主村、寨塘村、石城镇五星村、镇安镇幌伞村和六都镇六都村5条村建设“幸福计划”",
    "在白石镇东圳村、西圳村、镇安镇河东村、南安村和幌伞村5个村建设社区综合服务场所",
]


def test_the_template_has_the_seeds_structure():
    doc = document.load_template()
    assert [n.heading for n in doc.sections] == ["{period.name}民政工作情况", "{period.next_name}工作计划"]
    first, plan = doc.sections
    assert [len(n.children) for n in first.children] == [0, 5, 5, 6]
    assert [len(n.children) for n in plan.children] == [0, 4, 3]
    assert {n.owner for n in first.children} == {"", "assistance", "welfare", "grassroots"}


def test_rendered_with_the_seeds_figures_it_reads_as_the_seed():
    rendered = document.render(document.load_template(), seed_values())
    text = rendered.plain_text()
    assert rendered.missing_keys() == set()
    for phrase in SEED_PHRASES:
        assert phrase in text


def test_every_template_key_is_a_figures_md_key_or_a_record_list():
    keys = set(document.template_keys(document.load_template()))
    assert keys - set(SEED_2019H1) == set(SEED_RECORDS)


def test_no_project_or_village_is_left_as_text():
    # The sentences about facility projects and villages come from their records (FIGURES.md:
    # "rendered from those records"), so a project that moves on reads differently.
    literal = re.sub(r"\{[^{}]*\}", "", "\n".join(document.load_template().texts()))
    for phrase in (
        "400平方米",
        "300平方米",
        "90万元",
        "图纸设计",
        "用地手续",
        "佛水村",
        "寨塘",
        "大河村",
        "河西",
    ):
        assert phrase not in literal


def test_no_number_of_a_figure_is_left_as_text():
    # Every digit left in the narrative is a date, a document number, an area or an amount the
    # figures registry does not hold (facility projects, per-village funds).
    doc = document.load_template()
    literal = re.sub(r"\{[^{}]*\}", "", "\n".join(doc.texts()))
    for value in ("3804", "8475", "1205.42", "45082", "3500", "949", "735", "114", "1178", "94"):
        assert value not in literal


def test_registered_keys_of_the_template_all_resolve(db):
    """Renders the fixture with the live registry: every placeholder resolves, since every app
    registers its figures and record lists."""
    doc = document.load_template()
    rendered = document.render(doc, document.live_values("2019H1", None, doc))
    assert rendered.missing_keys() == set()
    assert {
        "dibao.households",
        "tekun.care_paid",
        "marriage.domestic.marriages",
        "supervisor.allowance.standard",
    } <= set(figures.specs())


def test_period_placeholders_are_all_known():
    doc = document.load_template()
    used = {p.key for t in doc.texts() for p in document.placeholders(t) if p.key.startswith("period.")}
    assert used <= set(PERIOD_KEYS)


@pytest.mark.parametrize("period", ["2019H2"])
def test_the_same_template_serves_the_second_half(period):
    text = document.render(document.load_template(), seed_values(period)).plain_text()
    assert "云安区民政局2019年下半年工作总结" in text
    assert "及明年上半年工作计划" in text
    assert "12月底，全区现有低保对象" in text
    assert "今年7-12月，全区共发放低保金" in text
    assert "二、2020年上半年工作计划" in text

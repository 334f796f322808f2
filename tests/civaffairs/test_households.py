"""Registering a household with its members, adding and removing members, concurrent edits."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from civaffairs.idnumber import make_id_number
from civaffairs.models import AuditEvent, Household, HouseholdMember, Person, Relation
from civaffairs.roles import CASEWORKER
from tests.factories import HouseholdFactory, PersonFactory, id_number_for, make_user

HEAD = ("黄大明", make_id_number("445303", datetime.date(1970, 5, 1), 11))
SPOUSE = ("李秀英", make_id_number("445323", datetime.date(1972, 8, 9), 22))
CHILD = ("黄小明", make_id_number("445303", datetime.date(2005, 3, 3), 31))


def registration(region, head=HEAD, members=(SPOUSE + ("spouse",), CHILD + ("child",)), **fields):
    """The POST a browser sends: four member rows (prefix m), unused ones blank."""
    data = {
        "head_name": head[0],
        "head_id_number": head[1],
        "region": region if isinstance(region, int) else region.pk,
        "area": "rural",
        "income_per_capita": "150",
        "bank_name": "",
        "bank_account": "",
        "m-TOTAL_FORMS": "4",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "20",
    }
    for i in range(4):
        name, number, relation = members[i] if i < len(members) else ("", "", "spouse")
        data.update({f"m-{i}-name": name, f"m-{i}-id_number": number, f"m-{i}-relation": relation})
    data.update(fields)
    return data


def counts():
    return Person.objects.count(), Household.objects.count(), HouseholdMember.objects.count()


def test_it_registers_a_3_person_household(caseworker, login, shicheng_village):
    response = login(caseworker).post(reverse("household_create"), registration(shicheng_village))

    household = Household.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("household_detail", args=[household.pk])
    assert counts() == (3, 1, 3)
    members = {m.person.name: m for m in household.members.select_related("person")}
    assert {n: m.relation for n, m in members.items()} == {
        "黄大明": Relation.HEAD,
        "李秀英": Relation.SPOUSE,
        "黄小明": Relation.CHILD,
    }
    assert household.head.name == "黄大明"
    assert (household.town.name, household.area, household.income_per_capita) == (
        "石城镇",
        "rural",
        Decimal("150"),
    )
    spouse = members["李秀英"].person
    assert (spouse.id_number, spouse.birth_date, spouse.sex) == (SPOUSE[1], datetime.date(1972, 8, 9), "F")
    assert spouse.town.name == "石城镇"
    assert {m.joined_on for m in members.values()} == {timezone.localdate()}
    assert AuditEvent.objects.filter(action="person.create").count() == 3
    assert AuditEvent.objects.filter(action="household.create", object_id=str(household.pk)).count() == 1


def test_the_success_message_counts_the_persons(caseworker, login, shicheng_village):
    response = login(caseworker).post(
        reverse("household_create"), registration(shicheng_village), follow=True
    )
    assert "已登记黄大明户，共3人。" in response.content.decode()


def test_it_registers_a_household_of_one_in_a_natural_village(caseworker, login, shicheng_village):
    from tests.factories import natural_village

    place = natural_village(shicheng_village)
    response = login(caseworker).post(reverse("household_create"), registration(place, members=()))
    assert response.status_code == 302
    household = Household.objects.get()
    assert (household.region, household.town.name, household.members.count()) == (place, "石城镇", 1)


def bad_checksum(number):
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


FUTURE = make_id_number("445303", timezone.localdate() + datetime.timedelta(days=30), 11)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ({"head_id_number": bad_checksum(HEAD[1])}, "身份证号校验位错误"),
        ({"m-1-id_number": bad_checksum(CHILD[1])}, "身份证号校验位错误"),
        ({"m-0-id_number": "44530319720809"}, "身份证号应为18位"),
        ({"head_id_number": "REGISTERED"}, "该身份证号已登记"),
        ({"m-1-id_number": "REGISTERED"}, "第2名成员（黄小明）：该身份证号已登记"),
        ({"m-1-id_number": FUTURE}, "身份证号中的出生日期晚于今天"),
        ({"head_id_number": FUTURE}, "身份证号中的出生日期晚于今天"),
        ({"m-1-name": SPOUSE[0], "m-1-id_number": SPOUSE[1]}, "同一人不能重复添加"),
        ({"m-0-id_number": HEAD[1]}, "与户主的身份证号重复"),
        ({"region": 987654321}, "未知的村（居），请从列表中选择"),
        ({"m-2-name": "王五"}, "请填写身份证号"),
        ({"head_name": ""}, "这个字段是必填项"),
        ({"income_per_capita": "-1"}, "确保该值大于或等于0"),
        ({"head_name": "=HYPERLINK(1)"}, "姓名不能以“=”开头（电子表格会把它当作公式）"),
        ({"m-1-name": "@黄小明"}, "第2名成员（@黄小明）：姓名不能以“@”开头"),
        ({"income_per_capita": ""}, "请填写家庭月人均收入"),
        ({"m-0-relation": ""}, "请选择与户主关系"),
        ({"region": ""}, "请选择村（居）"),
    ],
    ids=[
        "head checksum",
        "member checksum",
        "member 14 digits",
        "head registered",
        "member registered",
        "member born in future",
        "head born in future",
        "same member twice",
        "member is head",
        "unknown region",
        "member without number",
        "head without name",
        "negative income",
        "head named as a formula",
        "member named as a formula",
        "no income",
        "member without relation",
        "no village",
    ],
)
def test_it_refuses_bad_input_with_a_chinese_message_and_saves_nothing(
    caseworker, login, shicheng_village, case, message
):
    registered = PersonFactory(region=shicheng_village, name="已登记人")
    data = registration(shicheng_village)
    data.update({k: registered.id_number if v == "REGISTERED" else v for k, v in case.items()})
    client = login(caseworker)
    before = counts()
    events = AuditEvent.objects.count()

    response = client.post(reverse("household_create"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before
    assert AuditEvent.objects.filter(action__in=["person.create", "household.create"]).count() == 0
    assert AuditEvent.objects.count() == events


def test_it_keeps_what_was_typed_after_an_error(caseworker, login, shicheng_village):
    data = registration(shicheng_village, **{"m-1-id_number": bad_checksum(CHILD[1])})
    html = login(caseworker).post(reverse("household_create"), data).content.decode()
    assert SPOUSE[0] in html and CHILD[0] in html


def test_the_blank_form_presets_neither_income_nor_any_relation(caseworker, login):
    context = login(caseworker).get(reverse("household_create")).context
    form, formset = context["form"], context["formset"]
    assert form["income_per_capita"].value() is None
    assert {f["relation"].value() for f in formset} == {None}
    assert formset.forms[0].fields["relation"].choices[0] == ("", "请选择")


def test_a_member_without_relation_is_marked_at_the_row(caseworker, login, shicheng_village):
    data = registration(shicheng_village, **{"m-1-relation": ""})
    response = login(caseworker).post(reverse("household_create"), data)
    formset = response.context["formset"]
    assert formset.forms[1].errors == {"relation": ["请选择与户主关系"]}
    assert formset.forms[0].errors == {}
    assert counts() == (0, 0, 0)


@pytest.fixture
def household(shicheng_village):
    return HouseholdFactory(region=shicheng_village, members=1, head__name="户主甲")


def add(client, household, **fields):
    data = {"name": "新成员", "id_number": id_number_for(501), "relation": "child", "joined_on": "2019-03-01"}
    data.update(fields)
    return client.post(reverse("household_add_member", args=[household.pk]), data, follow=True)


def test_it_adds_a_new_person_as_member_from_a_date(caseworker, login, household):
    version = household.version
    response = add(login(caseworker), household)
    assert "已添加成员新成员" in response.content.decode()
    member = household.members.get(person__name="新成员")
    assert (member.relation, member.joined_on, member.left_on) == ("child", datetime.date(2019, 3, 1), None)
    assert member.person.town.name == "石城镇"
    household.refresh_from_db()
    assert household.version == version + 1
    assert AuditEvent.objects.filter(action="household.add_member", object_id=str(household.pk)).exists()


def test_it_adds_an_already_registered_person_without_registering_again(caseworker, login, household):
    person = PersonFactory(region=household.region, name="老人丙")
    before = Person.objects.count()
    add(login(caseworker), household, name="老人丙", id_number=person.id_number, relation="parent")
    assert Person.objects.count() == before
    assert household.members.filter(person=person, relation="parent").exists()


def test_it_refuses_adding_a_current_member_of_another_household(caseworker, login, household):
    other = HouseholdFactory(region=household.region)
    before = counts()
    response = add(login(caseworker), household, name=other.head.name, id_number=other.head.id_number)
    assert "已是在册家庭成员" in response.content.decode()
    assert counts() == before


def test_it_refuses_adding_with_a_bad_number_or_date(caseworker, login, household):
    before = counts()
    client = login(caseworker)
    bad = add(client, household, id_number=bad_checksum(id_number_for(502)))
    assert "添加失败" in bad.content.decode()
    assert "身份证号校验位错误" in bad.content.decode()
    no_date = add(client, household, joined_on="")
    assert "添加失败" in no_date.content.decode()
    assert counts() == before


def test_it_refuses_adding_a_member_without_relation(caseworker, login, household):
    before = counts()
    response = add(login(caseworker), household, relation="")
    assert "添加失败：与户主关系：请选择与户主关系" in response.content.decode()
    assert counts() == before


def test_the_add_member_form_starts_with_no_relation(caseworker, login, household):
    form = login(caseworker).get(reverse("household_detail", args=[household.pk])).context["add_form"]
    assert form["relation"].value() is None
    assert form.fields["relation"].choices[0] == ("", "请选择")


def test_it_refuses_an_edit_that_empties_the_income(caseworker, login, household):
    client = login(caseworker)
    url = reverse("household_edit", args=[household.pk])
    response = client.post(url, edit_data(client.get(url), income_per_capita=""))
    assert response.context["form"].errors["income_per_capita"] == ["请填写家庭月人均收入"]
    household.refresh_from_db()
    assert household.income_per_capita == Decimal("200")


def test_the_household_form_for_a_new_household_does_not_preset_the_income(caseworker):
    from civaffairs.forms import HouseholdForm

    assert HouseholdForm(user=caseworker)["income_per_capita"].value() is None


def test_it_removes_a_member_from_a_date(caseworker, login, household):
    member = household.members.exclude(relation="head").get()
    response = login(caseworker).post(
        reverse("household_remove_member", args=[household.pk, member.pk]),
        {"left_on": "2019-06-30"},
        follow=True,
    )
    assert f"已将{member.person.name}移出家庭" in response.content.decode()
    member.refresh_from_db()
    assert member.left_on == datetime.date(2019, 6, 30)
    listed = login(caseworker).get(reverse("household_list"))
    assert [row.record.member_count for row in listed.context["table"].rows] == [1]
    assert AuditEvent.objects.filter(action="household.remove_member").exists()


def test_a_removed_member_can_join_another_household(caseworker, login, household):
    member = household.members.exclude(relation="head").get()
    client = login(caseworker)
    client.post(reverse("household_remove_member", args=[household.pk, member.pk]), {"left_on": "2019-06-30"})
    other = HouseholdFactory(region=household.region)
    add(client, other, name=member.person.name, id_number=member.person.id_number, joined_on="2019-07-01")
    assert other.members.filter(person=member.person, joined_on=datetime.date(2019, 7, 1)).exists()
    # history is kept: the old membership remains, ended
    assert household.members.filter(person=member.person, left_on=datetime.date(2019, 6, 30)).exists()


@pytest.mark.parametrize(
    ("who", "left_on", "message"),
    [
        ("member", "2018-12-31", "离开日期早于加入日期"),  # joined 2019-01-01
        ("head", "2019-06-30", "户主不能移出"),
        ("member", "", "请填写有效的离开日期"),
        ("member", "2019-02-30", "请填写有效的离开日期"),
    ],
)
def test_it_refuses_a_removal_that_makes_no_sense(caseworker, login, household, who, left_on, message):
    member = (
        household.members.get(relation="head")
        if who == "head"
        else household.members.exclude(relation="head").get()
    )
    response = login(caseworker).post(
        reverse("household_remove_member", args=[household.pk, member.pk]), {"left_on": left_on}, follow=True
    )
    assert message in response.content.decode()
    member.refresh_from_db()
    assert member.left_on is None


def test_it_refuses_removing_a_member_twice(caseworker, login, household):
    member = household.members.exclude(relation="head").get()
    client = login(caseworker)
    url = reverse("household_remove_member", args=[household.pk, member.pk])
    client.post(url, {"left_on": "2019-06-30"})
    response = client.post(url, {"left_on": "2019-07-31"}, follow=True)
    assert "该成员已离开家庭" in response.content.decode()
    member.refresh_from_db()
    assert member.left_on == datetime.date(2019, 6, 30)


def test_it_refuses_removing_a_member_of_another_household_through_this_one(caseworker, login, household):
    other = HouseholdFactory(region=household.region, members=1)
    stranger = other.members.exclude(relation="head").get()
    response = login(caseworker).post(
        reverse("household_remove_member", args=[household.pk, stranger.pk]), {"left_on": "2019-06-30"}
    )
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.left_on is None


def edit_data(response, **changes):
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: "" if v is None else v for k, v in data.items()}
    data.update(changes)
    return data


def test_the_second_of_two_concurrent_edits_gets_the_conflict_message(caseworker, login, household):
    colleague = make_user(CASEWORKER, town="石城镇", username="shicheng2")
    first, second = login(caseworker), login(colleague)
    url = reverse("household_edit", args=[household.pk])
    first_form, second_form = first.get(url), second.get(url)
    assert first_form.context["form"]["version"].value() == second_form.context["form"]["version"].value()

    saved = first.post(url, edit_data(first_form, income_per_capita="300"))
    assert saved.status_code == 302

    clash = second.post(url, edit_data(second_form, income_per_capita="500", area="urban"))
    assert clash.status_code == 200
    assert "已被他人修改" in clash.content.decode()
    household.refresh_from_db()
    assert (household.income_per_capita, household.area) == (Decimal("300"), "rural")
    assert AuditEvent.objects.filter(action="household.update").count() == 1

    # Reloading shows the first user's change; saving from there works.
    reloaded = second.get(url)
    assert reloaded.context["form"]["income_per_capita"].value() == Decimal("300.00")
    assert second.post(url, edit_data(reloaded, area="urban")).status_code == 302
    household.refresh_from_db()
    assert (household.income_per_capita, household.area) == (Decimal("300"), "urban")


def test_adding_a_member_meanwhile_also_makes_an_open_edit_conflict(caseworker, login, household):
    client = login(caseworker)
    url = reverse("household_edit", args=[household.pk])
    form = client.get(url)
    add(client, household)
    clash = client.post(url, edit_data(form, income_per_capita="999"))
    assert "已被他人修改" in clash.content.decode()


def test_the_second_of_two_concurrent_person_edits_gets_the_conflict_message(caseworker, login, household):
    person = household.head
    url = reverse("person_edit", args=[person.pk])
    first, second = login(caseworker), login(make_user(CASEWORKER, town="石城镇"))
    first_form, second_form = first.get(url), second.get(url)
    assert first.post(url, edit_data(first_form, phone="13800000001")).status_code == 302
    clash = second.post(url, edit_data(second_form, phone="13900000002"))
    assert "已被他人修改" in clash.content.decode()
    person.refresh_from_db()
    assert person.phone == "13800000001"

"""Person names: letters of any script, 间隔号 and spaces; never a formula, never control characters.
Checked by the service behind every form (create, edit, register a household, add a member)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civaffairs import services
from civaffairs.idnumber import make_id_number
from civaffairs.models import AuditEvent, Person
from civaffairs.validators import validate_person_name

HYPERLINK = '=HYPERLINK("http://x","y")'
NUMBER = make_id_number("445303", datetime.date(1970, 5, 1), 11)


@pytest.mark.parametrize(
    "name",
    [
        "黄大明",
        "欧阳娜娜",
        "阿依古丽·买买提",  # U+00B7, the 间隔号 of GB/T 15834
        "阿依古丽・买买提",  # U+30FB, what some input methods type for it
        "𠮷野家",  # CJK Extension B
        "John Smith",
        "José Núñez",
        "Jose\u0301",  # a decomposed accent
        "金　秀贤",  # an ideographic space
        "  黄大明  ",  # surrounding spaces are stripped by the forms and the service
    ],
)
def test_real_names_pass(name):
    validate_person_name(name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (HYPERLINK, "姓名不能以“=”开头（电子表格会把它当作公式）"),
        ("+黄大明", "姓名不能以“+”开头"),
        ("-黄大明", "姓名不能以“-”开头"),
        ("@黄大明", "姓名不能以“@”开头"),
        (" =黄大明", "姓名不能以“=”开头"),
        ("\t=黄大明", "控制字符"),
        ("\r=黄大明", "控制字符"),
        ("黄\n大明", "控制字符"),
        ("黄大明\x00", "控制字符"),
        ("黄\u202e大明", "控制字符"),  # right-to-left override: a name that displays reversed
        ("黄大明2", "姓名不能包含数字“2”"),
        ("阿依古丽.买买提", "间隔号请使用“·”"),
        ("阿依古丽•买买提", "间隔号请使用“·”"),
        ("黄大明（小）", "姓名只能由汉字、字母、间隔号“·”和空格组成，不能含有“（”"),
        ("黄=大明", "不能含有“=”"),
        ("黄\u00a0大明", "请使用普通空格"),
        ("··", "姓名须含有汉字或字母"),
        ("", "请填写姓名"),
        ("   ", "请填写姓名"),
        (None, "请填写姓名"),
    ],
)
def test_names_that_are_not_names_are_refused_in_chinese(name, message):
    with pytest.raises(ValidationError) as info:
        validate_person_name(name)
    assert message in info.value.messages[0]


def test_the_service_refuses_a_formula_as_a_name(caseworker, shicheng_village):
    with pytest.raises(ValidationError) as info:
        services.create_person(actor=caseworker, name=HYPERLINK, id_number=NUMBER, region=shicheng_village)
    assert info.value.message_dict["name"] == ["姓名不能以“=”开头（电子表格会把它当作公式）"]
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action="person.create").exists()


def test_an_edit_cannot_make_a_name_a_formula(caseworker, shicheng_village):
    person = services.create_person(
        actor=caseworker, name="阿依古丽·买买提", id_number=NUMBER, region=shicheng_village
    )
    with pytest.raises(ValidationError) as info:
        services.update_person(actor=caseworker, person=person, expected_version=person.version, name="@x")
    assert "姓名不能以“@”开头" in info.value.message_dict["name"][0]
    person.refresh_from_db()
    assert person.name == "阿依古丽·买买提"


def test_a_households_member_named_as_a_formula_is_refused_with_the_row(caseworker, shicheng_village):
    spouse = make_id_number("445323", datetime.date(1972, 8, 9), 22)
    with pytest.raises(ValidationError) as info:
        services.register_household(
            actor=caseworker,
            region=shicheng_village,
            area="rural",
            income_per_capita=150,
            head={"name": "黄大明", "id_number": NUMBER},
            members=[{"name": "-李秀英", "id_number": spouse, "relation": "spouse"}],
        )
    assert info.value.message_dict["members"] == [
        "第1名成员（-李秀英）：姓名不能以“-”开头（电子表格会把它当作公式）"
    ]
    assert not Person.objects.exists()


def test_the_person_form_shows_the_name_error(caseworker, login, shicheng_village):
    response = login(caseworker).post(
        reverse("person_create"), {"name": HYPERLINK, "id_number": NUMBER, "region": shicheng_village.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["姓名不能以“=”开头（电子表格会把它当作公式）"]
    assert not Person.objects.exists()

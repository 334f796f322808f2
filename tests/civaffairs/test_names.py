"""People on screen by name, family name first (陈志明), not by username; the demo's users have
names."""

import pytest
from django.contrib.auth.models import User
from django.template import Context, Template

from civaffairs import demo
from civaffairs.names import person_name


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"last_name": "陈", "first_name": "志明"}, "陈志明"),
        ({"last_name": "欧阳", "first_name": "娜娜"}, "欧阳娜娜"),
        ({"first_name": "社会救助股股长"}, "社会救助股股长"),
        ({"last_name": "陈"}, "陈"),
        ({"first_name": "Anna", "last_name": "Schmidt"}, "Anna Schmidt"),
        ({}, "shicheng"),
        ({"first_name": "  ", "last_name": ""}, "shicheng"),
    ],
)
def test_a_user_is_named_family_name_first_or_by_username(fields, shown):
    assert person_name(User(username="shicheng", **fields)) == shown


def test_nobody_is_an_empty_name_for_a_default():
    assert person_name(None) == ""
    assert Template('{% load display %}{{ u|person_name|default:"—" }}').render(Context({"u": None})) == "—"


def test_the_demo_users_have_chinese_names(db):
    demo.ensure_reference_data()
    demo.load_users()
    names = {u.username: person_name(u) for u in User.objects.all()}
    assert names["shicheng"] == "李明"
    assert names["chief_assist"] == "张强"
    for username, name in names.items():
        assert name != username
        assert "\u4e00" <= name[0] <= "\u9fff", name


def test_the_page_header_names_the_user(login, db):
    from civaffairs.roles import CASEWORKER
    from tests.factories import make_user

    user = make_user(CASEWORKER, town="石城镇", username="shicheng", last_name="陈", first_name="志明")
    page = login(user).get("/").content.decode()
    assert "陈志明（经办人 · 石城镇）" in page
    assert "志明 陈" not in page

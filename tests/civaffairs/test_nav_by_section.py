"""Menus follow scope: a section that sees no social-assistance records is offered none of its
screens (they would answer 404 or show zeros), and no account approvals if it pays no one."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def nav(client):
    html = client.get(reverse("home")).content.decode()
    return html[html.index("<nav>") : html.index("</nav>")]


def test_the_welfare_chief_is_offered_the_welfare_screens_only(welfare_chief, login):
    menu = nav(login(welfare_chief))
    assert reverse("assistance:case_list") not in menu and reverse("assistance:payroll_list") not in menu
    assert reverse("person_list") in menu  # the persons its own records concern
    assert reverse("account_changes") not in menu
    assert "福利机构" in menu


def test_the_assistance_chief_keeps_assistance_and_account_approvals(chief, login):
    menu = nav(login(chief))
    assert reverse("assistance:case_list") in menu and reverse("account_changes") in menu


def test_the_director_sees_every_section(director, login):
    menu = nav(login(director))
    assert reverse("assistance:case_list") in menu and "福利机构" in menu and "基层政权" in menu

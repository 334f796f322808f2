"""What a new user met in Chromium on the welfare screens: a form's error shown above its field,
where it read as the previous field's (登记合格 seemed required when 户籍所在镇 was missing), and
nothing typed lost on bad input. The worlds are built through welfare's services."""

import pytest
from playwright.sync_api import expect

from civaffairs.models import Section
from civaffairs.roles import CASEWORKER
from tests.browser import chromium_page
from tests.factories import TEST_PASSWORD, make_user, town
from welfare.models import MarriageRegistration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_contain_text("工作台")


def error_under(page, field_id):
    """The error list that follows the paragraph of the field, or None."""
    return page.locator(f"p:has(#{field_id}) + ul.errorlist")


def test_a_marriage_form_error_sits_under_its_own_field_and_nothing_typed_is_lost(live_server):
    make_user(CASEWORKER, section=Section.WELFARE, username="fuli")
    town("石城镇")
    with chromium_page() as page:
        log_in(page, live_server, "fuli")
        page.goto(live_server.url + "/welfare/marriages/new/")
        page.fill("#id_date", "2019-06-10")
        page.fill("#id_party_a_name", "陈大文")
        page.fill("#id_party_a_id", "445303199001011234")  # wrong check digit
        page.fill("#id_party_b_name", "李小红")
        page.fill("#id_party_b_id", "44530319920101123")  # 17 digits
        page.fill("#id_certificate_no", "J445303-2019-009999")
        page.locator("main").get_by_role("button", name="保存").click()

        expect(error_under(page, "id_town")).to_have_text("请选择户籍所在镇")
        expect(page.locator("p:has(#id_town)")).to_have_class("field invalid")
        expect(error_under(page, "id_qualified")).to_have_count(0)  # the field before it is fine
        expect(page.locator("#id_party_a_name")).to_have_value("陈大文")

        page.select_option("#id_town", label="石城镇")
        page.locator("main").get_by_role("button", name="保存").click()
        expect(error_under(page, "id_party_a_id")).to_contain_text("校验位")
        expect(error_under(page, "id_party_b_id")).to_contain_text("18位")
        expect(error_under(page, "id_town")).to_have_count(0)
        expect(page.locator("#id_certificate_no")).to_have_value("J445303-2019-009999")
    assert not MarriageRegistration.objects.exists()

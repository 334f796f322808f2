"""The director's part of issue 12 in real Chromium, under the Content-Security-Policy: approve an
access request the admin asked for, read a person masked and reveal the number once (the reveal's
script is a static file, so the policy lets it run); the new caseworker, whose password the admin
set, must change it before anything else."""

import datetime

import pytest
from playwright.sync_api import expect

from civaffairs import accounts
from civaffairs.idnumber import make_id_number
from civaffairs.models import AuditEvent
from civaffairs.roles import ADMIN, CASEWORKER, DIRECTOR, role_of
from tests.browser import chromium_page
from tests.factories import TEST_PASSWORD, PersonFactory, make_user, town, village

NUMBER = make_id_number("445303", datetime.date(1958, 4, 2), 17)


def log_in(page, url, username, password=TEST_PASSWORD):
    page.goto(url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录", exact=True).click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_director_approves_access_and_reveals_one_number(live_server):
    make_user(DIRECTOR, username="director")
    admin = make_user(ADMIN, username="sysadmin")
    newcomer = make_user(ADMIN, username="xinren", first_name="新人")
    newcomer.groups.clear()
    accounts.require_password_change(newcomer)
    accounts.request_access(
        actor=admin, user=newcomer, role=CASEWORKER, town=town("石城镇"), reason="石城镇新任经办人"
    )
    person = PersonFactory(name="罗桂英", id_number=NUMBER, region=village("石城镇"))
    errors = []

    with chromium_page() as page:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        log_in(page, live_server.url, "director")
        page.get_by_role("link", name="账号授权").click()
        expect(page.locator("h1")).to_have_text("账号授权审批")
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="批准").click()
        expect(page.locator("ul.messages")).to_contain_text("已批准")

        page.goto(f"{live_server.url}/persons/{person.pk}/")
        masked = page.locator(f"#id-{person.pk}")
        expect(masked).to_have_text(person.masked_id)
        page.get_by_role("button", name="查看完整").click()
        expect(masked).to_have_text(NUMBER)
        page.get_by_role("button", name="退出").click()

        log_in(page, live_server.url, "xinren")
        page.goto(live_server.url + "/persons/")
        expect(page.locator("h1")).to_contain_text("密码")
        page.fill("#id_old_password", TEST_PASSWORD)
        page.fill("#id_new_password1", "Mine#2019xyz")
        page.fill("#id_new_password2", "Mine#2019xyz")
        page.locator("form button[type=submit]").last.click()
        page.goto(live_server.url + "/persons/")
        expect(page.locator("h1")).to_have_text("人员查询")

    assert not [e for e in errors if "Content Security Policy" in e]
    assert AuditEvent.objects.filter(action="person.reveal_id").count() == 1
    assert role_of(type(newcomer).objects.get(pk=newcomer.pk)) == CASEWORKER
    assert AuditEvent.objects.filter(action="account.password_change").count() == 1

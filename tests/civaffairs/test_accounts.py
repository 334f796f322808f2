"""Granting access and accounts (issue 12): roles that read beneficiary data come from a request
the director approves; passwords set by an admin are changed at the next login; password changes
are audited and wrong old passwords count toward the lockout; password rules in Chinese; the
client's address behind trusted proxies only."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from civaffairs import accounts, selectors
from civaffairs.models import AccessGrant, ApprovalStatus, AuditEvent, Section, UserScope
from civaffairs.roles import ADMIN, CASEWORKER, DIRECTOR, role_of
from tests.factories import TEST_PASSWORD, HouseholdFactory, make_user

GRANTS = "/admin/civaffairs/accessgrant/"


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def newcomer(db):
    return User.objects.create_user(username="xinren", password=TEST_PASSWORD, first_name="新人")


def test_the_admin_alone_cannot_give_an_account_the_directors_role(
    sysadmin, login, newcomer, shicheng_village
):
    HouseholdFactory(region=shicheng_village, members=1)
    response = login(sysadmin).post(
        f"{GRANTS}add/",
        {"user": newcomer.pk, "role": DIRECTOR, "town": "", "section": "", "reason": "新任局长"},
    )
    assert response.status_code == 302
    grant = AccessGrant.objects.get()
    assert (grant.status, grant.requested_by) == (ApprovalStatus.PENDING, sysadmin)
    newcomer = User.objects.get(pk=newcomer.pk)
    assert role_of(newcomer) is None
    assert not selectors.persons_for(newcomer).exists()
    assert login(newcomer).get(reverse("person_list")).status_code == 403
    assert [e.changes["role"] for e in events("account.grant_request")] == [DIRECTOR]


def test_the_director_approves_and_only_then_the_role_applies(sysadmin, director, login, newcomer, shicheng):
    grant = accounts.request_access(
        actor=sysadmin, user=newcomer, role=CASEWORKER, town=shicheng, reason="石城镇新任经办人"
    )
    assert role_of(newcomer) is None
    response = login(director).post(reverse("access_grant_decide", args=[grant.pk]), {"decision": "approve"})
    assert response.status_code == 302
    newcomer = User.objects.get(pk=newcomer.pk)
    assert role_of(newcomer) == CASEWORKER
    assert newcomer.scope.town == shicheng
    [event] = events("account.grant_approve")
    assert event.actor == director


def test_the_directors_page_lists_the_pending_request(sysadmin, director, login, newcomer, shicheng):
    accounts.request_access(actor=sysadmin, user=newcomer, role=CASEWORKER, town=shicheng, reason="新任")
    html = login(director).get(reverse("access_grants")).content.decode()
    assert "新人" in html and "批准" in html


def test_a_rejection_needs_a_comment_and_gives_nothing(sysadmin, director, newcomer, shicheng):
    grant = accounts.request_access(
        actor=sysadmin, user=newcomer, role=CASEWORKER, town=shicheng, reason="新任"
    )
    with pytest.raises(ValidationError):
        accounts.decide_access(actor=director, grant=grant, approve=False)
    accounts.decide_access(actor=director, grant=grant, approve=False, comment="未见任命文件")
    assert role_of(User.objects.get(pk=newcomer.pk)) is None


def test_nobody_else_approves_and_nobody_approves_for_themselves(
    sysadmin, auditor, chief, director, shicheng
):
    grant = accounts.request_access(actor=sysadmin, user=director, role=DIRECTOR, reason="续任")
    for actor in (sysadmin, auditor, chief, director):
        with pytest.raises(PermissionDenied):
            accounts.decide_access(actor=actor, grant=grant, approve=True)
    assert AccessGrant.objects.get().status == ApprovalStatus.PENDING


def test_changing_a_town_waits_and_the_old_role_is_suspended_meanwhile(sysadmin, caseworker, liudu):
    accounts.request_access(actor=sysadmin, user=caseworker, role=CASEWORKER, town=liudu, reason="调六都镇")
    caseworker = User.objects.get(pk=caseworker.pk)
    assert role_of(caseworker) is None
    assert caseworker.scope.town.name == "石城镇"
    assert events("account.grant_suspend")


def test_a_role_without_beneficiary_data_applies_at_once(admin_user, newcomer):
    accounts.request_access(actor=admin_user, user=newcomer, role=ADMIN, reason="信息中心")
    assert role_of(User.objects.get(pk=newcomer.pk)) == ADMIN
    assert AccessGrant.objects.get().status == ApprovalStatus.APPROVED


def test_a_chief_needs_a_section_and_a_caseworker_a_scope(sysadmin, newcomer):
    with pytest.raises(ValidationError):
        accounts.request_access(actor=sysadmin, user=newcomer, role="股长", reason="x")
    with pytest.raises(ValidationError):
        accounts.request_access(actor=sysadmin, user=newcomer, role=CASEWORKER, reason="x")
    accounts.request_access(actor=sysadmin, user=newcomer, role="股长", section=Section.WELFARE, reason="x")


def test_the_admin_cannot_edit_a_scope_or_post_groups(sysadmin, login, newcomer):
    from django.contrib.auth.models import Group

    client = login(sysadmin)
    assert client.get("/admin/civaffairs/userscope/add/").status_code == 403
    data = {"username": newcomer.username, "is_active": "on", "groups": [Group.objects.get(name=DIRECTOR).pk]}
    client.post(f"/admin/auth/user/{newcomer.pk}/change/", data)
    assert not User.objects.get(pk=newcomer.pk).groups.exists()
    assert not UserScope.objects.filter(user=newcomer).exists()


# --- passwords set by the admin --------------------------------------------------------------


def test_an_admins_reset_is_audited_and_forces_a_change_at_next_login(sysadmin, caseworker, login, client):
    new = "Reset#2019abc"
    response = login(sysadmin).post(
        f"/admin/auth/user/{caseworker.pk}/password/", {"password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert events("account.password")
    assert client.post(reverse("login"), {"username": "shicheng", "password": new}).status_code == 302
    response = client.get(reverse("person_list"))
    assert response.status_code == 302 and response.url == reverse("password_change")
    changed = client.post(
        reverse("password_change"),
        {"old_password": new, "new_password1": "Mine#2019xyz", "new_password2": "Mine#2019xyz"},
    )
    assert changed.status_code == 302
    assert client.get(reverse("person_list")).status_code == 200
    [event] = events("account.password_change")
    assert event.actor == caseworker


def test_an_account_the_admin_creates_changes_its_password_first(sysadmin, login):
    response = login(sysadmin).post(
        "/admin/auth/user/add/",
        {
            "username": "xinzeng",
            "password1": "Start#2019abc",
            "password2": "Start#2019abc",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert accounts.must_change_password(User.objects.get(username="xinzeng"))


# --- password changes ------------------------------------------------------------------------


def test_a_password_change_is_audited_without_the_password(caseworker, login):
    client = login(caseworker)
    client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "Other#2019xyz", "new_password2": "Other#2019xyz"},
    )
    [event] = events("account.password_change")
    assert "Other#2019xyz" not in str(event.changes)


def test_wrong_old_passwords_count_toward_the_lockout(caseworker, login, client):
    session = login(caseworker)
    for _ in range(5):
        session.post(
            reverse("password_change"),
            {"old_password": "guess-it", "new_password1": "Other#2019xyz", "new_password2": "Other#2019xyz"},
        )
    # The fifth wrong guess ended the session, and the account is locked from this address.
    assert SESSION_KEY not in session.session
    response = client.post(reverse("login"), {"username": "shicheng", "password": TEST_PASSWORD})
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab#1", "密码太短，至少需要 8 个字符。"),
        ("Shicheng#2019", "过于相似"),
        ("Password1!", "太常见"),
    ],
)
def test_password_rules_speak_chinese(caseworker, password, message):
    from django.contrib.auth.password_validation import validate_password

    with pytest.raises(ValidationError) as caught:
        validate_password(password, caseworker)
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert all(any("\u4e00" <= c <= "\u9fff" for c in m) for m in caught.value.messages)


def test_none_of_the_last_five_passwords_again(caseworker):
    from django.contrib.auth.password_validation import validate_password

    used = [f"Round#{i}2019xyz" for i in range(6)]
    for password in used:
        validate_password(password, caseworker)
        caseworker.set_password(password)
        caseworker.save()
    for password in used[1:]:
        with pytest.raises(ValidationError) as caught:
            validate_password(password, caseworker)
        assert "最近 5 次" in caught.value.messages[0]
    validate_password(used[0], caseworker)  # the sixth back is allowed again


# --- the client's address ----------------------------------------------------------------------


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(client, caseworker, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client.post(
        reverse("login"),
        {"username": "shicheng", "password": "wrong"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    client.post(
        reverse("login"),
        {"username": "shicheng", "password": "wrong"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    assert [e.address for e in events("login_failed")] == ["198.51.100.23", "203.0.113.9"]
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.23", "203.0.113.9"}


def test_without_trusted_proxies_the_header_is_ignored(client, caseworker, settings):
    settings.TRUSTED_PROXIES = []
    client.post(
        reverse("login"),
        {"username": "shicheng", "password": "wrong"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    assert [e.address for e in events("login_failed")] == ["10.0.0.5"]


def test_a_client_behind_the_proxy_is_locked_out_alone(client, caseworker, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": "shicheng", "password": "wrong"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="198.51.100.23",
        )
    other = client.post(
        reverse("login"),
        {"username": "shicheng", "password": TEST_PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.24",
    )
    assert other.status_code == 302


def test_make_user_still_works_for_other_tests(db):
    assert role_of(make_user(CASEWORKER, town="石城镇")) == CASEWORKER

"""The admin site for the 系统管理员 role: it manages accounts but cannot make itself or anyone a
superuser, cannot touch its own account, and every account change is in the audit log."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from civaffairs import audit, roles
from civaffairs.models import AuditEvent, UserScope
from tests.factories import make_user, town

USERS = "/admin/auth/user/"
SCOPES = "/admin/civaffairs/userscope/"


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def change_data(user, **overrides):
    """The POST of the user change form, as the page would send it (False ticks left out)."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": [g.pk for g in user.groups.all()],
    }
    data.update(overrides)
    return {k: ("on" if v is True else v) for k, v in data.items() if v is not False}


def test_the_sysadmin_form_offers_no_superuser_flag_or_permissions(sysadmin, caseworker, login):
    response = login(sysadmin).get(f"{USERS}{caseworker.pk}/change/")
    assert response.status_code == 200
    fields = response.context["adminform"].form.fields
    assert "is_staff" in fields
    assert "is_superuser" not in fields
    assert "user_permissions" not in fields
    # Roles come from access requests the director approves (tests/civaffairs/test_accounts.py).
    assert "groups" not in fields


def test_a_superuser_still_sees_them(admin_client, caseworker):
    fields = admin_client.get(f"{USERS}{caseworker.pk}/change/").context["adminform"].form.fields
    assert {"is_superuser", "user_permissions"} <= set(fields)


def test_posting_the_superuser_flag_or_permissions_grants_nothing(sysadmin, caseworker, login):
    anything = Permission.objects.get(codename="delete_user")
    response = login(sysadmin).post(
        f"{USERS}{caseworker.pk}/change/",
        change_data(caseworker, is_superuser=True, user_permissions=[anything.pk]),
    )
    assert response.status_code == 302
    caseworker.refresh_from_db()
    assert not caseworker.is_superuser
    assert not caseworker.user_permissions.exists()


def test_the_sysadmin_cannot_change_its_own_account(sysadmin, login):
    client = login(sysadmin)
    director_group = Group.objects.get(name=roles.DIRECTOR)
    groups = [g.pk for g in sysadmin.groups.all()] + [director_group.pk]
    response = client.post(
        f"{USERS}{sysadmin.pk}/change/", change_data(sysadmin, groups=groups, is_superuser=True)
    )
    assert response.status_code == 403
    sysadmin.refresh_from_db()
    assert not sysadmin.is_superuser
    assert set(sysadmin.groups.values_list("name", flat=True)) == {roles.ADMIN}
    # Its own password it changes on the ordinary page, which asks for the old one.
    assert client.get(f"{USERS}{sysadmin.pk}/password/").status_code == 403
    # It may still look at it.
    assert client.get(f"{USERS}{sysadmin.pk}/change/").status_code == 200


def test_the_sysadmin_cannot_change_a_superuser_or_reset_its_password(sysadmin, admin_user, login):
    client = login(sysadmin)
    response = client.post(f"{USERS}{admin_user.pk}/change/", change_data(admin_user, is_active=False))
    assert response.status_code == 403
    response = client.post(
        f"{USERS}{admin_user.pk}/password/",
        {"password1": "Takeover@2019x", "password2": "Takeover@2019x", "usable_password": "true"},
    )
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert not admin_user.check_password("Takeover@2019x")
    assert events("account.password") == []


def test_changing_an_account_is_audited_and_a_posted_role_is_ignored(sysadmin, caseworker, login):
    chief_group = Group.objects.get(name=roles.CHIEF)
    response = login(sysadmin).post(
        f"{USERS}{caseworker.pk}/change/",
        change_data(caseworker, first_name="李明", is_active=False, groups=[chief_group.pk]),
    )
    assert response.status_code == 302
    [event] = events("account.change")
    assert (event.actor, event.object_type, event.object_id) == (sysadmin, "auth.User", str(caseworker.pk))
    assert event.changes == {"first_name": ["", "李明"], "is_active": [True, False]}
    assert list(caseworker.groups.values_list("name", flat=True)) == [roles.CASEWORKER]


def test_a_superusers_change_of_groups_is_audited_before_and_after(admin_client, admin_user, caseworker):
    chief_group = Group.objects.get(name=roles.CHIEF)
    response = admin_client.post(
        f"{USERS}{caseworker.pk}/change/", change_data(caseworker, groups=[chief_group.pk])
    )
    assert response.status_code == 302
    [event] = events("account.change")
    assert event.changes == {"groups": [roles.CASEWORKER, roles.CHIEF]}


def test_saving_an_account_unchanged_writes_no_event(sysadmin, caseworker, login):
    response = login(sysadmin).post(f"{USERS}{caseworker.pk}/change/", change_data(caseworker))
    assert response.status_code == 302
    assert events("account.change") == []


def test_adding_an_account_is_audited_without_the_password(sysadmin, login):
    response = login(sysadmin).post(
        f"{USERS}add/",
        {
            "username": "newclerk",
            "usable_password": "true",
            "password1": "Clerk@2019x",
            "password2": "Clerk@2019x",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newclerk")
    assert not user.is_superuser
    [event] = events("account.create")
    assert (event.actor, event.object_id) == (sysadmin, str(user.pk))
    assert event.changes == {"username": "newclerk"}
    assert "Clerk@2019x" not in str(event.changes)


def test_resetting_a_password_is_audited(sysadmin, caseworker, login):
    response = login(sysadmin).post(
        f"{USERS}{caseworker.pk}/password/",
        {"password1": "Reset@2019xy", "password2": "Reset@2019xy", "usable_password": "true"},
    )
    assert response.status_code == 302
    caseworker.refresh_from_db()
    assert caseworker.check_password("Reset@2019xy")
    [event] = events("account.password")
    assert (event.actor, event.object_id, event.changes) == (
        sysadmin,
        str(caseworker.pk),
        {"password": "已重置"},
    )


def test_a_refused_password_reset_writes_no_event(sysadmin, caseworker, login):
    response = login(sysadmin).post(
        f"{USERS}{caseworker.pk}/password/",
        {"password1": "Reset@2019xy", "password2": "different", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert events("account.password") == []


def test_the_sysadmin_cannot_edit_a_scope_directly(sysadmin, caseworker, login):
    """A change of town or section is an access request the director approves."""
    scope = caseworker.scope
    liudu = town("六都镇")
    response = login(sysadmin).post(
        f"{SCOPES}{scope.pk}/change/", {"user": caseworker.pk, "town": liudu.pk, "section": ""}
    )
    assert response.status_code == 403
    assert UserScope.objects.get(pk=scope.pk).town.name == "石城镇"
    assert events("account.scope") == []


def test_a_superusers_change_of_scope_is_audited(admin_client, admin_user, caseworker):
    scope = caseworker.scope
    liudu = town("六都镇")
    response = admin_client.post(
        f"{SCOPES}{scope.pk}/change/", {"user": caseworker.pk, "town": liudu.pk, "section": ""}
    )
    assert response.status_code == 302
    [event] = events("account.scope")
    assert (event.actor, event.object_type) == (admin_user, "civaffairs.UserScope")
    assert event.changes == {"town": ["石城镇", "六都镇"]}


def test_the_sysadmin_cannot_change_its_own_scope(sysadmin, login):
    scope = sysadmin.scope
    response = login(sysadmin).post(
        f"{SCOPES}{scope.pk}/change/", {"user": sysadmin.pk, "town": town("石城镇").pk, "section": ""}
    )
    assert response.status_code == 403
    assert UserScope.objects.get(pk=scope.pk).town is None
    assert events("account.scope") == []


# --- deleting accounts ---------------------------------------------------------------------------


def test_an_account_that_has_acted_cannot_be_deleted_and_the_page_says_so(admin_client, caseworker):
    audit.record(caseworker, "login", caseworker)
    page = admin_client.get(f"{USERS}{caseworker.pk}/delete/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "审计日志" in text
    assert "停用账号" in text
    response = admin_client.post(f"{USERS}{caseworker.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    assert User.objects.filter(pk=caseworker.pk).exists()
    assert events("account.delete") == []


def test_the_bulk_delete_action_refuses_it_too(admin_client, caseworker):
    audit.record(caseworker, "login", caseworker)
    response = admin_client.post(
        USERS, {"action": "delete_selected", "_selected_action": [caseworker.pk], "post": "yes"}
    )
    assert response.status_code == 200
    assert User.objects.filter(pk=caseworker.pk).exists()


def test_an_account_that_never_acted_can_be_deleted_and_that_is_audited(admin_client, admin_user):
    idle = make_user(roles.CASEWORKER, town="石城镇", username="idle")
    response = admin_client.post(f"{USERS}{idle.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(username="idle").exists()
    [event] = events("account.delete")
    assert (event.actor, event.object_repr, event.object_id) == (admin_user, "idle", str(idle.pk))


def test_the_sysadmin_may_not_delete_accounts(sysadmin, caseworker, login):
    assert login(sysadmin).post(f"{USERS}{caseworker.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=caseworker.pk).exists()


# --- unlocking accounts locked by django-axes ---------------------------------------------------


@pytest.fixture
def locked(caseworker):
    return AccessAttempt.objects.create(
        username=caseworker.username,
        ip_address="10.0.0.1",
        user_agent="test",
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=5,
    )


def test_the_sysadmin_role_may_view_and_delete_access_attempts(sysadmin):
    roles.apply_role_permissions()
    sysadmin = User.objects.get(pk=sysadmin.pk)  # no cached permissions
    assert sysadmin.has_perm("axes.view_accessattempt")
    assert sysadmin.has_perm("axes.delete_accessattempt")
    assert not sysadmin.has_perm("axes.change_accessattempt")


def test_the_sysadmin_unlocks_an_account_by_deleting_its_attempts_and_that_is_audited(
    sysadmin, caseworker, locked, login
):
    roles.apply_role_permissions()
    client = login(sysadmin)
    base = "/admin/axes/accessattempt/"
    assert "shicheng" in client.get(base).content.decode()
    response = client.post(f"{base}{locked.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    [event] = events("account.unlock")
    assert (event.actor, event.object_type, event.object_id) == (sysadmin, "auth.User", str(caseworker.pk))
    assert event.changes == {"username": "shicheng", "failures": 5}


def test_a_locked_out_user_is_told_where_the_unlock_is(client, caseworker):
    for _ in range(5):
        client.post(reverse("login"), {"username": "shicheng", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "shicheng", "password": "wrong-password"})
    assert response.status_code == 429
    assert "系统管理" in response.content.decode()


def test_role_permissions_skip_apps_not_migrated_yet(db):
    """Migration 0002 runs before django-axes' migrations on a fresh database."""
    state = MigrationExecutor(connection).loader.project_state(("civaffairs", "0002_roles_and_towns"))
    assert "axes" not in state.apps.app_configs
    ContentType.objects.filter(app_label="axes").delete()  # as before axes' migrations
    try:
        skipped = roles.apply_role_permissions(state.apps)
        # axes' (not migrated yet), and those of models declared by later migrations.
        assert {"axes.view_accessattempt", "axes.delete_accessattempt"} <= set(skipped)
        assert all(p.startswith(("axes.", "civaffairs.")) for p in skipped)
        admin_perms = Group.objects.get(name=roles.ADMIN).permissions
        assert admin_perms.filter(codename="change_user").exists()
        assert not admin_perms.filter(content_type__app_label="axes").exists()
    finally:
        ContentType.objects.clear_cache()


def test_a_misspelt_permission_still_fails(db, monkeypatch):
    monkeypatch.setitem(roles.PERMISSIONS, roles.ADMIN, ["auth.change_usr"])
    with pytest.raises(Permission.DoesNotExist):
        roles.apply_role_permissions()

"""An audit log that cannot be altered unseen (issue 12): the database refuses UPDATE and DELETE on
SQLite as on PostgreSQL, whatever the path; every event is chained to the one before by a hash,
and `manage.py verify_audit` names the first event altered or removed; `load_demo --reset`
refuses to empty a database holding anything but demo data."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, models, transaction

from civaffairs import audit
from civaffairs.auditdb import maintenance, triggers_present
from civaffairs.models import AuditEvent
from tests.factories import make_user


@pytest.fixture
def log(db):
    user = make_user("经办人", town="石城镇", username="shicheng")
    with transaction.atomic():
        for i in range(5):
            audit.record(user, "login", user, {"n": i, "名": "张三"})
    return list(AuditEvent.objects.order_by("id"))


def refused(operation):
    with pytest.raises((DatabaseError, PermissionError)), transaction.atomic():
        operation()


def test_the_triggers_are_there(log):
    assert triggers_present(connection)


def test_the_base_manager_cannot_update(log):
    refused(lambda: AuditEvent._base_manager.filter(pk=log[0].pk).update(action="logout"))
    assert AuditEvent.objects.get(pk=log[0].pk).action == "login"


def test_a_plain_queryset_cannot_delete(log):
    refused(lambda: models.QuerySet(AuditEvent).filter(pk=log[0].pk).delete())
    assert AuditEvent.objects.count() == 5


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE civaffairs_auditevent SET action = 'logout'",
        "DELETE FROM civaffairs_auditevent",
    ],
)
def test_raw_sql_cannot_change_the_log(log, sql):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql)

    refused(run)
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == ["login"] * 5


def test_the_chain_verifies(log):
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "共 5 条记录" in out.getvalue()
    for before, after in zip(log, log[1:], strict=False):
        assert after.prev_hash == before.hash


def behind_the_back(sql, params=()):
    """What someone with the database file (or the table's owner) could do: drop the trigger,
    change the row, put the trigger back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the events' deferred foreign-key checks first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER civaffairs_audit_no_update")
            cursor.execute("DROP TRIGGER civaffairs_audit_no_delete")
        else:
            cursor.execute("ALTER TABLE civaffairs_auditevent DISABLE TRIGGER civaffairs_audit_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "sqlite":
            from civaffairs.auditdb import install_triggers

            install_triggers(connection)
        else:
            cursor.execute("ALTER TABLE civaffairs_auditevent ENABLE TRIGGER civaffairs_audit_append_only")


def test_a_changed_row_is_named(log):
    behind_the_back("UPDATE civaffairs_auditevent SET actor_name = 'someone' WHERE id = %s", [log[2].pk])
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", stdout=io.StringIO())
    assert f"第 {log[2].pk} 号记录" in str(caught.value)
    assert "内容已被改动" in str(caught.value)


def test_a_changed_row_with_its_hash_recomputed_is_named_by_the_next(log):
    forged = AuditEvent.objects.get(pk=log[1].pk)
    forged.actor_name = "someone"
    new_hash = audit.event_hash(forged, forged.prev_hash)
    behind_the_back(
        "UPDATE civaffairs_auditevent SET actor_name = 'someone', hash = %s WHERE id = %s",
        [new_hash, log[1].pk],
    )
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", stdout=io.StringIO())
    assert f"第 {log[2].pk} 号记录" in str(caught.value)


def test_a_removed_row_is_named(log):
    behind_the_back("DELETE FROM civaffairs_auditevent WHERE id = %s", [log[3].pk])
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", stdout=io.StringIO())
    assert f"第 {log[4].pk} 号记录" in str(caught.value)
    assert "已被删除" in str(caught.value)


def test_flush_still_empties_a_test_database(log):
    """Tests and `load_demo --reset` flush: PostgreSQL truncates (no row trigger fires), SQLite
    deletes row by row, let through only inside maintenance()."""
    with maintenance(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM civaffairs_auditevent")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE civaffairs_auditevent")
    assert AuditEvent.objects.count() == 0


def test_load_demo_reset_refuses_a_database_with_real_accounts(db):
    make_user("经办人", town="石城镇", username="wangfang")
    with pytest.raises(CommandError) as caught:
        call_command("load_demo", "--reset", stdout=io.StringIO())
    assert "非演示数据" in str(caught.value) and "wangfang" in str(caught.value)
    assert AuditEvent.objects.count() >= 0  # nothing emptied: the account is still there
    from django.contrib.auth.models import User

    assert User.objects.filter(username="wangfang").exists()


def test_load_demo_reset_refuses_when_others_acted(db):
    from civaffairs.demo import not_demo_data

    with transaction.atomic():
        audit.record("outsider", "export", None, {"what": "名册"}, object_type="export")
    assert not_demo_data() == ["非演示账号的审计记录"]

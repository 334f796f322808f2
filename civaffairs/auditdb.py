"""The audit table refuses UPDATE and DELETE in the database itself, on SQLite as on PostgreSQL.

PostgreSQL: a row trigger (migration 0006); the application connects as a role that owns nothing
and holds only SELECT and INSERT on the table, so it cannot disable the trigger (README, "Two
database roles"). SQLite: triggers installed after every migrate (a table that a migration rebuilds
loses its triggers, so they are put back each time) raise for any UPDATE or DELETE, whether it
comes from the ORM's base manager, a plain QuerySet, raw SQL or the sqlite3 shell. Emptying a
whole test or demo database (`flush`, which deletes row by row on SQLite where PostgreSQL
truncates) is let through only inside `maintenance()`, a flag of this process that no SQL can set:
the triggers ask a function registered on each connection, and a connection without it (the
sqlite3 shell) fails closed."""

import contextlib
import threading

from django.db.backends.signals import connection_created
from django.dispatch import receiver

TABLE = "civaffairs_auditevent"
_state = threading.local()

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS civaffairs_audit_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '审计日志不可修改或删除'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS civaffairs_audit_no_delete BEFORE DELETE ON {TABLE}
    WHEN civaffairs_audit_maintenance() = 0
    BEGIN SELECT RAISE(ABORT, '审计日志不可修改或删除'); END""",
]


def _maintenance():
    return 1 if getattr(_state, "maintenance", False) else 0


@contextlib.contextmanager
def maintenance():
    """Let `flush` empty the audit table along with every other (tests, `load_demo --reset`)."""
    _state.maintenance = True
    try:
        yield
    finally:
        _state.maintenance = False


@receiver(connection_created)
def _register_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("civaffairs_audit_maintenance", 0, _maintenance)


def install_triggers(connection):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        if TABLE not in connection.introspection.table_names(cursor):
            return
        for sql in SQLITE_TRIGGERS:
            cursor.execute(sql)


def triggers_present(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            names = {row[0] for row in cursor.fetchall()}
            return {"civaffairs_audit_no_update", "civaffairs_audit_no_delete"} <= names
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = 'civaffairs_audit_append_only' AND tgenabled <> 'D'"
            )
            return cursor.fetchone() is not None
    return False

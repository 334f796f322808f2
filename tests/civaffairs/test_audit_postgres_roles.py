"""The two-role PostgreSQL set-up README describes (issue 12): migrations run as the table's
owner; the application connects as a role with only SELECT and INSERT on the audit table, which
can neither change its rows nor disable the trigger that refuses changes.

Run against the configured database when it is PostgreSQL (CI), else against a scratch database on
the local PostgreSQL server that `.ci/run` starts."""

import os
import uuid

import psycopg
import pytest
from django.db import connection


def _trigger_sql():
    import importlib

    return importlib.import_module("civaffairs.migrations.0006_audit_append_only_trigger").CREATE


@pytest.fixture
def pg(django_db_blocker, db):
    """(cursor as the owner, a callable that runs SQL as the application role)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            yield cursor.cursor
        return
    url = os.environ.get("POSTGRES_TEST_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server to test the two-role set-up against (CI starts one)")
    name = f"civaffairs_roles_{uuid.uuid4().hex[:8]}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + f"/{name}", autocommit=True) as scratch:
            scratch.execute(
                "CREATE TABLE civaffairs_auditevent (id bigint PRIMARY KEY, at timestamptz NOT NULL, "
                "actor_name varchar(150) NOT NULL, action varchar(40) NOT NULL, object_type varchar(50) NOT NULL, "
                "object_id varchar(40) NOT NULL, object_repr varchar(200) NOT NULL, changes jsonb NOT NULL, "
                "prev_hash varchar(64) NOT NULL, hash varchar(64) NOT NULL)"
            )
            scratch.execute(_trigger_sql())
            scratch.autocommit = False  # savepoints, as inside the Django test's transaction
            yield scratch.cursor()
            scratch.rollback()
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


def test_the_application_role_cannot_alter_the_log_or_its_trigger(pg):
    role = f"civaffairs_app_{uuid.uuid4().hex[:8]}"
    cur = pg
    cur.execute(f"CREATE ROLE {role} NOLOGIN")
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending before ALTER TABLE
    try:
        cur.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cur.execute(f"GRANT SELECT, INSERT ON civaffairs_auditevent TO {role}")
        cur.execute("SAVEPOINT as_app")
        cur.execute(f"SET ROLE {role}")
        cur.execute(
            "INSERT INTO civaffairs_auditevent (id, at, actor_name, action, object_type, object_id, object_repr,"
            " changes, prev_hash, hash) VALUES (987654321, now(), '', 'login', '', '', '', '{}', '', 'x')"
        )
        cur.execute("SELECT count(*) FROM civaffairs_auditevent WHERE id = 987654321")
        assert cur.fetchone()[0] == 1
        for sql, expected in [
            ("UPDATE civaffairs_auditevent SET action = 'logout'", "permission denied"),
            ("DELETE FROM civaffairs_auditevent", "permission denied"),
            ("TRUNCATE civaffairs_auditevent", "permission denied"),
            (
                "ALTER TABLE civaffairs_auditevent DISABLE TRIGGER civaffairs_audit_append_only",
                "must be owner",
            ),
            ("DROP TRIGGER civaffairs_audit_append_only ON civaffairs_auditevent", "must be owner"),
        ]:
            cur.execute("SAVEPOINT attempt")
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
                cur.execute(sql)
            assert expected in str(caught.value)
            cur.execute("ROLLBACK TO SAVEPOINT attempt")
        cur.execute("RESET ROLE")
        # And the owner, who may disable the trigger, is refused row changes while it is on.
        cur.execute("SAVEPOINT owner")
        with pytest.raises(psycopg.errors.RaiseException):
            cur.execute("UPDATE civaffairs_auditevent SET action = 'logout' WHERE id = 987654321")
        cur.execute("ROLLBACK TO SAVEPOINT owner")
        cur.execute("ROLLBACK TO SAVEPOINT as_app")
    finally:
        cur.execute("RESET ROLE")
        cur.execute(f"REVOKE ALL ON civaffairs_auditevent FROM {role}")
        cur.execute(f"REVOKE ALL ON SCHEMA public FROM {role}")
        cur.execute(f"DROP ROLE {role}")

"""The audit log: written in the same transaction as the change, for logins and reveals too, and
editable by nobody (等保: an audit log nobody can edit)."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from civaffairs import audit, services
from civaffairs.models import AuditEvent, Household, HouseholdMember, Person
from tests.factories import TEST_PASSWORD, HouseholdFactory, PersonFactory, id_number_for


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_creating_a_person_writes_an_event_with_the_new_values(caseworker, shicheng_village):
    number = id_number_for(1)
    person = services.create_person(actor=caseworker, name="王五", id_number=number, region=shicheng_village)
    [event] = events("person.create")
    assert (event.actor, event.actor_name) == (caseworker, "shicheng")
    assert (event.object_type, event.object_id, event.object_repr) == (
        "civaffairs.Person",
        str(person.pk),
        "王五",
    )
    assert event.changes["name"] == "王五"
    # Masked: the log is read by the director and auditors; whole numbers only via the audited reveal.
    assert event.changes["id_number"] == number[:6] + "********" + number[-4:]
    assert number not in str(event.changes)
    assert event.changes["region"] == shicheng_village.pk


def test_updating_a_person_through_the_view_writes_before_and_after(caseworker, login, shicheng_village):
    person = PersonFactory(name="王五", region=shicheng_village, phone="")
    response = login(caseworker).post(
        reverse("person_edit", args=[person.pk]),
        {
            "name": "王五",
            "id_number": person.id_number,
            "region": shicheng_village.pk,
            "phone": "13800000000",
            "version": person.version,
        },
    )
    assert response.status_code == 302
    [event] = events("person.update")
    assert event.actor == caseworker
    assert event.object_id == str(person.pk)
    assert event.changes == {"phone": ["", "13800000000"]}


def test_creating_a_household_writes_an_event_with_its_members(caseworker, shicheng_village):
    head = PersonFactory(region=shicheng_village, name="户主甲")
    spouse = PersonFactory(region=shicheng_village, name="配偶乙")
    household = services.create_household(
        actor=caseworker,
        head=head,
        region=shicheng_village,
        area="rural",
        income_per_capita=Decimal("150.00"),
        members=[(spouse, "spouse")],
    )
    [event] = events("household.create")
    assert event.object_id == str(household.pk)
    assert event.changes["members"] == ["配偶乙"]
    assert event.changes["income_per_capita"] == "150.00"
    assert event.changes["area"] == "rural"


def test_updating_a_household_through_the_view_writes_before_and_after(caseworker, login, shicheng_village):
    household = HouseholdFactory(region=shicheng_village, income_per_capita=Decimal("200.00"))
    response = login(caseworker).post(
        reverse("household_edit", args=[household.pk]),
        {
            "region": shicheng_village.pk,
            "area": "rural",
            "income_per_capita": "320.50",
            "bank_name": "",
            "bank_account": "",
            "version": household.version,
        },
    )
    assert response.status_code == 302
    [event] = events("household.update")
    assert event.actor == caseworker
    assert event.changes == {"income_per_capita": ["200.00", "320.50"]}


def test_a_refused_update_writes_no_event(caseworker, shicheng_village):
    person = PersonFactory(region=shicheng_village)
    with pytest.raises(services.ConflictError):
        services.update_person(
            actor=caseworker, person=person, expected_version=person.version + 1, phone="1"
        )
    assert events("person.update") == []


def test_a_failure_late_in_the_transaction_takes_the_audit_events_with_it(caseworker, shicheng_village):
    # register_household creates and audits the persons first; if writing the members then
    # fails, the persons and their audit events must be gone together.
    counts = (Person.objects.count(), Household.objects.count(), AuditEvent.objects.count())
    with (
        mock.patch.object(HouseholdMember.objects, "bulk_create", side_effect=IntegrityError("boom")),
        pytest.raises(IntegrityError),
    ):
        services.register_household(
            actor=caseworker,
            region=shicheng_village,
            area="rural",
            income_per_capita=0,
            head={"name": "户主", "id_number": id_number_for(11)},
            members=[{"name": "成员", "id_number": id_number_for(12), "relation": "child"}],
        )
    assert (Person.objects.count(), Household.objects.count(), AuditEvent.objects.count()) == counts


def test_a_change_whose_audit_event_cannot_be_written_is_not_saved(caseworker, shicheng_village):
    with (
        mock.patch.object(AuditEvent, "save", side_effect=IntegrityError("audit down")),
        pytest.raises(IntegrityError),
    ):
        services.create_person(
            actor=caseworker, name="无痕", id_number=id_number_for(13), region=shicheng_village
        )
    assert not Person.objects.filter(name="无痕").exists()


def test_logging_in_is_audited(client, caseworker):
    response = client.post(reverse("login"), {"username": "shicheng", "password": TEST_PASSWORD})
    assert response.status_code == 302
    [event] = events("login")
    assert (event.actor, event.actor_name, event.address) == (caseworker, "shicheng", "127.0.0.1")


def test_a_failed_login_is_audited_with_the_username_tried(client, caseworker):
    response = client.post(reverse("login"), {"username": "shicheng", "password": "wrong-password"})
    assert response.status_code == 200
    [event] = events("login_failed")
    assert event.actor is None
    assert (event.actor_name, event.object_repr, event.address) == ("shicheng", "shicheng", "127.0.0.1")
    assert "password" not in event.changes
    assert events("login") == []


def test_revealing_an_id_number_is_audited(caseworker, login, shicheng_village):
    person = PersonFactory(region=shicheng_village)
    response = login(caseworker).post(reverse("person_reveal", args=[person.pk]))
    assert response.status_code == 200
    assert response.json() == {"id_number": person.id_number}
    [event] = events("person.reveal_id")
    assert (event.actor, event.object_id) == (caseworker, str(person.pk))


@pytest.fixture
def event(caseworker):
    return audit.record(caseworker, "test.action", None, {"k": "v"}, object_type="t", object_repr="原样")


def test_an_audit_event_cannot_be_changed_by_saving(event):
    event.object_repr = "篡改"
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).object_repr == "原样"


def test_an_audit_event_cannot_be_deleted(event):
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "attempt",
    [
        lambda qs: qs.update(object_repr="篡改"),
        lambda qs: qs.delete(),
        lambda qs: qs.bulk_update(list(qs), ["object_repr"]),
        lambda qs: qs.filter(action="test.action").update(action="x"),
        lambda qs: qs.filter(action="test.action").delete(),
    ],
)
def test_audit_events_cannot_be_changed_or_deleted_in_bulk(event, attempt):
    with pytest.raises(PermissionError):
        attempt(AuditEvent.objects.all())
    assert AuditEvent.objects.get(pk=event.pk).object_repr == "原样"


def test_the_admin_site_offers_no_add_change_or_delete_even_to_a_superuser(admin_client, admin_user, event):
    model_admin = site._registry[AuditEvent]
    request = RequestFactory().get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)

    base = "/admin/civaffairs/auditevent/"
    assert admin_client.get(base + "add/").status_code == 403
    assert admin_client.get(f"{base}{event.pk}/delete/").status_code == 403
    post = admin_client.post(f"{base}{event.pk}/change/", {"object_repr": "篡改", "action": "x"})
    assert post.status_code == 403
    changelist = admin_client.get(base)
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    bulk = admin_client.post(
        base, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.get(pk=event.pk).object_repr == "原样"


@pytest.mark.parametrize("role", ["auditor", "director"])
def test_auditor_and_director_read_the_log_filtered_by_actor(role, request, login, caseworker, chief):
    audit.record(caseworker, "person.create", None, object_type="t", object_repr="甲的记录")
    audit.record(chief, "person.create", None, object_type="t", object_repr="乙的记录")
    client = login(request.getfixturevalue(role))
    everything = client.get(reverse("audit_log"))
    assert everything.status_code == 200
    assert {"甲的记录", "乙的记录"} <= {row.record.object_repr for row in everything.context["table"].rows}

    filtered = client.get(reverse("audit_log"), {"actor_name": "shicheng"})
    rows = [row.record for row in filtered.context["table"].rows]
    assert rows
    assert {r.actor_name for r in rows} == {"shicheng"}
    assert "甲的记录" in filtered.content.decode()
    assert "乙的记录" not in filtered.content.decode()


def test_the_log_filters_by_date(auditor, login, caseworker):
    audit.record(caseworker, "person.create", None, object_type="t", object_repr="今天的记录")
    client = login(auditor)
    today = timezone.localdate()  # Asia/Shanghai, as the filter reads it
    assert "今天的记录" in client.get(reverse("audit_log"), {"since": today.isoformat()}).content.decode()
    tomorrow = today + datetime.timedelta(days=1)
    assert (
        "今天的记录" not in client.get(reverse("audit_log"), {"since": tomorrow.isoformat()}).content.decode()
    )


@pytest.mark.parametrize("role", ["caseworker", "chief", "sysadmin"])
def test_other_roles_get_403_on_the_audit_log(role, request, login):
    assert login(request.getfixturevalue(role)).get(reverse("audit_log")).status_code == 403


def test_logging_out_is_audited(caseworker, login):
    client = login(caseworker)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    [event] = events("logout")
    assert (event.actor, event.actor_name) == (caseworker, "shicheng")


def test_raw_sql_cannot_change_or_delete_an_event_on_postgresql_and_actors_cannot_be_deleted(event):
    from django.db import DatabaseError, connection, transaction
    from django.db.models import ProtectedError

    table = AuditEvent._meta.db_table
    if connection.vendor == "postgresql":
        # The trigger of migration 0006 refuses it whoever asks, a shell or another program.
        for sql in (f"UPDATE {table} SET action = 'x' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
            with pytest.raises(DatabaseError, match="审计日志不可修改或删除"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, [event.pk])
    else:
        # SQLite has only the model and queryset guards (flushing a test database must work).
        with pytest.raises(PermissionError):
            AuditEvent.objects.filter(pk=event.pk).update(action="x")
    # An account that has acted cannot be deleted out from under its events.
    with pytest.raises(ProtectedError):
        event.actor.delete()
    event.refresh_from_db()
    assert event.action != "x"

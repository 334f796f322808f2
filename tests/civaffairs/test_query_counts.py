"""A list page needs the same number of queries for 3 rows as for 25: no query per row."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civaffairs.models import PaymentLine, Payroll, Program, Request
from tests.factories import CaseFactory, HouseholdFactory, village

PAGES = [
    "person_list",
    "household_list",
    "audit_log",
    "assistance:case_list",
    "assistance:request_list",
    "assistance:inbox",
    "assistance:standard_list",
    "assistance:payroll_list",
]


def add_rows(n, worker):
    dibao = Program.objects.get(code="dibao")
    payroll, _ = Payroll.objects.get_or_create(
        program=dibao, month=datetime.date(2019, 1, 1), created_by=worker
    )
    for _ in range(n):
        household = HouseholdFactory(region=village("石城镇"), members=1)
        case = CaseFactory(household=household, program=dibao, submitted_by=worker)
        Request.objects.create(
            kind=Request.Kind.ENROL, case=case, effective_month=case.start_month, submitted_by=worker
        )
        PaymentLine.objects.create(
            payroll=payroll,
            case=case,
            program=dibao,
            town=case.town,
            month=payroll.month,
            paid_month=payroll.month,
            amount=100,
        )
    return payroll


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", PAGES)
def test_a_list_page_needs_no_query_per_row(name, director, caseworker, login):
    client = login(director)
    add_rows(3, caseworker)
    url = reverse(name)
    client.get(url)  # the session's expiry is written on the first request after logging in
    small = count(client, url)
    add_rows(22, caseworker)
    assert count(client, url) == small


def test_a_payroll_page_needs_no_query_per_line(director, caseworker, login):
    client = login(director)
    payroll = add_rows(3, caseworker)
    url = reverse("assistance:payroll_detail", args=[payroll.pk])
    client.get(url)  # the session's expiry is written on the first request after logging in
    small = count(client, url)
    add_rows(22, caseworker)
    assert count(client, url) == small

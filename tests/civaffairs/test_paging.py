"""A list's page is read ids first (civaffairs.tables.IdsFirstPaginator): the rows of page 2 are
exactly those the full ordering puts there, in that order, whatever column the list is sorted by."""

import datetime

import pytest
import time_machine
from django.db.models.functions import Coalesce
from django.urls import reverse

from assistance import programs as P
from civaffairs.models import Case, PaymentLine
from tests.factories import World

D = datetime.date


@pytest.fixture
def w(db):
    with time_machine.travel(datetime.datetime(2019, 1, 20, 10), tick=False):
        world = World()
        world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
        world.standard(P.TEKUN, "rural", 590, D(2018, 1, 1))
        for k in range(16):
            world.dibao(1 + k % 3, 100 + k)
            world.person_case(P.TEKUN, category="dispersed", area="rural")
        world.payroll = world.pay(P.DIBAO, D(2019, 1, 1))[0]
        return world


def page_ids(response):
    return [row.record.pk for row in response.context["table"].page.object_list]


def test_payroll_page_two_holds_the_lines_the_ordering_puts_there(w, login):
    client = login(w.chief)
    expected = list(
        PaymentLine.objects.filter(payroll=w.payroll)
        .order_by("town_id", "case_id", "month")
        .values_list("pk", flat=True)
    )
    assert len(expected) == 16
    url = reverse("assistance:payroll_detail", args=[w.payroll.pk])
    assert page_ids(client.get(url + "?per_page=5&page=2")) == expected[5:10]
    assert page_ids(client.get(url + "?per_page=5&page=4")) == expected[15:]


@pytest.mark.parametrize(
    "sort, ordering",
    [
        ("id", ("id",)),
        ("-id", ("-id",)),
        ("subject", (Coalesce("household__head__name", "person__name").asc(), "id")),
        ("-subject", (Coalesce("household__head__name", "person__name").desc(), "id")),
    ],
)
def test_case_list_page_two_holds_the_cases_the_ordering_puts_there(w, login, sort, ordering):
    client = login(w.chief)
    expected = list(Case.objects.order_by(*ordering).values_list("pk", flat=True))
    assert len(expected) == 32
    response = client.get(reverse("assistance:case_list") + f"?sort={sort}&per_page=10&page=2")
    got = page_ids(response)
    assert len(got) == 10
    if sort.endswith("subject"):  # names repeat: the page holds the same names in the same order
        names = dict(Case.objects.values_list("pk", "person__name"))
        names.update(Case.objects.filter(household__isnull=False).values_list("pk", "household__head__name"))
        assert [names[pk] for pk in got] == [names[pk] for pk in expected[10:20]]
    else:
        assert got == expected[10:20]

"""The figures' cache (civaffairs/figures.py): figures kept per period, town and version of the
records, the version being the last change recorded in the audit log. A kept figure is never older
than the records: every change made through a service moves the figures at once, a town's figures
are never served for another place, and reading (logins, exports) keeps them."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance import programs as P
from civaffairs import audit, figures
from civaffairs.models import Region
from civaffairs.periods import Period
from civaffairs.scale import scale_up
from tests.factories import World

D = datetime.date
H1 = Period.parse("2019H1")


@pytest.fixture
def w(db, cached):
    with time_machine.travel(datetime.datetime(2019, 2, 20, 10), tick=False):
        world = World()
        world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
        world.standard(P.TEKUN, "rural", 590, D(2018, 1, 1))
        world.dibao(3, 120)
        world.person_case(P.TEKUN, category="dispersed", area="rural")
        world.pay(P.DIBAO, D(2019, 1, 1))
        world.pay(P.TEKUN, D(2019, 1, 1))
        return world


def uncached(settings, region=None):
    """The figures computed from the records, the cache bypassed."""
    kept = settings.RECORDS_CACHE_SECONDS
    settings.RECORDS_CACHE_SECONDS = 0
    try:
        return figures.compute(H1, region)
    finally:
        settings.RECORDS_CACHE_SECONDS = kept


def queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        value = fn()
    return value, len(ctx.captured_queries)


def test_kept_figures_cost_one_query_and_equal_the_records(w, settings):
    first, n_first = queries(lambda: figures.compute(H1))
    again, n_again = queries(lambda: figures.compute(H1))
    assert again == first == uncached(settings)
    assert n_again == 1 < n_first  # the version; nothing recomputed


def test_every_change_through_a_service_moves_the_figures_at_once(w, settings):
    before = figures.compute(H1)
    assert before["dibao.households"] == 1

    with time_machine.travel(datetime.datetime(2019, 3, 20, 10), tick=False):
        w.dibao(2, 100, start=D(2019, 3, 1))  # an enrolment, approved by the chief
    enrolled = figures.compute(H1)
    assert enrolled == uncached(settings)
    assert enrolled["dibao.households"] == 2

    with time_machine.travel(datetime.datetime(2019, 3, 25, 10), tick=False):
        w.pay(P.DIBAO, D(2019, 3, 1))  # a payroll generated and approved
    paid = figures.compute(H1)
    assert paid == uncached(settings)
    assert paid["dibao.paid"] > enrolled["dibao.paid"]

    with time_machine.travel(datetime.datetime(2019, 4, 2, 10), tick=False):
        w.standard(P.DIBAO, "rural", 500, D(2019, 4, 1))  # a new standard approved
        _case, people = w.dibao(1, 100, start=D(2019, 4, 1))
        w.pay(P.DIBAO, D(2019, 4, 1))
    raised = figures.compute(H1)
    assert raised == uncached(settings)
    assert raised["dibao.households"] == 3

    w.die(people[0], D(2019, 4, 20))  # a death recorded
    assert figures.compute(H1) == uncached(settings)


def test_a_towns_figures_are_never_served_for_another_place(w, settings):
    shicheng = Region.objects.get(level=Region.Level.TOWN, name="石城镇")
    liudu = Region.objects.get(level=Region.Level.TOWN, name="六都镇")
    district = figures.compute(H1)
    in_shicheng = figures.compute(H1, shicheng)
    in_liudu = figures.compute(H1, liudu)
    assert in_shicheng == uncached(settings, shicheng) and in_shicheng["dibao.households"] == 1
    assert in_liudu == uncached(settings, liudu) and in_liudu["dibao.households"] == 0
    assert district == uncached(settings)
    # And another period is its own: the second half has no payroll yet.
    assert figures.compute(Period.parse("2019H2"))["dibao.paid"] == Decimal("0")
    assert figures.compute(H1)["dibao.paid"] > 0


def test_reading_keeps_the_figures_and_recording_a_change_does_not(w, settings):
    figures.compute(H1)
    audit.record(w.town_worker, "login", None)
    audit.record(w.town_worker, "export", None, {"what": "统计数据"}, object_type="export")
    _, n = queries(lambda: figures.compute(H1))
    assert n == 1
    audit.record(w.chief, "standard.approve", None)  # any recorded change: recomputed
    _, n = queries(lambda: figures.compute(H1))
    assert n > 1


def test_the_monthly_series_are_kept_and_moved_the_same_way(w, settings):
    keys = sorted(figures.monthly_keys())
    first = figures.compute_months(H1, keys=keys)
    _, n = queries(lambda: figures.compute_months(H1, keys=keys))
    assert n == 1
    with time_machine.travel(datetime.datetime(2019, 3, 25, 10), tick=False):
        w.pay(P.DIBAO, D(2019, 2, 1))
    moved = figures.compute_months(H1, keys=keys)
    settings.RECORDS_CACHE_SECONDS = 0
    assert moved == figures.compute_months(H1, keys=keys) != first


def test_scaling_the_demo_is_recorded_and_moves_the_figures(w, settings):
    before = figures.compute(H1)
    scale_up(3)
    after = figures.compute(H1)
    assert after["dibao.households"] == 3 * before["dibao.households"]
    assert after == uncached(settings)


def test_the_figures_page_asks_the_database_less_the_second_time(w, client):
    client.force_login(w.chief)
    url = "/figures/?period=2019年上半年"
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        page = client.get(url)
    assert page.status_code == 200
    assert len(second.captured_queries) < len(first.captured_queries) - 20
    assert "低保户数" in page.content.decode()


def test_a_lists_count_is_kept_per_query_and_moves_with_the_records(w, client):
    from civaffairs import kept
    from civaffairs.models import Case

    cases = Case.objects.filter(program__code=P.DIBAO)
    assert kept.count(cases) == 1
    assert kept.count(Case.objects.none()) == 0
    assert kept.count(cases.filter(town__name="六都镇")) == 0  # another query, another key
    with time_machine.travel(datetime.datetime(2019, 3, 20, 10), tick=False):
        w.dibao(1, 100, start=D(2019, 3, 1))
    assert kept.count(cases) == 2


def test_the_home_pages_counts_move_with_the_records(w, client):
    from django.urls import reverse

    from tests.factories import submit

    client.force_login(w.town_worker)
    with time_machine.travel(datetime.datetime(2019, 3, 20, 10), tick=False):
        before = client.get(reverse("home")).context["counts"]
        again = client.get(reverse("home")).context["counts"]
        submit(
            actor=w.town_worker,
            program=P.TEKUN,
            person=w.person(),
            start_month=D(2019, 3, 1),
            category="dispersed",
            area="rural",
        )
        after = client.get(reverse("home")).context["counts"]
    assert again == before
    assert after["pending"] == before["pending"] + 1
    assert after["persons"] == before["persons"] + 1


def test_a_payrolls_totals_by_town_move_with_a_correction_of_its_lines(w, client):
    from django.db.models import Sum

    from civaffairs import kept
    from civaffairs.models import PaymentLine

    def by_town():
        return kept.rows(
            PaymentLine.objects.live()
            .values("town__name")
            .annotate(total=Sum("amount"))
            .order_by("town__name")
        )

    before = by_town()
    assert before == by_town()
    with time_machine.travel(datetime.datetime(2019, 3, 25, 10), tick=False):
        w.pay(P.DIBAO, D(2019, 2, 1))
    after = by_town()
    assert after[0]["total"] > before[0]["total"]


def test_a_record_list_is_kept_and_moves_with_the_records(w, settings):
    from civaffairs.models import Case

    @figures.record_list("test.cases", "测试对象")
    def cases(period, region):
        return [{"名称": str(c.pk)} for c in Case.objects.filter(program__code=P.DIBAO).order_by("pk")]

    try:
        first = figures.compute_records("test.cases", H1)
        _, n = queries(lambda: figures.compute_records("test.cases", H1))
        assert n == 1 and len(first) == 1
        with time_machine.travel(datetime.datetime(2019, 3, 20, 10), tick=False):
            w.dibao(1, 100, start=D(2019, 3, 1))
        assert len(figures.compute_records("test.cases", H1)) == 2
    finally:
        figures._RECORD_LISTS.pop("test.cases")


def test_a_list_with_an_aggregate_column_counts_right_on_a_filtered_page(w, client):
    from django.urls import reverse

    _case, people = w.dibao(3, 100)  # a household of three
    client.force_login(w.town_worker)
    page = client.get(reverse("household_list"), {"q": people[0].name, "area": "rural"})
    rows = [r.record for r in page.context["table"].page.object_list]
    mine = [r for r in rows if r.head_id == people[0].pk]
    assert mine and mine[0].member_count == 3

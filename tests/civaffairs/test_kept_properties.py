"""Property tests of the values kept per version of the records (civaffairs/kept.py).

Each example is a short random history of the bureau, made through the services a user's click
calls (tests/factories.py World, in 石城镇 and in 六都镇): 低保 households and 特困 persons enrolled,
monthly payrolls generated and approved, sent back or withdrawn, a raised standard approved and its back-pay
approved or sent back, deaths recorded, cases terminated, an income review, a 减人, corrections
(更正) approved. The clock walks through 2019 with the payrolls, so back-pay and corrections are
paid inside the first half year.

Values are read in the middle of a step too (between a payroll's generation and its approval, a
request's submission and its decision …), as the chief reads before deciding. After every step, with the cache on (RECORDS_CACHE_SECONDS = 600): every kept value — the figures
(compute, compute_months) for the district and both towns, a list's count (kept.count) and a
payroll's totals by town (kept.rows) — equals the same computed with the cache off, read before
the step and again after it; the figures page shows them too. The money rules hold on the kept
values: 低保金 and 特困 paid equal the lines of approved batches summed here (not by the engine), no
month is paid twice by regular lines, no line written after a death was recorded pays a month
after it, and no household's line counts more persons than are alive and covered.
"""

import datetime
import os
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.test import Client, override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from assistance import programs as P
from assistance import services
from civaffairs import figures, kept, payments
from civaffairs.models import ApprovalStatus, Case, PaymentLine, Payroll
from civaffairs.periods import Period, add_months, month_start
from civaffairs.roles import CASEWORKER
from civaffairs.selectors import cases_for, payments_for
from tests.factories import World, make_user, town_reviewer, village

D = datetime.date
NOV18 = D(2018, 11, 1)
JAN = D(2019, 1, 1)
JUL = D(2019, 7, 1)
H1 = Period.parse("2019H1")
BASE = {P.DIBAO: Decimal(450), P.TEKUN: Decimal(590)}
MONEY_KEYS = {P.DIBAO: "dibao.paid", P.TEKUN: "tekun.paid"}
# The figures of social assistance: the records these histories change. (The other apps' figures
# read records no step here writes; the figures page below shows every figure.)
KEYS = sorted(k for k, spec in figures.specs().items() if spec.function.__module__.startswith("assistance."))
SERIES = sorted(k for k in figures.monthly_keys() if k in KEYS)


def fresh(fn):
    """fn() with the cache off: computed from the records."""
    with override_settings(RECORDS_CACHE_SECONDS=0):
        return fn()


def month_period(m):
    return Period.parse(f"{m:%Y-%m}")


# --- the bureau ----------------------------------------------------------------------------------


def town_world(w, name, offset):
    """The World's section staff with a caseworker and a village of another town."""
    other = World.__new__(World)
    other.worker, other.chief = w.worker, w.chief
    other.town_worker = make_user(CASEWORKER, town=name, first_name=f"{name}经办人")
    other.village = village(name)
    other.n = offset
    return other


class Bureau:
    def __init__(self):
        self.w = World()
        self.towns = {
            "石城镇": self.w,
            "六都镇": town_world(self.w, "六都镇", 400),
        }
        self.regions = {name: world.village.town for name, world in self.towns.items()}
        for region in self.regions.values():
            town_reviewer(region)  # made now: no user is made between two reads
        self.standard = dict(BASE)
        for code, amount in BASE.items():
            self.w.standard(code, "rural", amount, D(2018, 1, 1))
        self.next_month = {P.DIBAO: JAN, P.TEKUN: JAN}
        self.cases = []  # {"case", "people", "world", "code"}
        # What the test knows was recorded, with the last line's id at that moment: a line with a
        # larger id was written after it.
        self.deaths = {}  # person id -> (death date, line watermark)
        self.removed = {}  # (case id, person id) -> (effective month, line watermark)
        self.chief_client = Client()

    # the clock: the 20th of the month the next payroll is for
    def month(self):
        return min(max(self.next_month.values()), JUL)

    def today(self):
        m = self.month()
        return D(m.year, m.month, 20)

    def peek(self):
        """Someone reads in the middle of a step (the chief opens the figures, a list, before
        deciding): the values of the records as they are now are kept, and must not be served
        once the step's next change is made."""
        for region in (None, *self.regions.values()):
            figures.compute(H1, region, KEYS)
            figures.compute_months(H1, region, SERIES)
        for qs in scoped_lists(self):
            kept.count(qs)
        for qs in payroll_totals():
            kept.rows(qs)

    def watermark(self):
        return PaymentLine.objects.aggregate(m=Max("id"))["m"] or 0

    def pick(self, index, code=None, active=True):
        found = [
            c
            for c in self.cases
            if (code is None or c["code"] == code)
            and (not active or Case.objects.get(pk=c["case"].pk).status == Case.Status.ACTIVE)
        ]
        return found[index % len(found)] if found else None

    def living(self, entry):
        return [p for p in entry["people"] if p.pk not in self.deaths]

    # the operations

    def enrol_dibao(self, town, size, income, back):
        world = self.towns[town]
        start = max(NOV18, add_months(self.month(), -back))
        case, people = world.dibao(size, income, start=start)
        self.cases.append({"case": case, "people": people, "world": world, "code": P.DIBAO})

    def enrol_tekun(self, town, back):
        world = self.towns[town]
        start = max(NOV18, add_months(self.month(), -back))
        case = world.person_case(P.TEKUN, start=start, category=P.DISPERSED, area="rural")
        self.cases.append({"case": case, "people": [case.person], "world": world, "code": P.TEKUN})

    def pay(self, code):
        month = self.next_month[code]
        if month > JUL:
            return "all months paid"
        payroll = payments.generate_payroll(actor=self.w.worker, program=code, month=month)
        self.peek()
        payments.decide_payroll(actor=self.w.chief, payroll=payroll, approve=True, comment="同意")
        self.next_month[code] = add_months(month, 1)

    def reject(self, code, withdraw):
        """A payroll generated and sent back by the chief, or taken back by its author."""
        month = self.next_month[code]
        payroll = payments.generate_payroll(actor=self.w.worker, program=code, month=month)
        self.peek()
        if withdraw:
            payments.withdraw_payroll(actor=self.w.worker, payroll=payroll, comment="撤回重做")
        else:
            payments.decide_payroll(actor=self.w.chief, payroll=payroll, approve=False, comment="退回重做")

    def raise_standard(self, code, step, back, approve_backpay):
        effective = max(JAN, add_months(self.next_month[code], -back))
        amount = self.standard[code] + 10 * step
        standard = self.w.standard(code, "rural", amount, effective)
        self.standard[code] = amount
        self.peek()
        batch = payments.generate_backpay(actor=self.w.worker, standard=standard)
        if batch is not None:
            self.peek()
            payments.decide_payroll(
                actor=self.w.chief,
                payroll=batch,
                approve=approve_backpay,
                comment="同意" if approve_backpay else "退回",
            )

    def die(self, index, member, back, day):
        entry = self.pick(index, active=False)
        if entry is None or not self.living(entry):
            return "no one living"
        person = self.living(entry)[member % len(self.living(entry))]
        start = Case.objects.get(pk=entry["case"].pk).start_month
        month = max(start, add_months(self.month(), -back))
        on = min(D(month.year, month.month, day), self.today())
        mark = self.watermark()
        entry["world"].die(person, on)
        self.deaths[person.pk] = (on, mark)

    def terminate(self, index):
        entry = self.pick(index)
        if entry is None:
            return "no case in payment"
        case = Case.objects.get(pk=entry["case"].pk)
        effective = max(self.next_month[entry["code"]], add_months(case.start_month, 1))
        request = services.submit_termination(
            actor=entry["world"].town_worker, case=case, effective_month=effective, reason="不再符合条件"
        )
        self.peek()
        services.decide_request(actor=self.w.chief, request=request, approve=True, comment="同意")

    def review(self, index, income):
        entry = self.pick(index, P.DIBAO)
        if entry is None:
            return "no household in payment"
        case = Case.objects.get(pk=entry["case"].pk)
        last = payments.last_paid_month(case.program)
        effective = add_months(last, 1) if last else case.start_month
        request = services.submit_review(
            actor=entry["world"].town_worker,
            case=case,
            outcome="amount_changed",
            effective_month=effective,
            income=Decimal(income),
            reason="收入变化",
        )
        self.peek()
        services.decide_request(actor=self.w.chief, request=request, approve=True, comment="同意")

    def remove(self, index, member):
        entry = self.pick(index, P.DIBAO)
        if entry is None or len(self.living(entry)) < 2:
            return "no household of two living"
        case = Case.objects.get(pk=entry["case"].pk)
        person = self.living(entry)[member % len(self.living(entry))]
        last = payments.last_paid_month(case.program)
        effective = add_months(last, 1) if last else add_months(case.start_month, 1)
        request = services.submit_member_change(
            actor=entry["world"].town_worker,
            case=case,
            person=person,
            add=False,
            effective_month=effective,
            reason="迁出",
        )
        self.peek()
        mark = self.watermark()
        services.decide_request(actor=self.w.chief, request=request, approve=True, comment="同意")
        self.removed[(case.pk, person.pk)] = (request.effective_month, mark)

    def correct(self, index, back, amount):
        entry = self.pick(index, active=False)
        if entry is None:
            return "no case"
        case = Case.objects.get(pk=entry["case"].pk)
        month = max(case.start_month, add_months(self.next_month[entry["code"]], -1 - back))
        if amount < 0:
            paid = (
                PaymentLine.objects.live()
                .filter(case=case, month=month, item="basic")
                .aggregate(t=Sum("amount"))["t"]
                or 0
            )
            amount = max(Decimal(amount), -paid)
            if amount == 0:
                return "nothing paid to recover"
        batch = payments.submit_correction(
            actor=self.w.worker, case=case, month=month, amount=Decimal(amount), reason="核对更正"
        )
        self.peek()
        payments.decide_payroll(actor=self.w.chief, payroll=batch, approve=True, comment="同意")


TOWNS = st.sampled_from(["石城镇", "六都镇"])
PROGRAMS = st.sampled_from([P.DIBAO, P.TEKUN])
ARGUMENTS = {
    "enrol_dibao": st.tuples(TOWNS, st.integers(1, 3), st.sampled_from([0, 100, 200]), st.integers(0, 3)),
    "enrol_tekun": st.tuples(TOWNS, st.integers(0, 3)),
    "pay": st.tuples(PROGRAMS),
    "reject": st.tuples(PROGRAMS, st.booleans()),
    "raise_standard": st.tuples(PROGRAMS, st.integers(1, 10), st.integers(0, 3), st.booleans()),
    "die": st.tuples(st.integers(0, 9), st.integers(0, 2), st.integers(0, 2), st.integers(1, 28)),
    "terminate": st.tuples(st.integers(0, 9)),
    "review": st.tuples(st.integers(0, 9), st.sampled_from([0, 150, 300])),
    "remove": st.tuples(st.integers(0, 9), st.integers(0, 2)),
    "correct": st.tuples(st.integers(0, 9), st.integers(0, 2), st.sampled_from([-50, -1000, 30])),
}
# Payrolls most often: the months they pay are what the other steps change.
WEIGHTS = {"pay": 4, "die": 2, "correct": 2}
STEPS = st.sampled_from([name for name in ARGUMENTS for _ in range(WEIGHTS.get(name, 1))]).flatmap(
    lambda name: ARGUMENTS[name].map(lambda args: (name, *args))
)
# After a step, the figures page read as the chief: not at all, the district's, a town's.
READS = st.sampled_from([None, None, "全区", "六都镇"])


# --- what is kept, against what the records say ------------------------------------------------


def kept_and_fresh(fn):
    """fn() read twice with the cache on (the second read is the kept one), and with it off."""
    first, again = fn(), fn()
    return first, again, fresh(fn)


def check_kept(b):
    """Every kept value equals the records'. Returns the kept figures of 2019H1 by place."""
    places = {"全区": None, **b.regions}
    out = {}
    for period in (H1, month_period(add_months(b.month(), -1))):  # the half year, the last month paid
        for place, region in places.items():
            first, again, now = kept_and_fresh(
                lambda period=period, region=region: figures.compute(period, region, KEYS)
            )
            assert first == again == now, (period.label, place, diff(again, now))
            if period is H1:
                out[place] = again
    for place, region in places.items():
        first, again, now = kept_and_fresh(lambda region=region: figures.compute_months(H1, region, SERIES))
        assert first == again == now, (place, [diff(a, n) for a, n in zip(again, now, strict=True)])

    for qs in scoped_lists(b):
        first, again, now = kept_and_fresh(lambda qs=qs: kept.count(qs))
        assert first == again == now == qs.count(), str(qs.query)
    for qs in payroll_totals():
        first, again, now = kept_and_fresh(lambda qs=qs: kept.rows(qs))
        assert first == again == now == list(qs), (str(qs.query), first, now)
    return out


def scoped_lists(b):
    """Lists as the chief and each town's caseworker see them (their counts are kept)."""
    for user in [b.w.chief, *(world.town_worker for world in b.towns.values())]:
        yield cases_for(user)
        yield cases_for(user).filter(status=Case.Status.ACTIVE, program__code=P.DIBAO)
        yield payments_for(user)
        yield payments_for(user).filter(month__gte=JAN, kind=PaymentLine.Kind.REGULAR)


def payroll_totals():
    """The last batches' totals by town, as the payroll's page keeps them."""
    for pk in Payroll.objects.order_by("-id").values_list("pk", flat=True)[:2]:
        yield (
            PaymentLine.objects.filter(payroll_id=pk)
            .values("town__name")
            .annotate(total=Sum("amount"))
            .order_by("town__code")
        )


def diff(kept_values, now):
    return {k: (v, now.get(k)) for k, v in kept_values.items() if now.get(k) != v}


def check_page(b, place):
    """The figures page as the chief reads it (every figure) shows the records' numbers, for the
    district or a town."""
    if place is None:
        return
    region = b.regions.get(place)
    url = "/figures/?period=2019H1" + (f"&region={region.code}" if region else "")
    b.chief_client.force_login(b.w.chief)  # a session at today's clock (a 'login': read-only)
    page = b.chief_client.get(url)
    assert page.status_code == 200
    shown = {row["key"]: row["value"] for _group, rows in page.context["groups"] for row in rows}
    now = fresh(lambda: figures.compute(H1, region))
    assert shown == now, (url, diff(shown, now))


# --- the money rules, from the lines themselves ---------------------------------------------------


def lines(b):
    status = dict(Payroll.objects.values_list("id", "status"))
    out = []
    for row in PaymentLine.objects.order_by("id").values(
        "id",
        "case_id",
        "program__code",
        "town_id",
        "month",
        "paid_month",
        "kind",
        "item",
        "amount",
        "persons",
        "payroll_id",
    ):
        row["paid"] = row["payroll_id"] is None or status[row["payroll_id"]] == ApprovalStatus.APPROVED
        row["live"] = row["paid"] or status[row["payroll_id"]] == ApprovalStatus.PENDING
        out.append(row)
    return out


def check_money(b, kept_h1):
    all_lines = lines(b)
    # 1. The kept money figures are the lines of approved batches paid in the half year.
    for place, region in {"全区": None, **b.regions}.items():
        for code, key in MONEY_KEYS.items():
            total = sum(
                (
                    line["amount"]
                    for line in all_lines
                    if line["paid"]
                    and line["program__code"] == code
                    and H1.first_month <= line["paid_month"] <= H1.last_month
                    and (region is None or line["town_id"] == region.pk)
                    and (code != P.TEKUN or line["item"] == "basic")
                ),
                Decimal(0),
            )
            assert kept_h1[place][key] == total, (place, key, kept_h1[place][key], total)

    # 2. Never a month paid twice by regular lines, nor below nothing once corrected.
    regular, net = defaultdict(int), defaultdict(Decimal)
    for line in all_lines:
        key = (line["case_id"], line["month"], line["item"])
        if line["live"] and line["kind"] == PaymentLine.Kind.REGULAR:
            regular[key] += 1
        if line["paid"]:
            net[key] += line["amount"]
    assert all(n == 1 for n in regular.values()), {k: n for k, n in regular.items() if n > 1}
    assert all(v >= 0 for v in net.values()), {k: v for k, v in net.items() if v < 0}

    # 3. Never paid after a death (by a line written once the death was recorded), and never
    #    more persons than are alive and covered in the month as then recorded.
    entries = {e["case"].pk: e for e in b.cases}
    for line in all_lines:
        entry = entries.get(line["case_id"])
        if entry is None or line["amount"] <= 0 or line["kind"] == PaymentLine.Kind.CORRECTION:
            continue
        m = line["month"]

        def gone(person, line=line, m=m):
            death = b.deaths.get(person.pk)
            if death and line["id"] > death[1] and month_start(death[0]) < m:
                return True
            removal = b.removed.get((line["case_id"], person.pk))
            return bool(removal and line["id"] > removal[1] and removal[0] <= m)

        alive = [p for p in entry["people"] if not gone(p)]
        assert alive, ("paid after every person covered died or left", line)
        if entry["code"] == P.DIBAO:
            assert 0 < line["persons"] <= len(alive), ("more persons than alive", line, len(alive))


# --- the test ----------------------------------------------------------------------------------------


def run(steps):
    with time_machine.travel(datetime.datetime(2019, 1, 20, 10), tick=True):
        b = Bureau()
        check_money(b, check_kept(b))
        # A household in payment in one town and a person in the other, whatever is drawn.
        b.enrol_dibao("石城镇", 2, 100, 2)
        b.enrol_tekun("六都镇", 2)
    for (op, *args), read in steps:
        with time_machine.travel(datetime.datetime.combine(b.today(), datetime.time(10)), tick=True):
            try:
                with transaction.atomic():
                    skipped = getattr(b, op)(*args)
            except ValidationError as exc:
                skipped = "refused"  # a step the services refuse now: nothing changed
                event(f"{op}: {str(exc)[:60]}")
            event(f"{op}: {skipped or 'done'}")
            check_money(b, check_kept(b))
            check_page(b, read)


# KEPT_EXAMPLES=80 searches longer (the default keeps the file near 20 s).
@pytest.mark.django_db
@override_settings(RECORDS_CACHE_SECONDS=600)
@settings(
    max_examples=int(os.environ.get("KEPT_EXAMPLES", 5)),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(STEPS, READS), min_size=3, max_size=6))
def test_kept_values_are_never_older_than_the_records(steps):
    with transaction.atomic():
        run(steps)
        transaction.set_rollback(True)

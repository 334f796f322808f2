"""The money defects found when the assistance code was tried (issue #6), each as a test of the
rule that now holds. Every world is built through the services a user's click calls: persons and
households registered, applications submitted and approved, standards drafted and approved,
payrolls generated and approved, deaths recorded on the person's page."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from assistance import programs as P
from assistance import services
from assistance.selectors import deceased_in_cover
from civaffairs import figures, payments
from civaffairs import services as core
from civaffairs.models import Area, Coverage, PaymentLine, Payroll, Program, Relation, Section
from civaffairs.periods import Period
from civaffairs.roles import CASEWORKER
from tests.factories import ProgramFactory, World, make_user, submit

D = datetime.date
NOV18, DEC18 = D(2018, 11, 1), D(2018, 12, 1)
JAN, FEB, MAR, APR, MAY = (D(2019, m, 1) for m in range(1, 6))


@pytest.fixture
def w(db):
    world = World()
    world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    world.standard(P.TEKUN, "rural", 590, D(2018, 1, 1))
    world.standard(P.TEKUN, "care_half", 150, D(2018, 1, 1))
    world.standard(P.DISABILITY_LIVING, "default", 1890, D(2018, 1, 1))
    return world


def lines(case, **kw):
    return sorted(
        PaymentLine.objects.filter(case=case, **kw).values_list("month", "persons", "amount", "kind")
    )


# --- the engine knows no program by name --------------------------------------------------------


def test_a_program_without_registered_rules_is_refused_never_paid_an_empty_payroll(w):
    other = ProgramFactory(code="unruled", name="未登记项目", section=Section.ASSISTANCE)
    with pytest.raises(ValidationError, match="未登记项目.*没有登记发放规则"):
        payments.generate_payroll(actor=w.worker, program=other, month=JAN)
    assert not Payroll.objects.filter(program=other).exists()


# --- deaths -------------------------------------------------------------------------------------


def test_back_pay_counts_the_living_members_of_each_month(w):
    """A household of three, two of whom died in January (recorded in April): January is owed
    the rise for three, February and March for one — and nothing is recovered automatically."""
    case, (head, a, b) = w.dibao(3, income=200)
    w.pay(P.DIBAO, JAN, FEB, MAR)
    w.die(a, D(2019, 1, 10))
    w.die(b, D(2019, 1, 20))
    standard = w.standard(P.DIBAO, "rural", 490, JAN)
    batch = payments.generate_backpay(actor=w.worker, standard=standard)
    assert lines(case, payroll=batch) == [(JAN, 3, Decimal("120.00"), "backpay")]


def test_recording_a_death_ends_the_cover_from_the_next_month_and_the_stock_stops_counting(w):
    case, (head, a) = w.dibao(2, income=200)
    w.pay(P.DIBAO, JAN, FEB)
    assert figures.compute(Period.parse("2019-03"), keys=["dibao.persons"]) == {"dibao.persons": 2}
    w.die(a, D(2019, 2, 14))
    cover = Coverage.objects.get(case=case, person=a)
    assert (cover.end_month, cover.ended_by_death) == (MAR, True)
    assert figures.compute(Period.parse("2019-03"), keys=["dibao.persons"]) == {"dibao.persons": 1}
    # opening + added − removed = closing still holds for the half year.
    f = figures.compute(
        Period.parse("2019H1"), keys=["dibao.opening.persons", "dibao.added.persons", "dibao.removed.persons"]
    )
    closing = figures.compute(Period.parse("2019H1"), keys=["dibao.persons"])["dibao.persons"]
    assert f["dibao.opening.persons"] + f["dibao.added.persons"] - f["dibao.removed.persons"] == closing
    # The paperwork stays on the caseworker's list until the 减人 is approved.
    assert deceased_in_cover(w.town_worker) == 1
    request = services.submit_member_change(
        actor=w.town_worker,
        case=case,
        person=a,
        add=False,
        effective_month=MAR,
        reason="死亡",
        income_total=Decimal("200"),  # the deceased's share of the income ended with them
    )
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    assert deceased_in_cover(w.town_worker) == 0
    [march] = w.pay(P.DIBAO, MAR)
    assert lines(case, payroll=march) == [(MAR, 1, Decimal("250.00"), "regular")]


def test_a_person_is_paid_the_month_of_death_and_never_after(w):
    case = w.person_case(P.TEKUN, category=P.DISPERSED, care_level=P.CARE_HALF)
    w.pay(P.TEKUN, JAN)
    w.die(case.person, D(2019, 2, 28))
    w.pay(P.TEKUN, FEB, MAR)
    assert [m for m, *_ in lines(case)] == [JAN, JAN, FEB, FEB]
    standard = w.standard(P.TEKUN, "rural", 784, JAN)
    batch = payments.generate_backpay(actor=w.worker, standard=standard)
    assert lines(case, payroll=batch) == [
        (JAN, 1, Decimal("194.00"), "backpay"),
        (FEB, 1, Decimal("194.00"), "backpay"),
    ]


def test_arrears_of_a_late_approval_are_paid_even_after_the_case_left_payment(w):
    """Approved after the December payroll, then dead in December: December is still owed and is
    paid by January's payroll, January is not."""
    w.pay(P.DISABILITY_LIVING, NOV18)
    person = w.person(disability_grade=3)
    request = submit(actor=w.town_worker, program=P.DISABILITY_LIVING, person=person, start_month=DEC18)
    w.pay(P.DISABILITY_LIVING, DEC18)
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    w.die(person, D(2018, 12, 30))
    [january] = w.pay(P.DISABILITY_LIVING, JAN)
    assert lines(request.case, payroll=january) == [(DEC18, 1, Decimal("157.50"), "regular")]
    [february] = w.pay(P.DISABILITY_LIVING, FEB)
    assert lines(request.case, payroll=february) == []


# --- standards and enrolment dates --------------------------------------------------------------


def test_a_standard_takes_effect_from_the_first_of_a_month(w):
    with pytest.raises(ValidationError) as exc:
        payments.draft_standard(
            actor=w.worker, program=P.DIBAO, category="rural", amount=490, effective_from=D(2019, 3, 15)
        )
    assert exc.value.message_dict["effective_from"] == ["标准自某月1日起生效，请选择生效年月"]


def test_a_mid_month_standard_is_offered_as_a_month_in_the_form(w, client):
    client.force_login(w.worker)
    page = client.get(reverse("assistance:standard_create")).content.decode()
    assert 'name="effective_from"' in page and 'type="month"' in page


def test_an_enrolment_may_be_backdated_three_months_at_most(w, settings):
    settings.ENROLMENT_MAX_BACKDATE_MONTHS = 3
    person = w.person(disability_grade=3)
    with time_machine.travel(datetime.datetime(2019, 7, 10, 10), tick=False):
        with pytest.raises(ValidationError) as exc:
            submit(actor=w.town_worker, program=P.DISABILITY_LIVING, person=person, start_month=MAR)
        assert exc.value.message_dict["start_month"] == [
            "起始年月最早可追溯3个月（2019年04月），更早的请按历史台账迁移导入"
        ]
        request = submit(actor=w.town_worker, program=P.DISABILITY_LIVING, person=person, start_month=APR)
    assert request.case.start_month == APR


# --- corrections, pending batches, back-pay authorship ------------------------------------------


def test_a_correction_names_its_item_and_books_to_it(w):
    case = w.person_case(P.TEKUN, category=P.DISPERSED, care_level=P.CARE_HALF)
    w.pay(P.TEKUN, JAN)
    assert payments.items_of(case) == [("basic", "基本生活"), ("care", "护理补贴")]
    with time_machine.travel(datetime.datetime(2019, 2, 20, 10), tick=False):
        batch = payments.submit_correction(
            actor=w.worker, case=case, month=JAN, amount=Decimal("-50"), reason="护理等级录错", item="care"
        )
    payments.decide_payroll(actor=w.chief, payroll=batch, approve=True, comment="同意")
    assert lines(case, payroll=batch) == [(JAN, 1, Decimal("-50.00"), "correction")]
    assert PaymentLine.objects.get(payroll=batch).item == "care"
    f = figures.compute(Period.parse("2019H1"), keys=["tekun.paid", "tekun.care_paid"])
    assert f == {"tekun.paid": Decimal("590.00"), "tekun.care_paid": Decimal("100.00")}
    with pytest.raises(ValidationError, match="超过该月该项目已发放的 100.00 元"):
        payments.submit_correction(
            actor=w.worker, case=case, month=JAN, amount=Decimal("-101"), reason="再扣", item="care"
        )


def test_only_approved_lines_count_as_paid_on_the_case_page(w, client):
    case, _people = w.dibao(2, income=200)
    w.pay(P.DIBAO, JAN)
    pending = payments.generate_payroll(actor=w.worker, program=P.DIBAO, month=FEB)
    assert pending.total == Decimal("500.00")
    assert payments.paid_total(PaymentLine.objects.filter(case=case)) == Decimal("500.00")
    client.force_login(w.town_worker)
    page = client.get(reverse("assistance:case_detail", args=[case.pk])).content.decode()
    assert "1,000.00" not in page and "1000.00" not in page


def test_a_back_pay_batch_is_authored_by_who_generated_it_and_decided_by_another(w):
    case, _people = w.dibao(2, income=200)
    w.pay(P.DIBAO, JAN)
    standard = w.standard(P.DIBAO, "rural", 490, JAN)
    second = make_user(CASEWORKER, section=Section.ASSISTANCE)
    batch = payments.generate_backpay(actor=second, standard=standard)
    assert batch.created_by == second
    assert standard.drafted_by == w.worker
    # What a pending batch pays is not owed again, whoever asks.
    assert payments.generate_backpay(actor=w.worker, standard=standard) is None
    payments.decide_payroll(actor=w.chief, payroll=batch, approve=True, comment="同意")
    assert payments.generate_backpay(actor=w.worker, standard=standard) is None


def test_a_program_of_another_app_is_paid_by_the_same_engine(w):
    """The engine dispatches on registered rules only: a program registered by another app
    (here a test one) is priced by its own rules."""
    from civaffairs.payments.rules import Category, ProgramRules, register, registered

    program = ProgramFactory(
        code="test_allowance", name="测试补贴", section=Section.ASSISTANCE, unit="person"
    )
    assert program.cadence == Program.Cadence.MONTHLY
    if "test_allowance" not in registered():
        register(
            ProgramRules(
                code="test_allowance",
                categories=(Category("default", "补贴", "monthly", "allowance"),),
                items=lambda facts: [("allowance", "default")],
            )
        )
    s = payments.draft_standard(
        actor=w.worker, program=program, category="default", amount=625, effective_from=JAN
    )
    payments.decide_standard(actor=w.chief, standard=s, approve=True, comment="同意")
    case = w.person_case("test_allowance", start=JAN)
    [january] = w.pay("test_allowance", JAN)
    assert lines(case, payroll=january) == [(JAN, 1, Decimal("625.00"), "regular")]


# --- what approving pays -------------------------------------------------------------------------


def test_the_decision_page_shows_what_approving_pays_and_warns_when_income_reaches_the_standard(w, client):
    people = [w.person() for _ in range(2)]
    household = core.create_household(
        actor=w.town_worker,
        head=people[0],
        region=w.village,
        area=Area.RURAL,
        income_per_capita=Decimal(200),
        members=[(people[1], Relation.SPOUSE)],
        joined_on=D(2018, 1, 1),
    )
    request = submit(
        actor=w.town_worker, program=P.DIBAO, household=household, start_month=JAN, category="A", income=180
    )
    client.force_login(w.chief)
    page = client.get(reverse("assistance:request_detail", args=[request.pk])).content.decode()
    # (450 − 180) × 2 = 540 a month, priced by the same rules as the payroll.
    assert "批准后每月发放" in page and "540.00" in page and "450.00" in page
    assert 'id="income-warning"' not in page
    rich = submit(
        actor=w.town_worker,
        program=P.DIBAO,
        household=core.create_household(
            actor=w.town_worker,
            head=w.person(),
            region=w.village,
            area=Area.RURAL,
            income_per_capita=Decimal(460),
            joined_on=D(2018, 1, 1),
        ),
        start_month=JAN,
        category="A",
        income=460,
    )
    page = client.get(reverse("assistance:request_detail", args=[rich.pk])).content.decode()
    assert 'id="income-warning"' in page and "460.00" in page


def test_a_late_approval_owed_nothing_under_the_old_standard_is_owed_the_rise(w):
    """Found by the property test: income 450 at the old standard 450, approved after January's
    payroll. February's arrears paid January nothing; raising the standard to 490 owes it 40."""
    w.pay(P.DIBAO, DEC18)
    people = [w.person()]
    household = core.create_household(
        actor=w.town_worker,
        head=people[0],
        region=w.village,
        area=Area.RURAL,
        income_per_capita=Decimal(450),
        joined_on=D(2018, 1, 1),
    )
    request = submit(
        actor=w.town_worker, program=P.DIBAO, household=household, start_month=JAN, category="A", income=450
    )
    w.pay(P.DIBAO, JAN)
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    w.pay(P.DIBAO, FEB)
    assert lines(request.case) == []
    standard = w.standard(P.DIBAO, "rural", 490, JAN)
    batch = payments.generate_backpay(actor=w.worker, standard=standard)
    assert lines(request.case, payroll=batch) == [
        (JAN, 1, Decimal("40.00"), "backpay"),
        (FEB, 1, Decimal("40.00"), "backpay"),
    ]


# --- the household's income is its total; the per-capita figure follows 增人 and 减人 -------------


def test_a_newborn_added_lowers_the_per_capita_income_and_raises_the_benefit(w):
    case, (head, child) = w.dibao(2, income=200)
    household = case.household
    household.refresh_from_db()
    assert household.income_total == Decimal("400.00")
    w.pay(P.DIBAO, JAN)
    baby = w.person()
    core.add_member(
        actor=w.town_worker, household=household, person=baby, relation=Relation.GRANDCHILD, joined_on=FEB
    )
    request = services.submit_member_change(
        actor=w.town_worker, case=case, person=baby, add=True, effective_month=FEB, reason="新生儿入户"
    )
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    household.refresh_from_db()
    assert (household.income_total, household.income_per_capita) == (Decimal("400.00"), Decimal("133.33"))
    w.pay(P.DIBAO, FEB)
    # (450 − 133.33) × 3, not (450 − 200) × 3: the family's income is shared by one more.
    assert lines(case, month=FEB) == [(FEB, 3, Decimal("950.01"), "regular")]


def test_a_member_who_leaves_raises_the_per_capita_income_of_those_who_stay(w):
    case, (head, a, b) = w.dibao(3, income=200)
    w.pay(P.DIBAO, JAN)
    request = services.submit_member_change(
        actor=w.town_worker, case=case, person=b, add=False, effective_month=FEB, reason="户籍迁出"
    )
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    case.household.refresh_from_db()
    assert case.household.income_per_capita == Decimal("300.00")
    w.pay(P.DIBAO, FEB)
    assert lines(case, month=FEB) == [(FEB, 2, Decimal("300.00"), "regular")]


def test_a_review_states_the_per_capita_income_and_the_total_follows(w):
    case, _ = w.dibao(3, income=200)
    w.pay(P.DIBAO, JAN)
    request = services.submit_review(
        actor=w.town_worker, case=case, outcome="amount_changed", effective_month=FEB, income=Decimal("250")
    )
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    case.household.refresh_from_db()
    assert (case.household.income_total, case.household.income_per_capita) == (
        Decimal("750.00"),
        Decimal("250.00"),
    )

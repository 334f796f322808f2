"""Attacks on the work landed late in stop 16 (变更户主, the director's desk links, the cremation
confirm step, a failed import job's error table, the public notice's amount): each test is a hole
found by probing the landed code as an attacker would (hand-made POSTs, another town's or section's
account following the same URL, chosen ID numbers), or a guard confirmed to hold. Worlds are built
through the services (tests.factories World and ProcedureTown, the welfare world)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assistance import programs as P
from assistance.services import procedure as proc
from civaffairs import services as core
from civaffairs.models import AuditEvent, Household, HouseholdMember, Person, Relation, Section
from civaffairs.roles import AUDITOR, CASEWORKER, CHIEF, DIRECTOR
from tests.factories import ProcedureTown, World, at, home_visit, make_user
from tests.welfare.conftest import WelfareWorld
from welfare.models import Cremation

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def _household(w, size=3):
    people = [w.person() for _ in range(size)]
    household = core.create_household(
        actor=w.town_worker,
        head=people[0],
        region=w.village,
        area="rural",
        income_per_capita=Decimal(200),
        members=[(p, Relation.CHILD) for p in people[1:]],
        joined_on=D(2018, 1, 1),
    )
    return household, people


def _head_url(household):
    return reverse("household_change_head", args=[household.pk])


# --- 1. 变更户主 ---------------------------------------------------------------------------------


def test_a_member_who_has_since_died_cannot_be_made_head_by_backdating_the_change(w):
    """The service refused a dead new head only when the death was on or before the change date:
    dating the change a day before the member's death made a dead person the household's head
    today, and payrolls generated afterwards named the dead as payee."""
    household, (_head, spouse, _child) = _household(w)
    w.die(spouse, D(2019, 1, 20))
    with pytest.raises(ValidationError) as exc:
        core.change_head(actor=w.town_worker, household=household, new_head=spouse, on=D(2019, 1, 10))
    assert exc.value.message_dict["new_head"] == [f"{spouse.name}已于2019-01-20死亡，不能担任户主"]
    household.refresh_from_db()
    assert household.head_id == _head.pk
    assert not AuditEvent.objects.filter(action="household.change_head").exists()


def test_another_towns_caseworker_posting_to_the_change_head_page_gets_404(w, login):
    household, (head, spouse, _child) = _household(w)
    other = login(make_user(CASEWORKER, town="六都镇"))
    data = {"new_head": spouse.pk, "old_head_relation": Relation.SPOUSE, "on": "2019-03-01"}
    assert other.post(_head_url(household), data).status_code == 404
    household.refresh_from_db()
    assert household.head_id == head.pk


@pytest.mark.parametrize("section", [Section.WELFARE, Section.GRASSROOTS])
def test_a_welfare_or_grassroots_caseworker_cannot_change_a_head(w, login, section):
    household, (head, spouse, _child) = _household(w)
    client = login(make_user(CASEWORKER, section=section))
    data = {"new_head": spouse.pk, "old_head_relation": Relation.SPOUSE, "on": "2019-03-01"}
    assert client.post(_head_url(household), data).status_code in (403, 404)
    household.refresh_from_db()
    assert household.head_id == head.pk


@pytest.mark.parametrize("role", [DIRECTOR, AUDITOR, CHIEF])
def test_readers_cannot_change_a_head(w, login, role):
    household, (head, spouse, _child) = _household(w)
    client = login(make_user(role, section=Section.ASSISTANCE if role == CHIEF else ""))
    data = {"new_head": spouse.pk, "old_head_relation": Relation.SPOUSE, "on": "2019-03-01"}
    assert client.post(_head_url(household), data).status_code == 403
    household.refresh_from_db()
    assert household.head_id == head.pk


def test_a_person_of_another_household_or_town_cannot_be_posted_as_the_new_head(w, login):
    household, (head, _spouse, _child) = _household(w)
    other_household, (_h, stranger, _c) = _household(w)
    client = login(w.town_worker)
    for person in (stranger, other_household.head):
        response = client.post(
            _head_url(household),
            {"new_head": person.pk, "old_head_relation": Relation.OTHER, "on": "2019-03-01"},
        )
        assert response.status_code == 200 and "新户主" in response.content.decode()
    household.refresh_from_db()
    assert household.head_id == head.pk
    assert HouseholdMember.objects.filter(person=stranger, household=household).count() == 0


def test_a_member_who_left_a_minor_or_the_dead_cannot_be_posted_as_the_new_head(w, login):
    from civaffairs.idnumber import make_id_number

    household, (head, spouse, left) = _household(w)
    core.remove_member(
        actor=w.town_worker,
        member=HouseholdMember.objects.get(household=household, person=left),
        left_on=D(2019, 2, 1),
    )
    minor = core.create_person(
        actor=w.town_worker,
        name="测试小童",
        id_number=make_id_number("445303", D(2015, 6, 1), 77),
        region=w.village,
    )
    core.add_member(
        actor=w.town_worker,
        household=household,
        person=minor,
        relation=Relation.CHILD,
        joined_on=D(2018, 1, 1),
    )
    w.die(spouse, D(2019, 1, 20))
    client = login(w.town_worker)
    for person in (left, minor, spouse):
        response = client.post(
            _head_url(household),
            {"new_head": person.pk, "old_head_relation": Relation.OTHER, "on": "2019-01-10"},
        )
        assert response.status_code == 200
    household.refresh_from_db()
    assert household.head_id == head.pk


def test_a_replayed_change_head_post_changes_nothing_twice_and_the_old_head_is_never_head_again(w, login):
    household, (head, spouse, _child) = _household(w)
    client = login(w.town_worker)
    data = {"new_head": spouse.pk, "old_head_relation": Relation.SPOUSE, "on": "2019-03-01"}
    assert client.post(_head_url(household), data).status_code == 302
    replay = client.post(_head_url(household), data)
    assert replay.status_code == 200
    forged = client.post(
        _head_url(household), {"new_head": head.pk, "old_head_relation": Relation.HEAD, "on": "2019-03-01"}
    )
    assert forged.status_code == 200
    household.refresh_from_db()
    assert household.head_id == spouse.pk
    heads = HouseholdMember.objects.filter(household=household, relation=Relation.HEAD, left_on__isnull=True)
    assert list(heads.values_list("person_id", flat=True)) == [spouse.pk]
    assert AuditEvent.objects.filter(action="household.change_head").count() == 1


def test_names_shown_on_the_change_head_page_cannot_carry_markup(w, login):
    """The page prints the members' names (autoescaped); the registry refuses markup in a name at all."""
    with pytest.raises(ValidationError) as exc:
        w.person(name="<script>x</script>")
    assert "<" in exc.value.message_dict["name"][0]
    household, (head, _spouse, _child) = _household(w)
    html = login(w.town_worker).get(_head_url(household)).content.decode()
    assert head.name in html and "<script>x" not in html


def test_a_payroll_awaiting_approval_keeps_its_payee_and_account_after_a_change_of_head(w):
    from civaffairs import payments
    from civaffairs.models import PaymentLine

    w.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    case, (head, spouse, _child) = w.dibao(3, 200)
    payroll = payments.generate_payroll(actor=w.worker, program=P.DIBAO, month=D(2019, 1, 1))
    before = list(PaymentLine.objects.filter(payroll=payroll).values_list("payee", "bank_account", "amount"))
    core.change_head(actor=w.town_worker, household=case.household, new_head=spouse, on=D(2019, 1, 5))
    payments.decide_payroll(actor=w.chief, payroll=payroll, approve=True, comment="同意")
    after = list(PaymentLine.objects.filter(payroll=payroll).values_list("payee", "bank_account", "amount"))
    assert after == before and before[0][:2] == (head.name, "6230000000000001")


# --- 2. the director's desk links ---------------------------------------------------------------


def test_the_desks_overdue_review_link_shows_its_count_and_nothing_of_another_town(w, login):
    from civaffairs.home import bureau_todos

    with at(D(2019, 1, 10)):
        w.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
        w.dibao(2, 200)
    today = D(2030, 1, 1)  # every review is long overdue
    director = make_user(DIRECTOR)
    [item] = [i for i in bureau_todos(director, today) if i["label"] == "逾期未复核"]
    assert item["count"] >= 1
    case_name = Household.objects.get().head.name
    assert case_name in login(director).get(item["url"]).content.decode()
    # Another town's caseworker and the welfare staff following the same link see none of them.
    for other in (make_user(CASEWORKER, town="六都镇"), make_user(CASEWORKER, section=Section.WELFARE)):
        response = login(other).get(item["url"])
        assert response.status_code in (200, 403, 404)
        assert case_name not in response.content.decode()


# --- 3. the cremation confirm step --------------------------------------------------------------


def _cremation(ww, id_number, name):
    return {
        "deceased_name": name,
        "id_number": id_number,
        "death_date": "2019-02-10",
        "date": "2019-02-12",
        "funeral_home": "云浮市殡仪馆",
        "local": "on",
        "town": ww.shicheng.pk,
        "funds": "1400",
    }


def test_the_cremation_confirm_page_does_not_tell_welfare_staff_who_a_number_belongs_to_and_what_they_get(
    login,
):
    """The confirm step looked the number up alone: welfare staff typing any name with an ID number
    were shown the registered person's masked name (the surname) and every program paying them —
    a 低保 household member's benefits, which 社会福利股 may not read (README: persons of its own
    section's records only; a cremation whose name differs records no death). Only the registered
    name with its number is confirmed; any other name is refused as recording would refuse it."""
    ww = WelfareWorld()
    w = World()
    w.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    _case, (head, _other) = w.dibao(2, 200)
    client = login(ww.staff)
    url = reverse("welfare:cremation_create")

    page = client.post(url, _cremation(ww, head.id_number, "随便写"))
    html = page.content.decode()
    assert "确认登记并停发" not in html and "低保" not in html and head.name[0] + "*" not in html
    assert "姓名与人员库中该身份证号登记的姓名不一致" in html
    assert not Cremation.objects.exists() and Person.objects.get(pk=head.pk).death_date is None

    # Forging 'confirmed' with the wrong name saves nothing either.
    forged = client.post(url, {**_cremation(ww, head.id_number, "随便写"), "confirmed": "1"})
    assert forged.status_code == 200
    assert not Cremation.objects.exists() and Person.objects.get(pk=head.pk).death_date is None

    # The registered name with its number is confirmed first, nothing written until then.
    page = client.post(url, _cremation(ww, head.id_number, head.name))
    assert "确认登记并停发" in page.content.decode()
    assert not Cremation.objects.exists() and Person.objects.get(pk=head.pk).death_date is None


# --- 5. the public notice's amount ---------------------------------------------------------------


def test_a_posted_amount_on_the_notice_step_is_ignored(login):
    town = ProcedureTown()
    w = town.w
    p = town.through_town(town.accept())
    with at(D(2019, 3, 6)):
        proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="amount")
        p.refresh_from_db()
        if p.sampled:
            home_visit(w.chief, p.case, D(2019, 3, 6))
        expected = proc.proposed_amount(p)
        response = login(w.chief).post(
            reverse("assistance:procedure_step", args=[p.pk, "notice"]),
            {"starts_on": "2019-03-06", "ends_on": "2019-03-12", "amount": "1"},
        )
        assert response.status_code in (200, 302)
        notice = p.case.notices.get()
        assert notice.amount == expected and notice.amount != Decimal("1")


@pytest.mark.parametrize("role", [DIRECTOR, AUDITOR])
def test_the_desks_pending_standard_and_payroll_counts_are_the_rows_their_links_list(w, login, role):
    from civaffairs import payments
    from civaffairs.home import bureau_todos

    w.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    w.dibao(2, 200)
    payments.draft_standard(
        actor=w.worker,
        program=P.DIBAO,
        category="urban",
        amount=Decimal("612.34"),
        effective_from=D(2019, 1, 1),
    )
    payments.generate_payroll(actor=w.worker, program=P.DIBAO, month=D(2019, 1, 1))
    user = make_user(role)
    items = {i["label"]: i for i in bureau_todos(user, D(2019, 1, 10))}
    client = login(user)
    standards, payrolls = items["待审批保障标准"], items["待审批发放名册"]
    assert (standards["count"], payrolls["count"]) == (1, 1)
    listed = client.get(standards["url"]).content.decode()
    assert "612.34" in listed and "450" not in listed.split("<table")[-1]
    listed = client.get(payrolls["url"]).content.decode()
    assert "2019年01月" in listed
    # The welfare and grassroots staff following the links see no other section's batch. (A town
    # caseworker reads 社会救助股's standards, pending ones included: the rates are no one's data.)
    for section in (Section.WELFARE, Section.GRASSROOTS):
        other = login(make_user(CASEWORKER, section=section))
        for url, needle in ((standards["url"], "612.34"), (payrolls["url"], "2019年01月")):
            response = other.get(url)
            assert response.status_code in (403, 404) or needle not in response.content.decode()

"""变更户主: a living adult member becomes the household's head — above all when the head has died,
so that payrolls stop naming a dead person as the payee."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assistance import programs as P
from civaffairs import payments
from civaffairs import services as core
from civaffairs.idnumber import make_id_number
from civaffairs.models import AuditEvent, HouseholdMember, PaymentLine, Relation
from civaffairs.roles import CASEWORKER
from tests.factories import World, make_user

pytestmark = pytest.mark.django_db

D = datetime.date
JAN, FEB = D(2019, 1, 1), D(2019, 2, 1)


@pytest.fixture
def w():
    return World()


def household_of(w, size=3):
    """A household of `size` adults of 石城镇 registered by the town's caseworker (members joined
    2018-01-01), without any program."""
    people = [w.person() for _ in range(size)]
    household = core.create_household(
        actor=w.town_worker,
        head=people[0],
        region=w.village,
        area="rural",
        income_per_capita=Decimal(200),
        members=[(p, Relation.SPOUSE if i == 1 else Relation.CHILD) for i, p in enumerate(people) if i],
        joined_on=D(2018, 1, 1),
    )
    return household, people


def child_of(w, household, born=None):
    child = core.create_person(
        actor=w.town_worker,
        name="测试小童",
        id_number=make_id_number("445303", born or D(2010, 6, 1), 77),
        region=w.village,
    )
    core.add_member(
        actor=w.town_worker,
        household=household,
        person=child,
        relation=Relation.CHILD,
        joined_on=D(2018, 1, 1),
    )
    return child


def relations(household):
    return dict(
        HouseholdMember.objects.filter(household=household, left_on__isnull=True).values_list(
            "person__name", "relation"
        )
    )


def refused(field, **kwargs):
    with pytest.raises(ValidationError) as exc:
        core.change_head(**kwargs)
    return exc.value.message_dict[field][0]


# --- the service -------------------------------------------------------------------------------


def test_a_living_adult_member_becomes_the_head_and_the_old_head_stays_a_member(w):
    household, (head, spouse, _child) = household_of(w)
    w.die(head, D(2019, 1, 20))
    version = household.version

    changed = core.change_head(
        actor=w.town_worker,
        household=household,
        new_head=spouse,
        old_head_relation=Relation.SPOUSE,
        on=D(2019, 1, 25),
    )

    assert changed.head == spouse
    assert changed.version == version + 1
    assert str(changed) == f"{spouse.name}户"
    got = relations(household)
    assert (got[spouse.name], got[head.name]) == (Relation.HEAD, Relation.SPOUSE)
    assert list(got.values()).count(Relation.HEAD) == 1
    event = AuditEvent.objects.get(action="household.change_head")
    assert event.changes == {
        "old_head": head.name,
        "new_head": spouse.name,
        "old_head_relation": "配偶",
        "on": "2019-01-25",
    }


def test_the_old_heads_relation_defaults_to_other(w):
    household, (head, spouse, _child) = household_of(w)
    core.change_head(actor=w.town_worker, household=household, new_head=spouse, on=D(2019, 3, 1))
    assert relations(household)[head.name] == Relation.OTHER


def test_the_new_head_must_be_a_current_member_of_this_household(w):
    household, (_head, spouse, child) = household_of(w)
    stranger = w.person()
    message = refused(
        "new_head", actor=w.town_worker, household=household, new_head=stranger, on=D(2019, 3, 1)
    )
    assert message == f"{stranger.name}不是该户成员"

    member = HouseholdMember.objects.get(household=household, person=child)
    core.remove_member(actor=w.town_worker, member=member, left_on=D(2019, 2, 1))
    message = refused("new_head", actor=w.town_worker, household=household, new_head=child, on=D(2019, 3, 1))
    assert message == f"{child.name}已于2019-02-01离开该户，不能担任户主"

    message = refused(
        "new_head", actor=w.town_worker, household=household, new_head=household.head, on=D(2019, 3, 1)
    )
    assert message.endswith("已是该户户主")


def test_a_child_cannot_become_the_head(w):
    household, _people = household_of(w, size=1)
    child = child_of(w, household, born=D(2001, 3, 2))
    message = refused("new_head", actor=w.town_worker, household=household, new_head=child, on=D(2019, 3, 1))
    assert message == f"{child.name}未满18周岁，不能担任户主；请选择成年家庭成员"
    # On the eighteenth birthday they may.
    core.change_head(actor=w.town_worker, household=household, new_head=child, on=D(2019, 3, 2))
    household.refresh_from_db()
    assert household.head == child


def test_a_dead_member_cannot_become_the_head(w):
    household, (_head, spouse, _child) = household_of(w)
    w.die(spouse, D(2019, 1, 20))
    message = refused("new_head", actor=w.town_worker, household=household, new_head=spouse, on=D(2019, 3, 1))
    assert message == f"{spouse.name}已于2019-01-20死亡，不能担任户主"


def test_the_date_is_not_in_the_future_nor_before_the_new_head_joined(w):
    household, (_head, spouse, _child) = household_of(w)
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    kw = {"actor": w.town_worker, "household": household, "new_head": spouse}
    assert refused("on", on=tomorrow, **kw) == "变更日期不能晚于今天"
    assert refused("on", on=D(2017, 12, 31), **kw) == f"变更日期早于{spouse.name}加入该户的日期（2018-01-01）"


def test_the_old_head_cannot_stay_head(w):
    household, (_head, spouse, _child) = household_of(w)
    message = refused(
        "old_head_relation",
        actor=w.town_worker,
        household=household,
        new_head=spouse,
        old_head_relation=Relation.HEAD,
        on=D(2019, 3, 1),
    )
    assert message == "一户只能有一名户主：请选择原户主与新户主的关系"
    household.refresh_from_db()
    assert household.head.name == _head.name
    assert not AuditEvent.objects.filter(action="household.change_head").exists()


def test_another_towns_caseworker_cannot_change_the_head(w):
    household, (_head, spouse, _child) = household_of(w)
    other = make_user(CASEWORKER, town="六都镇")
    with pytest.raises(PermissionDenied):
        core.change_head(actor=other, household=household, new_head=spouse, on=D(2019, 3, 1))


def test_removing_the_head_points_to_change_head(w):
    household, _people = household_of(w)
    head_member = HouseholdMember.objects.get(household=household, relation=Relation.HEAD)
    with pytest.raises(ValidationError) as exc:
        core.remove_member(actor=w.town_worker, member=head_member, left_on=D(2019, 3, 1))
    assert exc.value.message_dict["left_on"] == ["户主不能移出，请先在家庭页面“变更户主”"]


# --- payments ----------------------------------------------------------------------------------


def test_after_the_heads_death_and_the_change_the_payroll_pays_the_new_head(w):
    """3 persons at income 200 under a 450 standard: 750 a month; the head dies in January, so
    February pays the 2 living ones, 500 — to the new head, into the household's account."""
    w.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    case, (head, spouse, _child) = w.dibao(3, 200)
    [january] = w.pay(P.DIBAO, JAN)
    jan = PaymentLine.objects.get(payroll=january, month=JAN)
    assert (jan.payee, jan.amount, jan.bank_account) == (head.name, Decimal("750.00"), "6230000000000001")

    w.die(head, D(2019, 1, 20))
    core.change_head(
        actor=w.town_worker,
        household=case.household,
        new_head=spouse,
        old_head_relation=Relation.SPOUSE,
        on=D(2019, 1, 25),
    )
    february = payments.generate_payroll(actor=w.worker, program=P.DIBAO, month=FEB)

    feb = PaymentLine.objects.get(payroll=february, month=FEB)
    assert (feb.payee, feb.amount, feb.bank_account) == (spouse.name, Decimal("500.00"), "6230000000000001")
    # The line generated before the change keeps the payee it was generated with.
    jan.refresh_from_db()
    assert jan.payee == head.name


# --- the page ----------------------------------------------------------------------------------


def test_the_page_offers_the_living_adult_members_and_changes_the_head(w, login):
    household, (head, spouse, child) = household_of(w)
    minor = child_of(w, household)
    w.die(head, D(2019, 1, 20))
    client = login(w.town_worker)

    detail = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert reverse("household_change_head", args=[household.pk]) in detail
    assert "户主已于2019年1月20日死亡" in detail

    page = client.get(reverse("household_change_head", args=[household.pk]))
    html = page.content.decode()
    assert "确认变更户主" in html
    offered = [label for value, label in page.context["form"].fields["new_head"].choices if value]
    assert offered == [f"{spouse.name}（{spouse.masked_id}）", f"{child.name}（{child.masked_id}）"]
    assert minor.name not in html and spouse.id_number not in html

    response = client.post(
        reverse("household_change_head", args=[household.pk]),
        {"new_head": spouse.pk, "old_head_relation": "spouse", "on": "2019-01-25"},
        follow=True,
    )
    html = response.content.decode()
    assert f"已将户主由{head.name}变更为{spouse.name}。" in html
    household.refresh_from_db()
    assert household.head == spouse
    assert relations(household)[head.name] == Relation.SPOUSE


def test_a_bad_change_keeps_the_input_and_shows_the_error_under_its_field(w, login):
    household, (head, spouse, _child) = household_of(w)
    client = login(w.town_worker)
    response = client.post(
        reverse("household_change_head", args=[household.pk]),
        {"new_head": spouse.pk, "old_head_relation": "spouse", "on": "2017-06-01"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"on": [f"变更日期早于{spouse.name}加入该户的日期（2018-01-01）"]}
    html = response.content.decode()
    assert 'id="id_on_error"' in html
    assert 'value="2017-06-01"' in html
    assert f'<option value="{spouse.pk}" selected>' in html
    assert '<option value="spouse" selected>' in html
    household.refresh_from_db()
    assert household.head == head

    missing = client.post(reverse("household_change_head", args=[household.pk]), {"on": "2019-01-25"})
    assert missing.context["form"].errors == {
        "new_head": ["请选择新户主"],
        "old_head_relation": ["请选择原户主与新户主的关系"],
    }

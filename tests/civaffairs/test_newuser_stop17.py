"""A new user's findings at stop 17 (the case list's search, the records' kept counts), each
reproduced through the screens' views with a world built by the services (tests.factories)."""

import datetime

import pytest
from django.urls import reverse

from assistance import programs as P
from civaffairs import services as core
from civaffairs.roles import DIRECTOR
from tests.factories import World, enrol, id_number_for, make_user

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def _listed(response, needle):
    assert response.status_code == 200
    return needle in response.content.decode()


def test_the_case_list_finds_a_case_by_the_id_number_ending_its_table_shows(w, login):
    """The case list shows numbers masked (445303********069X) and its box asks for 姓名或身份证号;
    typed, those four digits found nothing there (only the whole number did), while the person list
    found the person by them."""
    w.standard(P.DIBAO, "rural", "400", D(2018, 1, 1))
    case, people = w.dibao(2, "100")
    head, member = people
    url = reverse("assistance:case_list")
    for user in (w.town_worker, make_user(DIRECTOR)):
        client = login(user)
        assert _listed(client.get(url, {"q": head.id_number[-4:]}), head.name)
        assert _listed(client.get(url, {"q": head.id_number[-4:].lower()}), head.name)
        # A covered member's ending finds the household's case, as the whole number does.
        assert _listed(client.get(url, {"q": member.id_number[-4:]}), head.name)
    # No more than the four digits the mask shows for whoever reads numbers masked.
    director = login(make_user(DIRECTOR))
    assert not _listed(director.get(url, {"q": head.id_number[-5:]}), head.name)


def test_the_case_list_search_by_an_ending_shows_no_other_towns_case(w, login, liudu_village):
    w.standard(P.TEKUN, "rural", "500", D(2018, 1, 1))
    other = core.create_person(
        actor=w.worker, name="六都对象", id_number=id_number_for(7003), region=liudu_village
    )
    enrol(
        actor=w.worker,
        chief=w.chief,
        program=P.TEKUN,
        person=other,
        start_month=D(2018, 11, 1),
        category=P.DISPERSED,
    )
    url = reverse("assistance:case_list")
    assert _listed(login(w.chief).get(url, {"q": other.id_number[-4:]}), "六都对象")
    assert not _listed(login(w.town_worker).get(url, {"q": other.id_number[-4:]}), "六都对象")


@pytest.mark.parametrize("sort", ["subject", "-subject"])
def test_the_case_list_sorted_by_name_is_one_order_of_households_and_persons(w, login, sort):
    """Sorted by 对象, the case list put the households (by the head's name) and the persons'
    cases (by the person's name) one after the other: two runs of names, 陈霞 then 陈丽涛."""
    w.standard(P.DIBAO, "rural", "400", D(2018, 1, 1))
    w.standard(P.TEKUN, "rural", "500", D(2018, 1, 1))
    for k in range(3):
        w.dibao(1, 100 + k)
        w.person_case(P.TEKUN, category="dispersed", area="rural")
    response = login(w.chief).get(reverse("assistance:case_list"), {"sort": sort})
    names = [row.record.subject_name for row in response.context["table"].page.object_list]
    assert len(names) == 6
    assert names == sorted(names, reverse=sort.startswith("-"))


def test_the_reviews_due_in_30_days_link_lists_the_cases_counted(w, login):
    """The town caseworker's 30天内到期复核 counted the reviews due from today on, and its link
    listed every review due by today + 30 days, the overdue ones too: 0 on the home page, 1,128 on
    the list it opened."""
    import time_machine

    with time_machine.travel(datetime.datetime(2019, 1, 20, 10), tick=False):
        w.standard(P.DIBAO, "rural", "400", D(2018, 1, 1))
        early, _ = w.dibao(1, "100")
    with time_machine.travel(datetime.datetime(2019, 5, 20, 10), tick=False):
        late, _ = w.dibao(1, "100", start=D(2019, 5, 1))
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.next_review < late.next_review
    today = late.next_review - datetime.timedelta(days=10)
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(10)), tick=False):
        client = login(w.town_worker)
        panels = {p["label"]: p for p in client.get(reverse("home")).context["panels"]}
        overdue, due = panels["逾期未复核"], panels["30天内到期复核"]
        assert (overdue["count"], due["count"]) == (1, 1)
        for panel, case in ((overdue, early), (due, late)):
            listed = [row.record.pk for row in client.get(panel["url"]).context["table"].page.object_list]
            assert listed == [case.pk]


def test_the_members_in_office_link_lists_the_members_counted(login):
    """基层政权 staff's 在任村务监督委员会成员 counted the members without a term end (0 in the demo,
    whose terms end in March 2021) and its link listed every member ever registered (348)."""
    from civaffairs import roles
    from civaffairs.models import Section
    from grassroots import services as gr
    from grassroots.programs import ensure_programs
    from tests.factories import PersonFactory, make_user, village

    ensure_programs()
    staff = make_user(roles.CASEWORKER, section=Section.GRASSROOTS, username="jiceng_stop17")
    committee = village("石城镇", name="上洞村")
    today = datetime.date.today()

    def member(term_end):
        return gr.register_member(
            actor=staff,
            person=PersonFactory(region=committee),
            committee=committee,
            role="member",
            term_start=D(2018, 6, 1),
            term_end=term_end,
            bank_name="云浮农商银行",
            bank_account="6230000011112222",
        )

    serving = [member(None), member(today.replace(day=1) + datetime.timedelta(days=400))]
    member(D(2019, 3, 31))  # a term that ended
    client = login(staff)
    panels = {p["label"]: p for p in client.get(reverse("home")).context["panels"]}
    panel = panels["在任村务监督委员会成员"]
    assert panel["count"] == 2
    listed = [row.record.pk for row in client.get(panel["url"]).context["table"].page.object_list]
    assert sorted(listed) == sorted(m.pk for m in serving)

"""What a new user met on the grassroots screens of the demo district: 113 乡贤理事会 in a list
with no filter at all. The worlds are built through grassroots' services."""

import datetime

import pytest

from grassroots import services
from grassroots.creditcode import make_credit_code

D = datetime.date
pytestmark = pytest.mark.django_db


def test_the_council_list_filters_by_town_status_and_name(gr_staff, login, committee, other_committee):
    services.file_council(actor=gr_staff, name="上洞乡贤理事会", village=committee, filed_on=D(2019, 3, 1))
    services.register_council(
        actor=gr_staff,
        credit_code=make_credit_code("1", 11),
        registered_on=D(2019, 4, 1),
        name="大河乡贤理事会",
        village=other_committee,
    )
    client = login(gr_staff)

    def names(query):
        table = client.get("/grassroots/councils/", query).context["table"]
        return sorted(c.name for c in table.data)

    assert names({}) == ["上洞乡贤理事会", "大河乡贤理事会"]
    assert names({"town": committee.town_id}) == ["上洞乡贤理事会"]
    assert names({"status": "registered"}) == ["大河乡贤理事会"]
    assert names({"status": "filed"}) == ["上洞乡贤理事会"]
    assert names({"name": "大河"}) == ["大河乡贤理事会"]
    html = client.get("/grassroots/councils/").content.decode()
    assert 'id="id_town"' in html and 'id="id_status"' in html


def test_a_refused_member_leaves_no_person_behind(gr_staff, login, committee):
    from civaffairs.idnumber import make_id_number
    from civaffairs.models import AuditEvent, Person

    number = make_id_number("445303", D(1970, 5, 5), 777)
    response = login(gr_staff).post(
        "/grassroots/members/new/",
        {
            "name": "黄志明",
            "id_number": number,
            "committee": committee.pk,
            "role": "member",
            "term_start": "2019-06-01",
            "term_end": "2019-01-01",  # before it starts
            "bank_name": "云浮农商银行",
            "bank_account": "6217000011112222",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["term_end"]
    assert not Person.objects.filter(id_number=number).exists()
    assert not AuditEvent.objects.filter(action="person.create").exists()


@pytest.mark.parametrize("url", ["members", "stations", "workers", "orgs", "projects", "clues"])
def test_a_form_asks_to_choose_rather_than_showing_dashes(gr_staff, login, committee, url):
    html = login(gr_staff).get(f"/grassroots/{url}/new/").content.decode()
    assert "---------" not in html
    assert "（请选择）" in html or "（不填）" in html


def test_the_village_rules_page_shows_the_completion_counted_from_the_records(
    gr_staff, login, committee, other_committee
):
    from civaffairs.models import Region
    from tests.factories import natural_village

    natural = [natural_village(committee), natural_village(committee)]
    services.set_village_rule(actor=gr_staff, region=committee, status="filed", status_date=D(2019, 5, 13))
    services.set_village_rule(
        actor=gr_staff, region=other_committee, status="drafting", status_date=D(2019, 3, 1)
    )
    services.set_village_rule(actor=gr_staff, region=natural[0], status="adopted", status_date=D(2019, 4, 8))
    response = login(gr_staff).get("/grassroots/village-rules/")
    committees, naturals = response.context["completion"]
    total_committees = Region.objects.filter(level=Region.Level.VILLAGE).count()
    assert (committees["total"], committees["done"], committees["filed"], committees["drafting"]) == (
        total_committees,
        1,
        1,
        1,
    )
    assert (naturals["total"], naturals["done"], naturals["rate"]) == (2, 1, "50.0%")
    assert 'id="completion"' in response.content.decode()


def test_a_missing_field_is_named_under_it(gr_staff, login):
    html = login(gr_staff).post("/grassroots/orgs/new/", {"address": ""}).content.decode()
    assert "请填写名称" in html and "请填写法定代表人" in html
    assert "请选择类型" in html
    assert "这个字段是必填项" not in html

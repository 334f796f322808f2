"""Recording the cremation of a registered person covered by a benefit records their death, which
stops their benefits: the form first asks to confirm, naming (masked) whom and which programs stop
from which month. Nothing is saved until confirmed; 返回修改 brings the form back as typed; a
deceased who is not registered, or covered by nothing, is recorded at once as before."""

import datetime

from django.urls import reverse

from assistance import programs as P
from civaffairs.models import Coverage, Person
from tests.factories import World
from welfare.models import Cremation

D = datetime.date


def _form(ww, id_number, name="黄老伯"):
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


def test_the_cremation_of_a_covered_person_asks_first_which_benefits_stop_and_from_when(ww, login):
    w = World()
    w.standard(P.ORPHAN, P.DISPERSED, 1000, D(2018, 1, 1))
    case = w.person_case(
        P.ORPHAN, category=P.DISPERSED, start=D(2019, 1, 1), person_fields={"name": "黄小明"}
    )
    person = case.person
    client = login(ww.staff)
    url = reverse("welfare:cremation_create")

    page = client.post(url, _form(ww, person.id_number, "黄小明"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "确认火化登记" in html and "<strong>黄*明</strong>" in html and "黄小明</strong>" not in html
    assert f"<tr><td>{case.program.name}</td><td>2019年3月</td></tr>" in html
    assert person.id_number not in html.split('<form method="post"')[0]  # masked where it is shown
    assert not Cremation.objects.exists() and Person.objects.get(pk=person.pk).death_date is None

    again = client.post(url, {**_form(ww, person.id_number, "黄小明"), "edit": "1"}).content.decode()
    assert 'value="黄小明"' in again and "确认登记并停发" not in again
    assert not Cremation.objects.exists()

    done = client.post(url, {**_form(ww, person.id_number, "黄小明"), "confirmed": "1"})

    assert done.status_code == 302
    assert Cremation.objects.get().person_id == person.pk
    assert Person.objects.get(pk=person.pk).death_date == D(2019, 2, 10)
    assert Coverage.objects.get(case=case).end_month == D(2019, 3, 1)


def test_a_deceased_not_registered_or_covered_by_nothing_is_recorded_at_once(ww, login):
    w = World()
    uncovered = w.person(name="陈阿婆")
    client = login(ww.staff)
    url = reverse("welfare:cremation_create")
    assert client.post(url, _form(ww, ww.id(1930), "梁老伯")).status_code == 302
    assert client.post(url, _form(ww, uncovered.id_number, "陈阿婆")).status_code == 302
    assert Cremation.objects.count() == 2

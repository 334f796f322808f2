"""Every welfare URL for anonymous, wrong role, wrong section, the section's staff and chief, the
director and the auditor; then the screens' success and invalid input."""

import datetime

import pytest
from django.urls import reverse

from civaffairs.models import Section
from civaffairs.roles import AUDITOR, CASEWORKER, CHIEF, DIRECTOR
from tests.factories import make_user
from welfare import services
from welfare.models import Cremation, HazardClosure, Inspection, MarriageRegistration

D = datetime.date

READ = [
    "institution_list",
    "inspection_list",
    "hazard_list",
    "retrofit_list",
    "project_list",
    "marriage_list",
    "adoption_list",
    "cremation_list",
    "publicity_list",
]
CREATE = [
    "institution_create",
    "inspection_create",
    "retrofit_create",
    "project_create",
    "marriage_create",
    "adoption_create",
    "cremation_create",
    "publicity_create",
]


@pytest.fixture
def world(ww):
    home = ww.home()
    inspection = ww.inspect(home, D(2019, 3, 10), [("灭火器过期", D(2019, 4, 10))])
    hazard = inspection.hazards.get()
    closure = services.submit_hazard_closure(
        actor=ww.staff, hazard=hazard, rectified_on=D(2019, 4, 1), note="已更换"
    )
    project = services.create_facility_project(
        actor=ww.staff, kind="cemetery", name="生态墓", region=ww.liudu
    )
    report = services.submit_milestone(
        actor=ww.staff, milestone=project.milestones.get(name="立项"), reached_on=D(2019, 2, 1)
    )
    ww.urls = {
        "read": [reverse(f"welfare:{n}") for n in READ]
        + [
            reverse("welfare:institution_detail", args=[home.pk]),
            reverse("welfare:inspection_detail", args=[inspection.pk]),
            reverse("welfare:project_detail", args=[project.pk]),
        ],
        "staff": [reverse(f"welfare:{n}") for n in CREATE]
        + [reverse("welfare:institution_edit", args=[home.pk])],
        "chief": [reverse("welfare:inbox")],
        "staff_post": [
            reverse("welfare:hazard_close", args=[hazard.pk]),
            reverse("welfare:hazard_add", args=[inspection.pk]),
            reverse("welfare:milestone_submit", args=[project.pk]),
            reverse("welfare:project_funds", args=[project.pk]),
        ],
        "chief_post": [
            reverse("welfare:closure_decide", args=[closure.pk]),
            reverse("welfare:milestone_decide", args=[report.pk]),
        ],
    }
    ww.closure, ww.report, ww.inspection = closure, report, inspection
    return ww


def expected(who, group):
    readers = {"staff", "chief", "director", "auditor"}
    if group == "read":
        return 200 if who in readers else 403
    if group == "staff":
        return 200 if who == "staff" else 403
    if group == "chief":
        return 200 if who == "chief" else 403
    return None


@pytest.mark.parametrize("who", ["town", "other_chief", "staff", "chief", "director", "auditor"])
def test_the_permission_matrix_of_every_welfare_url(world, login, who):
    users = {
        "town": lambda: make_user(CASEWORKER, town="石城镇"),
        "other_chief": lambda: make_user(CHIEF, section=Section.ASSISTANCE),
        "staff": lambda: world.staff,
        "chief": lambda: world.chief,
        "director": lambda: make_user(DIRECTOR),
        "auditor": lambda: make_user(AUDITOR),
    }
    client = login(users[who]())
    for group in ("read", "staff", "chief"):
        for url in world.urls[group]:
            assert client.get(url).status_code == expected(who, group), (who, url)
    for url in world.urls["staff_post"]:
        if who != "staff":
            assert client.post(url, {}).status_code == 403, (who, url)
    for url in world.urls["chief_post"]:
        if who != "chief":
            assert client.post(url, {"decision": "approve"}).status_code == 403, (who, url)
    assert HazardClosure.objects.get(pk=world.closure.pk).status == "pending"


def test_anonymous_users_are_sent_to_the_login_page(world, client):
    for group in world.urls.values():
        for url in group:
            response = client.get(url)
            assert response.status_code == 302 and response.url.startswith("/login/"), url


def test_the_chief_approves_a_closure_from_the_inspection_page(world, login):
    client = login(world.chief)
    response = client.post(
        reverse("welfare:closure_decide", args=[world.closure.pk]), {"decision": "approve", "comment": "同意"}
    )
    assert response.status_code == 302
    world.closure.refresh_from_db()
    assert world.closure.status == "approved"
    assert world.closure.hazard.status == "closed"


def test_an_inspection_form_with_a_deadline_before_the_inspection_shows_the_error_at_the_field(world, login):
    client = login(world.staff)
    home = world.inspection.institution
    response = client.post(
        reverse("welfare:inspection_create"),
        {
            "institution": home.pk,
            "date": "2019-05-10",
            "kind": "safety",
            "inspectors": "何静",
            "hazard0_description": "消防通道堵塞",
            "hazard0_owner": "院长",
            "hazard0_deadline": "2019-05-01",
        },
    )
    assert response.status_code == 200
    assert "整改期限不能早于检查日期" in response.content.decode()
    assert Inspection.objects.count() == 1


def test_marriage_and_cremation_lists_show_id_numbers_masked(world, login):
    registration = world.marriage(D(2019, 3, 1))
    cremation = world.cremation(D(2019, 3, 2))
    for who in (world.staff, make_user(AUDITOR)):
        client = login(who)
        page = client.get(reverse("welfare:marriage_list")).content.decode()
        assert registration.party_a_masked in page and registration.party_a_id not in page
        page = client.get(reverse("welfare:cremation_list")).content.decode()
        assert cremation.masked_id in page and cremation.id_number not in page


def test_a_marriage_form_with_an_invalid_id_number_saves_nothing(world, login):
    client = login(world.staff)
    data = {
        "date": "2019-03-01",
        "kind": "marriage",
        "scope": "domestic",
        "party_a_name": "陈大文",
        "party_a_id_type": "id_card",
        "party_a_id": "445303199001010000",
        "party_b_name": "李小红",
        "party_b_id_type": "id_card",
        "party_b_id": world.id(1992, "F"),
        "certificate_no": "J445303-2019-000001",
        "qualified": "on",
        "town": world.shicheng.pk,
    }
    response = client.post(reverse("welfare:marriage_create"), data)
    assert "男方身份证号无效" in response.content.decode()
    assert not MarriageRegistration.objects.exists()
    data["party_a_id"] = world.id(1990, "M")
    assert client.post(reverse("welfare:marriage_create"), data).status_code == 302
    assert MarriageRegistration.objects.count() == 1


def test_a_cremation_form_records_the_cremation(world, login):
    client = login(world.staff)
    response = client.post(
        reverse("welfare:cremation_create"),
        {
            "deceased_name": "梁老伯",
            "id_number": world.id(1930),
            "death_date": "2019-03-01",
            "date": "2019-03-02",
            "funeral_home": "云浮市殡仪馆",
            "local": "on",
            "town": world.shicheng.pk,
            "funds": "1400",
        },
    )
    assert response.status_code == 302
    assert Cremation.objects.get().funds == 1400


def test_staff_add_a_hazard_to_an_inspection_and_a_deadline_before_it_is_refused(world, login):
    client = login(world.staff)
    url = reverse("welfare:hazard_add", args=[world.inspection.pk])
    client.post(url, {"description": "电线老化", "owner": "院长", "deadline": "2019-03-01"})
    assert world.inspection.hazards.count() == 1
    response = client.post(
        url, {"description": "电线老化", "owner": "院长", "deadline": "2019-04-01"}, follow=True
    )
    assert "隐患已登记" in response.content.decode()
    assert world.inspection.hazards.count() == 2

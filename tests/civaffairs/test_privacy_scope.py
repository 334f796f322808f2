"""Least privilege (issue 12): scope by section as well as by town, and whole numbers only for
the roles whose work needs them. The role × data matrix here is the one README states."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from civaffairs import selectors, services
from civaffairs.idnumber import make_id_number
from civaffairs.models import AuditEvent, Payroll, Program, Section
from civaffairs.roles import AUDITOR, CASEWORKER, CHIEF, DIRECTOR
from tests.factories import CaseFactory, PersonFactory, ProgramFactory, enrol_new_household, make_user


@pytest.fixture
def world(shicheng_village, caseworker, chief):
    """A 低保 household of two in 石城镇, enrolled, approved and paid for January 2019 through the
    services; and one welfare record: a person case of a welfare program (as the welfare app's
    records will be)."""
    from assistance import programs as P
    from civaffairs import payments

    staff = make_user(CASEWORKER, section=Section.ASSISTANCE)
    standard = payments.draft_standard(
        actor=staff,
        program=P.DIBAO,
        category="rural",
        amount=Decimal(450),
        effective_from=datetime.date(2018, 1, 1),
        document="测试",
    )
    payments.decide_standard(actor=chief, standard=standard, approve=True, comment="同意")
    case = enrol_new_household(
        actor=caseworker,
        chief=chief,
        region=shicheng_village,
        area="rural",
        income_per_capita=Decimal(200),
        head={"name": "黄大明", "id_number": make_id_number("445303", datetime.date(1968, 4, 12), 15)},
        members=[
            {
                "name": "李秀英",
                "id_number": make_id_number("445303", datetime.date(1970, 9, 2), 26),
                "relation": "spouse",
            }
        ],
        start_month=datetime.date(2019, 1, 1),
        category="A",
        bank_account="6228480012345678901",
        bank_name="云浮农商银行",
    )
    payroll = payments.generate_payroll(actor=staff, program=P.DIBAO, month=datetime.date(2019, 1, 1))
    payments.decide_payroll(actor=chief, payroll=payroll, approve=True, comment="同意")
    welfare = ProgramFactory(code="test-welfare", section=Section.WELFARE, unit=Program.Unit.PERSON)
    elder = PersonFactory(name="福利对象", region=shicheng_village)
    welfare_case = CaseFactory(program=welfare, household=None, person=elder, submitted_by=caseworker)
    return {
        "case": case,
        "household": case.household,
        "welfare_case": welfare_case,
        "elder": elder,
    }


def welfare_chief():
    return make_user(CHIEF, section=Section.WELFARE, username="chief_welfare")


def welfare_staff():
    return make_user(CASEWORKER, section=Section.WELFARE, username="fuli")


def grassroots_chief():
    return make_user(CHIEF, section=Section.GRASSROOTS, username="chief_grassroots")


@pytest.mark.parametrize("make", [welfare_chief, welfare_staff, grassroots_chief])
def test_other_sections_see_no_assistance_records(make, world):
    user = make()
    assert not selectors.cases_for(user).filter(program__section=Section.ASSISTANCE).exists()
    assert not selectors.requests_for(user).exists()  # the approved application
    assert not selectors.payments_for(user).exists()
    assert not selectors.payrolls_for(user).exists()
    assert not selectors.standards_for(user).exists()
    assert not selectors.households_for(user).exists()
    visible = set(selectors.persons_for(user).values_list("pk", flat=True))
    assert world["household"].head.pk not in visible
    assert not visible & set(world["household"].members.values_list("person", flat=True))


@pytest.mark.parametrize("make", [welfare_chief, welfare_staff])
def test_a_sections_staff_see_their_own_sections_records_and_persons(make, world):
    user = make()
    assert list(selectors.cases_for(user)) == [world["welfare_case"]]
    assert list(selectors.persons_for(user)) == [world["elder"]]


def test_grassroots_sees_not_welfares_records_either(world):
    user = grassroots_chief()
    assert not selectors.cases_for(user).exists()
    assert not selectors.persons_for(user).exists()


@pytest.mark.parametrize("name", ["person_detail", "household_detail", "assistance:case_detail"])
def test_another_sections_record_answers_404(name, world, login):
    client = login(welfare_chief())
    pk = {
        "person_detail": world["household"].head.pk,
        "household_detail": world["household"].pk,
        "assistance:case_detail": world["case"].pk,
    }[name]
    assert client.get(reverse(name, args=[pk])).status_code == 404


def test_the_lists_and_home_counts_of_another_section_are_empty(world, login):
    client = login(welfare_chief())
    persons = client.get(reverse("person_list"))
    assert {row.record.name for row in persons.context["table"].rows} == {"福利对象"}
    # No social-assistance cards (counts of records the section cannot open) on its home page.
    assert client.get(reverse("home")).context["counts"] is None


def test_the_assistance_section_keeps_the_whole_registry(world, chief):
    assert selectors.persons_for(chief).count() == 3
    assert selectors.cases_for(chief).get() == world["case"]


def test_a_domain_app_can_link_its_records_to_persons(world, shicheng_village):
    """register_person_link: how the welfare app's registrations will make their persons visible."""
    from django.db.models import Q

    other = PersonFactory(name="登记对象", region=shicheng_village)
    user = grassroots_chief()
    assert other not in selectors.persons_for(user)
    link = selectors.register_person_link(
        lambda sections: Q(name="登记对象") if Section.GRASSROOTS in sections else Q(pk__in=[])
    )
    try:
        assert list(selectors.persons_for(user)) == [other]
    finally:
        selectors._PERSON_LINKS.remove(link)


# --- who may see numbers whole -----------------------------------------------------------------

# The role × data matrix README states (section "Who sees what"). "whole": ID numbers and accounts
# whole on screens and in exports; "reveal": one number at a time, audited; "masked": never whole.
MATRIX = {
    "town caseworker": ("whole", "reveal"),
    "assistance staff": ("whole", "reveal"),
    "assistance chief": ("whole", "reveal"),
    "welfare staff": ("masked", "none"),
    "welfare chief": ("masked", "none"),
    # 基层政权股 pays its committee members through the bank: whole numbers of its payees (the only
    # persons its scope shows it), as 社会救助股 has for the registry.
    "grassroots staff": ("whole", "reveal"),
    "grassroots chief": ("whole", "reveal"),
    "director": ("masked", "reveal"),
    "auditor": ("masked", "reveal"),
    "admin": ("masked", "none"),
}


def matrix_users(shicheng):
    from civaffairs.roles import ADMIN

    return {
        "town caseworker": make_user(CASEWORKER, town=shicheng),
        "assistance staff": make_user(CASEWORKER, section=Section.ASSISTANCE),
        "assistance chief": make_user(CHIEF, section=Section.ASSISTANCE),
        "welfare staff": make_user(CASEWORKER, section=Section.WELFARE),
        "welfare chief": make_user(CHIEF, section=Section.WELFARE),
        "grassroots staff": make_user(CASEWORKER, section=Section.GRASSROOTS),
        "grassroots chief": make_user(CHIEF, section=Section.GRASSROOTS),
        "director": make_user(DIRECTOR),
        "auditor": make_user(AUDITOR),
        "admin": make_user(ADMIN),
    }


def test_the_role_by_data_matrix(shicheng):
    users = matrix_users(shicheng)
    found = {
        label: (
            "whole" if selectors.may_see_whole_numbers(user) else "masked",
            "reveal" if selectors.may_reveal(user) else "none",
        )
        for label, user in users.items()
    }
    assert found == MATRIX


def test_the_matrix_is_the_one_in_readme():
    from django.conf import settings

    readme = (settings.BASE_DIR / "README.md").read_text()
    for label, (numbers, reveal) in MATRIX.items():
        assert f"| {label} | {numbers} | {reveal} |" in readme, label


def test_the_director_reads_masked_and_reveals_one_number_audited(director, login, world):
    head = world["household"].head
    client = login(director)
    html = client.get(reverse("person_detail", args=[head.pk])).content.decode()
    assert head.id_number not in html and head.masked_id in html
    assert "查看完整" in html
    assert client.post(reverse("person_reveal", args=[head.pk])).json() == {"id_number": head.id_number}
    event = AuditEvent.objects.get(action="person.reveal_id")
    assert event.actor == director


def test_the_director_and_auditor_export_masked_even_when_asking_for_whole(director, auditor, login, world):
    import io

    from openpyxl import load_workbook

    payroll = Payroll.objects.get()
    for user in (director, auditor):
        response = login(user).get(reverse("assistance:payroll_export", args=[payroll.pk]), {"full": "1"})
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        text = str(list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)))
        assert world["household"].head.id_number not in text
        assert "6228480012345678901" not in text


def test_the_assistance_staff_export_whole_numbers(login, world):
    import io

    from openpyxl import load_workbook

    staff = make_user(CASEWORKER, section=Section.ASSISTANCE)
    payroll = Payroll.objects.get()
    response = login(staff).get(reverse("assistance:payroll_export", args=[payroll.pk]), {"full": "1"})
    text = str(list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)))
    assert world["household"].head.id_number in text


def test_a_welfare_chief_cannot_reveal(world, login):
    response = login(welfare_chief()).post(reverse("person_reveal", args=[world["elder"].pk]))
    assert response.status_code == 403
    assert world["elder"].id_number not in response.content.decode()


def test_the_reveal_service_refuses_without_the_right(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.reveal_id_number(actor=welfare_chief(), person=world["elder"])

"""Attacks on the welfare, grassroots, reports and privacy work (issues #7, #8, #9, #12): each
test is a hole found by probing the landed code as an attacker would (other sections' records,
hand-made POSTs, forged values, absurd inputs, formula cells), asserting what the issues promise.
Worlds are built through the services (tests.factories, tests.welfare.conftest.WelfareWorld)."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assistance import programs as P
from civaffairs import payments, roles, selectors
from civaffairs import services as core
from civaffairs.idnumber import mask_id_number, mask_name
from civaffairs.models import ApprovalStatus, Section
from grassroots.models import SupervisorMember
from grassroots.programs import SUPERVISOR
from tests.factories import World, id_number_for, make_user, village
from tests.welfare.conftest import WelfareWorld
from welfare import imports as welfare_imports
from welfare.models import Cremation

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


@pytest.fixture
def gr():
    from grassroots.programs import ensure_programs

    ensure_programs()
    return make_user(roles.CASEWORKER, section=Section.GRASSROOTS)


def xlsx(headers, *rows):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "导入.xlsx"
    return buf


def member_form(committee, **fields):
    return {
        "committee": committee.pk,
        "role": "member",
        "term_start": "2019-01-01",
        "bank_name": "云浮农商银行",
        "bank_account": "6217000011112222",
        **fields,
    }


# --- grassroots: the member form is no look-up of other sections' persons --------------------


def test_the_member_form_does_not_tell_grassroots_staff_the_name_behind_an_id_number(w, gr, login):
    """Typing any ID number with a wrong name answered "该身份证号已登记为“张秘密”": an oracle
    over the whole registry (every 低保 beneficiary) for a section that sees none of it."""
    secret = w.person(name="张秘密")
    response = login(gr).post(
        reverse("grassroots:member_create"),
        member_form(w.village, name="李四", id_number=secret.id_number),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "张秘密" not in html
    assert "姓名不一致" in html


def test_grassroots_staff_cannot_redirect_a_beneficiarys_account_by_registering_them(w, gr, login):
    """A 低保 beneficiary not yet in a payroll, registered as a committee member with another
    account: the account changed at once, in a section that does not see the person."""
    w.standard(P.TEKUN, "rural", 590, D(2018, 1, 1))
    person = w.person_case(P.TEKUN, category=P.DISPERSED, person=w.person(name="王五")).person
    before = person.bank_account
    response = login(gr).post(
        reverse("grassroots:member_create"),
        member_form(w.village, name="王五", id_number=person.id_number, bank_account="6217999988887777"),
    )
    assert response.status_code == 200
    assert "不在您的业务范围内" in response.content.decode()
    person.refresh_from_db()
    assert person.bank_account == before
    assert not SupervisorMember.objects.filter(person=person).exists()


def test_the_account_service_refuses_a_payee_outside_the_actors_scope(w, gr):
    w.standard(P.TEKUN, "rural", 590, D(2018, 1, 1))
    person = w.person_case(P.TEKUN, category=P.DISPERSED).person
    with pytest.raises(PermissionDenied):
        core.change_payee_account(
            actor=gr, person=person, bank_name="某银行", bank_account="6217999988887777", reason="换卡"
        )


# --- welfare: a cremation ends cover only of the person it names --------------------------------


def test_a_cremation_under_another_name_does_not_record_a_registered_persons_death(w, login):
    """One ID number typed wrong (or on purpose) with any name recorded the death of the
    registered person and ended their 低保/特困 cover."""
    ww = WelfareWorld()
    person = w.person(name="张秘密")
    response = login(ww.staff).post(
        reverse("welfare:cremation_create"),
        {
            "deceased_name": "王五",
            "id_number": person.id_number,
            "death_date": "2019-03-01",
            "date": "2019-03-02",
            "local": "on",
            "town": ww.shicheng.pk,
            "funds": "0",
            "funeral_home": "云浮市殡仪馆",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "姓名不一致" in html and "张秘密" not in html
    person.refresh_from_db()
    assert person.death_date is None
    assert not Cremation.objects.exists()


# --- imports: absurd amounts and formula text -----------------------------------------------------


def cremation_row(ww, funds=1400, home="", name="梁老伯"):
    return [name, ww.id(1935), "2019-03-06", "2019-03-08", home, "是", "石城镇", "", funds]


@pytest.mark.parametrize("funds", ["NaN", "Infinity", "1e30", "99999999999"])
def test_an_absurd_amount_in_an_import_is_a_row_error_not_a_crash(funds, login):
    ww = WelfareWorld()
    headers = [c.header for c in welfare_imports.cremation_columns()]
    response = login(ww.staff).post(
        reverse("welfare:import", args=["cremations"]), {"file": xlsx(headers, cremation_row(ww, funds))}
    )
    assert response.status_code == 200
    assert "统筹火化资金" in response.content.decode()
    assert not Cremation.objects.exists()


def test_the_cremation_form_refuses_funds_its_column_cannot_hold(login):
    ww = WelfareWorld()
    response = login(ww.staff).post(
        reverse("welfare:cremation_create"),
        {
            "deceased_name": "梁老伯",
            "id_number": ww.id(1935),
            "death_date": "2019-03-01",
            "date": "2019-03-02",
            "local": "on",
            "town": ww.shicheng.pk,
            "funds": "999999999999.00",
            "funeral_home": "云浮市殡仪馆",
        },
    )
    assert response.status_code == 200
    assert not Cremation.objects.exists()


@pytest.mark.parametrize("home", ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3"])
def test_formula_text_in_an_imports_free_text_cell_is_refused(home, login):
    ww = WelfareWorld()
    headers = [c.header for c in welfare_imports.cremation_columns()]
    response = login(ww.staff).post(
        reverse("welfare:import", args=["cremations"]),
        {"file": xlsx(headers, cremation_row(ww, home=home))},
    )
    assert response.status_code == 200
    assert "公式" in response.content.decode()
    assert not Cremation.objects.exists()


# --- grassroots' bank file: the one selector ---------------------------------------------------


def test_the_grassroots_bank_file_asks_the_one_selector_for_whole_numbers(gr, login, monkeypatch):
    """The export checked has_perm itself; may_see_whole_numbers is the one rule. With the rule
    saying no, ?full=1 gives masked numbers."""
    from grassroots import services as grassroots

    chief = make_user(roles.CHIEF, section=Section.GRASSROOTS)
    committee = village("石城镇")
    person = core.create_person(actor=gr, name="陈志明", id_number=id_number_for(9001), region=committee)
    grassroots.register_member(
        actor=gr,
        person=person,
        committee=committee,
        role="member",
        term_start=D(2019, 1, 1),
        bank_name="云浮农商银行",
        bank_account="621700001111222233",
    )
    standard = payments.draft_standard(
        actor=gr, program=SUPERVISOR, category="default", amount=Decimal(625), effective_from=D(2019, 1, 1)
    )
    payments.decide_standard(actor=chief, standard=standard, approve=True, comment="同意")
    payroll = payments.generate_payroll(actor=gr, program=SUPERVISOR, month=D(2019, 1, 1))
    payroll = payments.decide_payroll(actor=chief, payroll=payroll, approve=True, comment="同意")
    assert payroll.status == ApprovalStatus.APPROVED
    url = reverse("grassroots:payroll_export", args=[payroll.pk]) + "?full=1"

    def cells(response):
        ws = load_workbook(io.BytesIO(response.content)).active
        return {str(c.value) for row in ws.iter_rows() for c in row}

    # The section pays its members: its staff and chief see their payees' numbers whole.
    assert selectors.may_see_whole_numbers(chief)
    assert "621700001111222233" in cells(login(chief).get(url))
    monkeypatch.setattr("grassroots.views.may_see_whole_numbers", lambda user: False, raising=False)
    monkeypatch.setattr(selectors, "may_see_whole_numbers", lambda user: False)
    got = cells(login(chief).get(url))
    assert "621700001111222233" not in got and person.id_number not in got


# --- grassroots: dates of things that happened are not in the future --------------------------


def test_grassroots_records_dated_in_the_future_are_refused(gr):
    """Every welfare record refused a future date; grassroots accepted any (a clue "received" in
    2030, an organization registered next year) and counted it in that period's figures."""
    from grassroots import services as grassroots
    from grassroots.creditcode import make_credit_code
    from tests.factories import town

    later = D(2019, 7, 1)
    committee = village("石城镇")
    attempts = {
        "received_on": lambda: grassroots.record_clue(
            actor=gr, village=committee, received_on=later, summary="无"
        ),
        "registered_on": lambda: grassroots.register_organization(
            actor=gr,
            name="石城镇老年协会",
            credit_code=make_credit_code("1", 77),
            kind="1",
            registered_on=later,
            legal_representative="陈志明",
        ),
        "established_on": lambda: grassroots.create_station(
            actor=gr, name="石城社工站", town=town("石城镇"), established_on=later
        ),
        "started_on": lambda: grassroots.create_project(
            actor=gr, kind="sanshe", region=committee, funds=100000, started_on=later
        ),
        "filed_on": lambda: grassroots.file_council(
            actor=gr, name="上洞乡贤理事会", village=committee, filed_on=later
        ),
        "date": lambda: grassroots.record_publicity(actor=gr, quantity=100, date=later),
    }
    with time_machine.travel(datetime.datetime(2019, 6, 30, 10), tick=False):
        for field, attempt in attempts.items():
            with pytest.raises(ValidationError) as exc:
                attempt()
            assert "不能晚于今天" in str(exc.value.message_dict.get(field)), field


@pytest.mark.parametrize("quantity", ["Infinity", "1e20"])
def test_a_publicity_quantity_the_column_cannot_hold_is_refused(gr, quantity):
    from grassroots import services as grassroots

    with pytest.raises(ValidationError) as exc:
        grassroots.record_publicity(actor=gr, quantity=quantity, date=D(2019, 3, 1))
    assert "quantity" in exc.value.message_dict


# --- social assistance's 公示 is not another section's to read --------------------------------


@pytest.mark.parametrize("section", [Section.WELFARE, Section.GRASSROOTS])
@pytest.mark.parametrize("fmt", [None, "xlsx"])
def test_another_sections_staff_do_not_get_the_dibao_notice_by_url(w, login, section, fmt):
    """The menu hid 公示 from other sections, but the URL listed every village's new and ended
    低保 households (names, masked numbers, amounts): its rows did not go through the selector."""
    w.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    case, people = w.dibao(2, income=100, start=D(2019, 1, 1))
    head = case.household.head
    shown = (mask_name(head.name), mask_id_number(head.id_number))
    query = {"village": w.village.pk, "month": "2019-01", **({"format": fmt} if fmt else {})}
    own = login(w.town_worker).get(reverse("assistance:notice"), query)
    assert all(x in (own.content.decode() if not fmt else cells(own)) for x in shown)
    for role in (roles.CASEWORKER, roles.CHIEF):
        response = login(make_user(role, section=section)).get(reverse("assistance:notice"), query)
        assert response.status_code == 200
        text = response.content.decode() if not fmt else cells(response)
        assert not any(x in text for x in shown)


def cells(response):
    ws = load_workbook(io.BytesIO(response.content)).active
    return " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


# --- grassroots: one person, one allowance a month ---------------------------------------------


@pytest.fixture
def allowance(gr):
    from grassroots import services as grassroots

    chief = make_user(roles.CHIEF, section=Section.GRASSROOTS)
    standard = payments.draft_standard(
        actor=gr, program=SUPERVISOR, category="default", amount=Decimal(625), effective_from=D(2018, 1, 1)
    )
    payments.decide_standard(actor=chief, standard=standard, approve=True, comment="同意")
    committee = village("石城镇")
    person = core.create_person(actor=gr, name="陈志明", id_number=id_number_for(9101), region=committee)

    def register(start, end=None, role="member"):
        return grassroots.register_member(
            actor=gr,
            person=person,
            committee=committee,
            role=role,
            term_start=start,
            term_end=end,
            bank_name="云浮农商银行",
            bank_account="621700001111222233",
        )

    return person, register


def test_a_second_membership_overlapping_the_first_is_refused_not_paid_twice(gr, allowance):
    """A member whose term runs to December registered again from June (as 主任): July's payroll
    paid the person twice, 1,250 for one month."""
    person, register = allowance
    register(D(2019, 1, 1), D(2019, 12, 31))
    with pytest.raises(ValidationError) as exc:
        register(D(2019, 6, 1), role="chair")
    assert "term_start" in exc.value.message_dict
    payroll = payments.generate_payroll(actor=gr, program=SUPERVISOR, month=D(2019, 7, 1))
    assert payroll.total == Decimal("625.00")


def test_ending_a_term_later_cannot_stretch_it_over_the_next_membership(gr, allowance):
    from grassroots import services as grassroots

    person, register = allowance
    first = register(D(2019, 1, 1), D(2019, 3, 31))
    register(D(2019, 6, 1))
    with pytest.raises(ValidationError) as exc:
        grassroots.end_term(actor=gr, member=first, term_end=D(2019, 12, 31))
    assert "term_end" in exc.value.message_dict
    payroll = payments.generate_payroll(actor=gr, program=SUPERVISOR, month=D(2019, 7, 1))
    assert payroll.total == Decimal("625.00")


# --- periods: no year without a neighbour ------------------------------------------------------


@pytest.mark.parametrize(
    "period", ["0001年", "0001-01-01..0001-01-31", "1900-01-01至9999-12-31", "9999年下半年"]
)
def test_a_period_out_of_any_calendar_is_a_message_not_a_server_error(director, period):
    """0001年 asked the figures page (and its XLSX, and a new summary) for year 0 to compare with:
    HTTP 500."""
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(director)
    for query in ({"period": period}, {"period": period, "format": "xlsx"}):
        response = client.get(reverse("figures"), query)
        assert response.status_code == 200
        assert "年份应在1900年至2100年之间" in response.content.decode()
    response = client.post(reverse("reports:list"), {"period": period})
    assert response.status_code == 200
    assert "年份应在1900年至2100年之间" in response.content.decode()


def test_a_cremation_cannot_date_the_death_before_the_birth_in_the_id_number():
    from welfare import services as welfare

    ww = WelfareWorld()
    with pytest.raises(ValidationError) as exc:
        welfare.record_cremation(
            actor=ww.staff,
            deceased_name="梁老伯",
            id_number=ww.id(1990),
            death_date=D(1980, 1, 1),
            date=D(2019, 3, 5),
            local=True,
            town=ww.shicheng,
        )
    assert "death_date" in exc.value.message_dict
    assert not Cremation.objects.exists()


def test_the_welfare_import_error_page_lists_the_first_errors_then_a_count(login, settings):
    """The roster's error page stopped at 200; the welfare imports listed every error (50,000 bad
    rows: a page of hundreds of thousands of table rows)."""
    settings.UPLOAD_MAX_ERRORS_SHOWN = 20
    ww = WelfareWorld()
    headers = [c.header for c in welfare_imports.cremation_columns()]
    rows = [["梁老伯", ww.id(1935), "2019-03-06", "2019-03-08", "", "是", "某某镇", "", 0] for _ in range(25)]
    response = login(ww.staff).post(
        reverse("welfare:import", args=["cremations"]), {"file": xlsx(headers, *rows)}
    )
    html = response.content.decode()
    assert html.count("未知的镇") == 20
    assert "发现 25 处错误" in html and "另有 5 处错误未列出" in html
    assert not Cremation.objects.exists()

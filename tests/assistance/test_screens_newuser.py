"""What a new user stumbled on when trying the demo district in a browser, role by role: a chief
who could not tell an account change was waiting, a 增人/减人 decided without seeing the income it
states, a member form that opened on 增人 of the household head, errors that did not name their
field, and codes (`child`, `account_holder`) in the audit log. The worlds are built through the
services, as the people would build them."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assistance import programs as P
from assistance import services
from civaffairs import services as core
from civaffairs.models import AccountChange, ApprovalStatus, AuditEvent, Relation, Request
from civaffairs.roles import AUDITOR
from tests.factories import World, id_number_for, make_user

D = datetime.date
JAN, FEB, MAR = D(2019, 1, 1), D(2019, 2, 1), D(2019, 3, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = World()
    world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
    return world


@pytest.fixture
def household_in_payroll(w):
    """A 低保 household of two at 200 元 a head (total 400), paid for January."""
    case, people = w.dibao(2, 200, start=JAN)
    w.pay(P.DIBAO, JAN)
    case.household.refresh_from_db()
    return case, people


def newborn(w, case):
    return core.register_member(
        actor=w.town_worker,
        household=case.household,
        name="邱小宝",
        id_number=id_number_for(9001),
        relation=Relation.CHILD,
        joined_on=FEB,
    ).person


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# ------------------------------------------------------------------ pending account changes


def pending_account_change(w, case):
    return core.change_payee_account(
        actor=w.town_worker,
        household=case.household,
        bank_name="中国邮政储蓄银行",
        bank_account="6217995810001234567",
        reason="原账户销户",
    )


def test_a_chief_sees_a_pending_account_change_on_the_home_page(w, household_in_payroll, login):
    case, _ = household_in_payroll
    change = pending_account_change(w, case)
    assert change.status == ApprovalStatus.PENDING
    page = login(w.chief).get("/").content.decode()
    card = '<a href="/accounts/changes/"><div class="n">1</div>待审批收款账户变更</a>'
    assert card in page


def test_a_caseworker_has_no_account_change_panel(w, household_in_payroll, login):
    case, _ = household_in_payroll
    pending_account_change(w, case)
    assert "待审批收款账户变更" not in login(w.town_worker).get("/").content.decode()


def test_the_chiefs_inbox_points_to_the_account_changes_waiting(w, household_in_payroll, login):
    case, _ = household_in_payroll
    chief = login(w.chief)
    assert "没有待审批的收款账户变更" in chief.get(reverse("assistance:inbox")).content.decode()
    pending_account_change(w, case)
    page = chief.get(reverse("assistance:inbox")).content.decode()
    assert "收款账户变更（1）" in page
    assert f'href="{reverse("account_changes")}"' in page


def test_the_household_page_shows_the_change_waiting_beside_the_account_in_use(
    w, household_in_payroll, login
):
    case, _ = household_in_payroll
    pending_account_change(w, case)
    page = login(w.town_worker).get(reverse("household_detail", args=[case.household_id])).content.decode()
    assert 'id="pending-account"' in page
    assert "变更待股长审批：中国邮政储蓄银行" in page
    assert "6217995810001234567" not in page  # masked, as the account in use is


def test_the_person_page_shows_the_change_waiting(w, login):
    w.standard(P.ORPHAN, P.DISPERSED, 950, D(2018, 1, 1))
    case = w.person_case(P.ORPHAN, category=P.DISPERSED, start=JAN)
    w.pay(P.ORPHAN, JAN)
    change = core.change_payee_account(
        actor=w.town_worker,
        person=case.person,
        account_holder="陈监护",
        bank_name="云浮农商银行",
        bank_account="621700001111222",
        reason="监护人代领",
    )
    assert change.status == ApprovalStatus.PENDING
    page = login(w.town_worker).get(reverse("person_detail", args=[case.person_id])).content.decode()
    assert "变更待股长审批：陈监护 / 云浮农商银行" in page


def test_a_payee_without_an_account_reads_not_yet_recorded(w, login):
    person = w.person(account=False)
    page = login(w.town_worker).get(reverse("person_account", args=[person.pk])).content.decode()
    assert "尚未登记" in page
    assert f"{person.name} / — / —" not in page


def test_a_bad_account_number_is_named_together_with_the_missing_fields(w, household_in_payroll, login):
    case, _ = household_in_payroll
    response = login(w.town_worker).post(
        reverse("household_account", args=[case.household_id]),
        {"bank_name": "", "bank_account": "6230 12AB", "reason": ""},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["bank_account"] == ["银行账号只能由数字组成"]
    assert "bank_name" in form.errors and "reason" in form.errors
    assert not AccountChange.objects.filter(household=case.household_id).exists()


def test_an_account_number_typed_in_groups_is_accepted(w, household_in_payroll, login):
    case, _ = household_in_payroll
    response = login(w.town_worker).post(
        reverse("household_account", args=[case.household_id]),
        {"bank_name": "云浮农商银行", "bank_account": "6230 0000 1111 2222 333", "reason": "换卡"},
    )
    assert response.status_code == 302
    assert AccountChange.objects.get(household=case.household_id).bank_account == "6230000011112222333"


# ------------------------------------------------------------------ 增人 / 减人


def test_the_member_form_opens_on_no_change_and_no_person(w, household_in_payroll, login):
    case, people = household_in_payroll
    baby = newborn(w, case)
    form = login(w.town_worker).get(reverse("assistance:case_detail", args=[case.pk])).context["member_form"]
    assert form.fields["change"].choices[0] == ("", "——")
    person_choices = dict(form.fields["person"].choices)
    assert list(person_choices)[0] == ""
    assert person_choices[baby.pk] == "邱小宝（未纳入保障，可增人）"
    assert person_choices[people[1].pk] == f"{people[1].name}（保障中，可减人）"


def test_the_case_page_shows_the_household_total_and_the_help_of_the_income_field(
    w, household_in_payroll, login
):
    case, _ = household_in_payroll
    page = login(w.town_worker).get(reverse("assistance:case_detail", args=[case.pk])).content.decode()
    assert "家庭月总收入 400.00 元，月人均收入 200.00 元" in page
    assert "空白则按原月总收入重新计算人均收入" in page


def test_an_empty_member_change_names_every_missing_field(w, household_in_payroll, login):
    case, _ = household_in_payroll
    response = login(w.town_worker).post(reverse("assistance:case_change", args=[case.pk, "member"]), {})
    (message,) = messages_of(response)
    assert message.startswith("提交失败：")
    for label in ("变更：", "人员：", "生效年月："):
        assert label in message
    assert "。；" not in message
    assert not Request.objects.exclude(kind=Request.Kind.ENROL).exists()


def test_a_refused_member_change_names_the_field(w, household_in_payroll, login):
    case, people = household_in_payroll
    response = login(w.town_worker).post(
        reverse("assistance:case_change", args=[case.pk, "member"]),
        {"change": "add", "person": people[1].pk, "effective_month": "2019-02"},
    )
    (message,) = messages_of(response)
    assert message == f"提交失败：人员：{people[1].name}已在保障范围内"


def test_the_success_message_says_what_was_submitted_for_whom(w, household_in_payroll, login):
    case, _ = household_in_payroll
    baby = newborn(w, case)
    response = login(w.town_worker).post(
        reverse("assistance:case_change", args=[case.pk, "member"]),
        {"change": "add", "person": baby.pk, "effective_month": "2019-02", "income_total": "900"},
    )
    assert messages_of(response) == ["已提交增人申请（邱小宝），等待社会救助股股长审批。"]
    request = Request.objects.get(kind=Request.Kind.ADD_MEMBER)
    assert request.data == {"income_total": "900"}
    event = AuditEvent.objects.get(action="case.submit_add_member")
    assert event.changes["income_total"] == "900"


def test_the_chief_sees_the_stated_total_and_the_per_capita_it_gives(w, household_in_payroll, login):
    case, _ = household_in_payroll
    baby = newborn(w, case)
    request = services.submit_member_change(
        actor=w.town_worker, case=case, person=baby, add=True, effective_month=FEB, income_total="900"
    )
    page = login(w.chief).get(reverse("assistance:request_detail", args=[request.pk])).content.decode()
    row = re.search(r'id="member-income">(.*?)</td>', page).group(1)
    assert row == "900.00 元（现登记 400.00 元）；批准后按 3 人计，月人均收入 300.00 元"


def test_the_chief_sees_the_recorded_total_when_none_is_stated(w, household_in_payroll, login):
    case, people = household_in_payroll
    request = services.submit_member_change(
        actor=w.town_worker, case=case, person=people[1], add=False, effective_month=FEB
    )
    page = login(w.chief).get(reverse("assistance:request_detail", args=[request.pk])).content.decode()
    row = re.search(r'id="member-income">(.*?)</td>', page).group(1)
    assert row == "未填写，沿用现登记的 400.00 元；批准后按 1 人计，月人均收入 400.00 元"
    # Once decided, the page keeps what was stated and no longer forecasts.
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    page = login(w.chief).get(reverse("assistance:request_detail", args=[request.pk])).content.decode()
    assert "批准后按" not in page


# ------------------------------------------------------------------ labels, not codes


def test_the_audit_log_shows_a_members_relation_by_its_label(w, household_in_payroll, login):
    case, _ = household_in_payroll
    newborn(w, case)
    auditor = login(make_user(AUDITOR))
    page = auditor.get(reverse("audit_log") + "?action=household.add_member").content.decode()
    assert "与户主关系：子女" in page
    assert "：child" not in page


def test_a_household_account_change_records_no_holder(w, household_in_payroll):
    case, _ = household_in_payroll
    change = pending_account_change(w, case)
    core.decide_account_change(actor=w.chief, change=change, approve=True, comment="同意")
    event = AuditEvent.objects.get(action="payee_account.change", object_type="civaffairs.Household")
    assert "account_holder" not in event.changes
    assert event.changes["bank_name"] == ["云浮农商银行", "中国邮政储蓄银行"]


def test_the_deceased_filter_offers_all_not_unknown(w, login):
    page = login(w.town_worker).get(reverse("assistance:case_list")).content.decode()
    select = re.search(r'<select name="deceased".*?</select>', page, re.S).group(0)
    assert "全部" in select and "未知" not in select
    # The home page's link (?deceased=true) still filters.
    response = login(w.town_worker).get(reverse("assistance:case_list") + "?deceased=true")
    assert response.status_code == 200


def test_the_payroll_page_says_which_export_goes_to_the_bank(w, household_in_payroll, login):
    (payroll,) = w.pay(P.DIBAO, FEB)
    page = login(w.chief).get(reverse("assistance:payroll_detail", args=[payroll.pk])).content.decode()
    assert "导出核对表（身份证号、银行账号脱敏，不能报送银行）" in page
    assert "导出银行代发表（完整身份证号和银行账号，将记入审计）" in page


def test_the_household_and_person_pages_set_the_place_apart_by_level(w, household_in_payroll, login):
    case, people = household_in_payroll
    region = case.household.region
    label = f"{region.town.name}·{region.name}"
    worker = login(w.town_worker)
    assert label in worker.get(reverse("household_detail", args=[case.household_id])).content.decode()
    assert label in worker.get(reverse("person_detail", args=[people[0].pk])).content.decode()


def test_an_account_change_applied_at_once_reads_as_needing_no_approval(w, login):
    person = w.person()
    core.change_payee_account(
        actor=w.town_worker,
        person=person,
        bank_name="云浮农商银行",
        bank_account="621700001111",
        reason="登记",
    )
    page = login(w.chief).get(reverse("account_changes")).content.decode()
    row = re.search(r'id="decided-changes".*?</table>', page, re.S).group(0)
    assert "无需审批" in row and "石城镇经办人" in row


def test_a_payroll_generated_without_a_month_names_the_field(w, login):
    response = login(w.worker).post(reverse("assistance:payroll_generate"), {"program": ""})
    (message,) = messages_of(response)
    assert message.startswith("生成失败：")
    assert "项目：" in message and "发放年月：" in message


def test_a_correction_with_a_bad_month_names_the_field(w, household_in_payroll, login):
    case, _ = household_in_payroll
    response = login(w.worker).post(
        reverse("assistance:case_correction", args=[case.pk]),
        {"month": "", "item": "basic", "amount": "-10", "reason": "多发"},
    )
    (message,) = messages_of(response)
    assert message.startswith("更正失败：所属年月：")


def test_the_inbox_names_the_person_a_member_change_is_about(w, household_in_payroll, login):
    case, _ = household_in_payroll
    baby = newborn(w, case)
    services.submit_member_change(actor=w.town_worker, case=case, person=baby, add=True, effective_month=FEB)
    table = login(w.chief).get(reverse("assistance:inbox")).context["requests"]
    (row,) = list(table.rows)
    assert row.get_cell("kind") == "增人"
    assert row.get_cell("person") == "邱小宝"
    assert row.get_cell("subject") == case.household.head.name


def test_the_payroll_page_says_when_it_was_approved(w, household_in_payroll, login):
    (payroll,) = w.pay(P.DIBAO, FEB)
    page = login(w.worker).get(reverse("assistance:payroll_detail", args=[payroll.pk])).content.decode()
    decided = re.search(r'id="decided">(.*?)</td>', page).group(1)
    assert decided.startswith("救助股股长（") and decided.endswith("）/ 同意")
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", decided)


# ------------------------------------------------------------------ 复核: the total income checked


def test_the_review_form_asks_for_the_households_total_income(w, household_in_payroll, login):
    case, _ = household_in_payroll
    form = login(w.town_worker).get(reverse("assistance:case_detail", args=[case.pk])).context["review_form"]
    assert list(form.fields) == ["outcome", "effective_month", "income_total", "reason"]
    assert form.fields["income_total"].label == "复核后家庭月总收入（元，调整金额时填写）"
    assert "现登记家庭月总收入 400.00 元" in form.fields["income_total"].help_text


def test_a_review_states_the_total_and_the_per_capita_income_is_derived(w, household_in_payroll, login):
    case, _ = household_in_payroll
    response = login(w.town_worker).post(
        reverse("assistance:case_change", args=[case.pk, "review"]),
        {
            "outcome": "amount_changed",
            "effective_month": "2019-02",
            "income_total": "500",
            "reason": "务工收入增加",
        },
    )
    assert response.status_code == 302
    request = Request.objects.get(case=case, kind=Request.Kind.REVIEW)
    page = login(w.chief).get(reverse("assistance:request_detail", args=[request.pk])).content.decode()
    assert (
        '复核后家庭月总收入 <span id="review-income">500.00 元（按 2 人计，月人均收入 250.00 元）</span>'
        in page
    )
    services.decide_request(actor=w.chief, request=request, approve=True, comment="同意")
    case.household.refresh_from_db()
    assert (case.household.income_total, case.household.income_per_capita) == (500, 250)


def test_an_amount_change_without_the_total_names_the_field(w, household_in_payroll, login):
    case, _ = household_in_payroll
    response = login(w.town_worker).post(
        reverse("assistance:case_change", args=[case.pk, "review"]),
        {"outcome": "amount_changed", "effective_month": "2019-02"},
    )
    assert messages_of(response) == [
        "提交失败：复核后家庭月总收入（元，调整金额时填写）：调整金额须填写复核后的家庭月总收入"
    ]
    assert not Request.objects.filter(case=case, kind=Request.Kind.REVIEW).exists()

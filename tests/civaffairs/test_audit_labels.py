"""The audit log page speaks Chinese: actions, object types and the keys of the changes, while the
log itself keeps the codes."""

import ast
import itertools
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civaffairs import audit, services
from civaffairs.audit_labels import (
    ACTION_LABELS,
    describe_changes,
    key_label,
    object_type_label,
    value_label,
)
from civaffairs.roles import CASEWORKER
from tests.factories import HouseholdFactory, id_number_for, make_user, village

APPS = ["civaffairs", "assistance", "welfare", "grassroots", "reports"]


def _parts(node):
    """The alternatives of one piece of an f-string: constants, both arms of `a if c else b`,
    or None for a value only known at run time."""
    if isinstance(node, ast.Constant):
        return [str(node.value)]
    if isinstance(node, ast.FormattedValue):
        value = node.value
        if isinstance(value, ast.IfExp) and all(
            isinstance(arm, ast.Constant) for arm in (value.body, value.orelse)
        ):
            return [value.body.value, value.orelse.value]
        return [None]
    raise AssertionError(ast.dump(node))


def _names_audit_attributes(node):
    """`self.audit_change if change else self.audit_create`: attributes named audit_*."""
    nodes = list(ast.walk(node))
    attributes = [n for n in nodes if isinstance(n, ast.Attribute)]
    return (
        bool(attributes)
        and all(a.attr.startswith("audit_") for a in attributes)
        and not any(isinstance(n, ast.Call | ast.JoinedStr | ast.Constant) for n in nodes)
    )


def _audit_attributes(path, node):
    """Class attributes audit_* = "code" (several targets, tuples and chains included)."""
    if not isinstance(node, ast.Assign):
        return []
    names = [t for target in node.targets for t in ast.walk(target) if isinstance(t, ast.Name)]
    if not names or not all(n.id.startswith("audit_") for n in names):
        return []
    values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
    where = f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}"
    return [(where, re.escape(v.value)) for v in values if isinstance(v, ast.Constant) and v.value]


def written_actions():
    """(file:line, regex) for the action argument of every audit.record(...) in the project."""
    found = []
    for app in APPS:
        for path in sorted((settings.BASE_DIR / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                found.extend(_audit_attributes(path, node))
                if not (isinstance(node, ast.Call) and len(node.args) >= 2):
                    continue
                func = node.func
                if not (
                    (
                        isinstance(func, ast.Attribute)
                        and func.attr == "record"
                        and getattr(func.value, "id", "") == "audit"
                    )
                    or (isinstance(func, ast.Name) and func.id == "record")
                ):
                    continue
                where, action = f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}", node.args[1]
                if isinstance(action, ast.Constant):
                    found.append((where, re.escape(action.value)))
                    continue
                if _names_audit_attributes(action):
                    continue  # collected where assigned (the admin's audit_create = "account.create")
                assert isinstance(action, ast.JoinedStr), f"{where}: action must be a literal or f-string"
                for combo in itertools.product(*(_parts(v) for v in action.values)):
                    found.append((where, "".join(".+" if p is None else re.escape(p) for p in combo)))
    return found


def test_the_scan_finds_the_actions_written_in_the_code():
    patterns = {p for _, p in written_actions()}
    assert {
        re.escape("payroll.correction"),
        re.escape("login_failed"),
        re.escape("account.change"),
    } <= patterns
    assert re.escape("account.scope_delete") in patterns
    assert re.escape("request.") + re.escape("approve") in patterns
    assert re.escape("case.submit_") + ".+" in patterns


@pytest.mark.parametrize(("where", "pattern"), written_actions())
def test_every_action_written_in_the_code_has_a_chinese_label(where, pattern):
    assert any(re.fullmatch(pattern, code) for code in ACTION_LABELS), f"{where}: {pattern} has no label"


def test_every_label_is_chinese():
    for code, label in ACTION_LABELS.items():
        assert re.search(r"[\u4e00-\u9fff]", label), code


@pytest.mark.parametrize(
    ("object_type", "label"),
    [
        ("civaffairs.Payroll", "发放名册"),
        ("civaffairs.Household", "家庭"),
        ("civaffairs.UserScope", "账号范围"),
        ("auth.User", "用户"),
        ("export", "导出"),
        ("roster", "花名册"),
        ("something.Else", "something.Else"),
        ("t", "t"),
    ],
)
def test_object_types_are_named_by_their_model(object_type, label):
    assert object_type_label(object_type) == label


@pytest.mark.parametrize(
    ("object_type", "key", "action", "label"),
    [
        ("civaffairs.Household", "income_per_capita", "household.update", "家庭月人均收入（元）"),
        ("civaffairs.Person", "id_number", "person.create", "身份证号"),
        ("auth.User", "groups", "account.change", "组"),
        ("civaffairs.Household", "members", "household.create", "家庭成员"),  # a reverse relation
        ("civaffairs.Payroll", "month", "payroll.generate", "发放年月"),
        ("civaffairs.Payroll", "month", "payroll.correction", "更正所属年月"),
        ("civaffairs.Request", "status", "request.approve", "救助对象状态"),
        ("export", "full_ids", "export", "含完整身份证号"),
        ("civaffairs.Payroll", "no_such_key", "payroll.generate", "no_such_key"),
    ],
)
def test_change_keys_are_named_by_the_field_they_record(object_type, key, action, label):
    assert key_label(object_type, key, action) == label


def test_values_show_choices_yes_no_and_nothing_in_chinese():
    assert value_label("civaffairs.Household", "area", "rural") == "农村"
    assert value_label("roster", "approved_on_import", True) == "是"
    assert value_label("roster", "approved_by", None) == "—"
    # The status a decision records is the case's, whatever the event's object.
    assert value_label("civaffairs.Request", "status", "active", "request.approve") == "在保"
    assert describe_changes("household.create", "civaffairs.Household", {"members": ["甲", "乙"]}) == [
        ("家庭成员", "甲、乙", None)
    ]


# --- the page ------------------------------------------------------------------------------------


@pytest.fixture
def logged(caseworker, shicheng_village):
    household = HouseholdFactory(region=shicheng_village)
    audit.record(
        caseworker,
        "household.update",
        household,
        {"income_per_capita": ["200.00", "320.50"], "area": ["rural", "urban"]},
    )
    audit.record(
        caseworker,
        "payroll.correction",
        None,
        {"month": "2019-03-01", "amount": "-50.00"},
        object_type="civaffairs.Payroll",
        object_repr="更正名册",
    )
    return household


def test_the_page_shows_actions_object_types_and_changes_in_chinese(auditor, login, logged):
    response = login(auditor).get(reverse("audit_log"), {"action": "household.update"})
    assert response.status_code == 200
    [row] = response.context["table"].rows
    assert row.get_cell("action") == "修改家庭信息"
    assert row.get_cell("object_type") == "家庭"
    changes = str(row.get_cell("changes"))
    assert "家庭月人均收入（元）：200.00 → 320.50" in changes
    assert "城乡类别：农村 → 城镇" in changes
    text = response.content.decode()
    assert ">household.update<" not in text
    assert "civaffairs.Household" not in text
    assert "income_per_capita" not in text


def test_the_page_filters_by_a_chosen_action(auditor, login, logged):
    client = login(auditor)
    choices = dict(client.get(reverse("audit_log")).context["filter"].form.fields["action"].choices)
    assert choices["payroll.correction"] == "提交发放更正"

    response = client.get(reverse("audit_log"), {"action": "payroll.correction"})
    rows = [row.record for row in response.context["table"].rows]
    assert [r.action for r in rows] == ["payroll.correction"]
    assert "更正所属年月：2019年3月" in response.content.decode()


def test_an_action_not_offered_is_refused_by_the_form(auditor, login, logged):
    response = login(auditor).get(reverse("audit_log"), {"action": "payroll."})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["action"]


# --- names, not ids, codes or usernames ------------------------------------------------------------


@pytest.fixture
def chen(shicheng):
    """石城镇经办人 陈志明 (account shicheng)."""
    return make_user(CASEWORKER, town=shicheng, username="shicheng", last_name="陈", first_name="志明")


def moved(actor, household, to):
    household.refresh_from_db()
    return services.update_household(
        actor=actor, household=household, expected_version=household.version, region=to
    )


def test_the_page_shows_the_village_moved_to_by_name_not_by_id(auditor, login, chen, shicheng_village):
    household = HouseholdFactory(region=shicheng_village)
    wuxing = village("石城镇", name="五星村")
    moved(chen, household, wuxing)
    response = login(auditor).get(reverse("audit_log"), {"action": "household.update"})
    [row] = response.context["table"].rows
    assert str(row.get_cell("changes")) == "所在村（居）：石城镇上洞村 → 石城镇五星村"
    text = response.content.decode()
    assert f"所在村（居）：{shicheng_village.pk}" not in text
    assert f"→ {wuxing.pk}<" not in text


def test_a_new_persons_village_is_named(auditor, login, chen, shicheng_village):
    services.create_person(actor=chen, name="王五", id_number=id_number_for(7), region=shicheng_village)
    response = login(auditor).get(reverse("audit_log"), {"action": "person.create"})
    [row] = response.context["table"].rows
    assert "户籍地：石城镇上洞村" in str(row.get_cell("changes"))


def test_the_page_names_who_acted_not_the_account(auditor, login, chen, shicheng_village):
    moved(chen, HouseholdFactory(region=shicheng_village), village("石城镇"))
    response = login(auditor).get(reverse("audit_log"), {"action": "household.update"})
    [row] = response.context["table"].rows
    assert row.get_cell("actor_name") == "陈志明"
    assert "<th" in response.content.decode() and ">操作人<" in response.content.decode()
    assert ">shicheng<" not in response.content.decode()


def test_an_event_without_an_account_keeps_the_name_typed(auditor, login, db):
    audit.record("nosuchuser", "login_failed", None, {}, object_type="auth.User", object_repr="nosuchuser")
    [row] = login(auditor).get(reverse("audit_log"), {"action": "login_failed"}).context["table"].rows
    assert row.get_cell("actor_name") == "nosuchuser"


def test_an_account_changed_is_named_by_its_holder(auditor, login, sysadmin, chen):
    audit.record(sysadmin, "account.change", chen, {"is_active": [True, False]})
    scope = chen.scope
    audit.record(sysadmin, "account.scope", scope, {"user": "shicheng", "town": "石城镇"})
    response = login(auditor).get(reverse("audit_log"))
    rows = {row.record.action: row for row in response.context["table"].rows}
    assert rows["account.change"].get_cell("object_repr") == "陈志明"
    assert "账号：陈志明" in str(rows["account.scope"].get_cell("changes"))


def test_a_module_code_is_shown_by_the_modules_name(auditor, login, chen):
    audit.record(
        chen, "demo.load", None, {"module": "assistance"}, object_type="demo", object_repr="演示数据"
    )
    [row] = login(auditor).get(reverse("audit_log"), {"action": "demo.load"}).context["table"].rows
    assert str(row.get_cell("changes")) == "模块：社会救助"


def test_amounts_in_the_changes_read_with_separators(auditor, login, chen):
    audit.record(
        chen,
        "payroll.generate",
        None,
        {"lines": 1, "total": "1996160.000000000000"},
        object_type="civaffairs.Payroll",
        object_repr="名册",
    )
    [row] = login(auditor).get(reverse("audit_log"), {"action": "payroll.generate"}).context["table"].rows
    assert str(row.get_cell("changes")) == "明细笔数：1<br>合计（元）：1,996,160.00"


def test_the_roster_import_names_its_program_approver_and_status(auditor, login, chen, chief):
    chief.last_name, chief.first_name = "张", "强"
    chief.save()
    audit.record(
        chen,
        "roster.import",
        None,
        {"file": "花名册.xlsx", "program": "dibao", "approved_by": "chief_assist", "status": "active"},
        object_type="roster",
    )
    [row] = login(auditor).get(reverse("audit_log"), {"action": "roster.import"}).context["table"].rows
    changes = str(row.get_cell("changes"))
    assert "项目：最低生活保障（低保）" in changes
    assert "审批人：张强" in changes
    assert "救助对象状态：在保" in changes
    assert "dibao" not in changes and "chief_assist" not in changes and "active" not in changes


def events_page_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("audit_log"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


_numbers = itertools.count(24000)  # far from the factories' sequence, which starts at 0


def add_events(n, actor, sysadmin):
    """n household moves to new villages, n new persons, n account changes: ids of three kinds."""
    for _ in range(n):
        household = HouseholdFactory(region=village("石城镇"))
        moved(actor, household, village("石城镇"))
        services.create_person(
            actor=actor, name="王五", id_number=id_number_for(next(_numbers)), region=village("石城镇")
        )
        audit.record(
            sysadmin, "account.change", make_user(CASEWORKER, town="石城镇"), {"is_active": [True, False]}
        )


def test_naming_the_rows_of_a_page_costs_the_same_queries_for_3_events_as_for_25(
    auditor, login, chen, sysadmin
):
    client = login(auditor)
    add_events(1, chen, sysadmin)
    events_page_queries(client)  # the session's expiry is written on the first request after logging in
    small = events_page_queries(client)
    add_events(8, chen, sysadmin)
    assert events_page_queries(client) == small

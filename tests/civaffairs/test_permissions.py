"""The permission matrix: every URL pattern of the project, GET, for every role.

Adding a view means adding its row to EXPECTED below (and, when its URL takes parameters, a
KWARGS entry and a second row for an object of another town, "<name>@六都镇", unless the object
has no town: then list the name in TOWNLESS; objects a new URL needs go in town_objects). The tests fail
for any URL pattern that is not declared here, namespaced ones (assistance:…) included, so no view
ships without someone deciding who may open it.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLResolver, get_resolver, include, path, reverse

from civaffairs import roles
from civaffairs.models import AccessGrant, ApprovalStatus, Payroll, Program, Request, Section, Standard
from civaffairs.roles import CASEWORKER
from tests.factories import CaseFactory, HouseholdFactory, make_user, village

LOGIN = "→login"  # anonymous: a redirect to the login page
ROLES = ("anonymous", "caseworker", "chief", "director", "auditor", "sysadmin", "welfare_chief")
OTHER_TOWN = "@六都镇"

# Rows for URLs with parameters use an object of 石城镇 (the caseworker's own town); the
# "@六都镇" row uses the same kind of object in 六都镇.
# fmt: off
EXPECTED = {
    #                                        anonymous  石城镇经办人 股长  局长  审计员  系统管理员  福利股股长
    "home":                                  (LOGIN,    200,       200,  200,  200,   200, 200),
    "login":                                 (200,      200,       200,  200,  200,   200, 200),
    "logout":                                (405,      405,       405,  405,  405,   405, 405),  # POST only
    "password_change":                       (LOGIN,    200,       200,  200,  200,   200, 200),
    "password_change_done":                  (LOGIN,    200,       200,  200,  200,   200, 200),
    "person_list":                           (LOGIN,    200,       200,  200,  200,   403, 200),
    "person_create":                         (LOGIN,    200,       403,  403,  403,   403, 403),
    "person_detail":                         (LOGIN,    200,       200,  200,  200,   403, 404),
    "person_detail@六都镇":                  (LOGIN,    404,       200,  200,  200,   403, 404),
    "person_edit":                           (LOGIN,    200,       403,  403,  403,   403, 403),
    "person_edit@六都镇":                    (LOGIN,    404,       403,  403,  403,   403, 403),
    "person_reveal":                         (LOGIN,    405,       405,  405,  405,   405, 405),  # POST only
    "person_reveal@六都镇":                  (LOGIN,    405,       405,  405,  405,   405, 405),
    "household_list":                        (LOGIN,    200,       200,  200,  200,   403, 200),
    "household_create":                      (LOGIN,    200,       403,  403,  403,   403, 403),
    "household_detail":                      (LOGIN,    200,       200,  200,  200,   403, 404),
    "household_detail@六都镇":               (LOGIN,    404,       200,  200,  200,   403, 404),
    "household_edit":                        (LOGIN,    200,       403,  403,  403,   403, 403),
    "household_edit@六都镇":                 (LOGIN,    404,       403,  403,  403,   403, 403),
    "household_add_member":                  (LOGIN,    405,       403,  403,  403,   403, 403),  # POST only
    "household_add_member@六都镇":           (LOGIN,    405,       403,  403,  403,   403, 403),
    "household_remove_member":               (LOGIN,    405,       403,  403,  403,   403, 403),  # POST only
    "household_remove_member@六都镇":        (LOGIN,    405,       403,  403,  403,   403, 403),
    "village_autocomplete":                  (LOGIN,    200,       200,  200,  200,   403, 200),
    "audit_log":                             (LOGIN,    403,       403,  200,  200,   403, 403),
    "figures":                               (LOGIN,    200,       200,  200,  200,   403, 200),
    "access_grants":                         (LOGIN,    403,       403,  200,  200,   200, 403),
    "access_grant_decide":                   (LOGIN,    403,       403,  405,  403,   403, 403),  # director, POST only
    "assistance:case_detail":                (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:case_detail@六都镇":         (LOGIN,    404,       200,  200,  200,   403, 404),
    "assistance:case_list":                  (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:case_change":                (LOGIN,    405,       403,  403,  403,   403, 403),  # POST only
    "assistance:case_change@六都镇":         (LOGIN,    405,       403,  403,  403,   403, 403),
    "assistance:case_correction":            (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "assistance:case_correction@六都镇":     (LOGIN,    403,       403,  403,  403,   403, 403),
    "assistance:apply_dibao":                (LOGIN,    200,       403,  403,  403,   403, 403),
    "assistance:apply_household":            (LOGIN,    200,       403,  403,  403,   403, 403),
    "assistance:apply_household@六都镇":     (LOGIN,    404,       403,  403,  403,   403, 403),
    "assistance:apply_person":               (LOGIN,    200,       403,  403,  403,   403, 403),
    "assistance:apply_person@六都镇":        (LOGIN,    404,       403,  403,  403,   403, 403),
    "assistance:request_list":               (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:request_detail":             (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:request_detail@六都镇":      (LOGIN,    404,       200,  200,  200,   403, 404),
    "assistance:request_decide":             (LOGIN,    403,       405,  403,  403,   403, 405),  # chief, POST only
    "assistance:request_decide@六都镇":      (LOGIN,    403,       405,  403,  403,   403, 405),
    "assistance:inbox":                      (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:standard_list":              (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:standard_create":            (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff only
    "assistance:standard_detail":            (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:standard_decide":            (LOGIN,    403,       405,  403,  403,   403, 405),
    "assistance:standard_backpay":           (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "assistance:payroll_list":               (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:payroll_generate":           (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "assistance:payroll_detail":             (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:payroll_decide":             (LOGIN,    403,       405,  403,  403,   403, 405),
    "assistance:payroll_export":             (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:payroll_withdraw":           (LOGIN,    405,       403,  403,  403,   403, 403),  # its author, POST only
    "assistance:notice":                     (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:roster_import":              (LOGIN,    200,       403,  403,  403,   403, 403),
    "assistance:roster_template":            (LOGIN,    200,       403,  403,  403,   403, 403),
}
# fmt: on

# URL name -> its kwargs, from the objects of one town (see town_objects below).
KWARGS = {
    "person_detail": lambda o: {"pk": o.person.pk},
    "person_edit": lambda o: {"pk": o.person.pk},
    "person_reveal": lambda o: {"pk": o.person.pk},
    "household_detail": lambda o: {"pk": o.household.pk},
    "household_edit": lambda o: {"pk": o.household.pk},
    "household_add_member": lambda o: {"pk": o.household.pk},
    "household_remove_member": lambda o: {"pk": o.household.pk, "member_pk": o.member.pk},
    "assistance:case_detail": lambda o: {"pk": o.case.pk},
    "assistance:case_change": lambda o: {"pk": o.case.pk, "what": "terminate"},
    "assistance:case_correction": lambda o: {"pk": o.case.pk},
    "assistance:apply_household": lambda o: {"household_pk": o.household.pk},
    "assistance:apply_person": lambda o: {"person_pk": o.person.pk},
    "assistance:request_detail": lambda o: {"pk": o.request.pk},
    "assistance:request_decide": lambda o: {"pk": o.request.pk},
    "assistance:standard_detail": lambda o: {"pk": o.standard.pk},
    "assistance:standard_decide": lambda o: {"pk": o.standard.pk},
    "assistance:standard_backpay": lambda o: {"pk": o.standard.pk},
    "assistance:payroll_detail": lambda o: {"pk": o.payroll.pk},
    "assistance:payroll_decide": lambda o: {"pk": o.payroll.pk},
    "assistance:payroll_export": lambda o: {"pk": o.payroll.pk},
    "assistance:payroll_withdraw": lambda o: {"pk": o.payroll.pk},
    "access_grant_decide": lambda o: {"pk": o.grant.pk},
}

# URLs with parameters whose objects belong to no town (a district-wide payroll or standard): they
# need no "@六都镇" row.
TOWNLESS = {
    "access_grant_decide",
    "assistance:standard_detail",
    "assistance:standard_decide",
    "assistance:standard_backpay",
    "assistance:payroll_detail",
    "assistance:payroll_decide",
    "assistance:payroll_export",
    "assistance:payroll_withdraw",
}

SKIPPED_PREFIXES = ("admin/", settings.STATIC_URL.lstrip("/"), "static/", "media/")


def town_objects(town_name):
    """One of each object kind in the town; extend with what new URLs need."""
    household = HouseholdFactory(region=village(town_name), members=1)
    worker = make_user(CASEWORKER, town=town_name)
    dibao = Program.objects.get(code="dibao")
    case = CaseFactory(household=household, program=dibao, submitted_by=worker)
    staff = make_user(CASEWORKER, section=Section.ASSISTANCE)
    standard = Standard.objects.create(
        program=dibao,
        category="rural",
        amount=490,
        effective_from=datetime.date(2019, 1, 1),
        drafted_by=staff,
    )
    requester = make_user(roles.ADMIN)
    return SimpleNamespace(
        grant=AccessGrant.objects.create(
            user=worker, role=CASEWORKER, town=household.town, reason="测试", requested_by=requester
        ),
        household=household,
        person=household.head,
        member=household.members.exclude(person=household.head).get(),
        case=case,
        request=Request.objects.create(
            kind=Request.Kind.TERMINATE,
            case=case,
            effective_month=datetime.date(2019, 7, 1),
            submitted_by=worker,
        ),
        standard=standard,
        # Payrolls and standards are district-wide; each call makes its own month.
        payroll=Payroll.objects.create(
            program=dibao,
            month=datetime.date(2019, 1 + Payroll.objects.count(), 1),
            created_by=staff,
            # Approved: the bank file of a batch is exported only once it is approved.
            status=ApprovalStatus.APPROVED,
        ),
    )


def url_patterns(patterns=None, prefix="", namespace=None, params=()):
    """(route, full name, parameter names) for every pattern, admin and static files left out."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        route = prefix + str(p.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        names = (*params, *p.pattern.regex.groupindex)
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from url_patterns(p.url_patterns, route, ns, names)
        else:
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield route, name, names


def undeclared(patterns=None):
    problems = []
    for route, name, params in url_patterns(patterns):
        if name is None:
            problems.append(f"URL pattern {route!r} has no name: name it and declare it in EXPECTED")
            continue
        if name not in EXPECTED:
            problems.append(
                f"URL {name!r} ({route}) is not declared in EXPECTED in tests/civaffairs/test_permissions.py: "
                "add the status each role gets"
            )
        if params:
            if name not in KWARGS:
                problems.append(f"URL {name!r} ({route}) takes {list(params)}: add KWARGS[{name!r}]")
            if name not in TOWNLESS and name + OTHER_TOWN not in EXPECTED:
                problems.append(
                    f"URL {name!r} ({route}) takes an object: declare EXPECTED[{name + OTHER_TOWN!r}] "
                    "for an object of another town"
                )
    return problems


def test_every_url_pattern_is_declared_in_the_expectations_table():
    problems = undeclared()
    assert not problems, "\n".join(problems)


def test_the_expectations_table_names_no_url_that_is_gone():
    names = {name for _route, name, _params in url_patterns()}
    stale = [key for key in EXPECTED if key.removesuffix(OTHER_TOWN) not in names]
    stale += [key for key in KWARGS if key not in names]
    assert not stale, f"EXPECTED/KWARGS declare URLs that no longer exist: {stale}"


def test_an_undeclared_namespaced_view_would_fail_the_table():
    def view(request, pk):
        raise AssertionError("never called")

    probe = ([path("probe/<int:pk>/", view, name="undeclared_probe")], "assistance")
    patterns = [*get_resolver().url_patterns, path("assistance/", include(probe, namespace="assistance"))]
    problems = set(undeclared(patterns)) - set(undeclared())
    assert len(problems) == 3, problems  # no EXPECTED row, no KWARGS, no row for another town
    assert all("'assistance:undeclared_probe'" in p for p in problems)
    assert any("is not declared in EXPECTED" in p for p in problems)


def test_the_walk_finds_the_namespaced_assistance_urls():
    # The guard against undeclared views is only as good as the walk; it must see namespaces.
    names = {name for _route, name, _params in url_patterns()}
    assert {"home", "person_detail", "assistance:case_detail"} <= names
    assert not any(name and name.startswith("admin:") for name in names)


@pytest.fixture
def objects(db):
    return {"": town_objects("石城镇"), OTHER_TOWN: town_objects("六都镇")}


def requests(objects):
    """(row key, url) for every declared row."""
    for _route, name, params in url_patterns():
        if name is None:
            continue
        if not params:
            yield name, reverse(name)
            continue
        if name not in KWARGS:
            yield name, None
            continue
        for suffix, objs in objects.items():
            if suffix and name in TOWNLESS:
                continue
            yield name + suffix, reverse(name, kwargs=KWARGS[name](objs))


def describe(response):
    if response.status_code in (301, 302):
        login = resolve_url(settings.LOGIN_URL)
        return LOGIN if response.url.startswith(login + "?") else f"{response.status_code}→{response.url}"
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_status_on_every_url(role, objects, client, login, request):
    if role != "anonymous":
        client = login(request.getfixturevalue(role))
    column = ROLES.index(role)
    wrong = []
    for key, url in requests(objects):
        if url is None:
            wrong.append(f"{key}: takes parameters but has no KWARGS entry (and EXPECTED rows)")
            continue
        if key not in EXPECTED:
            wrong.append(f"{key}: not declared in EXPECTED")
            continue
        expected = EXPECTED[key][column]
        got = describe(client.get(url))
        if got != expected:
            wrong.append(f"{key} {url}: expected {expected}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)

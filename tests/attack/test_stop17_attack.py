"""Attacks on the work landed in stop 17: values kept per version of the records (civaffairs/kept.py:
figures, list counts, a payroll's totals by town, the home page), the idle session's expiry written
at most once a minute (civaffairs/middleware.py), the case search by subqueries and the welfare
milestones' date order. Each test is a hole found by probing as an attacker would (a caseworker of
another town, a chief of another section, an auditor, hand-made GET and POST requests), or a guard
confirmed to hold. The kept values are on here (RECORDS_CACHE_SECONDS = 600), as in production.
Worlds are built through the services (tests.factories World)."""

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assistance import programs as P
from civaffairs import accounts, audit, kept
from civaffairs import services as core
from civaffairs.models import AuditEvent, Case, Section
from civaffairs.roles import ADMIN, AUDITOR, CASEWORKER, CHIEF, DIRECTOR
from tests.factories import TEST_PASSWORD, World, id_number_for, make_user, submit, town

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db, cached):
    with time_machine.travel(datetime.datetime(2019, 2, 20, 10), tick=False):
        world = World()
        world.standard(P.DIBAO, "rural", 450, D(2018, 1, 1))
        world.dibao(3, 120)
        world.pay(P.DIBAO, D(2019, 1, 1))
        return world


@pytest.fixture
def liudu(w):
    return make_user(CASEWORKER, town="六都镇", first_name="六都镇经办人")


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def _home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.context


def _case_count(client, **params):
    response = client.get(reverse("assistance:case_list"), params)
    assert response.status_code == 200
    return response.context["table"].paginator.count


def uncached(settings, fn):
    keep = settings.RECORDS_CACHE_SECONDS
    settings.RECORDS_CACHE_SECONDS = 0
    try:
        return fn()
    finally:
        settings.RECORDS_CACHE_SECONDS = keep


# --- 1. kept values never cross a scope ---------------------------------------------------------


def test_another_towns_caseworker_never_gets_shichengs_kept_counts(w, liudu, settings):
    shicheng, other = _as(w.town_worker), _as(liudu)
    # 石城镇 asks first, so its counts are kept; 六都镇 asks the same pages at the same version.
    mine = _home(shicheng)["counts"]
    assert mine["persons"] == 3 and mine["active"] == 1
    assert _case_count(shicheng) == 1

    theirs = _home(other)["counts"]
    assert theirs == {"persons": 0, "households": 0, "active": 0, "pending": 0}
    assert _case_count(other) == 0
    assert _case_count(other, status="active") == 0
    # And the other way round: 六都镇's zeros are not served to 石城镇.
    assert _home(shicheng)["counts"] == mine
    assert _case_count(shicheng) == 1


def test_two_differently_scoped_lists_have_two_keys(w, liudu):
    from civaffairs.selectors import cases_for

    assert kept.count(cases_for(w.town_worker)) == 1
    assert kept.count(cases_for(liudu)) == 0
    assert kept.count(cases_for(w.chief)) == 1
    assert kept.count(Case.objects.filter(town__name="六都镇")) == 0


def test_a_scope_changed_by_an_approved_access_grant_changes_the_kept_home_page(w, liudu):
    admin = make_user(ADMIN, section="", username="sysadmin")
    director = make_user(DIRECTOR, username="director")
    client = _as(liudu)
    assert _home(client)["counts"]["persons"] == 0  # kept for 六都镇's scope

    grant = accounts.request_access(
        actor=admin, user=liudu, role=CASEWORKER, town=town("石城镇"), reason="调往石城镇"
    )
    accounts.decide_access(actor=director, grant=grant, approve=True, comment="同意")
    assert AuditEvent.objects.filter(action="account.grant_approve").exists()

    client = _as(liudu)  # the changed account signs in again
    assert _home(client)["counts"]["persons"] == 3
    assert _case_count(client) == 1


def test_a_scope_changed_in_the_admin_changes_the_kept_home_page(w, liudu):
    admin = make_user(ADMIN, username="sysadmin", is_superuser=True)
    client = _as(liudu)
    assert _home(client)["counts"]["persons"] == 0

    scope = liudu.scope
    response = _as(admin).post(
        reverse("admin:civaffairs_userscope_change", args=[scope.pk]),
        {"user": liudu.pk, "town": town("石城镇").pk, "section": ""},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="account.scope").exists()

    assert _home(_as(liudu))["counts"]["persons"] == 3


# --- 2. every change through the UI moves the kept values at once -------------------------------


def test_a_death_recorded_moves_the_home_pages_to_do_at_once(w):
    client = _as(w.town_worker)

    def deceased():
        items = _home(client)["panels"]
        return next(i["count"] for i in items if i["label"] == "有已死亡人员未核减")

    with time_machine.travel(datetime.datetime(2019, 3, 20, 10), tick=False):
        assert deceased() == 0
        person = Case.objects.get().household.head
        response = client.post(
            reverse("person_edit", args=[person.pk]),
            {**_person_form(person, w.town_worker), "death_date": "2019-03-10"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert deceased() == 1


def _person_form(person, user):
    from civaffairs.forms import PersonForm

    form = PersonForm(instance=person, user=user)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value
    data["id_number"] = person.id_number
    data["version"] = person.version
    return data


def test_a_new_payroll_moves_the_payroll_totals_by_town_and_the_lists_count(w, settings):
    chief = _as(w.chief)
    payroll = w.pay(P.DIBAO, D(2019, 2, 1))[0]
    page = chief.get(reverse("assistance:payroll_detail", args=[payroll.pk]))
    assert page.status_code == 200
    shown = {row["town__name"]: row["total"] for row in page.context["by_town"]}
    assert shown == {"石城镇": payroll.total}
    assert page.context["table"].paginator.count == payroll.line_count

    with time_machine.travel(datetime.datetime(2019, 3, 20, 10), tick=False):
        w.dibao(2, 100, start=D(2019, 3, 1))
        march = w.pay(P.DIBAO, D(2019, 3, 1))[0]
    page = chief.get(reverse("assistance:payroll_detail", args=[march.pk]))
    assert page.context["table"].paginator.count == march.line_count == 2
    assert {r["town__name"]: r["total"] for r in page.context["by_town"]} == {"石城镇": march.total}


def test_a_rolled_back_change_leaves_no_kept_value_behind(w, settings):
    from civaffairs.selectors import home_counts

    before = kept.kept(("t", 1), lambda: home_counts(w.town_worker))
    with pytest.raises(RuntimeError), transaction.atomic():
        person = core.create_person(
            actor=w.town_worker, name="回滚人", id_number=id_number_for(9001), region=w.village
        )
        assert person.pk
        # Computed (and kept) inside the change's transaction, after its audit event.
        inside = kept.kept(("t", 1), lambda: home_counts(w.town_worker))
        assert inside["persons"] == before["persons"] + 1
        raise RuntimeError("rolled back")
    after = kept.kept(("t", 1), lambda: home_counts(w.town_worker))
    assert after == before == uncached(settings, lambda: home_counts(w.town_worker))
    # The next change reuses the rolled-back event's id, never its version.
    with time_machine.travel(datetime.datetime(2019, 3, 1, 10), tick=False):
        core.create_person(
            actor=w.town_worker, name="再登记", id_number=id_number_for(9002), region=w.village
        )
    assert kept.kept(("t", 1), lambda: home_counts(w.town_worker))["persons"] == before["persons"] + 1


def test_reading_and_signing_in_change_no_version_and_a_change_does(w):
    version = kept.data_version()
    _as(w.town_worker).get(reverse("home"))
    with transaction.atomic():
        audit.record(w.town_worker, "person.reveal_id", None)
    assert kept.data_version() == version
    submit(
        actor=w.town_worker,
        program=P.TEKUN,
        person=w.person(),
        start_month=D(2019, 3, 1),
        category="dispersed",
        area="rural",
    )
    assert kept.data_version() != version


# --- 3. the idle session --------------------------------------------------------------------------


def _login(username):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def _logged_in(client):
    response = client.get(reverse("home"))
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))
        return False
    assert response.status_code == 200
    return True


def test_a_session_used_every_20_minutes_lives_and_one_idle_for_30_ends(w):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _login(w.town_worker.username)
        for _ in range(6):  # two hours of work, a page every 20 minutes
            clock.shift(datetime.timedelta(minutes=20))
            assert _logged_in(client)
        clock.shift(datetime.timedelta(minutes=30, seconds=1))
        assert not _logged_in(client)


def test_requests_within_the_minute_do_not_stretch_the_idle_time_beyond_30_minutes(w):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _login(w.town_worker.username)
        assert _logged_in(client)  # written now
        for _ in range(5):  # five pages in the next 50 seconds: not written
            clock.shift(datetime.timedelta(seconds=10))
            assert _logged_in(client)
        clock.shift(datetime.timedelta(minutes=30))
        assert not _logged_in(client)


def test_a_logged_out_sessions_cookie_replayed_is_anonymous(w):
    client = _login(w.town_worker.username)
    stolen = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert client.post(reverse("logout")).status_code == 302
    thief = Client()
    thief.cookies[django_settings.SESSION_COOKIE_NAME] = stolen
    assert not _logged_in(thief)
    assert not Session.objects.filter(session_key=stolen).exists()


def test_an_expired_sessions_cookie_is_not_revived(w):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _login(w.town_worker.username)
        old = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        clock.shift(datetime.timedelta(minutes=31))
        assert not _logged_in(client)
        thief = Client()
        thief.cookies[django_settings.SESSION_COOKIE_NAME] = old
        assert not _logged_in(thief)
        assert not Session.objects.filter(session_key=old, expire_date__gt=timezone.now()).exists()


def test_a_session_fixed_before_login_is_not_the_one_after(w):
    client = Client()
    client.get(reverse("login"))
    planted = "a" * 32
    client.cookies[django_settings.SESSION_COOKIE_NAME] = planted
    response = client.post(reverse("login"), {"username": w.town_worker.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.cookies[django_settings.SESSION_COOKIE_NAME].value != planted
    victim = Client()
    victim.cookies[django_settings.SESSION_COOKIE_NAME] = planted
    assert not _logged_in(victim)


def test_a_made_up_session_cookie_writes_no_session_row(w):
    """Anyone, signed in or not, could make the database write a session row per request by sending
    a made-up (or expired) session cookie: the renewal marked the empty session as changed, and
    Django saves a changed session. Nothing to renew there: nothing is written."""
    before = Session.objects.count()
    for n in range(5):
        anonymous = Client()
        anonymous.cookies[django_settings.SESSION_COOKIE_NAME] = f"{n:032d}"
        response = anonymous.get(reverse("login"))
        assert response.status_code == 200
        assert django_settings.SESSION_COOKIE_NAME not in response.cookies or not (
            response.cookies[django_settings.SESSION_COOKIE_NAME].value
        )
    assert Session.objects.count() == before


def test_a_signed_in_session_is_still_renewed(w):
    client = _login(w.town_worker.username)
    key = client.session.session_key
    assert client.session[SESSION_KEY] == str(w.town_worker.pk)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2), tick=False):
        assert _logged_in(client)
        left = Session.objects.get(session_key=key).expire_date - timezone.now()
        assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)


# --- 4. the case search ---------------------------------------------------------------------------


def _reveals():
    return AuditEvent.objects.filter(action="person.reveal_id").count()


def test_another_towns_caseworker_finds_no_case_by_name_or_whole_number(w, liudu):
    client = _as(liudu)
    head = Case.objects.get().household.head
    member = Case.objects.get().coverages.exclude(person=head).first().person
    before = _reveals()
    for q in (head.name, head.id_number, member.id_number, head.id_number.lower(), head.name[:1]):
        assert _case_count(client, q=q) == 0
    assert _reveals() == before
    # 石城镇's caseworker finds it, by the head's or a member's number.
    assert _case_count(_as(w.town_worker), q=member.id_number) == 1


def test_an_auditors_whole_number_search_is_a_reveal_only_when_a_case_in_scope_matches(w):
    auditor = make_user(AUDITOR, username="auditor")
    client = _as(auditor)
    head = Case.objects.get().household.head
    before = _reveals()
    assert _case_count(client, q=head.id_number) == 1
    assert _reveals() == before + 1
    # A valid number of nobody's case: no reveal.
    assert _case_count(client, q="11010519491231002X") == 0
    assert _reveals() == before + 1
    # A number cut short finds nothing and reveals nothing.
    assert _case_count(client, q=head.id_number[:17]) == 0
    assert _reveals() == before + 1


def test_another_sections_chief_finds_no_assistance_case(w):
    welfare_chief = make_user(CHIEF, section=Section.WELFARE, username="welfare_chief")
    head = Case.objects.get().household.head
    response = _as(welfare_chief).get(reverse("assistance:case_list"), {"q": head.id_number})
    assert response.status_code == 403 or response.context["table"].paginator.count == 0
    assert not AuditEvent.objects.filter(action="person.reveal_id", actor=welfare_chief).exists()


@pytest.mark.parametrize("q", ["%", "_", "%%", "测试%", "' OR 1=1 --", '") OR ("1"="1', "\\", "4453%"])
def test_wildcards_and_quotes_in_the_search_match_literally(w, q):
    client = _as(w.town_worker)
    assert _case_count(client, q=q) == 0


def test_a_name_with_an_underscore_is_found_only_by_itself(w):
    client = _as(w.town_worker)
    head = Case.objects.get().household.head
    assert _case_count(client, q=head.name) == 1
    assert _case_count(client, q=head.name[:1] + "_") == 0


# --- 5. the milestones' dates, posted by hand -----------------------------------------------------


@pytest.fixture
def welfare(db, cached):
    from welfare import services as ws

    staff = make_user(CASEWORKER, section=Section.WELFARE, username="fuli")
    chief = make_user(CHIEF, section=Section.WELFARE, username="fuli_chief")
    project = ws.create_facility_project(
        actor=staff, kind="rescue_station", name="救助站改造", region=town("石城镇")
    )
    return staff, chief, project


def _post_milestone(client, project, name, on):
    return client.post(
        reverse("welfare:milestone_submit", args=[project.pk]),
        {"milestone": project.milestones.get(name=name).pk, "reached_on": on, "note": ""},
    )


def _errors(response):
    assert response.status_code == 200
    return response.context["milestone_form"].errors


@pytest.mark.parametrize(
    "on, message",
    [
        ("9999-12-31", "完成日期不能晚于今天"),
        ("2019-02-30", "日期"),
        ("二〇一九年", "日期"),
        ("", "必填"),
        ("2019-13-01", "日期"),
        ("99999-01-01", "日期"),
    ],
)
def test_odd_milestone_dates_are_refused_in_chinese_and_nothing_is_saved(welfare, on, message):
    from welfare.models import MilestoneReport

    staff, _chief, project = welfare
    response = _post_milestone(_as(staff), project, "立项", on)
    errors = _errors(response)
    assert message in " ".join(errors["reached_on"])
    assert not MilestoneReport.objects.exists()
    assert not project.milestones.filter(done_on__isnull=False).exists()


def test_a_works_date_before_the_approval_posted_by_hand_is_refused_and_nothing_saved(welfare):
    from welfare import services as ws
    from welfare.models import MilestoneReport

    staff, chief, project = welfare
    report = ws.submit_milestone(
        actor=staff, milestone=project.milestones.get(name="立项"), reached_on=D(2019, 3, 1)
    )
    ws.decide_milestone(actor=chief, report=report, approve=True, comment="同意")
    errors = _errors(_post_milestone(_as(staff), project, "施工", "2019-02-28"))
    assert errors["reached_on"] == ["完成日期不能早于节点“立项”的完成日期（2019年3月1日）"]
    assert MilestoneReport.objects.count() == 1


def test_a_milestone_of_another_project_or_a_stranger_cannot_be_posted(welfare, w):
    from welfare import services as ws
    from welfare.models import MilestoneReport

    staff, _chief, project = welfare
    other = ws.create_facility_project(
        actor=staff, kind="rescue_station", name="另一项目", region=town("六都镇")
    )
    response = _as(staff).post(
        reverse("welfare:milestone_submit", args=[project.pk]),
        {"milestone": other.milestones.get(name="立项").pk, "reached_on": "2019-03-01"},
    )
    assert "milestone" in _errors(response)
    # An assistance caseworker of a town, or the assistance chief: not the welfare section's.
    for stranger in (w.town_worker, w.chief):
        response = _as(stranger).post(
            reverse("welfare:milestone_submit", args=[project.pk]),
            {"milestone": project.milestones.get(name="立项").pk, "reached_on": "2019-03-01"},
        )
        assert response.status_code in (403, 404)
    assert not MilestoneReport.objects.exists()


# --- a role's permissions changed in the admin ------------------------------------------------------


def test_a_roles_permissions_changed_in_the_admin_are_recorded_and_move_the_kept_home_page(w):
    """The stock Group admin wrote a role's permissions without an audit event: a superuser could
    take 经办人's right to read persons (or give one) unrecorded (等保: 权限变更须可审计), and the home
    pages kept for that role's users went on showing the counts of the right they no longer had."""
    from django.contrib.auth.models import Group, Permission

    assert _home(_as(w.town_worker))["counts"]["persons"] == 3  # kept with the right to read persons
    root = make_user(ADMIN, username="root", is_superuser=True)
    group = Group.objects.get(name=CASEWORKER)
    kept_perms = group.permissions.exclude(codename="view_person", content_type__app_label="civaffairs")
    response = _as(root).post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": [p.pk for p in kept_perms]},
    )
    assert response.status_code == 302
    assert not Group.objects.get(pk=group.pk).permissions.filter(codename="view_person").exists()
    event = AuditEvent.objects.filter(object_type="auth.Group").latest("id")
    assert event.action == "account.role_change" and "permissions" in event.changes
    assert _home(_as(w.town_worker))["counts"] is None  # no longer the right to read persons

    response = _as(root).post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {
            "name": group.name,
            "permissions": [p.pk for p in kept_perms]
            + [Permission.objects.get(codename="view_person", content_type__app_label="civaffairs").pk],
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(object_type="auth.Group").count() == 2
    assert _home(_as(w.town_worker))["counts"]["persons"] == 3


# --- figures by place, and the summary's draft after a change ----------------------------------


def test_another_towns_caseworker_asking_for_shichengs_figures_gets_its_own(w, liudu):
    from civaffairs.models import Region

    shicheng = Region.objects.get(level=Region.Level.TOWN, name="石城镇")
    url = reverse("figures")
    params = {"period": "2019年上半年", "region": shicheng.code}
    mine = _as(w.town_worker).get(url, params)
    assert mine.status_code == 200 and mine.context["region"] == shicheng
    theirs = _as(liudu).get(url, params)  # kept for 石城镇 a moment ago
    assert theirs.status_code == 200
    assert theirs.context["region"].name == "六都镇"
    rows = {r["key"]: r for _g, group in theirs.context["groups"] for r in group}
    mine_rows = {r["key"]: r for _g, group in mine.context["groups"] for r in group}
    assert mine_rows["dibao.households"]["value"] == 1
    assert rows["dibao.households"]["value"] == 0


def test_a_draft_summarys_figures_move_at_once(w, settings):
    from reports import document
    from reports import services as rs

    director = make_user(DIRECTOR, username="director")
    draft = rs.create_summary(actor=director, period="2019H1")
    before = document.summary_values(draft).figures["dibao.households"]
    with time_machine.travel(datetime.datetime(2019, 3, 20, 10), tick=False):
        w.dibao(2, 100, start=D(2019, 3, 1))
    after = document.summary_values(draft).figures["dibao.households"]
    assert after == before + 1
    assert document.summary_values(draft).figures == uncached(
        settings, lambda: document.summary_values(draft).figures
    )


def test_works_approved_before_a_later_dated_approval_leave_that_approval_refused_not_half_saved(welfare):
    """施工 reported with a date before the 立项 still waiting: the chief approving 施工 first, then
    立项 (by hand-made POSTs), is refused at 立项 with the date it clashes with; the 立项 report
    stays pending, its milestone unreached, the project's status that of 施工."""
    from welfare import services as ws
    from welfare.models import MilestoneReport

    staff, chief, project = welfare
    approval = ws.submit_milestone(
        actor=staff, milestone=project.milestones.get(name="立项"), reached_on=D(2019, 3, 1)
    )
    works = ws.submit_milestone(
        actor=staff, milestone=project.milestones.get(name="施工"), reached_on=D(2019, 2, 1)
    )
    client = _as(chief)
    decide = "welfare:milestone_decide"
    assert (
        client.post(reverse(decide, args=[works.pk]), {"decision": "approve", "comment": "同意"}).status_code
        == 302
    )
    project.refresh_from_db()
    status = project.status
    response = client.post(
        reverse(decide, args=[approval.pk]), {"decision": "approve", "comment": "同意"}, follow=True
    )
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "完成日期不能晚于节点“施工”的完成日期（2019年2月1日）" in shown
    assert MilestoneReport.objects.get(pk=approval.pk).status == "pending"
    assert project.milestones.get(name="立项").done_on is None
    project.refresh_from_db()
    assert project.status == status


def test_a_job_pages_automatic_poll_does_not_keep_an_idle_session_alive(w):
    """The job page polls its status every second while the job is live, and a job whose worker
    died stays "running": a page left open on it renewed the idle session for ever, so the
    30-minute idle timeout never came for an unattended screen. A poll is no activity."""
    from civaffairs import jobs

    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _login(w.worker.username)
        job = jobs.start_payroll(
            actor=w.worker, program=P.DIBAO, month=D(2019, 2, 1), result="assistance:payroll_detail"
        )
        status = reverse("job_status", args=[job.pk])
        assert client.get(status, HTTP_ACCEPT="application/json").status_code == 200
        for _ in range(31):  # the open page asks on its own for 31 minutes; nobody clicks
            clock.shift(datetime.timedelta(minutes=1))
            client.get(status, HTTP_ACCEPT="application/json")
        assert not _logged_in(client)


def test_a_job_poll_within_the_idle_time_still_answers(w):
    from civaffairs import jobs

    client = _login(w.worker.username)
    job = jobs.start_payroll(
        actor=w.worker, program=P.DIBAO, month=D(2019, 2, 1), result="assistance:payroll_detail"
    )
    response = client.get(reverse("job_status", args=[job.pk]), HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["status"] == "succeeded"
    assert _logged_in(client)


def test_a_payrolls_kept_totals_by_town_are_never_shown_to_another_town_or_section(w, liudu):
    payroll = w.pay(P.DIBAO, D(2019, 2, 1))[0]
    url = reverse("assistance:payroll_detail", args=[payroll.pk])
    page = _as(w.chief).get(url)  # kept: 石城镇's total
    assert [r["town__name"] for r in page.context["by_town"]] == ["石城镇"]
    other_town = _as(liudu).get(url)
    assert other_town.status_code in (403, 404) or list(other_town.context["by_town"]) == []
    for section in (Section.WELFARE, Section.GRASSROOTS):
        chief = make_user(CHIEF, section=section, username=f"chief_{section}")
        assert _as(chief).get(url).status_code in (403, 404)
        assert _home(_as(chief))["counts"] is None


def test_an_auditors_kept_home_page_is_its_own(w, liudu):
    auditor = make_user(AUDITOR, username="auditor")
    assert _home(_as(liudu))["counts"]["persons"] == 0
    counts = _home(_as(auditor))["counts"]
    assert counts is None or counts["persons"] == 3


def test_every_list_count_kept_for_anyone_equals_the_count_computed_for_them(w, liudu, settings):
    """Eight users of four scopes ask the same lists, with the same filters, in turn: each count
    shown is the one computed from the records for that user (no key shared across scopes)."""
    from civaffairs.roles import TOWN_REVIEWER

    with time_machine.travel(datetime.datetime(2019, 3, 20, 10), tick=False):
        submit(
            actor=w.town_worker,
            program=P.TEKUN,
            person=w.person(),
            start_month=D(2019, 3, 1),
            category="dispersed",
            area="rural",
        )
    users = [
        w.town_worker,
        liudu,
        w.worker,
        w.chief,
        make_user(AUDITOR, username="auditor"),
        make_user(DIRECTOR, username="director"),
        make_user(CASEWORKER, section=Section.WELFARE, username="fuli"),
        make_user(TOWN_REVIEWER, town="六都镇", username="liudu_review"),
    ]
    pages = [
        ("assistance:case_list", {}),
        ("assistance:case_list", {"status": "active"}),
        ("assistance:case_list", {"status": "pending"}),
        ("assistance:request_list", {}),
        ("person_list", {}),
        ("household_list", {}),
    ]

    def counts():
        out = {}
        for user in users:
            client = _as(user)
            for name, params in pages:
                response = client.get(reverse(name), params)
                table = response.context and response.context.get("table")
                out[user.username, name, tuple(params.items())] = (
                    response.status_code,
                    table.paginator.count if table is not None else None,
                )
        return out

    kept_counts = counts()
    assert kept_counts == counts()  # asked again, served kept
    assert kept_counts == uncached(settings, counts)
    assert kept_counts[w.town_worker.username, "assistance:case_list", ()] == (200, 2)
    assert kept_counts[liudu.username, "assistance:case_list", ()] == (200, 0)


@pytest.mark.parametrize("on", ["0001-01-01", "1899-12-31"])
def test_a_milestone_dated_before_1900_is_refused_in_chinese_and_nothing_saved(welfare, on):
    """A hand-made POST dated 公元1年 was taken: the report, then the chief's approval, made year 1
    the project's start (project.started_on), a date no period of the system can name (years run
    from 1900, civaffairs/periods.py)."""
    from welfare.models import MilestoneReport

    staff, _chief, project = welfare
    errors = _errors(_post_milestone(_as(staff), project, "立项", on))
    assert errors["reached_on"] == ["完成日期不能早于1900年1月1日"]
    assert not MilestoneReport.objects.exists()


def test_a_welfare_inspection_moves_the_kept_to_dos_of_staff_and_chief_at_once(welfare, cached):
    from civaffairs.models import Institution
    from welfare import services as ws
    from welfare.models import Inspection

    staff, chief, _project = welfare

    def overdue(user):
        return next(i["count"] for i in _home(_as(user))["panels"] if i["label"] == "逾期未整改安全隐患")

    with time_machine.travel(datetime.datetime(2019, 5, 20, 10), tick=False):
        home = ws.save_institution(
            actor=staff,
            name="石城镇敬老院",
            kind=Institution.Kind.NURSING_HOME,
            region=town("石城镇"),
            capacity=40,
            beds=30,
        )
        assert overdue(staff) == overdue(chief) == 0
        ws.record_inspection(
            actor=staff,
            institution=home,
            date=D(2019, 5, 1),
            kind=Inspection.Kind.LOOKBACK,
            inspectors="刘洋、何静",
            hazards=[{"description": "消防通道堵塞", "owner": "院长", "deadline": D(2019, 5, 10)}],
        )
        assert overdue(staff) == overdue(chief) == 1

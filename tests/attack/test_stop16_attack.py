"""Attacks on the work landed in stop 15 (issue 9's drill-down, issue 11's procedure, the summary
editor, job pages): each test is a hole found by probing the landed code as an attacker would
(crafted list filters and drill-down URLs, hand-made POSTs to steps of another town or another
role, forged uploads, chosen seeds, template syntax in placeholders), or a guard confirmed to
hold. Worlds are built through the services (tests.factories World and ProcedureTown)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assistance import programs as P
from assistance import services
from assistance.models import Attachment, Procedure, SpotCheck, Stage
from assistance.services import procedure as proc
from civaffairs import figures as registry
from civaffairs.models import AuditEvent, Section
from civaffairs.periods import Period
from civaffairs.roles import AUDITOR, CASEWORKER, CHIEF, DIRECTOR, TOWN_REVIEWER
from tests.factories import (
    PDF,
    ProcedureTown,
    World,
    at,
    enrol,
    home_visit,
    id_number_for,
    make_user,
    village,
)

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


@pytest.fixture
def town(db):
    return ProcedureTown()


def _step(client, p, step, data=None):
    return client.post(reverse("assistance:procedure_step", args=[p.pk, step]), data or {})


def _listed(response, needle):
    assert response.status_code == 200
    return needle in response.content.decode()


# --- lists and drill-down: filters must not un-mask what the list masks -------------------------


def _unmask_by_suffix(client, url, number, shown):
    """What an attacker learns of a masked number by asking the list's search for ever longer
    endings: returns the ending the list confirmed (starting from the 4 digits the mask shows)."""
    known = number[-4:]
    while len(known) < len(number):
        for digit in "0123456789X":
            if _listed(client.get(url, {"q": digit + known}), shown):
                known = digit + known
                break
        else:
            break
    return known


@pytest.mark.parametrize("role", [DIRECTOR, AUDITOR])
def test_the_person_search_does_not_unmask_an_id_number_digit_by_digit(w, login, role):
    """The person list's search matched any ending of an ID number (id_number__endswith): the
    director or the auditor, who read numbers masked (445303********0016) and must reveal one with
    查看完整 (audited), read the eight hidden digits by asking for longer and longer endings,
    unaudited."""
    person = w.person(name="张秘密")
    client = login(make_user(role))
    learned = _unmask_by_suffix(client, reverse("person_list"), person.id_number, "张秘密")
    assert learned == person.id_number[-4:]
    # The four digits the mask shows still find the person, and so does the whole number.
    assert _listed(client.get(reverse("person_list"), {"q": person.id_number[-4:]}), "张秘密")
    assert _listed(client.get(reverse("person_list"), {"q": person.id_number}), "张秘密")


def test_the_household_search_does_not_unmask_the_heads_id_number(w, login):
    case, people = w.dibao(2, "100")
    head = people[0]
    client = login(make_user(DIRECTOR))
    learned = _unmask_by_suffix(client, reverse("household_list"), head.id_number, head.name)
    assert learned == head.id_number[-4:]


def test_whoever_sees_numbers_whole_still_searches_by_any_ending(w, login):
    person = w.person(name="张秘密")
    client = login(w.town_worker)
    assert _listed(client.get(reverse("person_list"), {"q": person.id_number[-8:]}), "张秘密")


def test_a_drilldown_link_with_another_towns_code_lists_nothing_of_that_town(w, login, liudu_village):
    """A 石城镇 caseworker follows a figure's link, the town changed to 六都镇 (by hand): the case
    list, the procedure list and the figures page show nothing of 六都镇."""
    from civaffairs import services as core

    w.standard(P.DIBAO, "rural", "400", D(2018, 1, 1))
    other = core.create_person(
        actor=w.worker, name="六都秘密", id_number=id_number_for(7002), region=liudu_village
    )
    enrol(
        actor=w.worker,
        chief=w.chief,
        program=P.TEKUN,
        person=other,
        start_month=D(2018, 11, 1),
        category=P.DISPERSED,
    )
    liudu = liudu_village.parent
    url = registry.drilldown_url("tekun.persons", Period.parse("2019H1"), liudu, w.town_worker)
    client = login(w.town_worker)
    assert url and f"town={liudu.pk}" in url
    assert not _listed(client.get(url), "六都秘密")
    assert _listed(client.get(url), "0")
    # The procedure list takes the town as a number: another town's lists nothing.
    assert not _listed(client.get(reverse("assistance:procedure_list"), {"town": liudu.pk}), "六都秘密")
    # The figures page ignores a town picked by a town account: its own town's figures.
    page = client.get(reverse("figures"), {"period": "2019年上半年", "region": liudu.code})
    assert page.status_code == 200 and "六都镇" not in page.content.decode().split("<main")[-1]


def test_welfare_lists_reached_by_a_crafted_drilldown_url_are_refused_to_other_sections(w, login):
    """The marriage and cremation lists (registrations and cremations are the welfare section's,
    the director's and the auditor's only): their drill-down URLs, typed by another section or a
    town, answer 403, and no link to them is offered."""
    period = Period.parse("2019H1")
    marriages = registry.drilldown_url("marriage.domestic.marriages", period)
    cremations = registry.drilldown_url("funeral.cremations", period)
    for user in (w.chief, w.worker, w.town_worker, make_user(TOWN_REVIEWER, town="石城镇")):
        client = login(user)
        assert client.get(marriages).status_code == 403
        assert client.get(cremations).status_code == 403
        assert registry.drilldown_url("funeral.cremations", period, user=user) is None
        assert "funeral.cremations" not in registry.drilldown_urls(period, user=user)


# --- the procedure: hand-made POSTs ---------------------------------------------------------------


def _liudu_procedure(town):
    """An application of 六都镇, accepted by 六都镇's caseworker, at the town review."""
    w = town.w
    liudu_worker = make_user(CASEWORKER, town="六都镇")
    place = village("六都镇", name="大河村")
    from civaffairs import services as core
    from civaffairs.models import Area

    head = core.create_person(
        actor=liudu_worker, name="六都户主", id_number=id_number_for(7001), region=place
    )
    household = core.create_household(
        actor=liudu_worker,
        head=head,
        region=place,
        area=Area.RURAL,
        income_per_capita=100,
        members=[],
        joined_on=D(2018, 1, 1),
        bank_name="云浮农商银行",
        bank_account="6230000000000009",
    )
    with at(D(2019, 3, 4)):
        p = proc.accept_application(
            actor=liudu_worker,
            program=P.DIBAO,
            received_on=D(2019, 3, 4),
            materials={k: True for k, _ in proc.MATERIALS},
            household=household,
            category="A",
            income=100,
            scans=[("application", SimpleUploadedFile("申请书.pdf", PDF))],
        )
    with at(D(2019, 3, 5)):
        proc.record_verification(actor=liudu_worker, case=p.case, checks=town.checks(D(2019, 3, 5)))
        proc.record_home_visit(
            actor=liudu_worker,
            case=p.case,
            visited_on=D(2019, 3, 5),
            investigators=["甲", "乙"],
            applicant_signed=True,
        )
        proc.record_appraisal(
            actor=liudu_worker,
            case=p.case,
            held_on=D(2019, 3, 5),
            due=3,
            attended=3,
            agreed=3,
            minutes="通过",
        )
    assert w  # the district's chief of the ProcedureTown world decides
    p.refresh_from_db()
    return p


def test_shicheng_accounts_cannot_act_on_a_liudu_application(town, login):
    p = _liudu_procedure(town)
    assert p.stage == Stage.TOWN_REVIEW
    scan = Attachment.objects.get(case=p.case)
    with at(D(2019, 3, 6)):
        reviewer, worker = login(town.reviewer), login(town.w.town_worker)
        review = {"opinion": "同意", "recommends": "yes"}
        assert _step(reviewer, p, "town_review", review).status_code == 404
        assert _step(reviewer, p, "extend_town", {"reason": "拖延"}).status_code == 404
        assert _step(worker, p, "recheck", {"checked_on": "2019-03-06"}).status_code == 404
        assert (
            worker.post(
                reverse("assistance:procedure_step", args=[p.pk, "scan"]),
                {"kind": "proof", "file": SimpleUploadedFile("x.pdf", PDF)},
            ).status_code
            == 404
        )
        assert worker.get(reverse("assistance:attachment_download", args=[scan.pk])).status_code == 404
        assert worker.get(reverse("assistance:procedure_notice_pdf", args=[p.pk])).status_code == 404
    # The service refuses the same, whatever the view.
    from django.core.exceptions import PermissionDenied

    with at(D(2019, 3, 6)), pytest.raises(PermissionDenied):
        proc.town_review(actor=town.reviewer, procedure=p, opinion="同意", recommends=True)
    p.refresh_from_db()
    assert p.stage == Stage.TOWN_REVIEW and p.town_reviewer is None
    assert not AuditEvent.objects.filter(action="procedure.download").exists()


def test_a_caseworker_cannot_give_the_town_opinion_nor_skip_to_the_notice_or_the_approval(town, login):
    w = town.w
    p = town.accept()
    with at(D(2019, 3, 5)):
        worker = login(w.town_worker)
        # Steps ahead of the one owed, by hand-made POSTs: refused, nothing recorded.
        assert _step(worker, p, "town_review", {"opinion": "同意", "recommends": "yes"}).status_code == 403
        assert _step(worker, p, "appraisal", {}).status_code == 403
        assert (
            _step(worker, p, "notice", {"starts_on": "2019-03-05", "ends_on": "2019-03-12"}).status_code
            == 403
        )
        assert _step(worker, p, "district_visit", {}).status_code == 403
        # The caseworker cannot decide; the chief's approval is refused: the steps are owed.
        decide = reverse("assistance:request_decide", args=[p.request_id])
        approval = {"decision": "approve", "comment": "同意"}
        assert worker.post(decide, approval).status_code == 403
        response = login(w.chief).post(decide, approval, follow=True)
        assert "镇级审核未完成" in response.content.decode()
    p.refresh_from_db()
    p.request.refresh_from_db()
    assert p.stage == Stage.VERIFICATION and p.town_reviewer is None
    assert p.request.status == "pending"
    from django.core.exceptions import ValidationError

    with at(D(2019, 3, 5)), pytest.raises(ValidationError, match="镇级审核未完成"):
        services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")


def test_a_step_replayed_is_refused(town, login):
    w = town.w
    p = town.accept()
    data = {
        "checked_on": "2019-03-05",
        "source": "核对中心",
        "deposits_verdict": "pass",
        "deposits_amount": "0",
    }
    with at(D(2019, 3, 5)):
        worker = login(w.town_worker)
        assert _step(worker, p, "verification", data).status_code == 302
        assert _step(worker, p, "verification", data).status_code == 403
    p.refresh_from_db()
    assert p.stage == Stage.VISIT
    assert p.case.verification_checks.count() == 1


def test_the_town_reviewer_cannot_review_an_application_they_accepted(town):
    """A reviewer who is also given the caseworker's permission would sign their own application."""
    p = town.through_town(town.accept())
    assert p.town_reviewer == town.reviewer
    assert p.request.submitted_by != town.reviewer


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("病历.pdf", b"MZ\x90\x00" + b"\x00" * 60, "不是PDF格式"),  # an .exe renamed
        ("申请书.exe", PDF, "不是 PDF、JPG 或 PNG"),
        ("照片.png", b"\xff\xd8\xff\xe0" + b"\x00" * 40, "不是PNG格式"),  # a JPEG named .png
        ("空.pdf", b"", "空文件"),
    ],
)
def test_uploads_that_are_not_scans_are_refused(town, login, name, content, reason):
    p = town.accept()
    with at(D(2019, 3, 5)):
        response = login(town.w.town_worker).post(
            reverse("assistance:procedure_step", args=[p.pk, "scan"]),
            {"kind": "proof", "file": SimpleUploadedFile(name, content)},
            follow=True,
        )
    page = response.content.decode().replace(" ", "")
    assert reason.replace(" ", "") in page
    assert Attachment.objects.filter(case=p.case).count() == 0


def test_a_scan_over_the_limit_is_refused(town, login, settings):
    settings.SCAN_MAX_BYTES = 1024
    p = town.accept()
    with at(D(2019, 3, 5)):
        login(town.w.town_worker).post(
            reverse("assistance:procedure_step", args=[p.pk, "scan"]),
            {"kind": "proof", "file": SimpleUploadedFile("大.pdf", PDF + b"0" * 4096)},
        )
    assert not Attachment.objects.filter(case=p.case).exists()


def test_a_scans_name_with_a_path_and_header_tricks_is_stored_and_served_harmlessly(town, login):
    p = town.accept()
    name = "../../etc/a;b=c%0d%0aX-Evil: 1.pdf"
    with at(D(2019, 3, 5)):
        client = login(town.w.town_worker)
        client.post(
            reverse("assistance:procedure_step", args=[p.pk, "scan"]),
            {"kind": "proof", "file": SimpleUploadedFile(name, PDF)},
        )
        attachment = Attachment.objects.get(case=p.case)
        response = client.get(reverse("assistance:attachment_download", args=[attachment.pk]))
    assert "/" not in attachment.name and ".." not in attachment.name
    assert response.status_code == 200
    assert "X-Evil" not in response.headers
    assert "\n" not in response["Content-Disposition"] and '"' not in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")


def test_the_relatives_register_shows_a_town_only_its_own_records(town, login):
    p = _liudu_procedure(town)
    chief = town.w.chief
    proc.register_relative(
        actor=chief,
        person=p.case.household.head,
        official_name="六都干部",
        official_role="cadre",
        relation="配偶",
    )
    page = login(town.w.town_worker).get(reverse("assistance:relatives"))
    assert page.status_code == 200
    assert "六都干部" not in page.content.decode()
    assert login(make_user(CASEWORKER, section=Section.WELFARE)).get(
        reverse("assistance:relatives")
    ).status_code in (
        403,
        404,
    )


def test_the_notice_pdf_masks_the_head_and_holds_no_id_number(town, login):
    from tests.assistance.test_procedure_views import _step as _

    assert _  # same helpers as the procedure's own tests
    w = town.w
    p = town.through_town(town.accept())
    with at(D(2019, 3, 6)):
        proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="attack")
        p.refresh_from_db()
        if p.sampled:
            home_visit(w.chief, p.case, D(2019, 3, 6))
        proc.start_notice(actor=w.chief, procedure=p, starts_on=D(2019, 3, 6), ends_on=D(2019, 3, 12))
        html = proc  # the PDF is drawn from _notice_context; read it directly
        from assistance.procedure_views import _notice_context

        context = _notice_context(p)
    head = p.case.household.head
    text = " ".join(str(v) for v in context.values())
    assert head.name not in text and head.id_number not in text and html
    assert context["head"].startswith(head.name[0]) and "*" in context["head"]


# --- the spot check: a chief does not choose the sample ----------------------------------------


def test_a_chief_cannot_pick_the_seed_that_leaves_an_application_unsampled(town, login):
    """The draw took the seed typed on the page: the sample is a pure function of the seed and the
    population (both known to the chief), so a chief tried seeds at home until the application
    they wanted left out was not drawn, then typed that one. The recorded seed must carry the
    server's own randomness; the draw is still reproducible from it."""
    w = town.w
    apps = [town.through_town(town.accept()) for _ in range(4)]
    population = sorted(p.pk for p in apps)
    wanted = apps[0].pk
    seed = next(s for s in (f"s{n}" for n in range(1000)) if wanted not in proc.sample(population, s))
    with at(D(2019, 3, 6)):
        response = login(w.chief).post(reverse("assistance:spot_checks"), {"month": "2019-03", "seed": seed})
    assert response.status_code == 302
    check = SpotCheck.objects.get()
    assert sorted(check.population) == population
    assert check.seed != seed  # not the chief's choice alone
    assert check.seed.startswith(seed)  # what was typed is kept, beside the server's part
    assert proc.redraw(check) == check.drawn  # anyone re-draws the same sample from the record


def test_a_second_draw_of_the_same_month_cannot_redraw_the_drawn(town):
    w = town.w
    p = town.through_town(town.accept())
    with at(D(2019, 3, 6)):
        proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="one")
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="没有待抽查"):
            proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="two")
    p.refresh_from_db()
    assert SpotCheck.objects.count() == 1 and p.spot_check_id is not None


# --- reports: the summary editor -----------------------------------------------------------------


@pytest.fixture
def summary(db):
    from reports import services as report_services

    director = make_user(DIRECTOR, username="director")
    return report_services.create_summary(actor=director, period="2019H1"), director


def _section(summary, owner):
    return summary.sections.filter(owner=owner).first()


def test_a_chief_cannot_edit_or_restore_another_sections_text(summary, login):
    s, director = summary
    welfare_section = _section(s, Section.WELFARE)
    chief = make_user(CHIEF, section=Section.ASSISTANCE)
    client = login(chief)
    edit = reverse("reports:section_edit", args=[s.pk, welfare_section.pk])
    assert client.get(edit).status_code == 403
    post = {"heading": "篡改", "body": "篡改", "version": welfare_section.version}
    assert client.post(edit, post).status_code == 403
    assert (
        client.post(reverse("reports:section_preview", args=[s.pk, welfare_section.pk]), post).status_code
        == 403
    )
    restore = reverse("reports:restore", args=[s.pk, welfare_section.pk, welfare_section.version])
    assert client.post(restore, {"version": welfare_section.version}).status_code == 403
    # Nor move, delete or retitle it, nor finalize: the director's alone.
    structure = reverse("reports:structure", args=[s.pk, welfare_section.pk])
    assert client.post(structure, {"action": "delete"}).status_code == 403
    assert client.post(reverse("reports:finalize", args=[s.pk])).status_code == 403
    assert client.post(reverse("reports:head", args=[s.pk]), {"title": "x", "version": 1}).status_code == 403
    welfare_section.refresh_from_db()
    assert welfare_section.heading != "篡改"
    assert welfare_section.versions.filter(saved_by=chief).count() == 0


def test_a_caseworker_reads_no_summary_and_exports_none(summary, login, w):
    s, _ = summary
    for user in (w.town_worker, w.worker):
        client = login(user)
        assert client.get(reverse("reports:detail", args=[s.pk])).status_code == 403
        assert client.get(reverse("reports:export", args=[s.pk, "docx"])).status_code == 403
        section = s.sections.first()
        assert (
            client.post(
                reverse("reports:section_edit", args=[s.pk, section.pk]),
                {"heading": "x", "body": "x", "version": section.version},
            ).status_code
            == 403
        )


@pytest.mark.parametrize(
    "body",
    [
        "{{ settings.SECRET_KEY }}",
        "{% load static %}{% debug %}",
        "{dibao.households.__class__}",
        "{dibao.households:__class__}",
        "{__import__('os').system('id')}",
    ],
)
def test_template_syntax_in_a_section_is_never_evaluated(summary, login, body):
    from django.conf import settings

    s, director = summary
    section = s.sections.first()
    client = login(director)
    response = client.post(
        reverse("reports:section_edit", args=[s.pk, section.pk]),
        {"heading": section.heading, "body": body, "version": section.version},
    )
    page = response.content.decode()
    assert settings.SECRET_KEY not in page and "uid=" not in page and "<class" not in page
    section.refresh_from_db()
    # Refused at save, the placeholder named; nothing evaluated, nothing saved.
    assert response.status_code == 200
    assert "不是有效的指标代码" in page or "未知的" in page
    assert section.body != body and not section.versions.filter(body=body).exists()
    # The live preview shows the same text, unevaluated.
    preview = client.post(
        reverse("reports:section_preview", args=[s.pk, section.pk]), {"heading": "h", "body": body}
    ).content.decode()
    assert settings.SECRET_KEY not in preview and "<class" not in preview


def test_markup_in_a_paragraph_is_text_in_the_preview_and_the_exports(summary, login):
    s, director = summary
    section = s.sections.first()
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    client = login(director)
    response = client.post(
        reverse("reports:section_edit", args=[s.pk, section.pk]),
        {"heading": section.heading, "body": evil, "version": section.version},
    )
    assert response.status_code == 302
    for url in (
        reverse("reports:detail", args=[s.pk]),
        reverse("reports:section_edit", args=[s.pk, section.pk]),
        reverse("reports:versions", args=[s.pk, section.pk]) + "?a=1&b=2",
    ):
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page and "<img src=x" not in page
    preview = client.post(
        reverse("reports:section_preview", args=[s.pk, section.pk]), {"heading": "h", "body": evil}
    ).content.decode()
    assert "<script>alert(1)" not in preview and "<img src=x" not in preview
    html = client.get(reverse("reports:export", args=[s.pk, "html"])).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)" in html  # the text, as typed


def test_a_huge_section_text_is_refused_at_save(summary, login):
    """A section body had no limit but the request's (20 MB): one save made every later page of
    the summary and its PDF (and the director's export) render megabytes."""
    s, director = summary
    section = s.sections.first()
    body = ("民政工作" * 50 + "\n") * 2000  # 402,000 characters
    response = login(director).post(
        reverse("reports:section_edit", args=[s.pk, section.pk]),
        {"heading": section.heading, "body": body, "version": section.version},
    )
    assert response.status_code == 200
    assert "字" in response.content.decode()
    section.refresh_from_db()
    assert section.body != body.strip()


def test_a_concurrent_edit_is_told_and_keeps_both_texts(summary, login):
    s, director = summary
    section = _section(s, Section.ASSISTANCE)
    chief = make_user(CHIEF, section=Section.ASSISTANCE)
    v = section.version
    edit = reverse("reports:section_edit", args=[s.pk, section.pk])
    assert login(director).post(edit, {"heading": "局长版", "body": "甲", "version": v}).status_code == 302
    response = login(chief).post(edit, {"heading": "股长版", "body": "乙", "version": v})
    assert response.status_code == 200 and "股长版" in response.content.decode()
    section.refresh_from_db()
    assert section.heading == "局长版"


# --- job pages ----------------------------------------------------------------------------------


def test_another_users_job_is_not_found(w, login):
    """A roster import's job page lists its errors (rows of names and numbers): only its starter
    follows it; another town, the chief, another section get 404 for the page and its status."""
    from assistance.jobs import start_import

    job = start_import(actor=w.town_worker, upload=SimpleUploadedFile("花名册.xlsx", b"not a workbook"))
    assert login(w.town_worker).get(reverse("job_detail", args=[job.pk])).status_code == 200
    others = (make_user(CASEWORKER, town="六都镇"), w.chief, make_user(CASEWORKER, section=Section.WELFARE))
    for user in others:
        client = login(user)
        assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("job_status", args=[job.pk])).status_code == 404


def test_a_backdated_notice_does_not_cut_the_seven_days(town, login):
    """The notice's dates were taken as typed: a chief started on 6 March a notice "from 20 to 26
    February" (before the application was even accepted) and approved at once, the 7 days of
    public notice never run. A notice is posted from today on."""
    from django.core.exceptions import ValidationError

    w = town.w
    p = town.through_town(town.accept())
    with at(D(2019, 3, 6)):
        proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="backdate")
        p.refresh_from_db()
        if p.sampled:
            home_visit(w.chief, p.case, D(2019, 3, 6))
        response = _step(login(w.chief), p, "notice", {"starts_on": "2019-02-20", "ends_on": "2019-02-26"})
        assert response.status_code == 400
        assert "公示" in response.content.decode()
        with pytest.raises(ValidationError):
            proc.start_notice(actor=w.chief, procedure=p, starts_on=D(2019, 2, 20), ends_on=D(2019, 2, 26))
        p.refresh_from_db()
        assert p.stage == Stage.DISTRICT and not p.case.notices.exists()
        with pytest.raises(ValidationError, match="尚未公示"):
            services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
        # From today it is taken, and approval waits for the 7 days.
        proc.start_notice(actor=w.chief, procedure=p, starts_on=D(2019, 3, 6), ends_on=D(2019, 3, 12))
        with pytest.raises(ValidationError, match="公示须满7天"):
            services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")


def test_a_relative_registered_after_the_draw_is_still_visited_before_approval(town):
    """The relatives register was read only when the month's sample was drawn: an applicant
    registered as a staff member's relative afterwards (or the register updated late on purpose)
    was approved without the district's visit the rule owes every relative."""
    from django.core.exceptions import ValidationError

    w = town.w
    apps = [town.through_town(town.accept()) for _ in range(4)]
    with at(D(2019, 3, 6)):
        proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="late")
    unsampled = next(p for p in Procedure.objects.filter(pk__in=[a.pk for a in apps]) if not p.sampled)
    with at(D(2019, 3, 6)):
        proc.register_relative(
            actor=w.town_worker,
            person=unsampled.case.household.head,
            official_name="石城干部",
            official_role="staff",
            relation="兄弟",
        )
        with pytest.raises(ValidationError, match="区级入户核查"):
            proc.start_notice(
                actor=w.chief, procedure=unsampled, starts_on=D(2019, 3, 6), ends_on=D(2019, 3, 12)
            )
        unsampled.refresh_from_db()
        assert unsampled.sampled and unsampled.relative
        assert any("区级入户核查" in m for m in proc.missing_steps(unsampled))
        home_visit(w.chief, unsampled.case, D(2019, 3, 6))
        proc.start_notice(actor=w.chief, procedure=unsampled, starts_on=D(2019, 3, 6), ends_on=D(2019, 3, 12))


def test_the_auditor_reading_recompute_does_not_reset_what_the_editors_last_saw(summary, login):
    """重新计算 remembered what "the reader" last saw on every GET, whoever read: the auditor (who
    changes nothing) opening it reset the draft's snapshot, and the director's next look showed
    no figure moved although one had."""
    s, director = summary
    recompute = reverse("reports:recompute", args=[s.pk])
    login(director).get(recompute)  # the director's first look
    village("石城镇", name="新设村")  # a figure of the document moves: 村（居）委数
    assert login(make_user(AUDITOR)).get(recompute).status_code == 200
    page = login(director).get(recompute).content.decode()
    assert "村（居）委数" in page


@pytest.mark.parametrize("received", ["2019-03-01", "2030-01-01"])
def test_an_objection_is_dated_within_the_notice_never_before_it_nor_in_the_future(town, login, received):
    """An objection's date was taken as typed: dated years ahead, the re-verification it opens was
    due 20 working days after that date, so the application never showed overdue; dated before
    the notice was posted, it was no objection to the notice at all."""
    w = town.w
    p = town.through_town(town.accept())
    with at(D(2019, 3, 6)):
        proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="objection-date")
        p.refresh_from_db()
        if p.sampled:
            home_visit(w.chief, p.case, D(2019, 3, 6))
        proc.start_notice(actor=w.chief, procedure=p, starts_on=D(2019, 3, 7), ends_on=D(2019, 3, 13))
    with at(D(2019, 3, 9)):
        response = _step(
            login(w.town_worker),
            p,
            "objection",
            {"received_on": received, "content": "有车辆", "reopens": "on"},
        )
        assert response.status_code == 400
        p.refresh_from_db()
        assert p.stage == Stage.NOTICE and p.reopened_on is None
        assert (
            _step(
                login(w.town_worker),
                p,
                "objection",
                {"received_on": "2019-03-09", "content": "有车辆", "reopens": "on"},
            ).status_code
            == 302
        )
    p.refresh_from_db()
    assert p.stage == Stage.VERIFICATION and p.reopened_on == D(2019, 3, 9)


def test_a_finalized_summary_is_exported_by_the_director_alone_and_edited_by_nobody(summary, login):
    from reports import services as report_services

    s, director = summary
    report_services.finalize_summary(actor=director, summary=s)
    chief = make_user(CHIEF, section=Section.ASSISTANCE)
    section = _section(s, Section.ASSISTANCE)
    client = login(chief)
    assert client.get(reverse("reports:export", args=[s.pk, "docx"])).status_code == 403
    client.post(
        reverse("reports:section_edit", args=[s.pk, section.pk]),
        {"heading": "定稿后修改", "body": "x", "version": section.version},
    )
    assert client.post(reverse("reports:reopen", args=[s.pk]), {"reason": "改"}).status_code == 403
    section.refresh_from_db()
    s.refresh_from_db()
    assert section.heading != "定稿后修改" and s.is_final


def test_a_payroll_job_is_followed_by_its_section_and_the_district_readers_only(w, login):
    from civaffairs import jobs

    w.standard(P.DIBAO, "rural", "400", D(2018, 1, 1))
    w.dibao(2, "100")
    job = jobs.start_payroll(
        actor=w.worker, program=P.DIBAO, month=D(2019, 1, 1), result="assistance:payroll_detail"
    )
    for user in (w.chief, make_user(DIRECTOR), make_user(AUDITOR)):
        assert login(user).get(reverse("job_detail", args=[job.pk])).status_code == 200
    grassroots_chief = make_user(CHIEF, section=Section.GRASSROOTS)
    for user in (w.town_worker, grassroots_chief, make_user(CASEWORKER, section=Section.WELFARE)):
        assert login(user).get(reverse("job_status", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("role", [DIRECTOR, AUDITOR])
def test_a_whole_number_searched_by_a_masked_reader_is_audited_as_a_reveal(w, login, role):
    """The list shows the birth year, the address code and the last four digits (the check digit
    among them): about 33 whole numbers fit, and the search by a whole number answered each guess
    without a trace, a reveal by trial the 查看完整 button would have audited. Each whole number
    found is now audited as the reveal it is; a miss finds no one and records nothing."""
    from civaffairs.idnumber import check_char

    person = w.person(name="张秘密")
    household_head = w.dibao(1, "100")[1][0]
    reader = make_user(role)
    client = login(reader)
    number = person.id_number
    prefix = number[:10]  # address code and the birth year the list shows
    guesses = [
        prefix + f"{m:02d}{d:02d}" + number[14:17] + check_char(prefix + f"{m:02d}{d:02d}" + number[14:17])
        for m in range(1, 13)
        for d in range(1, 29)
    ]
    guesses = [g for g in guesses if g[-1] == number[-1]]
    assert number in guesses and len(guesses) < 60  # a few dozen tries at most
    for guess in guesses:
        client.get(reverse("person_list"), {"q": guess})
    events = AuditEvent.objects.filter(action="person.reveal_id", actor=reader)
    assert events.count() == 1 and events.get().object_id == str(person.pk)
    client.get(reverse("household_list"), {"q": household_head.id_number})
    assert AuditEvent.objects.filter(action="person.reveal_id", actor=reader).count() == 2
    # Whoever reads numbers whole searches as before, unaudited.
    login(w.town_worker).get(reverse("person_list"), {"q": number})
    assert not AuditEvent.objects.filter(action="person.reveal_id", actor=w.town_worker).exists()


def test_the_case_list_searched_by_a_whole_number_is_audited_for_a_masked_reader(w, login):
    w.standard(P.DIBAO, "rural", "400", D(2018, 1, 1))
    case, people = w.dibao(2, "100")
    director = make_user(DIRECTOR)
    client = login(director)
    assert _listed(client.get(reverse("assistance:case_list"), {"q": people[1].id_number}), people[0].name)
    event = AuditEvent.objects.get(action="person.reveal_id", actor=director)
    assert event.object_id == str(people[1].pk)
    client.get(reverse("assistance:case_list"), {"q": "445303190001010000"})  # a miss: nothing
    assert AuditEvent.objects.filter(action="person.reveal_id", actor=director).count() == 1
    login(w.town_worker).get(reverse("assistance:case_list"), {"q": people[1].id_number})
    assert not AuditEvent.objects.filter(action="person.reveal_id", actor=w.town_worker).exists()


def test_the_exported_document_carries_no_drilldown_link(summary, login):
    s, director = summary
    html = login(director).get(reverse("reports:export", args=[s.pk, "html"])).content.decode()
    page = login(director).get(reverse("reports:detail", args=[s.pk])).content.decode()
    assert reverse("assistance:case_list") in page  # the preview links its figures to their records
    for name in ("assistance:case_list", "assistance:procedure_list", "welfare:marriage_list"):
        assert reverse(name) not in html


def test_only_a_caseworker_who_sees_the_household_accepts_its_application(town, login):
    household = town.household()
    url = reverse("assistance:procedure_accept", args=["dibao", household.pk])
    with at(D(2019, 3, 4)):
        assert login(town.reviewer).get(url).status_code == 403  # the reviewer signs, never accepts
        for user in (make_user(CASEWORKER, town="六都镇"), make_user(CASEWORKER, section=Section.WELFARE)):
            assert login(user).get(url).status_code == 404
            assert login(user).post(url, {"received_on": "2019-03-04"}).status_code == 404
    assert not household.cases.exists()


def test_a_relative_registered_during_the_notice_is_visited_before_approval(town, login):
    from django.core.exceptions import ValidationError

    w = town.w
    apps = [town.through_town(town.accept()) for _ in range(4)]
    with at(D(2019, 3, 6)):
        proc.draw_spot_check(actor=w.chief, month=D(2019, 3, 1), seed="during")
        p = next(p for p in Procedure.objects.filter(pk__in=[a.pk for a in apps]) if not p.sampled)
        proc.start_notice(actor=w.chief, procedure=p, starts_on=D(2019, 3, 6), ends_on=D(2019, 3, 12))
    with at(D(2019, 3, 8)):
        proc.register_relative(
            actor=w.town_worker,
            person=p.case.household.head,
            official_name="村干部",
            official_role="cadre",
            relation="父子",
        )
    with at(D(2019, 3, 14)):
        with pytest.raises(ValidationError, match="区级入户核查"):
            services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
        visit = {
            "visited_on": "2019-03-14",
            "investigator_1": "张强",
            "investigator_2": "黄伟",
            "applicant_signed": "on",
        }
        assert _step(login(w.chief), p, "district_visit", visit).status_code == 302
        services.decide_request(actor=w.chief, request=p.request, approve=True, comment="同意")
    p.refresh_from_db()
    assert p.stage == Stage.APPROVED

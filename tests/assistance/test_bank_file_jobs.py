"""A large payroll's bank file (more lines than EXPORT_BACKGROUND_LINES) is written by a background
job: the export answers with the job's page, which ends with a download for its starter alone —
of the lines the starter's scope shows — each download audited."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from civaffairs.models import AuditEvent, Job
from civaffairs.roles import CHIEF
from tests.assistance.test_bank_file import (
    AMOUNT,
    APR,
    HUANG,
    ID,
    NAME,
    World,
    export,
    sheet_of,
    values,
)
from tests.factories import enrol_new_household, id_number_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _every_payroll_is_large(settings):
    settings.EXPORT_BACKGROUND_LINES = 1  # the test payrolls have a few lines


@pytest.fixture
def april(caseworker, liudu_caseworker, chief, shicheng_village, liudu_village):
    """April's 低保 payroll, approved: two 石城镇 households (World) and one of 六都镇."""
    world = World(caseworker, chief, shicheng_village)
    enrol_new_household(
        actor=liudu_caseworker,
        chief=chief,
        region=liudu_village,
        area="rural",
        income_per_capita=Decimal(250),
        head={"name": "罗志强", "id_number": id_number_for(7101)},
        members=[],
        start_month=APR,
        category="A",
        bank_account="6230005555666677778",
        bank_name="云浮农商银行",
    )
    return world.pay(APR)


def exports_audited():
    return list(AuditEvent.objects.filter(action="export").values_list("actor__username", "changes"))


def test_the_export_answers_with_a_job_whose_file_the_starter_downloads_and_each_download_is_audited(
    april, chief, login
):
    client = login(chief)
    response = export(client, april, full=True)

    job = Job.objects.get(kind="export")
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert (job.status, job.created_by, job.output_name) == (
        "succeeded",
        chief,
        "低保_2019年04月_发放名册.xlsx",
    )
    assert job.total == job.done == april.line_count == 3  # progress counted in payment lines
    assert exports_audited() == []  # writing the file is not yet handing it out
    page = client.get(response["Location"]).content.decode()
    download = reverse("job_download", args=[job.pk])
    assert f'href="{download}"' in page and "下载 低保_2019年04月_发放名册.xlsx" in page
    assert "文件保留 24 小时，仅提交人可以下载，每次下载记入审计。" in page

    ws = sheet_of(client.get(download))
    header, *transfers, footer = values(ws)
    assert [t[NAME] for t in transfers] == ["罗志强", "黄大明", "阿依古丽·买买提"]  # by town code
    assert transfers[1][ID] == HUANG  # whole numbers, as asked by one who may see them
    assert footer[AMOUNT] == april.total
    client.get(download)
    assert (
        exports_audited()
        == [("chief_assist", {"what": str(april) + "（银行代发）", "rows": 3, "full_ids": True})] * 2
    )


def test_the_file_is_the_same_as_the_direct_export(april, chief, login, settings):
    client = login(chief)
    export(client, april)
    job = Job.objects.get(kind="export")
    from_job = values(sheet_of(client.get(reverse("job_download", args=[job.pk]))))
    settings.EXPORT_BACKGROUND_LINES = 10_000
    assert values(sheet_of(export(client, april))) == from_job


def test_a_town_caseworkers_file_holds_the_towns_lines_and_no_one_else_may_download_it(
    april, caseworker, liudu_caseworker, chief, login
):
    shicheng = login(caseworker)
    response = export(shicheng, april)
    job = Job.objects.get(kind="export", created_by=caseworker)
    download = reverse("job_download", args=[job.pk])
    _header, *transfers, _footer = values(sheet_of(shicheng.get(download)))
    assert [t[NAME] for t in transfers] == ["黄大明", "阿依古丽·买买提"]  # not 六都镇's 罗志强

    # Another town's caseworker sees neither the job nor its file, nor does the section's chief
    # (the file was written for the caseworker's scope); nothing of theirs is audited.
    for other in (liudu_caseworker, chief):
        client = login(other)
        assert client.get(download).status_code == 404
        assert client.get(response["Location"]).status_code == 404
        assert client.get(reverse("job_status", args=[job.pk])).status_code == 404
    assert [who for who, _ in exports_audited()] == ["shicheng"]


def test_a_starter_who_no_longer_sees_the_payroll_cannot_download_the_file(april, login):
    other_chief = make_user(CHIEF, section="assistance", username="chief2")
    client = login(other_chief)
    export(client, april, full=True)
    job = Job.objects.get(kind="export")
    other_chief.user_permissions.clear()
    other_chief.groups.clear()
    assert client.get(reverse("job_download", args=[job.pk])).status_code in (403, 404)
    assert exports_audited() == []


def test_the_same_export_twice_at_once_is_one_job(april, chief, login, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = login(chief)
    first = export(client, april)
    second = export(client, april)
    job = Job.objects.get(kind="export")
    assert first["Location"] == second["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == "queued"
    # The file with whole numbers is another object.
    export(client, april, full=True)
    assert Job.objects.filter(kind="export").count() == 2


def test_a_pending_payroll_is_refused_at_once_without_a_job(
    april, chief, login, caseworker, shicheng_village
):
    from civaffairs import payments
    from tests.assistance.test_bank_file import MAR

    enrol_new_household(
        actor=caseworker,
        chief=chief,
        region=shicheng_village,
        area="rural",
        income_per_capita=Decimal(100),
        head={"name": "陈美玲", "id_number": id_number_for(7102)},
        members=[],
        start_month=MAR,
        category="A",
        bank_account="6230001111222233334",
        bank_name="云浮农商银行",
    )
    may = payments.generate_payroll(actor=april.created_by, program=april.program, month=APR.replace(month=5))
    response = export(login(chief), may)
    assert response.status_code == 403
    assert "该名册尚未批准，批准后才能导出银行代发表。" in response.content.decode()
    assert not Job.objects.filter(kind="export").exists()


def test_the_file_is_kept_a_day(april, chief, login):
    client = login(chief)
    export(client, april)
    job = Job.objects.get(kind="export")
    with time_machine.travel(job.finished_at + datetime.timedelta(hours=25)):
        client = login(chief)  # (the session of the day before has expired)
        response = client.get(reverse("job_download", args=[job.pk]))
        assert response["Location"] == reverse("job_detail", args=[job.pk])
        page = client.get(response["Location"]).content.decode()
    assert "文件已超过保留期（24 小时）并已删除，请重新导出。" in page
    job.refresh_from_db()
    assert job.output is None and exports_audited() == []


def test_files_past_their_time_are_let_go_when_another_export_starts(april, chief, caseworker, login):
    export(login(chief), april)
    old = Job.objects.get(kind="export")
    with time_machine.travel(old.finished_at + datetime.timedelta(hours=25)):
        export(login(caseworker), april)
    old.refresh_from_db()
    assert old.output is None
    assert Job.objects.get(kind="export", created_by=caseworker).output is not None


def test_the_payroll_page_lists_the_users_exports_of_it(april, chief, login):
    client = login(chief)
    export(client, april)
    job = Job.objects.get(kind="export")
    page = client.get(reverse("assistance:payroll_detail", args=[april.pk])).content.decode()
    assert "本名册笔数较多，导出在后台进行" in page
    assert f'href="{reverse("job_detail", args=[job.pk])}"' in page

"""A large 花名册 is imported by a background job: the page answers with the job, which ends with
the outcome or the rows to fix; the same file twice at once is imported once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civaffairs import jobs
from civaffairs.models import Job, Request
from tests.assistance.test_roster_import import rows, table_counts, xlsx

QUEUE_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _every_file_is_large(settings):
    settings.ROSTER_BACKGROUND_BYTES = 100  # the test files are small


def upload(client, data):
    """Upload rows (a list), or the bytes of a file made once (the same file twice: the saved
    workbook carries the time it was written)."""
    if isinstance(data, bytes):
        data = SimpleUploadedFile("花名册.xlsx", data)
    else:
        data = xlsx(data)
    return client.post(reverse("assistance:roster_import"), {"file": data})


def test_a_large_roster_is_imported_by_a_job_that_ends_with_the_requests(caseworker, login, shicheng_village):
    client = login(caseworker)
    with CaptureQueriesContext(connection) as queries:
        response = upload(client, rows())
    # (read now: the next request empties the connection's query log)
    analyzed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    job = Job.objects.get(kind="roster")
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert (job.status, job.created_by, job.payload) == ("succeeded", caseworker, None)  # the file is let go
    assert Request.objects.filter(status="pending").count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "已导入 2 户、5 人的低保申请，等待社会救助股股长审批。" in page
    assert f'href="{reverse("assistance:request_list")}"' in page
    if connection.vendor == "postgresql":
        # Planner statistics of the tables the import filled, so the next pages plan with them.
        assert 'ANALYZE "civaffairs_person"' in analyzed and 'ANALYZE "civaffairs_case"' in analyzed
    else:
        assert analyzed == []


def test_a_large_roster_with_errors_lists_them_on_the_jobs_page_and_imports_nothing(
    caseworker, login, shicheng_village
):
    data = rows()
    data[1]["身份证号"] = "445303197009020000"  # a wrong check digit
    client = login(caseworker)
    before = table_counts()
    response = upload(client, data)
    job = Job.objects.get(kind="roster")
    assert job.status == "failed"
    assert job.error == "花名册有 1 处错误，未导入任何数据；请在 Excel 中改正后重新上传。"
    assert table_counts() == before
    page = client.get(response["Location"]).content.decode()
    # As the import page lists them: row, column and reason in a table.
    assert '<table class="list" id="error-table">' in page
    assert "<tr><td>第3行</td><td>身份证号</td><td>校验位错误</td></tr>" in page
    assert "发现 1 处错误，未导入任何数据" in page
    assert f'id="job-back" href="{reverse("assistance:roster_import")}"' in page
    # Whoever left the job's page finds it again on the import page.
    again = client.get(reverse("assistance:roster_import")).content.decode()
    assert f'href="{reverse("job_detail", args=[job.pk])}"' in again and "：失败" in again


def test_a_large_rosters_errors_beyond_those_shown_are_counted_on_the_jobs_page(
    caseworker, login, shicheng_village, settings
):
    settings.UPLOAD_MAX_ERRORS_SHOWN = 1
    data = rows()
    data[0]["身份证号"] = data[1]["身份证号"] = "445303197009020000"
    client = login(caseworker)
    page = client.get(upload(client, data)["Location"]).content.decode()
    table = page.split('id="error-table">')[1].split("</table>")[0]
    assert table.count("</td></tr>") == 1 and "发现 2 处错误" in page and "另有 1 处错误未列出" in page


def test_a_job_failed_before_its_errors_kept_their_rows_lists_its_lines_as_reasons(
    caseworker, login, shicheng_village
):
    data = rows()
    data[1]["身份证号"] = "445303197009020000"
    client = login(caseworker)
    location = upload(client, data)["Location"]
    job = Job.objects.get(kind="roster")
    job.result = {"errors": ["第3行 身份证号：校验位错误"], "more_errors": 0}  # as such jobs were kept
    job.save(update_fields=["result"])
    page = client.get(location).content.decode()
    assert "<tr><td>—</td><td>—</td><td>第3行 身份证号：校验位错误</td></tr>" in page


def test_the_same_large_roster_twice_at_once_is_imported_once(caseworker, login, shicheng_village, settings):
    settings.TASKS = QUEUE_ONLY
    client = login(caseworker)
    content = xlsx(rows()).getvalue()
    first = upload(client, content)
    second = upload(client, content)
    job = Job.objects.get()
    assert first["Location"] == second["Location"] == reverse("job_detail", args=[job.pk])
    page = client.get(second["Location"]).content.decode()
    assert "导入失败：“导入低保花名册 花名册.xlsx”正在进行" in page
    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert Request.objects.count() == 2

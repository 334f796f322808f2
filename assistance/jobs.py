"""花名册导入 as a background job when the file is large (settings.ROSTER_BACKGROUND_BYTES, about
2,000 rows): the upload is kept with the job, the worker runs the one import
(assistance.roster.import_roster, on the core's pipeline, telling its progress), and the job's page ends with its outcome or its errors."""

import hashlib
import io

from django.conf import settings
from django.urls import reverse

from civaffairs import jobs
from civaffairs.imports import errors_as_data
from civaffairs.models import Case, Coverage, Household, HouseholdMember, Job, Person, Request
from civaffairs.uploads import error_report, read_bytes

from . import roster


def is_large(upload):
    return (getattr(upload, "size", None) or 0) > settings.ROSTER_BACKGROUND_BYTES


def start_import(*, actor, upload):
    """Queue the import of an uploaded roster. The same file twice at once is one object: the
    second is refused while the first runs (and the import refuses persons already registered)."""
    content = read_bytes(upload, settings.UPLOAD_MAX_BYTES)
    name = getattr(upload, "name", "") or ""
    return jobs.start(
        kind=Job.Kind.ROSTER,
        target=f"roster:{hashlib.sha256(content).hexdigest()[:40]}",
        label=f"导入低保花名册 {name}".strip(),
        actor=actor,
        params={"filename": name, "back": "assistance:roster_import"},
        payload=content,
    )


@jobs.handler(Job.Kind.ROSTER)
def _import(job, progress):
    try:
        result = roster.import_roster(
            io.BytesIO(bytes(job.payload)),
            actor=job.created_by,
            filename=job.params.get("filename", ""),
            progress=progress,
        )
    except roster.RosterError as exc:
        shown, more = error_report(exc.errors)
        raise jobs.JobFailed(
            f"花名册有 {len(shown) + more} 处错误，未导入任何数据；请在 Excel 中改正后重新上传。",
            data={"errors": errors_as_data(shown), "more_errors": more},
        ) from None
    jobs.analyze(Person, Household, HouseholdMember, Case, Coverage, Request)
    return jobs.Outcome(
        f"已导入 {result.households} 户、{result.persons} 人的低保申请，等待社会救助股股长审批。",
        reverse("assistance:request_list"),
        {"households": result.households, "persons": result.persons},
    )

"""What a user may see of social assistance, built on the core's scope selectors."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from civaffairs.models import ApprovalStatus, Case, Coverage, Payroll, Request, Section
from civaffairs.selectors import cases_for, payrolls_for, requests_for, scope_of, standards_for, user_section

from . import programs as P


def assistance_cases_for(user):
    return cases_for(user).filter(program__section=Section.ASSISTANCE)


def assistance_requests_for(user):
    return requests_for(user).filter(case__program__section=Section.ASSISTANCE)


def procedures_for(user):
    """The 低保 / 特困 procedures of the cases the user sees (assistance/models.py)."""
    from .models import Procedure

    return Procedure.objects.filter(case__in=assistance_cases_for(user).values("pk"))


def is_assistance_chief(user):
    return user.has_perm("civaffairs.approve_case") and user_section(user) == Section.ASSISTANCE


def is_assistance_staff(user):
    """District staff of 社会救助股 (section caseworkers and the chief): standards and payrolls."""
    scope = scope_of(user)
    return bool(scope and scope.town_id is None and scope.section == Section.ASSISTANCE)


def ready_for_decision(today=None):
    """Q over Request: a pending request the chief can decide now. A change always; an application
    of 低保 or 特困 once its procedure's steps are recorded and the notice has run its 7 days
    (services.procedure.missing_steps says the same, one application at a time), or when it is a
    migrated ledger owing no steps; 临时救助 and the other programs at once (先行救助 included)."""
    from .models import Procedure, PublicNotice, Stage
    from .services.procedure import NOTICE_MIN_DAYS, PROGRAM_STEPS
    from .services.procedure import today as procedure_today

    today = today or procedure_today()
    notice_start = (
        PublicNotice.objects.filter(case=OuterRef("case_id")).order_by("-starts_on").values("starts_on")[:1]
    )
    ready = (
        Procedure.objects.filter(request=OuterRef("pk"))
        .annotate(notice_start=Subquery(notice_start))
        .filter(
            Q(stage__in=[Stage.PAPERS, Stage.PAPERS_DONE])
            | Q(stage=Stage.NOTICE, notice_start__lte=today - datetime.timedelta(days=NOTICE_MIN_DAYS))
        )
    )
    # A migrated ledger (services.procedure.is_migrated), asked as EXISTS so that a request
    # without the keys is false, never NULL (NOT NULL would drop it from both lists).
    migrated = Exists(
        Request.objects.filter(pk=OuterRef("pk")).filter(
            Q(data__migrated=True) | Q(data__source="enrol_many")
        )
    )
    without = ~Exists(Procedure.objects.filter(request=OuterRef("pk"))) & (
        ~Q(case__program__code__in=list(PROGRAM_STEPS)) | Q(migrated)
    )
    return ~Q(kind=Request.Kind.ENROL) | Q(Exists(ready)) | without


def pending_ready(user, today=None):
    """The chief's inbox: pending requests ready for a decision."""
    return (
        assistance_requests_for(user).filter(status=ApprovalStatus.PENDING).filter(ready_for_decision(today))
    )


def pending_in_procedure(user, today=None):
    """Pending applications still in the procedure (办理中): their steps are not all recorded."""
    return (
        assistance_requests_for(user)
        .filter(status=ApprovalStatus.PENDING, kind=Request.Kind.ENROL)
        .exclude(ready_for_decision(today))
    )


def inbox_counts(user, today=None):
    """The chief's approval inbox: a fixed number of count queries. `enrol` counts the
    applications ready for a decision, `in_procedure` those still going through the steps."""
    ready = ready_for_decision(today)
    requests = (
        assistance_requests_for(user)
        .filter(status=ApprovalStatus.PENDING)
        .aggregate(
            enrol=Count("id", filter=Q(kind="enrol") & ready),
            in_procedure=Count("id", filter=Q(kind="enrol") & ~ready),
            changes=Count("id", filter=~Q(kind="enrol")),
        )
    )
    standards = (
        standards_for(user).filter(status=ApprovalStatus.PENDING, program__section=Section.ASSISTANCE).count()
    )
    payrolls = (
        payrolls_for(user)
        .filter(status=ApprovalStatus.PENDING, program__section=Section.ASSISTANCE)
        .aggregate(
            monthly=Count("id", filter=Q(kind=Payroll.Kind.MONTHLY)),
            backpay=Count("id", filter=Q(kind=Payroll.Kind.BACKPAY)),
        )
    )
    return {**requests, "standards": standards, **payrolls}


def reviews_due(user, today=None, horizon_days=30):
    today = today or datetime.date.today()
    qs = assistance_cases_for(user).filter(
        status=Case.Status.ACTIVE, program__code__in=[P.DIBAO, P.TEKUN], next_review__isnull=False
    )
    return qs.aggregate(
        overdue=Count("id", filter=Q(next_review__lt=today)),
        due=Count(
            "id",
            filter=Q(next_review__gte=today, next_review__lte=today + datetime.timedelta(days=horizon_days)),
        ),
    )


def with_deceased(cases):
    """Of these cases, those whose covered person's death is recorded and whose paperwork is still
    owed: the case is still active, and no approved 减人 of that person exists. Payment and cover
    already stopped after the month of death (the death ended the coverage). The home page's
    count and the case list's filter it links to both ask this."""
    paperwork_done = Request.objects.filter(
        case=OuterRef("case_id"),
        person=OuterRef("person_id"),
        kind=Request.Kind.REMOVE_MEMBER,
        status=ApprovalStatus.APPROVED,
    )
    dead = Coverage.objects.filter(person__death_date__isnull=False).exclude(Exists(paperwork_done))
    return cases.filter(status=Case.Status.ACTIVE, pk__in=dead.values("case_id"))


def deceased_in_cover(user):
    return with_deceased(assistance_cases_for(user)).count()


def standards_of(user):
    return (
        standards_for(user).filter(program__section=Section.ASSISTANCE).exclude(status=ApprovalStatus.DRAFT)
    )


def pending_standards(user):
    return standards_of(user).filter(status=ApprovalStatus.PENDING)


def assistance_payrolls_for(user):
    return payrolls_for(user).filter(program__section=Section.ASSISTANCE)

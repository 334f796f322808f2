"""What a user may see of social assistance, built on the core's scope selectors."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q

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


def inbox_counts(user):
    """The chief's approval inbox: a fixed number of count queries."""
    requests = (
        assistance_requests_for(user)
        .filter(status=ApprovalStatus.PENDING)
        .aggregate(
            enrol=Count("id", filter=Q(kind="enrol")),
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

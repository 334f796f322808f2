"""What a user may see of welfare: the section, the director and the auditor see it all (the
records are district-wide); everyone else sees nothing (fail closed)."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from civaffairs.models import Activity, ApprovalStatus, Case, Institution, Milestone, Project, Section
from civaffairs.selectors import register_person_link

from .access import can_read_welfare
from .labels import PROJECT_KIND_LABELS, PUBLICITY_KINDS
from .models import (
    AdoptionRegistration,
    Cremation,
    FireRetrofit,
    Hazard,
    HazardClosure,
    Inspection,
    MarriageRegistration,
    MilestoneReport,
)


@register_person_link
def _institution_residents(sections):
    """Welfare's staff see the persons living in an institution (its residents' pages)."""
    if Section.WELFARE not in sections:
        return Q(pk__in=[])
    return Q(Exists(Case.objects.filter(person=OuterRef("pk"), institution__isnull=False)))


def _visible(user, queryset):
    return queryset if can_read_welfare(user) else queryset.none()


def institutions_for(user):
    return _visible(user, Institution.objects.select_related("region", "welfare_profile"))


def inspections_for(user):
    return _visible(
        user,
        Inspection.objects.select_related("institution", "recorded_by").annotate(
            hazard_count=Count("hazards"),
            open_count=Count("hazards", filter=~Q(hazards__status=Hazard.Status.CLOSED)),
        ),
    )


def hazards_for(user):
    return _visible(user, Hazard.objects.select_related("institution", "inspection"))


def overdue_hazards(user, today=None):
    """Hazards not closed (open, or with a closure awaiting approval) whose deadline has passed."""
    today = today or datetime.date.today()
    return hazards_for(user).exclude(status=Hazard.Status.CLOSED).filter(deadline__lt=today)


def _last_decision(model, field):
    """The status of the newest report of each row (a closure of a hazard, a report of a milestone)."""
    newest = model.objects.filter(**{field: OuterRef("pk")}).order_by("-submitted_at", "-pk")
    return Subquery(newest.values("status")[:1])


def rejected_hazards(hazards):
    """Of these hazards, those the staff must report again: still open, the chief having rejected
    their newest closure (驳回 leaves the hazard 整改中, and nothing else tells the staff)."""
    return (
        hazards.filter(status=Hazard.Status.OPEN)
        .annotate(last_closure=_last_decision(HazardClosure, "hazard"))
        .filter(last_closure=ApprovalStatus.REJECTED)
    )


def rejected_milestones(user):
    """Milestones not reached whose newest report the chief rejected: the staff's to report again."""
    return (
        Milestone.objects.filter(project__in=projects_for(user), done_on__isnull=True)
        .annotate(last_report=_last_decision(MilestoneReport, "milestone"))
        .filter(last_report=ApprovalStatus.REJECTED)
    )


def closures_for(user):
    return _visible(
        user, HazardClosure.objects.select_related("hazard__institution", "submitted_by", "decided_by")
    )


def retrofits_for(user):
    return _visible(user, FireRetrofit.objects.select_related("institution", "recorded_by"))


def projects_for(user):
    return _visible(
        user,
        Project.objects.filter(section=Section.WELFARE, kind__in=PROJECT_KIND_LABELS).select_related(
            "region__parent"
        ),
    )


def milestones_for(user):
    return _visible(
        user, Milestone.objects.filter(project__section=Section.WELFARE).select_related("project")
    )


def milestone_reports_for(user):
    return _visible(
        user,
        MilestoneReport.objects.filter(milestone__project__section=Section.WELFARE).select_related(
            "milestone__project", "submitted_by", "decided_by"
        ),
    )


def marriages_for(user):
    return _visible(user, MarriageRegistration.objects.select_related("town", "recorded_by"))


def adoptions_for(user):
    return _visible(user, AdoptionRegistration.objects.select_related("town", "recorded_by"))


def cremations_for(user):
    return _visible(user, Cremation.objects.select_related("town", "village", "recorded_by"))


def publicity_for(user):
    return _visible(
        user,
        Activity.objects.filter(section=Section.WELFARE, kind__in=PUBLICITY_KINDS).select_related(
            "region__parent", "recorded_by"
        ),
    )


def residents_on(user, institution, date):
    """The persons living in the institution on that date: cases in payment that month and
    linked to it (特困 集中供养, 孤儿 集中). Case months are first-of-month, end exclusive."""
    month = date.replace(day=1)
    if not can_read_welfare(user):
        return Case.objects.none()
    # The section that runs the institutions sees who lives in them, whichever section's program
    # pays them (特困 and 孤儿 are 社会救助股's): names, masked numbers, program and month only.
    return (
        Case.objects.filter(institution=institution, status__in=[Case.Status.ACTIVE, Case.Status.ENDED])
        .filter(start_month__lte=month)
        .filter(Q(end_month__isnull=True) | Q(end_month__gt=month))
        .select_related("person", "program")
        .order_by("person__name")
    )


def pending_counts(user):
    return {
        "closures": closures_for(user).filter(status=ApprovalStatus.PENDING).count(),
        "milestones": milestone_reports_for(user).filter(status=ApprovalStatus.PENDING).count(),
    }
